// Leak checks on the engine's live-handle count (tfjs style) and on RSS over a long conv training loop.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as T from '../../src/tensor/index.js';
import { type Arch, type Module, buildZoo } from '../../src/nn/index.js';
import { AdamW, type Optimizer, Sgd } from '../../src/optim/index.js';

test('tidy disposes what it does not return; returned and kept tensors survive, then dispose', () => {
  const start = T.liveTensors();
  const kept: T.Tensor[] = [];
  const out = T.tidy(() => {
    const a = T.ones([4]);
    const inner = T.tidy(() => {
      const b = T.mul(a, 3);
      kept.push(T.keep(T.add(b, 1)));
      return { b, list: [T.sub(b, 1)] };
    });
    T.exp(a);
    return [inner.b, T.add(inner.list[0]!, a)];
  });
  assert.equal(T.liveTensors(), start + 3, 'two returned tensors and one kept one');
  assert.deepEqual(out[1]!.toArray(), [3, 3, 3, 3]);
  for (const t of [...out, ...kept]) t.dispose();
  assert.equal(T.liveTensors(), start);
});

test('backward inside tidy leaves nothing behind', () => {
  const x = T.ones([3]);
  x.requiresGrad = true;
  const start = T.liveTensors();
  for (let i = 0; i < 20; i++) {
    T.tidy(() => {
      T.sum(T.mul(T.relu(x), T.sigmoid(x))).backward();
      x.grad = null;
    });
  }
  assert.equal(T.liveTensors(), start);
  x.dispose();
});

test('a tidy whose fn throws disposes what it created', () => {
  const start = T.liveTensors();
  assert.throws(() => T.tidy(() => {
    T.ones([3]);
    T.zeros([3]);
    throw new Error('boom');
  }), /boom/);
  assert.equal(T.liveTensors(), start);
});

/** Trains `arch` with `opt` for `steps` steps on fixed data; calls `at(step)` after each (1-based). */
function train(arch: Arch, input: [number, number, number], batch: number, makeOpt: (p: T.Tensor[]) => Optimizer, steps: number, at: (step: number) => void): void {
  T.manualSeed(0);
  const model: Module = buildZoo(arch, { input, classes: 4 });
  const opt = makeOpt(model.parameters());
  const x = T.randn([batch, ...input]);
  const y = T.randint(4, [batch]);
  try {
    for (let s = 1; s <= steps; s++) {
      opt.zeroGrad();
      T.tidy(() => T.crossEntropy(model.forward(x, true), y).backward());
      opt.step();
      at(s);
    }
  } finally {
    opt.dispose();
    model.dispose();
    x.dispose();
    y.dispose();
  }
}

for (const [name, makeOpt] of [
  ['Sgd (momentum, weight decay)', (p: T.Tensor[]) => new Sgd(p, { lr: 0.05, momentum: 0.9, weightDecay: 5e-4 })],
  ['AdamW', (p: T.Tensor[]) => new AdamW(p, { lr: 1e-3 })],
] as const) {
  test(`liveTensors is unchanged by 200 training steps with ${name}`, () => {
    const start = T.liveTensors();
    let afterFirst = -1;
    train('mlp', [1, 6, 6], 8, makeOpt, 200, (s) => {
      if (s === 1) afterFirst = T.liveTensors();
      else assert.equal(T.liveTensors(), afterFirst, `live tensors grew at step ${s}`);
    });
    assert.equal(T.liveTensors(), start, 'tensors left after disposing model and optimizer');
  });
}

test('RSS of a 2,000-step conv training loop grows less than 5% from step 1,000 to step 2,000', () => {
  const start = T.liveTensors();
  let rss1000 = 0;
  let rss2000 = 0;
  train('lenet5', [1, 12, 12], 4, (p) => new Sgd(p, { lr: 0.01, momentum: 0.9 }), 2000, (s) => {
    if (s === 1000) rss1000 = process.memoryUsage().rss;
    if (s === 2000) rss2000 = process.memoryUsage().rss;
  });
  const growth = rss2000 / rss1000 - 1;
  assert.ok(growth < 0.05, `RSS grew ${(growth * 100).toFixed(1)}% (${(rss1000 / 2 ** 20).toFixed(1)} MiB -> ${(rss2000 / 2 ** 20).toFixed(1)} MiB)`);
  assert.equal(T.liveTensors(), start);
});
