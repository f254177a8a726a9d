import { noGrad } from '../tensor/index.js';
import type { Dim, Node, ValueInfo } from '../graph/index.js';
import { fromSmall, type Known, type Small } from './fold-eval.js';
import type { Draft } from './fold.js';
import { Probe } from './probe.js';
import { int64, placements, resolveTarget, type BatchPlace, type Put } from './batch-place.js';
import { broadcastPartners } from './batch-broadcast.js';

/** The symbol a freed batch gets in the graph's inputs and outputs (students are written with it). */
export const BATCH_SYMBOL = 'N';

/** Ops whose constant operands may hold the export batch; a graph without any only has its inputs relabelled. */
const SENSITIVE = new Set(['Reshape', 'Expand', 'Tile', 'ConstantOfShape', 'Range', 'Concat', 'RNN', 'GRU', 'LSTM']);
/** Ops that read a batch-carrying value and legitimately make a batch-free one (its shape, as data). */
const SHAPE_READERS = new Set(['Shape', 'Size']);
/** Walks the search makes across ambiguous Reshapes before it refuses (each costs two runs of the graph on zeros). */
const MAX_ATTEMPTS = 8;

export type FreedBatch = {
  draft: Draft;
  /**
   * When the export batch was 1 and it was freed: what the proof's walks learnt of every value of the freed draft at
   * batch 1 and batch 2, which are the walks foldDraft would make next (it takes them instead).
   */
  walks?: [Map<string, Known>, Map<string, Known>];
  /** Set when the graph stays at its export batch: the batch and why (a node and what to do), for the executor. */
  fixed: { batch: number; reason: string } | null;
};

class Refusal extends Error {
  constructor(readonly node: string, readonly why: string) {
    super(`node '${node}': ${why}`);
  }
}

/** The walk could not evaluate a node (no kernel, an unknown input): nothing is proven either way. */
class Unknown extends Refusal {}

/** Runs a node in one walk; an Unknown when it cannot (the executor reports real errors when the model runs). */
function runIn(p: Probe, n: Node, where: string): void {
  let ok: boolean;
  try {
    ok = p.run(n);
  } catch (e) {
    throw new Unknown(n.name, `(${n.opType}) fails ${where}: ${e instanceof Error ? e.message : String(e)}`);
  }
  if (!ok) throw new Unknown(n.name, `(${n.opType}) could not be evaluated ${where}`);
}

/**
 * Frees the batch of a model exported with a fixed one (torch.onnx.export without dynamic_axes): every input whose
 * first dim is the same number b0 (the other dims static) gets the symbolic batch 'N', and every constant that stands
 * for the batch is rewritten. The proof is a walk of the graph at b0 and at b0 + 1 side by side, node by node: a value
 * follows the batch on the axis whose size differs between the walks. A Reshape with a constant target whose input
 * follows the batch gets the target that keeps each sample's elements together at any batch (see placements), the
 * batch's entry written -1 and the others as the sizes at b0; an input of Concat (or an RNN's initial state) that
 * holds b0 = 1 where its partners hold the batch is broadcast to it with an Expand to a Shape-derived size. The
 * rewrite holds when the walk at b0 + 1 runs through, no value carries the batch on two axes (samples would mix), and
 * every graph output carries it whole on its first axis; where a Reshape admits several placements the next ones are
 * tried. Otherwise the draft comes back unchanged with the reason, naming the node (the executor refuses other
 * batches with it). Graphs without the ops that hold such constants only get their inputs and outputs relabelled.
 */
export function freeFixedBatch(d: Draft): FreedBatch {
  const b0 = exportBatch(d.inputs);
  if (b0 === null) return { draft: d, fixed: null };
  if (!d.nodes.some((n) => n.domain === '' && SENSITIVE.has(n.opType))) return { draft: relabel(d, d.nodes, d.inits, b0), fixed: null };
  const choices = new Map<string, number>();
  let first: Refusal | null = null;
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    const points: { node: string; count: number }[] = [];
    let r: ReturnType<typeof tryFree>;
    try {
      r = noGrad(() => tryFree(d, b0, choices, points));
    } catch (e) {
      r = new Unknown('', `walk failed: ${e instanceof Error ? e.message : String(e)}`);
    }
    if (!(r instanceof Refusal)) return { draft: r.draft, fixed: null, ...(b0 === 1 ? { walks: r.walks } : {}) };
    // Not analysable (an op without a kernel, which the import reports): the file stays as it was read.
    if (r instanceof Unknown && !first) return { draft: d, fixed: null };
    if (r instanceof Unknown) break;
    first ??= r;
    let i = points.length - 1;
    while (i >= 0 && (choices.get(points[i]!.node) ?? 0) + 1 >= points[i]!.count) choices.delete(points[i--]!.node);
    if (i < 0) break;
    choices.set(points[i]!.node, (choices.get(points[i]!.node) ?? 0) + 1);
  }
  const axes = [...d.inputs, ...d.outputs].map((v) => `'${v.name}': {0: 'N'}`).join(', ');
  const reason = `the model was exported with a fixed batch of ${b0} that whittle cannot free: node '${first!.node}' ${first!.why}; ` +
    `re-export it with torch.onnx.export(..., dynamic_axes={${axes}})`;
  return { draft: d, fixed: { batch: b0, reason } };
}

