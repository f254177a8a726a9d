// The runtime port's pieces that need no runtime: the profiler-trace reader, the op-type breakdown, /proc/cpuinfo.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { byOpType, cpuFeatures, readTrace, runtimeNamed, RUNTIMES } from '../../src/runtime/index.js';

test('readTrace keeps the node kernel events of an onnxruntime trace; byOpType sums each node\'s median per op type', () => {
  const ev = (node: string, op: string, dur: number) => ({ cat: 'Node', pid: 1, tid: 1, dur, ts: 0, ph: 'X', name: `${node}_kernel_time`, args: { op_name: op } });
  const trace = JSON.stringify([
    { cat: 'Session', name: 'model_run', dur: 999, args: {} },
    ev('conv1', 'QLinearConv', 10), ev('conv2', 'QLinearConv', 30), ev('pool', 'NhwcMaxPool', 2),
    { cat: 'Node', name: 'conv1_fence_before', dur: 1, args: { op_name: 'QLinearConv' } },
    ev('conv1', 'QLinearConv', 12), ev('conv2', 'QLinearConv', 900), ev('pool', 'NhwcMaxPool', 2),
    ev('conv1', 'QLinearConv', 11), ev('conv2', 'QLinearConv', 31), ev('pool', 'NhwcMaxPool', 4),
  ]);
  const nodes = readTrace(trace);
  assert.equal(nodes.length, 9);
  assert.deepEqual(nodes[0], { opType: 'QLinearConv', node: 'conv1', micros: 10 });
  assert.deepEqual(byOpType(nodes), [
    { opType: 'QLinearConv', micros: 11 + 31, count: 2 },
    { opType: 'NhwcMaxPool', micros: 2, count: 1 },
  ], 'a stall in one run (900 us) does not count');
  assert.deepEqual(readTrace('not json'), []);
});

test('cpuFeatures reads the model name and the int8/bf16 flags from /proc/cpuinfo text', () => {
  const text = 'processor\t: 0\nmodel name\t: Test CPU 9000\nflags\t\t: fpu sse avx2 avx512f avx512_vnni avx512_bf16\n\nprocessor\t: 1\n';
  const f = cpuFeatures(text);
  assert.equal(f.model, 'Test CPU 9000');
  assert.deepEqual(f.flags, { avx2: true, avx512f: true, avx512vnni: true, avxvnni: false, avx512bf16: true, amxInt8: false, amxBf16: false });
  assert.deepEqual(cpuFeatures('nothing here'), { model: null, flags: null });
});

test('the runtimes are onnxruntime-node and onnxruntime-web; any other name is refused', () => {
  assert.deepEqual([...RUNTIMES], ['onnxruntime-node', 'onnxruntime-web']);
  for (const r of RUNTIMES) assert.equal(runtimeNamed(r).name, r);
  assert.throws(() => runtimeNamed('tensorflow' as never), /unknown runtime 'tensorflow'/);
});
