// Data-parallel equivalence (issue 37): `compress --nproc 2` against `--nproc 1`, same seed and global batch, for
// lenet5, mlp, vgg-small and resnet-small, in one precision. Prints each step's and epoch's training loss for both,
// the largest relative difference, and whether every validation accuracy is the same. As a yardstick it also runs
// one process at 2 threads instead of 1: that changes only how libtorch partitions its float sums, so the gap it
// gives is what float rounding alone does to the same run.
// Usage: npm run -s build:ts && node bench/nproc-equivalence.mjs [rows=1500] [archs=lenet5,mlp,vgg-small,resnet-small] [precision=fp32] [extra compress flags...]
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const cli = (args) => {
  const r = spawnSync(process.execPath, [join(root, 'bin', 'whittle.js'), ...args], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`whittle ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
};
const [rows = '1500', archs = 'lenet5,mlp,vgg-small,resnet-small', precision = 'fp32', ...extra] = process.argv.slice(2);
const work = mkdtempSync(join(tmpdir(), 'whittle-nproc-'));
const data = ['--data', 'mnist', '--train-subset', rows, '--val-size', '300'];

/** The largest relative difference of an epoch's training loss, and whether every validation accuracy is the same. */
function compare(a, b) {
  let worst = 0;
  let sameVal = true;
  const losses = [];
  a.steps.forEach((s, k) => s.epochs.forEach((e, i) => {
    const o = b.steps[k].epochs[i];
    worst = Math.max(worst, Math.abs(o.trainLoss - e.trainLoss) / Math.abs(e.trainLoss));
    sameVal &&= o.valAccuracy === e.valAccuracy;
    losses.push([e.trainLoss, o.trainLoss, e.valAccuracy, o.valAccuracy]);
  }));
  return { worst, sameVal, losses };
}

const results = [];
for (const arch of archs.split(',')) {
  // teachers trained here in fp32 for 3 epochs (vgg-small: 87% validation), so that their students learn from real
  // targets: a 1-epoch vgg-small or resnet-small is at chance, and its students' nearly tied logits flip on any rounding
  const teacher = join(work, `${arch}.onnx`);
  const said = cli(['train-teacher', '--arch', arch, ...data, '--threads', '1', '--epochs', '3', '--seed', '4', '--precision', 'fp32', '-o', teacher]);
  const run = (nproc, threads) => {
    const out = join(work, `${arch}-${nproc}-${threads}`);
    cli(['compress', '--teacher', teacher, ...data, '--ratios', '0.7,0.5', '--epochs-per-step', '1', '--batch-size', '77', '--seed', '4', '--precision', precision, ...extra, '--threads', String(threads), '--nproc', String(nproc), '-o', out]);
    return JSON.parse(readFileSync(join(out, 'report.json'), 'utf8'));
  };
  const [one, two, threads2] = [run(1, 1), run(2, 1), run(1, 2)];
  const procs = compare(one, two);
  const threads = compare(one, threads2);
  const bn = one.steps[0].batchNormInserted ?? 0;
  console.log(`${arch} (${precision}; teacher ${said.trim().split('\n').pop().replace(/^wrote [^:]*: [^,]*, [^,]*, /, '')}): 1 vs 2 processes: largest relative train-loss difference ${procs.worst.toExponential(2)}, validation accuracies ${procs.sameVal ? 'all the same' : 'DIFFER'}; test ${one.final.testAccuracy} vs ${two.final.testAccuracy}; 1 process at 1 vs 2 threads: ${threads.worst.toExponential(2)}, ${threads.sameVal ? 'all the same' : 'DIFFER'}, test ${threads2.final.testAccuracy}; BatchNorm inserted: ${bn}`);
  procs.losses.forEach(([a, b, va, vb], i) => console.log(`  loss ${a} vs ${b} (2 threads: ${threads.losses[i][1]}), val ${va} vs ${vb} (${threads.losses[i][3]})`));
  results.push({ arch, worstRelativeLoss: procs.worst, sameValAccuracy: procs.sameVal, testAccuracy: [one.final.testAccuracy, two.final.testAccuracy], threadsWorstRelativeLoss: threads.worst, threadsSameValAccuracy: threads.sameVal, losses: procs.losses });
}
console.log(JSON.stringify({ bench: 'nproc-equivalence', rows: Number(rows), precision, extra, results }));
rmSync(work, { recursive: true, force: true });