/** The batch every input was exported with, or null (a symbolic batch, inputs that disagree, other dims unknown). */
function exportBatch(inputs: readonly ValueInfo[]): number | null {
  if (inputs.length === 0) return null;
  let b: number | null = null;
  for (const i of inputs) {
    const s = i.shape;
    if (!s || s.length === 0 || s.some((v) => typeof v !== 'number')) return null;
    if (b !== null && s[0] !== b) return null;
    b = s[0] as number;
  }
  return b !== null && b > 0 ? b : null;
}

const withBatch = (v: ValueInfo): ValueInfo => ({ ...v, shape: [BATCH_SYMBOL, ...(v.shape as Dim[]).slice(1)] });

/**
 * The draft with the symbolic batch in its inputs and in the outputs declared with the export batch, or (`proven`:
 * the walks showed every output carries the batch on its first axis) with any symbol the exporter gave them there.
 */
function relabel(d: Draft, nodes: Node[], inits: Draft['inits'], b0: number, proven = false): Draft {
  const batchDim = (o: ValueInfo): boolean => o.shape?.[0] === b0 || (proven && typeof o.shape?.[0] === 'string');
  return { ...d, nodes, inits, inputs: d.inputs.map(withBatch), outputs: d.outputs.map((o) => (batchDim(o) ? withBatch(o) : o)) };
}

const same = (a: Small | undefined, b: Small | undefined): boolean =>
  !!a && !!b && a.shape.length === b.shape.length && a.data.length === b.data.length && a.data.every((v, i) => v === b.data[i]);

/** One attempt with the given choices at ambiguous Reshapes: the freed draft, or why not. */
function tryFree(d: Draft, b0: number, choices: ReadonlyMap<string, number>, points: { node: string; count: number }[]): { draft: Draft; walks: [Map<string, Known>, Map<string, Known>] } | Refusal {
  const b1 = b0 + 1;
  const shapes = (b: number): Record<string, number[]> =>
    Object.fromEntries(d.inputs.map((i) => [i.name, [b, ...(i.shape as number[]).slice(1)]]));
  const inits = new Map(d.inits);
  const work: Draft = { ...d, inits };
  const p1 = new Probe(work, b0, shapes(b0));
  const p2 = new Probe(work, b1, shapes(b1));
  const used = new Set<string>([...d.nodes.flatMap((n) => [...n.inputs, ...n.outputs]), ...d.inputs.map((i) => i.name), ...inits.keys()]);
  const fresh = (hint: string): string => {
    let name = hint;
    for (let k = 1; used.has(name); k++) name = `${hint}_${k}`;
    used.add(name);
    return name;
  };
  const put = (hint: string, s: Small): string => {
    const name = fresh(hint);
    inits.set(name, { data: fromSmall(s), fromConstant: true });
    p1.constant(name, s);
    p2.constant(name, s);
    return name;
  };
  const place = new Map<string, BatchPlace>();
  for (const i of d.inputs) place.set(i.name, { axis: 0, p: 1, q: 1 });
  const out: Node[] = [];
  const runBoth = (n: Node): void => {
    runIn(p1, n, `at the export batch ${b0}`);
    runIn(p2, n, `at batch ${b1}`);
  };
  try {
    for (const orig of d.nodes) {
      let n = orig;
      runIn(p1, n, `at the export batch ${b0}`);
      let forced: BatchPlace | null = null;
      if (n.domain === '' && n.opType === 'Reshape') {
        const r = reshapeRule(n, p1, p2, place, b0, choices, points, put);
        if (r instanceof Refusal) return r;
        n = r.node;
        forced = r.place;
      }
      try {
        if (!p2.run(n)) return new Unknown(n.name, `(${n.opType}) could not be evaluated at batch ${b1}`);
      } catch (e) {
        const patched = b0 === 1 ? broadcastPartners(n, p1, p2, place, put, fresh, runBoth, out) : null;
        if (!patched) return new Refusal(n.name, `(${n.opType}) fails at batch ${b1}: ${e instanceof Error ? e.message : String(e)}`);
        n = patched;
        try {
          if (!p2.run(n)) return new Unknown(n.name, `(${n.opType}) could not be evaluated at batch ${b1}`);
        } catch (e2) {
          return new Refusal(n.name, `(${n.opType}) fails at batch ${b1}: ${e2 instanceof Error ? e2.message : String(e2)}`);
        }
      }
      const bad = track(n, p1, p2, place, b0, forced);
      if (bad) return bad;
      out.push(n);
      p1.release(orig);
      p2.release(orig);
    }
  } catch (e) {
    if (e instanceof Refusal) return e;
    throw e;
  } finally {
    p1.dispose();
    p2.dispose();
  }
  for (const o of d.outputs) {
    const at = place.get(o.name);
    if (!at || at.axis !== 0 || at.p !== 1 || at.q !== 1) {
      const producer = out.find((n) => n.outputs.includes(o.name));
      const why = `makes graph output '${o.name}', which does not carry the batch whole on its first axis`;
      return new Refusal(producer?.name ?? o.name, why);
    }
  }
  return { draft: relabel(d, out, inits, b0, true), walks: [p1.known, p2.known] };
}

