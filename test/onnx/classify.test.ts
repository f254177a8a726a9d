import { test } from 'node:test';
import assert from 'node:assert/strict';
import { classifyInitializers } from '../../src/onnx/classify.js';
import type { Node } from '../../src/graph/index.js';

const node = (name: string, opType: string, inputs: string[], outputs: string[]): Node => ({ name, opType, domain: '', inputs, outputs, attrs: {} });

test('a per-channel tensor scaling an activation is a param (ConvNeXt layer scale); scalar factors and input scaling stay constants', () => {
  const nodes = [
    node('pre', 'Mul', ['input', 'std_inv'], ['x0']),
    node('conv', 'Conv', ['x0', 'w', 'b'], ['x1']),
    node('ls', 'Mul', ['layer_scale', 'x1'], ['x2']),
    node('half', 'Mul', ['x2', 'half'], ['x3']),
  ];
  const dtypes = new Map(['std_inv', 'w', 'b', 'layer_scale', 'half'].map((n) => [n, 'float32']));
  const numels = new Map([['std_inv', 3], ['w', 27], ['b', 1], ['layer_scale', 1 * 1], ['half', 1]]);
  numels.set('layer_scale', 8);
  const kinds = classifyInitializers(nodes, dtypes, numels);
  assert.equal(kinds.get('layer_scale'), 'param');
  assert.equal(kinds.get('w'), 'param');
  assert.equal(kinds.get('half'), 'constant');
  assert.equal(kinds.get('std_inv'), 'constant', 'scaling the graph input is preprocessing, not a weight');
});

test('an embedding table, a token Expand broadcasts and a position embedding are params; a bias of rank 1 and Gather indices are not changed', () => {
  const nodes = [
    node('emb', 'Gather', ['table', 'tokens'], ['e']),
    node('cls', 'Expand', ['class_token', 'expand_shape'], ['c']),
    node('cat', 'Concat', ['c', 'e'], ['s']),
    node('pos', 'Add', ['s', 'pos_embedding'], ['p']),
    node('shift', 'Add', ['p', 'offset'], ['q']),
    node('pick', 'Gather', ['q', 'index'], ['y']),
  ];
  const dtypes = new Map([['table', 'float32'], ['class_token', 'float32'], ['expand_shape', 'int64'], ['pos_embedding', 'float32'], ['offset', 'float32'], ['index', 'int64']]);
  const numels = new Map([['table', 1600], ['class_token', 16], ['expand_shape', 3], ['pos_embedding', 208], ['offset', 16], ['index', 1]]);
  const shapes = new Map([['table', [100, 16]], ['class_token', [1, 1, 16]], ['expand_shape', [3]], ['pos_embedding', [1, 13, 16]], ['offset', [16]], ['index', [1]]]);
  const kinds = classifyInitializers(nodes, dtypes, numels, shapes);
  assert.equal(kinds.get('table'), 'param');
  assert.equal(kinds.get('class_token'), 'param');
  assert.equal(kinds.get('pos_embedding'), 'param');
  assert.equal(kinds.get('expand_shape'), 'constant');
  assert.equal(kinds.get('offset'), 'constant', 'a rank-1 Add that no MatMul or Conv precedes stays a constant');
  assert.equal(kinds.get('index'), 'constant');
});
