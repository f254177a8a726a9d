import { add, callAten, cast, clip, matmul, mul, narrow, relu, sigmoid, stack, sub, tanh, tensor, transpose, where, type Tensor } from '../../tensor/index.js';
import { onDeviceOf } from './device.js';
import type { RecurrentInputs, RecurrentOutputs, RecurrentSpec } from './rnn-types.js';

const pick = (t: Tensor, i: number, dim = 0): Tensor => callAten('select', 'int', t, dim, i);

/** One direction's weights: W^T [I, G*H], R^T [H, G*H] and the two biases [G*H] (null when B is absent). */
type DirWeights = { wt: Tensor; rt: Tensor; wb: Tensor | null; rb: Tensor | null; p: Tensor | null };

function dirWeights(s: RecurrentSpec, ins: RecurrentInputs, d: number): DirWeights {
  const gh = ins.w.shape[1]!;
  const b = ins.b ? pick(ins.b, d) : null;
  return {
    wt: transpose(pick(ins.w, d), 0, 1),
    rt: transpose(pick(ins.r, d), 0, 1),
    wb: b ? narrow(b, 0, 0, gh) : null,
    rb: b ? narrow(b, 0, gh, gh) : null,
    p: ins.p && s.cell === 'LSTM' ? pick(ins.p, d) : null,
  };
}

const plus = (a: Tensor, b: Tensor | null): Tensor => (b ? add(a, b) : a);

/** One step of a cell: the new hidden state (and cell state), from the input part xg [B, G*H] and the old states. */
function step(s: RecurrentSpec, wd: DirWeights, xg: Tensor, h: Tensor, c: Tensor | null): { h: Tensor; c: Tensor | null } {
  const H = s.hidden;
  const gate = (t: Tensor, k: number): Tensor => narrow(t, 1, k * H, H);
  const cl = (t: Tensor): Tensor => (s.clip === null ? t : clip(t, -s.clip, s.clip));
  if (s.cell === 'RNN') {
    const pre = cl(plus(add(xg, matmul(h, wd.rt)), wd.rb));
    return { h: s.relu ? relu(pre) : tanh(pre), c: null };
  }
  if (s.cell === 'GRU') {
    const rt = wd.rt;
    const hzr = plus(matmul(h, narrow(rt, 1, 0, 2 * H)), wd.rb && narrow(wd.rb, 0, 0, 2 * H));
    const z = sigmoid(cl(add(gate(xg, 0), gate(hzr, 0))));
    const r = sigmoid(cl(add(gate(xg, 1), gate(hzr, 1))));
    const rh = narrow(rt, 1, 2 * H, H);
    const rbh = wd.rb && narrow(wd.rb, 0, 2 * H, H);
    const hh = s.linearBeforeReset ? mul(r, plus(matmul(h, rh), rbh)) : plus(matmul(mul(r, h), rh), rbh);
    const n = tanh(cl(add(gate(xg, 2), hh)));
    return { h: add(n, mul(z, sub(h, n))), c: null };
  }
  const pre = plus(add(xg, matmul(h, wd.rt)), wd.rb);
  const peep = (k: number, state: Tensor): Tensor => (wd.p ? mul(narrow(wd.p, 0, k * H, H), state) : callAten('zeros_like', '', state, null, null, null, null, null));
  const i = sigmoid(cl(add(gate(pre, 0), peep(0, c!))));
  const f = s.inputForget ? sub(callAten('ones_like', '', i, null, null, null, null, null), i) : sigmoid(cl(add(gate(pre, 2), peep(2, c!))));
  const cNew = add(mul(f, c!), mul(i, tanh(cl(gate(pre, 3)))));
  const o = sigmoid(cl(add(gate(pre, 1), peep(1, cNew))));
  return { h: mul(o, tanh(cNew)), c: cNew };
}

/**
 * The recurrence as a loop of ATen ops, one direction at a time (reverse runs t = T-1 .. 0). With sequence_lens,
 * steps at or past an entry's length leave its states unchanged and write zeros to Y, so Y_h holds each entry's
 * state at its last valid step in either direction, as ONNX defines.
 */
export function runRecurrentLoop(s: RecurrentSpec, ins: RecurrentInputs): RecurrentOutputs {
  const [steps, batch] = [ins.x.shape[0]!, ins.x.shape[1]!];
  const masks = ins.lens && Array.from({ length: steps }, (_, t) => {
    const m = ins.lens!.map((l) => (t < l ? 1 : 0));
    return { keep: onDeviceOf(tensor(Uint8Array.from(m), [batch, 1], 'bool'), ins.x), scale: onDeviceOf(cast(tensor(m, [batch, 1], 'float64'), ins.x.dtype), ins.x) };
  });
  const ys: Tensor[] = [];
  const hs: Tensor[] = [];
  const cs: Tensor[] = [];
  for (let d = 0; d < s.dirs; d++) {
    const wd = dirWeights(s, ins, d);
    const xw = plus(matmul(ins.x, wd.wt), wd.wb);
    let h = pick(ins.h0, d);
    let c = ins.c0 ? pick(ins.c0, d) : null;
    const out: Tensor[] = new Array<Tensor>(steps);
    const backward = s.reverse || d === 1;
    for (let k = 0; k < steps; k++) {
      const t = backward ? steps - 1 - k : k;
      const next = step(s, wd, pick(xw, t), h, c);
      const m = masks?.[t];
      out[t] = m ? mul(next.h, m.scale) : next.h;
      h = m ? where(m.keep, next.h, h) : next.h;
      c = m && c ? where(m.keep, next.c!, c) : next.c;
    }
    ys.push(stack(out, 0));
    hs.push(h);
    if (c) cs.push(c);
  }
  return { y: stack(ys, 1), h: stack(hs, 0), c: cs.length ? stack(cs, 0) : null };
}
