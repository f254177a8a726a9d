import { type Tensor, add, relu, tidy } from '../tensor/index.js';
import { Module, Sequential } from './module.js';
import { BatchNorm2d, Conv2d, Flatten, GlobalAvgPoolFlatten, Linear, MaxPool2d, ReLU } from './layers.js';

/** Input shape [C, H, W] and class count shared by every zoo constructor. */
export type ZooSpec = { input: readonly [number, number, number]; classes: number };

export const ARCHS = ['mlp', 'lenet5', 'vgg-small', 'resnet-small'] as const;
export type Arch = (typeof ARCHS)[number];

/** Two hidden layers of 256 and 128 units on the flattened input. */
export function mlp({ input: [c, h, w], classes }: ZooSpec): Module {
  return new Sequential([new Flatten(), new Linear(c * h * w, 256), new ReLU(), new Linear(256, 128), new ReLU(), new Linear(128, classes)]);
}

/** LeNet-5: conv5x5(6, pad 2), pool, conv5x5(16), pool, fc 120, fc 84, fc classes. */
export function lenet5({ input: [c, h, w], classes }: ZooSpec): Module {
  const side = (s: number) => Math.floor((Math.floor(s / 2) - 4) / 2);
  if (side(h) < 1 || side(w) < 1) throw new Error(`lenet5: input ${h}x${w} is too small (at least 12x12)`);
  return new Sequential([
    new Conv2d(c, 6, 5, { padding: 2 }), new ReLU(), new MaxPool2d(2),
    new Conv2d(6, 16, 5), new ReLU(), new MaxPool2d(2), new Flatten(),
    new Linear(16 * side(h) * side(w), 120), new ReLU(), new Linear(120, 84), new ReLU(), new Linear(84, classes),
  ]);
}

const convBnRelu = (cin: number, cout: number): Module[] => [new Conv2d(cin, cout, 3, { padding: 1, bias: false }), new BatchNorm2d(cout), new ReLU()];

class VggSmall extends Module {
  readonly features: Sequential;
  readonly classifier: Linear;
  constructor(c: number, classes: number) {
    super();
    this.features = this.child('features', new Sequential([
      ...convBnRelu(c, 32), ...convBnRelu(32, 32), new MaxPool2d(2),
      ...convBnRelu(32, 64), ...convBnRelu(64, 64), new MaxPool2d(2),
      ...convBnRelu(64, 128), new MaxPool2d(2), new GlobalAvgPoolFlatten(),
    ]));
    this.classifier = this.child('classifier', new Linear(128, classes));
  }
  forward(x: Tensor, training: boolean): Tensor {
    return tidy(() => this.classifier.forward(this.features.forward(x, training)));
  }
}

/** vgg-small: [conv3x3(32)+BN+ReLU]x2, pool, [conv3x3(64)+BN+ReLU]x2, pool, conv3x3(128)+BN+ReLU, pool, GAP, linear. */
export const vggSmall = ({ input: [c], classes }: ZooSpec): Module => new VggSmall(c, classes);

class BasicBlock extends Module {
  readonly conv1: Conv2d;
  readonly bn1: BatchNorm2d;
  readonly conv2: Conv2d;
  readonly bn2: BatchNorm2d;
  readonly downsample: Sequential | null;
  constructor(cin: number, cout: number, stride: number) {
    super();
    this.conv1 = this.child('conv1', new Conv2d(cin, cout, 3, { stride, padding: 1, bias: false }));
    this.bn1 = this.child('bn1', new BatchNorm2d(cout));
    this.conv2 = this.child('conv2', new Conv2d(cout, cout, 3, { padding: 1, bias: false }));
    this.bn2 = this.child('bn2', new BatchNorm2d(cout));
    this.downsample = stride !== 1 || cin !== cout
      ? this.child('downsample', new Sequential([new Conv2d(cin, cout, 1, { stride, bias: false }), new BatchNorm2d(cout)]))
      : null;
  }
  forward(x: Tensor, training: boolean): Tensor {
    return tidy(() => {
      const h = relu(this.bn1.forward(this.conv1.forward(x), training));
      const o = this.bn2.forward(this.conv2.forward(h), training);
      return relu(add(o, this.downsample ? this.downsample.forward(x, training) : x));
    });
  }
}

class ResNetSmall extends Module {
  readonly stem: Module[];
  readonly stages: Sequential[];
  readonly head: Module[];
  constructor(c: number, classes: number) {
    super();
    this.stem = [this.child('conv1', new Conv2d(c, 16, 3, { padding: 1, bias: false })), this.child('bn1', new BatchNorm2d(16)), new ReLU()];
    const widths = [16, 32, 64];
    this.stages = widths.map((w, i) => {
      const cin = i === 0 ? 16 : widths[i - 1]!;
      const stride = i === 0 ? 1 : 2;
      return this.child(`layer${i + 1}`, new Sequential([new BasicBlock(cin, w, stride), new BasicBlock(w, w, 1)]));
    });
    this.head = [new GlobalAvgPoolFlatten(), this.child('fc', new Linear(64, classes))];
  }
  forward(x: Tensor, training: boolean): Tensor {
    return tidy(() => [...this.stem, ...this.stages, ...this.head].reduce((h, m) => m.forward(h, training), x));
  }
}

/** resnet-small: stem conv3x3(16), three stages of two BasicBlocks (16/32/64, stride 2 at stages 2 and 3), GAP, linear. */
export const resnetSmall = ({ input: [c], classes }: ZooSpec): Module => new ResNetSmall(c, classes);

/** Builds a zoo model by name. */
export function buildZoo(arch: Arch, spec: ZooSpec): Module {
  switch (arch) {
    case 'mlp': return mlp(spec);
    case 'lenet5': return lenet5(spec);
    case 'vgg-small': return vggSmall(spec);
    case 'resnet-small': return resnetSmall(spec);
  }
}
