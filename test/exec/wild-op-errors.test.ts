// Issue 33's kernels refuse what they cannot compute with one message naming the node, the op and the value.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { float, int, string, type Attrs } from '../../src/graph/index.js';
import { tensor, zeros, type Tensor } from '../../src/tensor/index.js';
import { i64, runNode } from './run-node.js';

const f = (shape: number[]): Tensor => zeros(shape);

const CASES: { what: string; op: string; inputs: () => (Tensor | null)[]; attrs?: Attrs; message: RegExp }[] = [
  { what: 'a GRU direction that is not one', op: 'GRU', inputs: () => [f([2, 1, 3]), f([1, 6, 3]), f([1, 6, 2])], attrs: { direction: string('sideways') }, message: /direction 'sideways' is not forward, reverse or bidirectional/ },
  { what: 'an LSTM clip that is not positive', op: 'LSTM', inputs: () => [f([2, 1, 3]), f([1, 8, 3]), f([1, 8, 2])], attrs: { clip: float(0) }, message: /clip 0 \(must be positive\)/ },
  { what: 'sequence_lens longer than the sequence', op: 'RNN', inputs: () => [f([2, 1, 3]), f([1, 2, 3]), f([1, 2, 2]), null, tensor(Int32Array.of(3), [1], 'int32')], message: /sequence_lens \[3\] for batch 1 and 2 steps/ },
  { what: 'W for the wrong number of directions', op: 'GRU', inputs: () => [f([2, 1, 3]), f([1, 6, 3]), f([1, 6, 2])], attrs: { direction: string('bidirectional') }, message: /W of shape \[1, 6, 3\] for 2 direction\(s\)/ },
  { what: 'an RNN with Sigmoid activations', op: 'RNN', inputs: () => [f([2, 1, 3]), f([1, 2, 3]), f([1, 2, 2])], attrs: { activations: { kind: 'strings', value: ['Sigmoid'] } }, message: /activations \[Sigmoid\] \(only the defaults \[Tanh\] or Relu\) is not supported/ },
  { what: 'integer Mod by zero', op: 'Mod', inputs: () => [i64([4, 5]), i64([2, 0])], message: /integer division by zero/ },
  { what: 'float Mod without fmod', op: 'Mod', inputs: () => [f([2]), f([2])], message: /fmod=0 on a floating-point input/ },
  { what: 'a Range with delta 0', op: 'Range', inputs: () => [i64([0]), i64([4]), i64([0])], message: /delta is 0/ },
  { what: 'a TopK k beyond the axis', op: 'TopK', inputs: () => [f([2, 3]), i64([4])], message: /k = 4 for an axis of size 3/ },
  { what: 'OneHot values that are not [off, on]', op: 'OneHot', inputs: () => [i64([1]), tensor([3], [], 'int64'), f([3])], message: /values has 3 elements/ },
  { what: 'GroupNormalization groups that do not divide the channels', op: 'GroupNormalization', inputs: () => [f([1, 6, 2]), f([6]), f([6])], attrs: { num_groups: int(4) }, message: /num_groups 4 does not divide the 6 channels/ },
  { what: 'GatherND tuples longer than the data rank', op: 'GatherND', inputs: () => [f([2, 2]), tensor([0, 0, 0], [1, 3], 'int64')], message: /index tuples of length 3 exceed the 2 indexed dims/ },
];

for (const c of CASES) {
  test(`refuses ${c.what}, naming the node`, () => {
    assert.throws(() => runNode(c.op, c.inputs(), c.attrs ?? {}, { name: 'my_node', opset: 18 }), (e: Error) => {
      assert.match(e.message, new RegExp(`^node 'my_node' \\(${c.op}\\): `));
      assert.match(e.message, c.message);
      return true;
    });
  });
}
