import { callAten, callAtenMany, cat, flip, narrow, permute, reshape, transpose, zeros, type Tensor } from '../../tensor/index.js';
import { attrFloat, attrInt, attrString } from '../../graph/index.js';
import type { Kernel, KernelContext } from '../kernel.js';
import { runRecurrentLoop } from './rnn-loop.js';
import { onDeviceOf } from './device.js';
import type { Cell, RecurrentInputs, RecurrentOutputs, RecurrentSpec } from './rnn-types.js';
import { intsOf, invalid, need, unsupported } from './util.js';

export const GATES: Readonly<Record<Cell, number>> = { RNN: 1, GRU: 3, LSTM: 4 };
const DEFAULT_ACTIVATIONS: Readonly<Record<Cell, readonly string[]>> = { RNN: ['Tanh'], GRU: ['Sigmoid', 'Tanh'], LSTM: ['Sigmoid', 'Tanh', 'Tanh'] };
/** PyTorch's gate order as positions of ONNX's chunks: LSTM iofc -> ifco (PyTorch's ifgo), GRU zrh -> rzh (rzn). */
const TORCH_ORDER: Readonly<Record<Cell, readonly number[]>> = { RNN: [0], GRU: [1, 0, 2], LSTM: [0, 2, 3, 1] };

function readSpec(ctx: KernelContext, cell: Cell, w: Tensor): RecurrentSpec {
  const direction = attrString(ctx.node, 'direction', 'forward');
  if (!['forward', 'reverse', 'bidirectional'].includes(direction)) invalid(ctx, `direction '${direction}' is not forward, reverse or bidirectional`);
  const dirs = direction === 'bidirectional' ? 2 : 1;
  const hidden = attrInt(ctx.node, 'hidden_size', w.shape[1]! / GATES[cell]);
  if (w.rank !== 3 || w.shape[0] !== dirs || w.shape[1] !== GATES[cell] * hidden) invalid(ctx, `W of shape [${w.shape.join(', ')}] for ${dirs} direction(s) of ${GATES[cell]} gates of hidden_size ${hidden}`);
  const a = ctx.node.attrs['activations'];
  const acts = a?.kind === 'strings' ? a.value : [];
  const defaults = DEFAULT_ACTIVATIONS[cell];
  const relu = cell === 'RNN' && acts.length > 0 && acts.every((s) => s === 'Relu');
  const isDefault = acts.every((s, i) => s === defaults[i % defaults.length]);
  if (acts.length && !relu && (!isDefault || acts.length !== defaults.length * dirs)) unsupported(ctx, `activations [${acts.join(', ')}] (only the defaults [${defaults.join(', ')}]${cell === 'RNN' ? ' or Relu' : ''})`);
  const clip = ctx.node.attrs['clip'] ? attrFloat(ctx.node, 'clip', 0) : null;
  if (clip !== null && !(clip > 0)) invalid(ctx, `clip ${clip} (must be positive)`);
  return {
    cell, dirs, reverse: direction === 'reverse', hidden, relu, clip,
    linearBeforeReset: attrInt(ctx.node, 'linear_before_reset', 0) === 1,
    inputForget: attrInt(ctx.node, 'input_forget', 0) === 1,
  };
}

function readInputs(inputs: readonly (Tensor | null)[], ctx: KernelContext, s: RecurrentSpec, batchFirst: boolean): RecurrentInputs {
  const xIn = need(inputs, 0, ctx);
  if (xIn.rank !== 3) invalid(ctx, `X of rank ${xIn.rank} (expected 3)`);
  const x = batchFirst ? transpose(xIn, 0, 1) : xIn;
  const [steps, batch] = [x.shape[0]!, x.shape[1]!];
  const state = (t: Tensor | null): Tensor | null => (t && batchFirst ? transpose(t, 0, 1) : t);
  const zerosState = (): Tensor => onDeviceOf(zeros([s.dirs, batch, s.hidden], { dtype: x.dtype }), x);
  let lens: number[] | null = inputs[4] ? intsOf(inputs[4]) : null;
  if (lens && (lens.length !== batch || lens.some((l) => l < 0 || l > steps))) invalid(ctx, `sequence_lens [${lens.join(', ')}] for batch ${batch} and ${steps} steps`);
  if (lens?.every((l) => l === steps)) lens = null;
  return {
    x, w: need(inputs, 1, ctx), r: need(inputs, 2, ctx), b: inputs[3] ?? null, lens,
    h0: state(inputs[5] ?? null) ?? zerosState(),
    c0: s.cell === 'LSTM' ? state(inputs[6] ?? null) ?? zerosState() : null,
    p: s.cell === 'LSTM' ? inputs[7] ?? null : null,
  };
}

