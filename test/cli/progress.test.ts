import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compressProgress, describe } from '../../src/cli/progress.js';
import type { CompressEvent } from '../../src/pipeline/compress.js';

function capture(fn: () => void): string[] {
  const lines: string[] = [];
  const log = console.log;
  console.log = (s: string) => lines.push(s);
  try {
    fn();
  } finally {
    console.log = log;
  }
  return lines;
}

const batch = (index: number): CompressEvent => ({ type: 'batch', step: 1, epoch: 1, index, of: 3, loss: 0.5 });
const epochEnd: CompressEvent = { type: 'epoch-end', step: 1, epoch: 1, epochs: 2, trainLoss: 0.25, valAccuracy: 0.875, imagesPerSec: 1000 };

test('plain lines: one per event that has one, none per batch', () => {
  const p = compressProgress('lines');
  const lines = capture(() => [batch(0), batch(1), batch(2), epochEnd].forEach(p.onEvent));
  assert.deepEqual(lines, ['  epoch 1/2: train loss 0.2500, val 87.50%, 1000 images/s']);
  assert.equal(describe(batch(0)), null);
});

test('--json: every event as one JSON line, batches at most once a second but always the last of an epoch', () => {
  const p = compressProgress('json');
  const lines = capture(() => [batch(0), batch(1), batch(2), epochEnd].forEach(p.onEvent));
  const events = lines.map((l) => JSON.parse(l) as { event: string; index?: number });
  assert.deepEqual(events.map((e) => [e.event, e.index]), [['batch', 0], ['batch', 2], ['epoch-end', undefined]]);
});
