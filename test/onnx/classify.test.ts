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
