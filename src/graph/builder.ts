import { full, noGrad, ones, tensor, uniform, zeros, type Tensor } from '../tensor/index.js';
import { Graph } from './graph.js';
import type { Attrs, Dim, Initializer, InitializerKind, Node } from './ir.js';
import { float, int, ints, string } from './attrs.js';

export type ConvSpec = { stride?: number; padding?: number; groups?: number; bias?: boolean; dilation?: number };

/**
 * Builds graph IR models in code (the zoo), with PyTorch's default initialisation and PyTorch-style parameter names
 * (`features.0.weight`). Each method adds one node and returns the name of its output value; the builder tracks
 * channel counts so layers need only their output width.
 */
export class GraphBuilder {
  readonly #nodes: Node[] = [];
  readonly #inits = new Map<string, Initializer>();
  readonly #channels = new Map<string, number>();
  #count = 0;

  /** `input` is [C, H, W]; the batch dim is the symbol 'N'. */
  constructor(readonly name: string, readonly input: readonly [number, number, number], readonly inputName = 'input') {
    this.#channels.set(inputName, input[0]);
  }

  channels(v: string): number {
    const c = this.#channels.get(v);
    if (c === undefined) throw new Error(`GraphBuilder: unknown value '${v}'`);
    return c;
  }

  /** Adds an initializer (a parameter, buffer or constant) and returns its name. */
  tensor(name: string, t: Tensor, kind: InitializerKind): string {
    return this.#tensor(name, t, kind);
  }

  #tensor(name: string, t: Tensor, kind: InitializerKind): string {
    if (kind === 'param') t.requiresGrad = true;
    this.#inits.set(name, { tensor: t, kind });
    return name;
  }

  /** Adds a node; returns its output value name (`prefix` or op-typed and numbered). */
  node(opType: string, inputs: string[], attrs: Attrs = {}, channels?: number, prefix?: string): string {
    const id = prefix ?? `${opType.toLowerCase()}_${this.#count++}`;
    const out = id;
    this.#nodes.push({ name: id, opType, domain: '', inputs, outputs: [out], attrs });
    this.#channels.set(out, channels ?? this.#channels.get(inputs[0]!) ?? 0);
    return out;
  }

  conv(x: string, cout: number, k: number, name: string, s: ConvSpec = {}): string {
    const cin = this.channels(x);
    const groups = s.groups ?? 1;
    const bound = 1 / Math.sqrt((cin / groups) * k * k);
    const w = this.#tensor(`${name}.weight`, noGrad(() => uniform([cout, cin / groups, k, k], -bound, bound)), 'param');
    const b = s.bias === false ? null : this.#tensor(`${name}.bias`, noGrad(() => uniform([cout], -bound, bound)), 'param');
    const p = s.padding ?? 0;
    const d = s.dilation ?? 1;
    const attrs: Attrs = { kernel_shape: ints([k, k]), strides: ints([s.stride ?? 1, s.stride ?? 1]), pads: ints([p, p, p, p]), dilations: ints([d, d]), group: int(groups) };
    return this.node('Conv', b ? [x, w, b] : [x, w], attrs, cout, name);
  }

  bn(x: string, name: string): string {
    const c = this.channels(x);
    const names = ['weight', 'bias', 'running_mean', 'running_var'].map((n) => `${name}.${n}`);
    this.#tensor(names[0]!, ones([c]), 'param');
    this.#tensor(names[1]!, zeros([c]), 'param');
    this.#tensor(names[2]!, zeros([c]), 'buffer');
    this.#tensor(names[3]!, ones([c]), 'buffer');
    return this.node('BatchNormalization', [x, ...names], { epsilon: float(1e-5), momentum: float(0.9) }, c, name);
  }

  linear(x: string, out: number, name: string): string {
    const cin = this.channels(x);
    const bound = 1 / Math.sqrt(cin);
    const w = this.#tensor(`${name}.weight`, noGrad(() => uniform([out, cin], -bound, bound)), 'param');
    const b = this.#tensor(`${name}.bias`, noGrad(() => uniform([out], -bound, bound)), 'param');
    return this.node('Gemm', [x, w, b], { alpha: float(1), beta: float(1), transA: int(0), transB: int(1) }, out, name);
  }

  relu(x: string): string {
    return this.node('Relu', [x]);
  }

  /** ReLU6 as ONNX exports it: Clip with constant bounds. */
  relu6(x: string): string {
    const lo = this.#tensor(`const_${this.#count++}`, zeros([]), 'constant');
    const hi = this.#tensor(`const_${this.#count++}`, full([], 6), 'constant');
    return this.node('Clip', [x, lo, hi]);
  }

  add(a: string, b: string): string {
    return this.node('Add', [a, b]);
  }

  maxPool(x: string, k: number, stride = k, padding = 0): string {
    return this.node('MaxPool', [x], { kernel_shape: ints([k, k]), strides: ints([stride, stride]), pads: ints([padding, padding, padding, padding]), ceil_mode: int(0) });
  }

  globalAvgPool(x: string): string {
    return this.node('GlobalAveragePool', [x]);
  }

  /** Nearest-neighbour upsampling by a whole factor, as torch.nn.Upsample(scale_factor=f) exports (Resize, asymmetric, floor). */
  upsample(x: string, factor: number): string {
    const scales = this.#tensor(`const_${this.#count++}`, tensor(Float32Array.from([1, 1, factor, factor]), [4], 'float32'), 'constant');
    return this.node('Resize', [x, '', scales], { mode: string('nearest'), coordinate_transformation_mode: string('asymmetric'), nearest_mode: string('floor') });
  }

  /** Joins values along the channels (axis 1). */
  concat(values: readonly string[]): string {
    return this.node('Concat', [...values], { axis: int(1) }, values.reduce((c, v) => c + this.channels(v), 0));
  }

  /** Flatten at axis 1; features = channels * spatial positions (given when the spatial size is not 1x1). */
  flatten(x: string, features = this.channels(x)): string {
    return this.node('Flatten', [x], { axis: int(1) }, features);
  }

  /** Finishes the graph with `output` as its one output ('output', shape [N, classes, ...spatial]: per-pixel logits when given). */
  build(output: string, classes: number, metadata: Record<string, string> = {}, spatial: readonly number[] = []): Graph {
    const outName = 'output';
    const last = this.#nodes.find((n) => n.outputs[0] === output);
    if (!last) throw new Error(`GraphBuilder: '${output}' is not a node output`);
    this.#nodes[this.#nodes.indexOf(last)] = { ...last, outputs: [outName] };
    const shape: Dim[] = ['N', ...this.input];
    return new Graph({
      name: this.name,
      inputs: [{ name: this.inputName, dtype: 'float32', shape }],
      outputs: [{ name: outName, dtype: 'float32', shape: ['N', classes, ...spatial] }],
      nodes: this.#nodes,
      initializers: this.#inits,
      opset: 13,
      metadata,
    });
  }
}