/** Reorders the gate chunks of a [G*H, ...] tensor from ONNX's order to PyTorch's. */
function torchGates(t: Tensor, s: RecurrentSpec): Tensor {
  if (s.cell === 'RNN') return t;
  return cat(TORCH_ORDER[s.cell].map((k) => narrow(t, 0, k * s.hidden, s.hidden)), 0);
}

/** PyTorch's flat weights: per direction w_ih, w_hh (and b_ih, b_hh), gates reordered. */
function flatWeights(s: RecurrentSpec, ins: RecurrentInputs): Tensor[] {
  const gh = GATES[s.cell] * s.hidden;
  const out: Tensor[] = [];
  for (let d = 0; d < s.dirs; d++) {
    const pick = (t: Tensor): Tensor => callAten('select', 'int', t, 0, d);
    out.push(torchGates(pick(ins.w), s), torchGates(pick(ins.r), s));
    if (ins.b) out.push(torchGates(narrow(pick(ins.b), 0, 0, gh), s), torchGates(narrow(pick(ins.b), 0, gh, gh), s));
  }
  return out;
}

/** The cases PyTorch's fused kernels compute exactly as ONNX defines them. */
const fusable = (s: RecurrentSpec, ins: RecurrentInputs): boolean =>
  ins.lens === null && s.clip === null && !s.inputForget && ins.p === null && (s.cell !== 'GRU' || s.linearBeforeReset);

/** One fused aten::lstm / gru / rnn_tanh / rnn_relu call; a reverse-only node runs forward on the flipped sequence. */
function runFused(s: RecurrentSpec, ins: RecurrentInputs): RecurrentOutputs {
  const x = s.reverse ? flip(ins.x, [0]) : ins.x;
  const params = flatWeights(s, ins);
  const args = [params, ins.b !== null, 1, 0, true, s.dirs === 2, false];
  const name = s.cell === 'LSTM' ? 'lstm' : s.cell === 'GRU' ? 'gru' : s.relu ? 'rnn_relu' : 'rnn_tanh';
  const outs = s.cell === 'LSTM' ? callAtenMany(name, 'input', x, [ins.h0, ins.c0!], ...args) : callAtenMany(name, 'input', x, ins.h0, ...args);
  const [steps, batch] = [x.shape[0]!, x.shape[1]!];
  const y = permute(reshape(outs[0]!, [steps, batch, s.dirs, s.hidden]), [0, 2, 1, 3]);
  return { y: s.reverse ? flip(y, [0]) : y, h: outs[1]!, c: outs[2] ?? null };
}

/**
 * RNN, GRU and LSTM (opsets 7 and 14: layout). PyTorch's fused kernels where they compute what ONNX defines; a loop
 * of ATen ops (autograd intact) for GRU without linear_before_reset, LSTM peepholes, input_forget, clip and uneven
 * sequence_lens. Outputs Y [T, D, B, H] (layout 1: [B, T, D, H]), Y_h and Y_c [D, B, H] (layout 1: [B, D, H]).
 */
function recurrent(cell: Cell): Kernel {
  return (inputs, ctx) => {
    const s = readSpec(ctx, cell, need(inputs, 1, ctx));
    const batchFirst = attrInt(ctx.node, 'layout', 0) === 1;
    const ins = readInputs(inputs, ctx, s, batchFirst);
    const o = fusable(s, ins) ? runFused(s, ins) : runRecurrentLoop(s, ins);
    const state = (t: Tensor): Tensor => (batchFirst ? transpose(t, 0, 1) : t);
    return [batchFirst ? permute(o.y, [2, 0, 1, 3]) : o.y, state(o.h), ...(o.c ? [state(o.c)] : [])];
  };
}

export const rnnKernels: Record<string, Kernel> = { RNN: recurrent('RNN'), GRU: recurrent('GRU'), LSTM: recurrent('LSTM') };
