import type { Command } from 'commander';
import { resolve } from 'node:path';
import { writeContactSheet } from '../../data/index.js';
import { describeDataset, openDataset, type DatasetReport } from '../../api/index.js';
import { openDatasetSpec } from '../../options/index.js';
import { addOptions, namingErrors, readOptions } from '../options.js';

const fmt = (xs: number[]): string => `[${xs.map((v) => v.toFixed(4)).join(', ')}]`;

const dims = (s: number[]): string => (s.length === 0 ? 'scalar' : s.join('x'));

function labelLine(r: DatasetReport): string {
  switch (r.labels) {
    case 'classes': return `classes (${r.classes.length}), one per row; task classify`;
    case 'masks': return `masks ${dims(r.labelShape!)} of ${r.classes.length} classes (255 = ignore); task segment`;
    case 'targets': return `targets float32 ${dims(r.labelShape!)} per row; task regress`;
    case 'none': return "none: distillation from the teacher alone; task from the model's output (--task auto)";
  }
}

function printText(r: DatasetReport): void {
  console.log(`dataset ${r.name} (${r.spec})`);
  if (r.dtype === 'tensors') for (const i of r.inputs) console.log(`  input    ${i.name} ${i.dtype} ${dims(i.shape)} per row`);
  else console.log(`  images   ${r.shape.join('x')} ${r.dtype}`);
  console.log(`  labels   ${labelLine(r)}`);
  console.log(`  splits   train ${r.counts.train}, val ${r.counts.val}, test ${r.counts.test}`);
  if (r.dtype !== 'tensors') {
    console.log(`  mean     ${fmt(r.mean)}  std ${fmt(r.std)} (${r.statsSource})`);
    console.log(`  augment  ${r.augment ? `random crop (pad ${r.augment.pad})${r.augment.flip ? ' + horizontal flip' : ''}` : 'none'} by default`);
  }
  if (r.labels === 'classes' || r.labels === 'masks') {
    console.log(`  classes  ${r.classes.length}${r.labels === 'masks' ? ' (pixels per class)' : ''}`);
    const width = Math.max(...r.classes.map((c) => c.length));
    r.classes.forEach((c, i) => console.log(`    ${String(i).padStart(3)} ${c.padEnd(width)}  train ${r.perClass.train[i]}  test ${r.perClass.test[i]}`));
  }
  for (const w of r.warnings) console.log(`  warning: ${w}`);
  if (r.sheet) console.log(`  sheet    ${r.sheet}`);
}

/** Adds `whittle data inspect SPEC`. */
export function registerData(p: Command): void {
  const data = p.command('data').description('datasets: mnist, fashion-mnist, mnist-seg, idx:DIR, cifar:DIR, npy:DIR, folder:DIR');
  const inspect = data.command('inspect')
    .description('show what a dataset holds: its labels (classes, masks, targets or none) and the task they suggest, inputs, split sizes, image shape and mean/std; optionally a PNG contact sheet')
    .argument('<spec>', 'mnist, fashion-mnist, mnist-seg, idx:DIR, cifar:DIR, npy:DIR or folder:DIR')
    .option('--json', 'print one JSON object as the last line')
    .option('--sheet <file.png>', 'write a PNG of a few training images per class (without class labels: the first 32)');
  addOptions(inspect, openDatasetSpec)
    .action(async (spec: string, f: { json?: boolean; sheet?: string }, cmd: Command) => {
      const { options, name } = readOptions(cmd, openDatasetSpec);
      const ds = await namingErrors(openDatasetSpec, name, () => openDataset(spec, options));
      const r = describeDataset(ds);
      if (f.sheet !== undefined) {
        const path = resolve(f.sheet);
        await writeContactSheet(ds, path);
        r.sheet = path;
      }
      if (f.json) console.log(JSON.stringify(r));
      else printText(r);
    });
}
