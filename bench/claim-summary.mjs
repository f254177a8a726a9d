// Reads OUT/seed-S/{progressive,oneshot,no-distill}/report.json (and oneshot-widths, one-shot cut to the progressive
// student's widths, where every seed has it) and prints markdown tables of test accuracies.
// Usage: node bench/claim-summary.mjs OUT SEED...
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const [out, ...seeds] = process.argv.slice(2);
const withWidths = seeds.every((s) => existsSync(join(out, `seed-${s}`, 'oneshot-widths', 'report.json')));
const modes = ['progressive', 'oneshot', ...(withWidths ? ['oneshot-widths'] : []), 'no-distill'];
const read = (seed, mode) => JSON.parse(readFileSync(join(out, `seed-${seed}`, mode, 'report.json'), 'utf8'));
const pct = (x) => (100 * x).toFixed(2);
const mean = (xs) => xs.reduce((a, b) => a + b, 0) / xs.length;
const sd = (xs) => (xs.length < 2 ? 0 : Math.sqrt(xs.reduce((a, x) => a + (x - mean(xs)) ** 2, 0) / (xs.length - 1)));
const first = read(seeds[0], 'progressive');
console.log(`teacher ${first.config.teacher}: test ${pct(first.teacher.testAccuracy)}%, ${first.teacher.params} params; data ${first.config.data}, ratios ${first.config.ratios.join(',')}, ${first.config.epochsPerStep.join('+')} epochs`);
console.log('');
console.log(`| mode | params (ratio) | ${seeds.map((s) => `seed ${s}`).join(' | ')} | mean ± sd | vs teacher |`);
console.log(`|---|---|${seeds.map(() => '---|').join('')}---|---|`);
for (const mode of modes) {
  const reports = seeds.map((s) => read(s, mode));
  const acc = reports.map((r) => r.final.testAccuracy);
  const r0 = reports[0];
  console.log(`| ${mode} | ${r0.final.params} (${r0.final.paramsRatio.toFixed(4)}) | ${acc.map(pct).join(' | ')} | ${pct(mean(acc))} ± ${pct(sd(acc))} | ${(100 * (mean(acc) - r0.teacher.testAccuracy)).toFixed(2)} |`);
}

// The claim is about differences on the same seed (same data order, same first student), so print them paired.
const final = (seed, mode) => read(seed, mode).final.testAccuracy;
console.log('');
console.log(`| progressive minus | ${seeds.map((s) => `seed ${s}`).join(' | ')} | mean ± sd | seeds ahead |`);
console.log(`|---|${seeds.map(() => '---|').join('')}---|---|`);
for (const mode of modes.slice(1)) {
  const d = seeds.map((s) => final(s, 'progressive') - final(s, mode));
  const sign = (x) => (x >= 0 ? '+' : '') + pct(x);
  console.log(`| ${mode} | ${d.map(sign).join(' | ')} | ${sign(mean(d))} ± ${pct(sd(d))} | ${d.filter((x) => x > 0).length} of ${d.length} |`);
}
