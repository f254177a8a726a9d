// Compiled (never run) against the published types, in a fresh project by scripts/check-package.sh and here by
// `npm run build:ts`: every API function used with strict: true, and no `any` coming out of the API.
import {
  compress, evaluate, inspect, loadOnnx, openDataset, prune, saveOnnx, trainTeacher,
  AbortedError, ConfigError, DatasetError, EngineError, GraphError, OnnxError, WhittleError,
  type CompressEvent, type CompressReport, type Dataset, type Evaluation, type Model, type ModelReport, type PruneResult,
} from 'whittle-nn';

type IsAny<T> = 0 extends 1 & T ? true : false;
type NoAny<T> = IsAny<T> extends true ? never : T;
const noAny = <T>(v: NoAny<T>): T => v;

export async function everyFunction(signal: AbortSignal): Promise<void> {
  const model: Model = noAny(loadOnnx('teacher.onnx'));
  await saveOnnx(model, 'copy.onnx', { opset: 13 });
  const info: ModelReport = noAny(inspect(model, { input: [1, 1, 28, 28] }));
  const macs: number | null = noAny(info.macs);
  const ds: Dataset = noAny(await openDataset('folder:./images', { trainSubset: 100, valSize: 0.1, seed: 1, imageSize: 32 }));
  const classes: string[] = noAny(ds.classes);
  const pruned: PruneResult = noAny(await prune(model, { ratio: 0.5, metric: 'macs', criterion: 'l1', roundTo: 8 }));
  const small: Model = noAny(pruned.model);
  const alike: PruneResult = noAny(await prune(model, { widthsOf: small }));
  alike.model.dispose();
  const ratio: number = noAny(pruned.achievedRatio) + noAny(pruned.params.before) + noAny(pruned.macs.after);
  const teacher: Model = noAny(await trainTeacher({ arch: 'lenet5', data: 'mnist', epochs: 1, trainSubset: 512, onEvent: (e) => noAny(e.type) }));
  const fromScratch: Model = noAny(await trainTeacher({ model: 'untrained.onnx', init: 'fresh', newHead: true, schedule: 'onecycle', augment: 'off', data: 'mnist', epochs: 1 }));
  fromScratch.dispose();
  // @ts-expect-error: an init that does not exist
  await trainTeacher({ model: teacher, init: 'he', data: 'mnist' });
  const resumeTeacher: Parameters<typeof trainTeacher>[0] = { resume: 'teacher.onnx', signal };
  noAny(resumeTeacher.resume);
  const events: CompressEvent[] = [];
  const report: CompressReport = noAny(await compress({
    teacher, data: 'mnist', ratios: [0.5, 0.5], epochsPerStep: 1, out: 'runs/a', trainSubset: 512, signal,
    onEvent: (e) => { events.push(noAny(e)); if (e.type === 'batch') noAny(e.loss); },
  }).catch(async (e: unknown) => {
    if (e instanceof AbortedError) return compress({ resume: 'runs/a' });
    throw e;
  }));
  const final: number = noAny(report.final.testAccuracy) + noAny(report.steps[0]!.achievedRatio);
  const ev: Evaluation = noAny(await evaluate(small, ds, { latency: false }));
  const onTrain: 'test' | 'val' | 'train' = noAny((await evaluate(small, ds, { latency: false, split: 'train' })).split);
  // @ts-expect-error: a split that does not exist
  await evaluate(small, ds, { split: 'training' });
  const acc: number = noAny(ev.accuracy) + noAny(ev.loss) + noAny(ev.params) + noAny(ev.macs);
  // @ts-expect-error: an option that does not exist
  await prune(model, { ratio: 0.5, ratoi: 0.5 });
  // @ts-expect-error: a metric that does not exist
  await prune(model, { ratio: 0.5, metric: 'flops' });
  try {
    await evaluate(small, 'mnist');
  } catch (e) {
    if (e instanceof WhittleError) noAny<string>(e.code);
    if (e instanceof ConfigError) noAny<string>(e.path);
    if (e instanceof OnnxError || e instanceof GraphError || e instanceof DatasetError || e instanceof EngineError) noAny<string>(e.message);
  }
  console.log(macs, classes, ratio, final, acc, onTrain, signal.aborted);
  for (const m of [model, small, teacher]) m.dispose();
}
