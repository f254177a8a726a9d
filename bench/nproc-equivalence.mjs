// Data-parallel equivalence (issue 37): `compress --nproc 2` against `--nproc 1`, same seed and global batch, for
// lenet5, mlp, vgg-small and resnet-small. Prints each step's and epoch's training loss for both, the largest
// relative difference, and whether every validation accuracy is the same.
// Usage: npm run -s build:ts && node bench/nproc-equivalence.mjs [rows=1500] [archs=lenet5,mlp,vgg-small,resnet-small] [extra compress flags...]
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const cli = (args) => {
  const r = spawnSync(process.execPath, [join(root, 'bin', 'whittle.js'), ...args], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`whittle ${args.join(' ')}: ${r.stderr}`);
};
const [rows = '1500', archs = 'lenet5,mlp,vgg-small,resnet-small', ...extra] = process.argv.slice(2);
const work = mkdtempSync(join(tmpdir(), 'whittle-nproc-'));
// teachers trained here (1 epoch), so that their students are not at chance, where nearly tied logits flip on any rounding
const data = ['--data', 'mnist', '--train-subset', rows, '--val-size', '300', '--threads', '1'];
const results = [];
for (const arch of archs.split(',')) {
  const teacher = join(work, `${arch}.onnx`);
  cli(['train-teacher', '--arch', arch, ...data, '--epochs', '1', '--seed', '4', '-o', teacher]);
  const runs = [1, 2].map((nproc) => {
    const out = join(work, `${arch}-${nproc}`);
    cli(['compress', '--teacher', teacher, ...data, '--ratios', '0.7,0.5', '--epochs-per-step', '1', '--batch-size', '77', '--seed', '4', ...extra, '--nproc', String(nproc), '-o', out]);
    return JSON.parse(readFileSync(join(out, 'report.json'), 'utf8'));
  });
  let worst = 0;
  let sameVal = true;
  const losses = [];
  runs[0].steps.forEach((s, k) => s.epochs.forEach((e, i) => {
    const o = runs[1].steps[k].epochs[i];
    worst = Math.max(worst, Math.abs(o.trainLoss - e.trainLoss) / Math.abs(e.trainLoss));
    sameVal &&= o.valAccuracy === e.valAccuracy;
    losses.push([e.trainLoss, o.trainLoss, e.valAccuracy, o.valAccuracy]);
  }));
  const bn = runs[0].steps[0].batchNormInserted ?? 0;
  console.log(`${arch}: largest relative train-loss difference ${worst.toExponential(2)}, validation accuracies ${sameVal ? 'all the same' : 'DIFFER'}; test ${runs[0].final.testAccuracy} vs ${runs[1].final.testAccuracy}; BatchNorm inserted: ${bn}`);
  for (const [a, b, va, vb] of losses) console.log(`  loss ${a} vs ${b}, val ${va} vs ${vb}`);
  results.push({ arch, worstRelativeLoss: worst, sameValAccuracy: sameVal, testAccuracy: [runs[0].final.testAccuracy, runs[1].final.testAccuracy], losses });
}
console.log(JSON.stringify({ bench: 'nproc-equivalence', rows: Number(rows), extra, results }));
rmSync(work, { recursive: true, force: true });
