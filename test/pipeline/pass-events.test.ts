// compress reports its passes outside training (the teacher's evaluation, its cached logits) batch by batch, so a long
// one shows progress; --json passes them on at most once a second, always with the last.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compress, type CompressEvent } from '../../src/pipeline/compress.js';
import { compressProgress } from '../../src/cli/progress.js';
import { newRun, smallIdxData, vggTeacherFile } from './fixtures.js';

type Pass = Extract<CompressEvent, { type: 'pass' }>;

test('compress emits pass events for the teacher\'s val and test evaluation and its cache, in order, each to its last batch', async () => {
  const events: CompressEvent[] = [];
  await compress({ data: smallIdxData(), valSize: 100, batchSize: 100, threads: 2, augment: 'off', teacher: await vggTeacherFile(), out: newRun(), ratios: [0.5], epochsPerStep: 1, onEvent: (e) => events.push(e) });
  const passes = events.filter((e): e is Pass => e.type === 'pass');
  assert.deepEqual(passes.map((p) => [p.pass, p.index, p.of]), [['teacher-val', 0, 1], ['teacher-test', 0, 1], ['teacher-cache', 0, 2], ['teacher-cache', 1, 2]], '100 val, 100 test and 400 train images in batches of 256');
  const teacherAt = events.findIndex((e) => e.type === 'teacher');
  assert.ok(events.findIndex((e) => e.type === 'pass' && e.pass === 'teacher-test') < teacherAt, 'the evaluation passes come before the teacher line');
});

test('--json: pass events at most once a second but always the last of a pass', () => {
  const p = compressProgress('json');
  const lines: string[] = [];
  const log = console.log;
  console.log = (s: string) => lines.push(s);
  try {
    for (let i = 0; i < 3; i++) p.onEvent({ type: 'pass', pass: 'teacher-cache', index: i, of: 3 });
  } finally {
    console.log = log;
  }
  assert.deepEqual(lines.map((l) => (JSON.parse(l) as { index: number }).index), [0, 2]);
});
