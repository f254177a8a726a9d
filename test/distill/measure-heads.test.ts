// measureHeads shared out over the ranks of a data-parallel run gives the metrics of one process to the last digit,
// and the teacher's outputs kept from a first measure stand in for the teacher at the next ones.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { manualSeed } from '../../src/tensor/index.js';
import { buildZooGraph, type ZooArch } from '../../src/zoo/index.js';
import { openDataset, type Dataset } from '../../src/data/index.js';
import { measureHeads, TeacherOutputs, type DataParallel } from '../../src/distill/index.js';
import { headsFor } from '../../src/pipeline/heads.js';
import type { Graph } from '../../src/graph/index.js';
import type { HeadMetrics } from '../../src/task/index.js';
import { smallIdxData } from '../pipeline/fixtures.js';

function zoo(arch: ZooArch, classes: number, seed: number): Graph {
  manualSeed(seed);
  return buildZooGraph(arch, { input: [1, 12, 12], classes });
}

/**
 * `measure` run as rank 0 and rank 1 of two, in turn in this process: each sum answers a rank's values plus what the
 * other rank sent to the same sum in the round before (three rounds settle the two sums). Both ranks' metrics of
 * the last round.
 */
async function asTwoRanks(measure: (par: DataParallel) => Promise<HeadMetrics[]>): Promise<HeadMetrics[][]> {
  let sent: number[][][] = [[], []];
  let results: HeadMetrics[][] = [];
  for (let round = 0; round < 3; round++) {
    const next: number[][][] = [[], []];
    results = [];
    for (const rank of [0, 1]) {
      let k = 0;
      const sum = (v: readonly number[]): number[] => {
        next[rank]!.push([...v]);
        const other = sent[1 - rank]![k++];
        return v.map((x, i) => x + (other?.[i] ?? 0));
      };
      // before the last round a sum holds what the other rank sent for another sum: the parts are not yet well
      // formed and their metrics (or a meter's refusal of them) mean nothing
      const settled = round === 2;
      results.push(await measure({ rank, worldSize: 2, sum } as unknown as DataParallel).catch((e: unknown) => {
        if (settled) throw e;
        return [];
      }));
    }
    sent = next;
  }
  return results;
}

// 100 test images in batches of 32: ranks 0 and 1 measure 2 batches each, rank 1's last one of 4 images
const cases: [string, ZooArch, number, string][] = [
  ['classify, labelled', 'vgg-small', 10, 'auto'], ['embed', 'vgg-small', 10, 'embed'], ['regress', 'vgg-small', 1, 'auto'], ['segment', 'unet-small', 3, 'auto'],
];
let data: Dataset | undefined;
for (const [what, arch, classes, task] of cases) {
  test(`measureHeads on two ranks gives one process's metrics exactly (${what})`, async () => {
    data ??= await openDataset(smallIdxData(), { valSize: 100 });
    const ds = data;
    const [teacher, student] = [zoo(arch, classes, 0), zoo(arch, classes, 1)];
    try {
      const heads = headsFor(teacher, ds, { task: [task], loss: [], distill: true });
      const measure = (par?: DataParallel): Promise<HeadMetrics[]> => measureHeads(student, teacher, ds, 'test', heads, { device: 'cpu', batchSize: 32, ...(par ? { parallel: par } : {}) });
      const one = await measure();
      const [rank0, rank1] = await asTwoRanks(measure);
      assert.deepEqual(rank0, one);
      assert.deepEqual(rank1, one);
      assert.ok(Object.values(one[0]!.fidelity).every((v) => Number.isFinite(v)), JSON.stringify(one));
    } finally {
      teacher.dispose();
      student.dispose();
    }
  });
}

test("the teacher's outputs kept at a first measure serve the next ones; beyond the budget the teacher runs again", async () => {
  data ??= await openDataset(smallIdxData(), { valSize: 100 });
  const ds = data;
  const [teacher, other, student] = [zoo('vgg-small', 10, 0), zoo('vgg-small', 10, 2), zoo('vgg-small', 10, 1)];
  try {
    // untrained classifiers agree on nothing or everything: their logits as vectors measure by cosine
    const heads = headsFor(teacher, ds, { task: ['embed'], loss: [], distill: true });
    const measure = (t: Graph, outputs?: TeacherOutputs): Promise<HeadMetrics[]> => measureHeads(student, t, ds, 'test', heads, { device: 'cpu', batchSize: 32, ...(outputs ? { teacherOutputs: outputs } : {}) });
    const [withTeacher, withOther] = [await measure(teacher), await measure(other)];
    assert.notDeepEqual(withOther, withTeacher);
    // room for every batch's [n, 10] logits: the second measure reads them, not the graph it is given
    const kept = new TeacherOutputs({ bytes: 100 * 10 * 4 });
    assert.deepEqual(await measure(teacher, kept), withTeacher);
    assert.deepEqual(await measure(other, kept), withTeacher);
    kept.dispose();
    const none = new TeacherOutputs({ bytes: 0 });
    assert.deepEqual(await measure(teacher, none), withTeacher);
    assert.deepEqual(await measure(other, none), withOther);
    none.dispose();
  } finally {
    for (const g of [teacher, other, student]) g.dispose();
  }
});