/** Where each output of n carries the batch, from its shapes in the two walks; a refusal when it mixes samples. */
function track(n: Node, p1: Probe, p2: Probe, place: Map<string, BatchPlace>, b0: number, forced: BatchPlace | null): Refusal | null {
  const fromInputs = n.inputs.map((i) => place.get(i)).filter((p): p is BatchPlace => !!p);
  let produced = false;
  for (const o of n.outputs) {
    if (!o) continue;
    const s1 = p1.shape(o);
    const s2 = p2.shape(o);
    if (!s1 || !s2) continue;
    const diff = s1.flatMap((v, i) => (v !== s2[i] ? [i] : []));
    if (s1.length !== s2.length) return new Refusal(n.name, `(${n.opType}) gives outputs of different ranks at different batches`);
    if (diff.length === 0) continue;
    if (diff.length > 1) {
      return new Refusal(n.name, `(${n.opType}) gives an output with the batch on ${diff.length} axes (it would mix samples)`);
    }
    const axis = diff[0]!;
    const m = s2[axis]! - s1[axis]!;
    if (m <= 0 || s1[axis] !== b0 * m) {
      return new Refusal(n.name, `(${n.opType}) gives an output whose axis ${axis} does not grow with the batch`);
    }
    if (forced && forced.axis === axis && forced.p * forced.q === m) {
      place.set(o, forced);
    } else {
      const like = fromInputs.find((p) => p.p * p.q === m);
      place.set(o, like ? { axis, p: like.p, q: like.q } : m === 1 ? { axis, p: 1, q: 1 } : { axis, p: NaN, q: NaN });
    }
    produced = true;
  }
  const tensorOut = n.outputs.some((o) => o && (p1.shape(o)?.length ?? 0) > 0 && !p1.small(o));
  if (!produced && fromInputs.length && !SHAPE_READERS.has(n.opType) && tensorOut) {
    return new Refusal(n.name, `(${n.opType}) reads a value that carries the batch and gives one that does not`);
  }
  return null;
}


/** A Reshape whose constant target holds the export batch: the target that keeps samples apart at any batch. */
function reshapeRule(
  n: Node, p1: Probe, p2: Probe, place: Map<string, BatchPlace>, b0: number,
  choices: ReadonlyMap<string, number>, points: { node: string; count: number }[], put: Put,
): { node: Node; place: BatchPlace | null } | Refusal {
  const [x, t] = [n.inputs[0]!, n.inputs[1]];
  const at = place.get(x);
  const c1 = t ? p1.small(t) : undefined;
  if (!at || !t || !same(c1, p2.small(t))) return { node: n, place: null };
  const shown = `[${c1!.data.join(', ')}]`;
  if (Number.isNaN(at.p)) {
    const why = `where the batch sits inside axis ${at.axis} of its input is unknown, so which entry of the target ${shown} is the batch cannot be proven`;
    return new Refusal(n.name, `(Reshape): ${why}`);
  }
  const in1 = p1.shape(x)!;
  const in2 = p2.shape(x)!;
  const out1 = p1.shape(n.outputs[0]!)!;
  const cands = placements(in1, at, out1, b0);
  if (cands.length === 0) return new Refusal(n.name, `(Reshape): no entry of the target ${shown} can hold the batch without mixing samples`);
  if (cands.length > 1) points.push({ node: n.name, count: cands.length });
  const c = cands[Math.min(choices.get(n.name) ?? 0, cands.length - 1)]!;
  const b1 = p2.batch;
  const want = out1.map((v, i) => (i === c.j ? c.p * b1 * c.q : v));
  const allowZero = n.attrs['allowzero']?.kind === 'int' && n.attrs['allowzero'].value === 1;
  const asIs = resolveTarget(c1!.data, in2, allowZero);
  const placed = { axis: c.j, p: c.p, q: c.q };
  if (asIs && asIs.every((v, i) => v === want[i])) return { node: n, place: placed };
  const target = out1.map((v, i) => (i === c.j ? -1 : v));
  return { node: { ...n, inputs: [x, put(`${n.name}_batch_shape`, int64(target)), ...n.inputs.slice(2)] }, place: placed };
}
