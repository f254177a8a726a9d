import { autocast, cast, clone, crossEntropy, manualSeed, randint, randn, setNumThreads, setPrecision, tidy, toDevice, type Precision, type Tensor } from '../tensor/index.js';
import { buildZoo, type Arch } from '../nn/index.js';
import { Sgd } from '../optim/index.js';

export type TrainBenchOptions = {
  arch: Arch;
  input: [number, number, number];
  classes: number;
  batch: number;
  iters: number;
  warmup: number;
  threads: number;
  memoryFormat: 'channels_last' | 'contiguous';
  device: string;
  seed: number;
  /** bf16: the forward pass under autocast (as `torch.autocast`), the loss and the update in float32. */
  precision: Precision;
};

export type TrainBenchResult = TrainBenchOptions & { imagesPerSec: number; msPerIter: number; finalLoss: number; seconds: number };

/** A prepared training loop: one SGD step per call on a fixed random batch. */
export type TrainLoop = { step(): number; dispose(): void };

/** Builds the model, batch and optimizer of a train bench (after warmup), ready to step. */
export function prepareTrain(o: TrainBenchOptions): TrainLoop {
  setNumThreads(o.threads);
  setPrecision(o.precision, o.device);
  manualSeed(o.seed);
  const model = buildZoo(o.arch, { input: o.input, classes: o.classes });
  const place = (t: Tensor): Tensor => {
    const moved = o.device === 'cpu' ? t : toDevice(t, o.device);
    // a copy in the format, as PyTorch's module.to(memory_format=...): see clone
    return t.rank === 4 ? clone(moved, o.memoryFormat) : moved;
  };
  model.mapTensors(place);
  const x = tidy(() => place(randn([o.batch, ...o.input])));
  const y = tidy(() => (o.device === 'cpu' ? randint(o.classes, [o.batch]) : toDevice(randint(o.classes, [o.batch]), o.device)));
  const opt = new Sgd(model.parameters(), { lr: 0.01, momentum: 0.9, weightDecay: 5e-4 });
  const step = (): number => {
    const loss = tidy(() => {
      const logits = autocast(() => model.forward(x, true));
      const l = crossEntropy(logits.dtype === 'float32' ? logits : cast(logits, 'float32'), y);
      l.backward();
      return l.item();
    });
    opt.step();
    opt.zeroGrad();
    return loss;
  };
  for (let i = 0; i < o.warmup; i++) step();
  return {
    step,
    dispose: () => {
      opt.dispose();
      model.dispose();
      x.dispose();
      y.dispose();
    },
  };
}

/** Runs n steps and returns images/s and the last loss. */
export function timeSteps(loop: TrainLoop, n: number, batch: number): { imagesPerSec: number; seconds: number; loss: number } {
  let loss = NaN;
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < n; i++) loss = loop.step();
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  return { imagesPerSec: (batch * n) / seconds, seconds, loss };
}

/**
 * Times SGD training steps (momentum 0.9, weight decay 5e-4, cross-entropy) of a zoo model on one random batch,
 * the same loop bench/peer/train_bench.py runs in PyTorch.
 */
export function benchTrain(o: TrainBenchOptions): TrainBenchResult {
  const loop = prepareTrain(o);
  const r = timeSteps(loop, o.iters, o.batch);
  loop.dispose();
  return { ...o, imagesPerSec: r.imagesPerSec, msPerIter: (r.seconds * 1000) / o.iters, finalLoss: r.loss, seconds: r.seconds };
}
