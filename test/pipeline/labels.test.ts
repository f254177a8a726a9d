// A model whose whittle.labels name other classes than the dataset's, or the same ones in another order, is scored
// by position all the same: eval and compress say so.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { manualSeed } from '../../src/tensor/index.js';
import { buildZooGraph } from '../../src/zoo/index.js';
import { openDataset } from '../../src/data/index.js';
import { evaluate } from '../../src/api/index.js';
import { labelWarnings } from '../../src/pipeline/metadata.js';
import { writeClassFolders } from '../data/fixtures.js';
import { smallIdxData } from './fixtures.js';

test("a model's whittle.labels against the dataset's classes: same, reordered, other names, numbered data", async () => {
  const dir = mkdtempSync(join(tmpdir(), 'whittle-labels-'));
  await writeClassFolders(join(dir, 'train'), ['cat', 'dog', 'fox'], 12, 12);
  await writeClassFolders(join(dir, 'test'), ['cat', 'dog', 'fox'], 3, 12);
  const data = `folder:${dir}`;
  manualSeed(0);
  const g = buildZooGraph('vgg-small', { input: [3, 12, 12], classes: 3 });
  const ds = await openDataset(data, { imageSize: 12, valSize: 6 });
  const warn = (labels: unknown): string[] => {
    g.metadata['whittle.labels'] = JSON.stringify(labels);
    return labelWarnings(g, ds, 'teacher');
  };
  assert.deepEqual(warn(['cat', 'dog', 'fox']), []);
  assert.deepEqual(warn(['cat', 'dog']), [], 'another count: the model check refuses it');
  assert.match(warn(['dog', 'cat', 'fox']).join(), /^the teacher's classes \(whittle.labels\) are the dataset's in another order: \[dog, cat, fox\] against \[cat, dog, fox\]/);
  assert.match(warn(['airplane', 'car', 'ship']).join(), /^the teacher's classes \(whittle.labels\) \[airplane, car, ship\] are not the dataset's \[cat, dog, fox\]/);
  g.metadata['whittle.labels'] = 'not json';
  assert.deepEqual(labelWarnings(g, ds), []);

  g.metadata['whittle.labels'] = JSON.stringify(['dog', 'cat', 'fox']);
  const e = await evaluate(g, data, { imageSize: 12, valSize: 6, latency: false });
  assert.match(e.warnings.join('\n'), /another order/);
  g.dispose();

  const m = buildZooGraph('vgg-small', { input: [1, 12, 12], classes: 10 });
  m.metadata['whittle.labels'] = JSON.stringify(['zero', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine']);
  assert.deepEqual((await evaluate(m, smallIdxData(), { valSize: 100, latency: false })).warnings, [], 'IDX classes are only numbered');
  m.dispose();
});
