import type { Command } from 'commander';
import { createInterface } from 'node:readline';
import { prepareDistill } from '../../bench/distill-bench.js';
import { ZOO } from '../../zoo/index.js';
import { benchTrain, prepareTrain, timeSteps, type TrainBenchOptions, type TrainLoop } from '../../bench/train-bench.js';
import { ARCHS } from '../../nn/index.js';
import { parseChoice, parseDevice, parseInputShape, parseNumberList, parsePositiveInt } from '../parse.js';
import { cudaDeviceCount, PRECISIONS, resolvePrecision } from '../../tensor/index.js';
import { ConfigError } from '../../errors.js';

type ModelFlags = { arch: string; input: string; classes: string; batch: string; threads: string; seed: string; precision: string };
type Flags = ModelFlags & { iters: string; warmup: string; memoryFormat: string; device: string; json?: boolean; serve?: boolean };

/** The flags both bench commands share: the model, its input, the batch, threads and seed. */
function withModelFlags(c: Command, archs: readonly string[]): Command {
  return c.option('--arch <name>', `model: ${archs.join(', ')}`, 'vgg-small')
    .option('--input <CxHxW>', 'input shape', '1x28x28')
    .option('--classes <n>', 'number of classes', '10')
    .option('--batch <n>', 'batch size', '128')
    .option('--threads <n>', 'intra-op threads', '2')
    .option('--seed <n>', 'random seed', '0')
    .option('--precision <p>', "fp32, bf16 (PyTorch's autocast) or auto (bf16 on a CPU with AVX512-BF16 or AMX)", 'auto');
}

function parseModelFlags<A extends string>(f: ModelFlags, archs: readonly A[]) {
  return {
    arch: parseChoice('--arch', f.arch, archs), input: parseInputShape('--input', f.input), classes: parsePositiveInt('--classes', f.classes, 2),
    batch: parsePositiveInt('--batch', f.batch), threads: parsePositiveInt('--threads', f.threads), seed: parsePositiveInt('--seed', f.seed, 0),
  };
}

function parsePrecision(f: ModelFlags, device: string) {
  try {
    return resolvePrecision(parseChoice('--precision', f.precision, PRECISIONS), device).precision;
  } catch (e) {
    throw e instanceof ConfigError && e.path === 'precision' ? new ConfigError('--precision', e.reason, e.hint) : e;
  }
}

export function registerBench(p: Command): void {
  const bench = p.command('bench').description('measure the engine');
  registerBenchDistill(bench);
  withModelFlags(bench.command('train'), ARCHS)
    .description('time SGD training steps of a zoo model on random data (the loop bench/peer/train_bench.py runs in PyTorch)')
    .option('--iters <n>', 'timed iterations', '30')
    .option('--warmup <n>', 'untimed iterations first', '5')
    .option('--memory-format <f>', 'channels_last or contiguous (NCHW)', 'channels_last')
    .option('--device <d>', 'cpu, cuda or cuda:N', 'cpu')
    .option('--json', 'print one JSON object as the last line')
    .option('--serve', 'for bench drivers: read "N" lines on stdin, run N steps each, answer one JSON line each')
    .action(async (f: Flags) => {
      const o: TrainBenchOptions = {
        ...parseModelFlags(f, ARCHS),
        iters: parsePositiveInt('--iters', f.iters),
        warmup: parsePositiveInt('--warmup', f.warmup, 0),
        memoryFormat: parseChoice('--memory-format', f.memoryFormat, ['channels_last', 'contiguous'] as const),
        device: parseDevice('--device', f.device, cudaDeviceCount),
        precision: 'fp32',
      };
      o.precision = parsePrecision(f, o.device);
      if (f.serve) return serve(o, () => prepareTrain(o));
      const r = benchTrain(o);
      if (f.json) console.log(JSON.stringify(r));
      else console.log(`${r.arch} batch ${r.batch} (${r.memoryFormat}, ${r.threads} threads, ${r.device}, ${r.precision}): ${r.imagesPerSec.toFixed(1)} images/s, ${r.msPerIter.toFixed(1)} ms/iter`);
    });
}

/** Steps on demand so that a driver can interleave short timed runs of two peers under the same machine load. */
async function serve(o: { batch: number }, prepare: () => TrainLoop): Promise<void> {
  const loop = prepare();
  console.log(JSON.stringify({ ready: true }));
  for await (const line of createInterface({ input: process.stdin })) {
    const n = Number(line.trim());
    if (!Number.isInteger(n) || n < 1) break;
    const cpu0 = process.cpuUsage();
    const r = timeSteps(loop, n, o.batch);
    const cpu = process.cpuUsage(cpu0);
    // CPU seconds too: on a loaded machine they vary less than the wall clock
    console.log(JSON.stringify({ imagesPerSec: r.imagesPerSec, seconds: r.seconds, cpuSeconds: (cpu.user + cpu.system) / 1e6, loss: r.loss }));
  }
  loop.dispose();
}

type DistillFlags = ModelFlags & { teacherCache?: boolean; studentWidths?: string };

/** `whittle bench distill --serve`: distillation steps for bench/distill-vs-pytorch.bench.ts. */
export function registerBenchDistill(bench: Command): void {
  withModelFlags(bench.command('distill'), ZOO)
    .description('distillation steps on graphs as compress runs them (teacher forward or cached logits, student step), served to a bench driver')
    .option('--teacher-cache', "reuse the teacher's logits instead of a forward per step")
    .option('--student-widths <list>', "the student's channel widths (a pruned student), e.g. 24,24,48,48,88 for vgg-small")
    .action(async (f: DistillFlags) => {
      const o = {
        ...parseModelFlags(f, ZOO), teacherCache: f.teacherCache === true, precision: parsePrecision(f, 'cpu'),
        ...(f.studentWidths ? { studentWidths: parseNumberList('--student-widths', f.studentWidths) } : {}),
      };
      await serve(o, () => prepareDistill(o));
    });
}
