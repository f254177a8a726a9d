import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildZooGraph } from '../../src/zoo/index.js';
import { prune } from '../../src/prune/index.js';
import { graphDigest } from '../../src/distributed/index.js';

test('graph digest: the same structure gives the same 48-bit number, a different one (or other widths) another', () => {
  const a = buildZooGraph('lenet5', { input: [1, 28, 28], classes: 10 });
  const b = buildZooGraph('lenet5', { input: [1, 28, 28], classes: 10 });
  const other = buildZooGraph('mlp', { input: [1, 28, 28], classes: 10 });
  const pruned = prune(a, { ratio: 0.5, metric: 'params', criterion: 'l1', roundTo: 1, seed: 0 }).graph;
  const d = graphDigest(a);
  assert.ok(Number.isSafeInteger(d) && d >= 0 && d < 2 ** 48);
  assert.equal(graphDigest(b), d, 'other weights, same structure');
  assert.notEqual(graphDigest(other), d);
  assert.notEqual(graphDigest(pruned), d, 'pruning changes the widths');
  for (const g of [a, b, other, pruned]) g.dispose();
});
