// Training computes channels last end to end, 1x1 and depthwise convs and grey inputs included: libtorch picks a
// conv's output layout from its operands' strides, and a weight made "contiguous in channels last" keeps NCHW strides
// when dims of size 1 make both layouts contiguous, which once ran a MobileNet entirely in NCHW at half of PyTorch's speed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { clone, contiguous, randn, tidy } from '../../src/tensor/index.js';
import { buildZooGraph } from '../../src/zoo/index.js';
import { runGraph } from '../../src/exec/index.js';
import { toChannelsLast } from '../../src/distill/index.js';

test('clone to channels last gives channels-last strides where contiguous keeps NCHW ones', () => {
  tidy(() => {
    for (const shape of [[64, 16, 1, 1], [16, 1, 3, 3]]) {
      const w = randn(shape);
      assert.equal(contiguous(w, 'channels_last').memoryFormat, 'contiguous', `${shape}: already contiguous in both, kept`);
      assert.equal(clone(w, 'channels_last').memoryFormat, 'channels_last', `${shape}`);
      assert.deepEqual(clone(w, 'channels_last').toArray(), w.toArray());
    }
    assert.equal(contiguous(randn([8, 16, 3, 3]), 'channels_last').memoryFormat, 'channels_last');
  });
});

test('toChannelsLast: every 4-D weight and every activation of a MobileNet trained on grey images is channels last', () => {
  const g = buildZooGraph('mobilenetv2-small', { input: [1, 28, 28], classes: 10 });
  try {
    toChannelsLast(g);
    for (const [name, { tensor: t }] of g.initializers) if (t.rank === 4) assert.equal(t.memoryFormat, 'channels_last', name);
    const layers = g.nodes.filter((n) => n.opType === 'Conv' || n.opType === 'BatchNormalization' || n.opType === 'Clip' || n.opType === 'Add');
    tidy(() => {
      // a grey batch as the loader gives it: "contiguous in channels last", which for one channel keeps NCHW strides
      const x = contiguous(randn([4, 1, 28, 28]), 'channels_last');
      const out = runGraph(g, { input: x }, { training: true, extraOutputs: layers.map((n) => n.outputs[0]!) });
      for (const n of layers) assert.equal(out[n.outputs[0]!]!.memoryFormat, 'channels_last', `${n.opType} ${n.name}`);
    });
  } finally {
    g.dispose();
  }
});
