import { runtimeNamed, timeAlternating, type RuntimeSession, type RuntimeTensor } from '../runtime/index.js';

/** What the speed search may change in an int8 model: layers left in float, and channel groups widened with zero
 * channels (by group name) to a width onnxruntime's int8 kernels run faster. */
export type Variant = { readonly exclude: ReadonlySet<string>; readonly widths: ReadonlyMap<string, number> };

/** A model written for a variant: its bytes, and each node's MACs per image (after widening). */
export type Built = { bytes: Uint8Array; macs: ReadonlyMap<string, number> };

/** One change tried: a layer left in float, or a group widened from `width[0]` to `width[1]` channels; `ratio` is the
 * whole model's time with the change over its time without (the geometric mean over the batches timed), `kept`
 * whether the model keeps it. */
export type SpeedTrial = { change: 'float' | 'pad'; layer: string; width?: [number, number]; ratio: number; kept: boolean };

/** A change is kept when the model runs in at most this fraction of its time without it, in two timings in a row. */
const GAIN = 0.97;
/** Layers whose int8 kernel does fewer MACs per microsecond than this fraction of the model's median int8 kernel are
 * tried in float (an int8 kernel for 1 to 3 input channels can be several times slower than float's). */
const SLOW = 0.5;
/** Profiled runs that give each int8 kernel's time. */
const PROFILED_RUNS = 10;

/** The width a narrow group is tried at: onnxruntime's int8 convolutions (MLAS's symmetric kernels) want at least 16
 * output channels, in multiples of 8; null when the group already has such a width. */
export function int8Width(width: number): number | null {
  const w = Math.max(16, Math.ceil(width / 8) * 8);
  return w === width ? null : w;
}

/** The model's original node of a kernel in onnxruntime's profile: a fused QDQ group is named after its node, plus
 * `_token_N`. */
const originalNode = (kernel: string): string => kernel.replace(/_token_\d+$/, '');

/** Each of `layers`' int8 kernel speed in MACs per microsecond, from onnxruntime-node's profile at `feeds`. */
async function kernelSpeeds(model: Built, layers: readonly string[], feeds: Readonly<Record<string, RuntimeTensor>>, threads: number): Promise<Map<string, number>> {
  const s = await runtimeNamed('onnxruntime-node').open(model.bytes, { threads, profile: true });
  let profiled;
  try {
    for (let i = 0; i < PROFILED_RUNS; i++) await s.run(feeds);
    profiled = (await s.endProfiling()) ?? [];
  } finally {
    await s.release();
  }
  const batch = Object.values(feeds)[0]!.dims[0] ?? 1;
  const times = new Map<string, number[]>();
  for (const p of profiled) {
    const node = originalNode(p.node);
    if (layers.includes(node)) times.set(node, [...(times.get(node) ?? []), p.micros]);
  }
  const speeds = new Map<string, number>();
  for (const [node, t] of times) {
    t.sort((a, b) => a - b);
    const micros = t[Math.floor(t.length / 2)]!;
    const macs = (model.macs.get(node) ?? 0) * batch;
    if (macs > 0 && micros > 0) speeds.set(node, macs / micros);
  }
  return speeds;
}

/** The geometric mean over the feeds of the time of `b` over the time of `a`, timed side by side. */
async function timeRatio(a: RuntimeSession, b: RuntimeSession, feeds: readonly Readonly<Record<string, RuntimeTensor>>[]): Promise<number> {
  let log = 0;
  for (const x of feeds) {
    const [ta, tb] = await timeAlternating([{ session: a, feeds: x }, { session: b, feeds: x }], { maxSeconds: 3 });
    log += Math.log(tb!.medianMs / ta!.medianMs);
  }
  return Math.exp(log / feeds.length);
}

/**
 * Makes an int8 model faster in onnxruntime-node by measurement, changing nothing it computes: first each narrow
 * group of `groups` (name and width) is tried widened with zero channels to int8Width; then the model is profiled at
 * the last of `feeds` (the largest batch), and each of `layers` whose int8 kernel runs under SLOW of the median kernel's
 * MACs per microsecond is tried in float, slowest first. A change is kept when the whole model, timed side by side
 * with the current one at every batch of `feeds`, takes at most GAIN of its time (geometric mean over the batches)
 * in two timings in a row. `build` writes the model of a variant.
 */
export async function int8SpeedSearch(start: Variant, layers: readonly string[], groups: readonly { name: string; width: number }[], build: (v: Variant) => Built, feeds: readonly Readonly<Record<string, RuntimeTensor>>[], threads: number, say: (m: string) => void = () => {}): Promise<{ variant: Variant; model: Built; trials: SpeedTrial[] }> {
  let variant: Variant = { exclude: new Set(start.exclude), widths: new Map(start.widths) };
  let model = build(variant);
  const trials: SpeedTrial[] = [];
  const open = (b: Uint8Array): Promise<RuntimeSession> => runtimeNamed('onnxruntime-node').open(b, { threads });
  let current = await open(model.bytes);
  const attempt = async (trial: Variant, t: Omit<SpeedTrial, 'ratio' | 'kept'>): Promise<void> => {
    const built = build(trial);
    const s = await open(built.bytes);
    let kept = false;
    try {
      let ratio = await timeRatio(current, s, feeds);
      if (ratio <= GAIN) ratio = Math.max(ratio, await timeRatio(current, s, feeds));
      kept = ratio <= GAIN;
      trials.push({ ...t, ratio, kept });
      const what = t.change === 'pad' ? `widened from ${t.width![0]} to ${t.width![1]} channels` : 'in float';
      say(`  ${t.layer} ${what}: the model takes ${ratio.toFixed(2)} of its time${kept ? ', kept' : ', not kept'}`);
    } finally {
      if (!kept) await s.release();
    }
    if (!kept) return;
    await current.release();
    current = s;
    variant = trial;
    model = built;
  };
  try {
    for (const g of groups) {
      const to = int8Width(g.width);
      if (to !== null) await attempt({ exclude: variant.exclude, widths: new Map([...variant.widths, [g.name, to]]) }, { change: 'pad', layer: g.name, width: [g.width, to] });
    }
    const tried = layers.filter((l) => !variant.exclude.has(l));
    const speeds = tried.length ? await kernelSpeeds(model, tried, feeds[feeds.length - 1]!, threads) : new Map<string, number>();
    const sorted = [...speeds.values()].sort((a, b) => a - b);
    const median = sorted[Math.floor(sorted.length / 2)] ?? 0;
    const slow = [...speeds].filter(([, v]) => v < SLOW * median).sort((a, b) => a[1] - b[1]).map(([n]) => n);
    for (const node of slow) await attempt({ exclude: new Set([...variant.exclude, node]), widths: variant.widths }, { change: 'float', layer: node });
  } finally {
    await current.release();
  }
  return { variant, model, trials };
}
