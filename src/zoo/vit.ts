import { full, keep, mul, noGrad, ones, randn, tensor, tidy, uniform, zeros } from '../tensor/index.js';
import { int, ints, type Graph, GraphBuilder } from '../graph/index.js';
import type { ZooSpec } from './spec.js';

/** vit-tiny's shape: patch side, embedding width, encoder layers, heads, MLP width. */
const PATCH = 4;
const WIDTH = 64;
const DEPTH = 4;
const HEADS = 4;
const MLP = 128;

/**
 * A small Vision Transformer written as `torch.onnx.export` writes torchvision's ViT at opset 13 (so that the
 * pruner's attention, MLP and embedding rules apply as to a real export): patch Conv, flatten and transpose to
 * [N, P, E], class token (Expand + Concat), position embedding, pre-norm encoder layers of nn.MultiheadAttention
 * (tokens-first [T, N, E], one packed [E, 3E] projection sliced into Q, K, V, heads folded as [T, N·H, D]) and an
 * MLP with the Erf form of GELU, LayerNorms in their decomposed form, the class token's final norm into the head.
 */
export function vitTiny({ input, classes }: ZooSpec): Graph {
  const [, h, w] = input;
  if (h % PATCH || w % PATCH) throw new Error(`vit-tiny: input ${h}x${w} is not a multiple of the patch side ${PATCH}`);
  const P = (h / PATCH) * (w / PATCH);
  const T = P + 1;
  const D = WIDTH / HEADS;
  const b = new GraphBuilder('vit-tiny', input);
  const k = (name: string, values: number[]): string => b.tensor(name, tensor(values, [values.length], 'int64'), 'constant');
  const f = (name: string, v: number): string => b.tensor(name, full([], v), 'constant');
  const param = (name: string, shape: number[], bound: number): string => b.tensor(name, noGrad(() => uniform(shape, -bound, bound)), 'param');
  let count = 0;
  const op = (type: string, inputs: string[], attrs = {}, cOut?: number): string => b.node(type, inputs, attrs, cOut, `${type.toLowerCase()}_${count++}`);
  const linear = (x: string, cin: number, cout: number, name: string): string => {
    const bound = 1 / Math.sqrt(cin);
    return op('Add', [param(`${name}.bias`, [cout], bound), b.node('MatMul', [x, param(`${name}.weight_t`, [cin, cout], bound)], {}, cout, name)], {}, cout);
  };
  const layerNorm = (x: string, name: string): string => {
    const wgt = b.tensor(`${name}.weight`, ones([WIDTH]), 'param');
    const bias = b.tensor(`${name}.bias`, zeros([WIDTH]), 'param');
    const mean = op('ReduceMean', [x], { axes: ints([-1]), keepdims: int(1) });
    const d = op('Sub', [x, mean]);
    const v = op('ReduceMean', [op('Pow', [d, f(`${name}.two`, 2)])], { axes: ints([-1]), keepdims: int(1) });
    const y = op('Div', [d, op('Sqrt', [op('Add', [v, f(`${name}.eps`, 1e-6)])])]);
    return op('Add', [op('Mul', [y, wgt]), bias]);
  };

  let x = b.conv('input', WIDTH, PATCH, 'conv_proj', { stride: PATCH });
  x = op('Transpose', [op('Reshape', [x, k('patches.shape', [-1, WIDTH, P])])], { perm: ints([0, 2, 1]) });
  const batch = op('Gather', [op('Shape', [x]), k('batch.index', [0])], { axis: int(0) });
  const cls = op('Expand', [b.tensor('class_token', zeros([1, 1, WIDTH]), 'param'), op('Concat', [batch, k('class_token.ones', [1, 1])], { axis: int(0) })]);
  x = op('Concat', [cls, x], { axis: int(1) });
  x = op('Add', [x, b.tensor('encoder.pos_embedding', noGrad(() => tidy(() => keep(mul(randn([1, T, WIDTH]), 0.02)))), 'param')]);
  for (let l = 0; l < DEPTH; l++) {
    const name = `encoder.layers.encoder_layer_${l}`;
    // self-attention, tokens first as nn.MultiheadAttention computes it
    const a = op('Transpose', [layerNorm(x, `${name}.ln_1`)], { perm: ints([1, 0, 2]) });
    const qkv = linear(a, WIDTH, 3 * WIDTH, `${name}.self_attention.in_proj`);
    const part = (i: number): string => op('Slice', [qkv, k(`${name}.qkv${i}.starts`, [i * WIDTH]), k(`${name}.qkv${i}.ends`, [(i + 1) * WIDTH]), k(`${name}.qkv${i}.axes`, [-1])]);
    const heads = (v: string): string => op('Reshape', [v, k(`${name}.heads${count}`, [T, -1, D])]);
    const q = op('Div', [op('Transpose', [heads(part(0))], { perm: ints([1, 0, 2]) }), f(`${name}.scale`, Math.sqrt(D))]);
    const kt = op('Transpose', [heads(part(1))], { perm: ints([1, 2, 0]) });
    const v = op('Transpose', [heads(part(2))], { perm: ints([1, 0, 2]) });
    const attn = op('Softmax', [op('MatMul', [q, kt])], { axis: int(-1) });
    const ctx = op('Reshape', [op('Transpose', [op('MatMul', [attn, v])], { perm: ints([1, 0, 2]) }), k(`${name}.merge`, [-1, WIDTH])], {}, WIDTH);
    const bound = 1 / Math.sqrt(WIDTH);
    const out = b.node('Gemm', [ctx, param(`${name}.self_attention.out_proj.weight`, [WIDTH, WIDTH], bound), param(`${name}.self_attention.out_proj.bias`, [WIDTH], bound)], { transB: int(1) }, WIDTH, `${name}.self_attention.out_proj`);
    x = op('Add', [op('Transpose', [op('Reshape', [out, k(`${name}.unmerge`, [T, -1, WIDTH])])], { perm: ints([1, 0, 2]) }), x]);
    // MLP: Linear, GELU (Erf form), Linear
    const hid = linear(layerNorm(x, `${name}.ln_2`), WIDTH, MLP, `${name}.mlp.0`);
    const gelu = op('Mul', [op('Mul', [hid, op('Add', [op('Erf', [op('Div', [hid, f(`${name}.sqrt2`, Math.SQRT2)])]), f(`${name}.one`, 1)])]), f(`${name}.half`, 0.5)]);
    x = op('Add', [x, linear(gelu, MLP, WIDTH, `${name}.mlp.3`)]);
  }
  const token = op('Gather', [layerNorm(x, 'encoder.ln'), b.tensor('class_token.index', tensor([0], [], 'int64'), 'constant')], { axis: int(1) }, WIDTH);
  return b.build(b.linear(token, classes, 'heads.head'), classes);
}
