// evaluate() computes on a channels-last copy (as the trainer does) and leaves the caller's graph as it was.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { manualSeed } from '../../src/tensor/index.js';
import { buildZooGraph } from '../../src/zoo/index.js';
import { evaluate, openDataset } from '../../src/api/index.js';
import { evaluateGraph } from '../../src/distill/index.js';
import { smallIdxData } from '../pipeline/fixtures.js';

test('evaluate gives the stored layout\'s accuracy and loss and leaves the caller\'s tensors untouched', async () => {
  manualSeed(0);
  const g = buildZooGraph('resnet-small', { input: [1, 12, 12], classes: 10 });
  const before = new Map([...g.initializers].map(([name, init]) => [name, init.tensor]));
  const ds = await openDataset(smallIdxData(), { valSize: 100 });
  // evaluateGraph computes at the engine's precision (fp32 here), so evaluate is pinned to it
  const e = await evaluate(g, ds, { latency: false, precision: 'fp32' });
  const stored = await evaluateGraph(g, ds, 'test');
  assert.equal(e.accuracy, stored.accuracy);
  assert.ok(Math.abs(e.loss - stored.loss) < 1e-5, `loss ${e.loss} against ${stored.loss} in the stored layout`);
  for (const [name, init] of g.initializers) {
    assert.equal(init.tensor, before.get(name), `${name} is the caller's tensor`);
    assert.ok(!init.tensor.isDisposed, `${name} is alive`);
    if (init.tensor.rank === 4) assert.equal(init.tensor.memoryFormat, 'contiguous', `${name} keeps its layout`);
  }
  g.dispose();
});

test('evaluate reports each batch of the split to onProgress, ending at the count', async () => {
  manualSeed(0);
  const g = buildZooGraph('mlp', { input: [1, 12, 12], classes: 10 });
  const ds = await openDataset(smallIdxData(), { valSize: 100 });
  const seen: { batch: number; of: number }[] = [];
  const e = await evaluate(g, ds, { latency: false, split: 'train', onProgress: (p) => seen.push(p) });
  assert.equal(e.count, 400);
  assert.deepEqual(seen, [{ batch: 1, of: 2 }, { batch: 2, of: 2 }], '400 images in batches of 256');
  g.dispose();
});

test('Graph.clone({ channelsLast: true }) copies every tensor once, the 4-D ones laid out channels last', () => {
  manualSeed(0);
  const g = buildZooGraph('resnet-small', { input: [1, 12, 12], classes: 10 });
  const c = g.clone({ channelsLast: true });
  for (const [name, init] of c.initializers) {
    const own = g.initializers.get(name)!.tensor;
    assert.notEqual(init.tensor, own, name);
    assert.deepEqual(init.tensor.toArray(), own.toArray(), `${name}: the same values`);
    assert.equal(init.tensor.memoryFormat, init.tensor.rank === 4 ? 'channels_last' : 'contiguous', name);
    assert.equal(init.tensor.requiresGrad, own.requiresGrad, name);
  }
  c.dispose();
  g.dispose();
});
