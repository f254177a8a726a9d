// Milliseconds per SGD training step of any ONNX classifier on random images, as compress trains it (weights and
// inputs channels last, train mode, cross-entropy, Nesterov SGD), for comparing kernels across builds: run it at two
// commits in turn. Usage: node dist/bench/onnx-train-step.bench.js MODEL.onnx [steps=30] [batch=64] [threads=1]
import { contiguous, crossEntropy, manualSeed, randint, randn, setNumThreads, tidy } from '../src/tensor/index.js';
import { loadOnnx } from '../src/onnx/index.js';
import { modelChannels, modelSide } from '../src/pipeline/dataset-options.js';
import { forward, toChannelsLast } from '../src/distill/index.js';
import { Sgd } from '../src/optim/index.js';

const [model, steps = '30', batch = '64', threads = '1'] = process.argv.slice(2);
if (!model) throw new Error('usage: onnx-train-step.bench.js MODEL.onnx [steps] [batch] [threads]');
setNumThreads(Number(threads));
manualSeed(0);
const g = await loadOnnx(model);
toChannelsLast(g);
const [channels, side] = [modelChannels(g), modelSide(g)];
if (channels === null || side === null) throw new Error(`${model}: expected a 4-D input of 1, 3 or 4 channels and square images`);
const image = [channels, side, side];
const x = tidy(() => contiguous(randn([Number(batch), ...image]), 'channels_last'));
const classes = Number(g.outputs[0]!.shape?.[1] ?? 10);
const y = randint(classes, [Number(batch)]);
const opt = new Sgd(g.parameters(), { lr: 0.01, momentum: 0.9, nesterov: true, weightDecay: 5e-4 });
const step = (): void => {
  tidy(() => {
    const loss = crossEntropy(forward(g, x, true), y);
    loss.backward();
    return loss.item();
  });
  opt.step();
  opt.zeroGrad();
};
for (let i = 0; i < 3; i++) step();
const t0 = process.hrtime.bigint();
for (let i = 0; i < Number(steps); i++) step();
const ms = Number(process.hrtime.bigint() - t0) / 1e6 / Number(steps);
console.log(JSON.stringify({ bench: 'onnx-train-step', model, batch: Number(batch), threads: Number(threads), msPerStep: Number(ms.toFixed(2)) }));
