import { resolve } from 'node:path';
import type { Command } from 'commander';
import { trainTeacher, type TrainTeacherEvent } from '../../api/index.js';
import { trainTeacherSpec } from '../../options/index.js';
import { ConfigError } from '../../errors.js';
import { batchBar, progressMode } from '../progress.js';
import { addOptions, namingErrors, readOptions } from '../options.js';
import { twoTierHelp } from '../help.js';

type Epoch = Omit<Extract<TrainTeacherEvent, { type: 'epoch-end' }>, 'type'>;

/** What the val and test figures measure: accuracy, or a segmentation or regression model's task metric. */
const scoreOf = (p: { score?: string } | undefined): string => (p?.score ? p.score.replace(/ \(output '[^']*', labels\)/g, '') : 'accuracy');

/** Adds `whittle train-teacher -o OUT`: trainTeacher() with the model written to OUT. */
export function registerTrainTeacher(p: Command): void {
  const c = p.command('train-teacher')
    .description('train a zoo architecture, or an ONNX model (fine-tuned or from scratch), on a dataset and write it as ONNX (a teacher for compress)');
  addOptions(c, trainTeacherSpec, { config: true })
    .option('--json', 'print one JSON object as the last line')
    .action(async (f: { json?: boolean }, cmd: Command) => {
      const { options, given, name } = readOptions(cmd, trainTeacherSpec);
      if (options.out === undefined && options.resume === undefined) throw new ConfigError('--output', 'is required: the ONNX file to write (-o FILE)');
      const output = options.resume ?? options.out!;
      const stop = new AbortController();
      const onSignal = (): void => stop.abort();
      process.once('SIGINT', onSignal);
      process.once('SIGTERM', onSignal);
      let done: Extract<TrainTeacherEvent, { type: 'trained' }> | undefined;
      let resumed: Extract<TrainTeacherEvent, { type: 'resumed' }> | undefined;
      let prepared: Extract<TrainTeacherEvent, { type: 'prepared' }> | undefined;
      let precision: Extract<TrainTeacherEvent, { type: 'precision' }> | undefined;
      const epochs: Epoch[] = [];
      const bar = batchBar(progressMode(f.json) === 'bars');
      const onEvent = (e: TrainTeacherEvent): void => {
        if (e.type === 'batch') return bar.update(e);
        bar.stop();
        if (e.type === 'trained') done = e;
        else if (e.type === 'precision') {
          precision = e;
          if (!f.json) console.log(`precision: ${e.precision} (${e.reason})`);
        }
        else if (e.type === 'prepared') {
          prepared = e;
          if (!f.json) for (const w of e.warnings) console.error(`warning: ${w}`);
          if (!f.json && e.batchNormInserted) console.log(`model: BatchNorm after ${e.batchNormInserted} convs for training (folded back in the file written)`);
          if (!f.json && e.untied.length) console.log(`model: ${e.untied.length} tensors that several layers read copied per layer (${e.untied.slice(0, 3).join(', ')}${e.untied.length > 3 ? ', …' : ''})`);
        }
        else if (e.type === 'resumed') {
          resumed = e;
          epochs.push(...e.epochs);
          if (!f.json) console.log(`resumed ${output} after epoch ${e.epoch} of ${e.of}`);
        } else {
          const { type: _, ...row } = e;
          epochs.push(row);
          if (!f.json) console.log(`epoch ${e.epoch}: train loss ${e.trainLoss.toFixed(4)}, val ${scoreOf(prepared)} ${(100 * e.valAccuracy).toFixed(2)}%, ${e.imagesPerSec.toFixed(0)} images/s`);
        }
      };
      // only what was given goes on, so that trainTeacher() can tell a resume from a training with settings
      const trained = await namingErrors(trainTeacherSpec, name, () => trainTeacher({ ...given, onEvent, signal: stop.signal })).finally(() => {
        bar.stop();
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
      });
      trained.dispose();
      const r = done!;
      // what was trained: the zoo architecture, or the model file
      const model = resumed ? resumed.model : typeof options.model === 'string' ? resolve(options.model) : undefined;
      const what = model !== undefined ? { model } : { arch: resumed?.arch ?? options.arch };
      const summary = {
        output, ...what, data: resumed?.data ?? options.data, params: r.params, bestEpoch: r.bestEpoch,
        valAccuracy: r.valAccuracy, testAccuracy: r.testAccuracy, testLoss: r.testLoss, epochs,
        ...(precision ? { precision: precision.precision } : {}),
        ...(prepared ? { batchNormInserted: prepared.batchNormInserted, untied: prepared.untied, warnings: prepared.warnings } : {}),
        ...(r.stopped ? { stopped: r.stopped } : {}),
      };
      if (r.stopped) console.error(`whittle: ${r.stopped}`);
      if (f.json) console.log(JSON.stringify(summary));
      else console.log(`wrote ${output}: ${model ?? what.arch}, ${r.params} parameters, val ${scoreOf(prepared)} ${(100 * r.valAccuracy).toFixed(2)}% (epoch ${r.bestEpoch}), test ${scoreOf(prepared)} ${(100 * r.testAccuracy).toFixed(2)}%`);
    });
  twoTierHelp(c, { example: 'whittle train-teacher --arch vgg-small --data fashion-mnist --epochs 15 -o teacher.onnx', groups: { json: 'run' } });
}
