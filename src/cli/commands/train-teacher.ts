import type { Command } from 'commander';
import { trainTeacher } from '../../pipeline/train-teacher.js';
import { saveOnnx } from '../../onnx/index.js';
import { ZOO } from '../../zoo/index.js';
import { parseChoice, parsePositiveInt } from '../parse.js';
import { checkWritableFile } from '../output-path.js';
import { batchBar, progressMode } from '../progress.js';
import { parseOptimOptions, parseRunOptions, withOptimOptions, withRunOptions, type OptimFlags, type RunFlags } from '../run-options.js';

type Flags = RunFlags & OptimFlags & { arch: string; data: string; epochs: string; output: string; json?: boolean };

export function registerTrainTeacher(p: Command): void {
  const c = p.command('train-teacher')
    .description('train a zoo architecture on a dataset and write it as ONNX (a teacher for compress)')
    .option('--arch <name>', `architecture: ${ZOO.join(', ')}`, 'vgg-small')
    .option('--data <spec>', 'dataset (mnist, fashion-mnist, idx:DIR, cifar:DIR, npy:DIR, folder:DIR)', 'mnist')
    .option('--epochs <n>', 'training epochs', '10');
  withRunOptions(withOptimOptions(c, '0.05 for sgd, 0.002 for adamw'))
    .requiredOption('-o, --output <file>', 'the ONNX file to write')
    .option('--json', 'print one JSON object as the last line')
    .action(async (f: Flags) => {
      const out = checkWritableFile('--output', f.output);
      const bar = batchBar(progressMode(f.json) === 'bars');
      const r = await trainTeacher({
        arch: parseChoice('--arch', f.arch, ZOO),
        data: f.data,
        epochs: parsePositiveInt('--epochs', f.epochs),
        ...parseOptimOptions(f),
        ...parseRunOptions(f),
        onBatch: bar.update,
        onEpoch: (e) => {
          bar.stop();
          if (!f.json) console.log(`epoch ${e.epoch}: train loss ${e.trainLoss.toFixed(4)}, val accuracy ${(100 * e.valAccuracy).toFixed(2)}%, ${e.imagesPerSec.toFixed(0)} images/s`);
        },
      }).finally(bar.stop);
      try {
        await saveOnnx(r.graph, out);
        const summary = {
          output: out, arch: f.arch, data: f.data, params: r.graph.parameterCount(), bestEpoch: r.fit.bestEpoch,
          valAccuracy: r.fit.bestValAccuracy, testAccuracy: r.testAccuracy, testLoss: r.testLoss, epochs: r.fit.epochs,
          ...(r.fit.stopped ? { stopped: r.fit.stopped } : {}),
        };
        if (r.fit.stopped) console.error(`whittle: ${r.fit.stopped}`);
        if (f.json) console.log(JSON.stringify(summary));
        else console.log(`wrote ${out}: ${f.arch}, ${summary.params} parameters, val accuracy ${(100 * summary.valAccuracy).toFixed(2)}% (epoch ${summary.bestEpoch}), test accuracy ${(100 * r.testAccuracy).toFixed(2)}%`);
      } finally {
        r.graph.dispose();
      }
    });
}
