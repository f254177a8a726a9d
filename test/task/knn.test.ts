import { test } from 'node:test';
import assert from 'node:assert/strict';
import { manualSeed, narrow, randn, tensor, tidy } from '../../src/tensor/index.js';
import { KNN_K, TASKS, knnCorrect, type Head } from '../../src/task/index.js';

// Seven points on a circle at these angles (degrees), at different lengths (cosine ignores them), with their classes.
const ANGLES = [0, 12, 25, 33, 100, 115, 210];
const LENGTHS = [1, 2, 0.5, 3, 1, 4, 0.25];
const CLASSES = [0, 0, 1, 1, 1, 0, 2];
const points = (): ReturnType<typeof tensor> => tensor(ANGLES.flatMap((a, i) => [LENGTHS[i]! * Math.cos((a * Math.PI) / 180), LENGTHS[i]! * Math.sin((a * Math.PI) / 180)]), [7, 2]);
const labels = (): ReturnType<typeof tensor> => tensor(CLASSES, [7], 'int64');

test('k-NN accuracy matches a hand count: leave-one-out by cosine, majority vote, a tie to the nearest neighbour\'s class', () => {
  tidy(() => {
    // k=1: 0->1, 1->0, 2->3, 3->2 hold their class; 4->5, 5->4, 6->5 do not
    assert.deepEqual(knnCorrect(points(), labels(), 1), [4, 7]);
    // k=2, every vote a 1:1 tie, won by the nearest: 0 (1, 2) -> 0 yes; 1 (0, 2) -> 0 yes; 2 (3, 1) -> 1 yes;
    // 3 (2, 1) -> 1 yes; 4 (5, 3) -> 0 no; 5 (4, 3) -> 1 no; 6 (5, 4) -> 0 no
    assert.deepEqual(knnCorrect(points(), labels(), 2), [4, 7]);
    // k=3: 0 (1, 2, 3) -> 1; 1 (0, 2, 3) -> 1; 2 (3, 1, 0) -> 0; 3 (2, 1, 0) -> 0; 4 (5, 3, 2) -> 1 yes; 5 (4, 3, 2) -> 1; 6 (5, 4, 0) -> 0
    assert.deepEqual(knnCorrect(points(), labels(), 3), [1, 7]);
    // k=4, 2:2 ties: 2 (3, 1, 0, 4) and 3 (2, 1, 0, 4) go to class 1, their nearest's (the smaller class id would be 0);
    // 4 (5, 3, 2, 1) ties and goes to 0; 0, 1, 5 and 6 lose by count
    assert.deepEqual(knnCorrect(points(), labels(), 4), [2, 7]);
    // k=5 (the default): each point's five nearest of the six others outvote it
    assert.equal(KNN_K, 5);
    assert.deepEqual(knnCorrect(points(), labels()), [0, 7]);
    // fewer rows than k: all the others vote; one row has no neighbour
    assert.deepEqual(knnCorrect(tensor([1, 0, 0.9, 0.1, 0, 1], [3, 2]), tensor([0, 0, 1], [3], 'int64')), [2, 3]);
    assert.deepEqual(knnCorrect(tensor([1, 0], [1, 2]), tensor([0], [1], 'int64')), [0, 0]);
  });
});

/** The same rule in plain loops: cosines, the k most similar other rows, votes by count then the nearest. */
function knnByLoops(x: number[][], y: number[], k: number): number {
  const unit = x.map((r) => {
    const n = Math.hypot(...r);
    return r.map((v) => v / n);
  });
  let correct = 0;
  unit.forEach((a, i) => {
    const near = unit.map((b, j) => ({ j, cos: a.reduce((s, v, d) => s + v * b[d]!, 0) })).filter((o) => o.j !== i).sort((p, q) => q.cos - p.cos).slice(0, k);
    const votes = new Map<number, number>();
    for (const { j } of near) votes.set(y[j]!, (votes.get(y[j]!) ?? 0) + 1);
    const most = Math.max(...votes.values());
    const predicted = near.map(({ j }) => y[j]!).find((c) => votes.get(c) === most)!;
    if (predicted === y[i]) correct++;
  });
  return correct;
}

test('k-NN accuracy over more rows than one block of the search (1024) counts as plain loops do', () => {
  manualSeed(3);
  const n = 1300;
  const x = tidy(() => Array.from(randn([n, 6]).toArray(), Number));
  const rows = Array.from({ length: n }, (_, i) => x.slice(6 * i, 6 * i + 6));
  // classes from the first coordinate's sign and a little noise in which ones, so that neighbours mostly agree
  const y = rows.map((r, i) => (r[0]! > 0 ? 1 : 0) + (i % 7 === 0 ? 2 : 0));
  const [correct, count] = tidy(() => knnCorrect(tensor(x, [n, 6]), tensor(y, [n], 'int64')));
  assert.equal(count, n);
  assert.equal(correct, knnByLoops(rows, y, 5));
});

test("an embedding's meter gives knnAccuracy as a task metric where class labels score it, and none where they do not", () => {
  const head = (scored: boolean): Head => ({ output: 'v', value: 'v', activation: null, shape: ['N', 2], task: 'embed', loss: 'cosine', labelled: false, scored });
  tidy(() => {
    const m = TASKS.embed.meter(head(true));
    // two batches: the parts carry every row and the result searches them all
    const parts = [
      m.part(narrow(points(), 0, 0, 4), narrow(points(), 0, 0, 4), narrow(labels(), 0, 0, 4)),
      m.part(narrow(points(), 0, 4, 3), narrow(points(), 0, 4, 3), narrow(labels(), 0, 4, 3)),
    ];
    assert.deepEqual(m.result(parts), { fidelity: { cosine: 1, neighbourAgreement: 1 }, task: { knnAccuracy: 0 } });
    const plain = TASKS.embed.meter(head(false));
    assert.deepEqual(plain.result([plain.part(points(), points(), null)]), { fidelity: { cosine: 1, neighbourAgreement: 1 } });
  });
});
