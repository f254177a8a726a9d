import {
  type Tensor, adaptiveAvgPool2d, batchNorm, conv2d, flatten, linear, maxPool2d, ones, relu, uniform as uniformIn, zeros, noGrad, tidy, type Conv2dOptions,
} from '../tensor/index.js';
import { Module } from './module.js';

/** Uniform in [-bound, bound), from libtorch's seeded generator: PyTorch's default init for conv and linear. */
function uniform(shape: number[], bound: number): Tensor {
  return noGrad(() => uniformIn(shape, -bound, bound));
}

export class Conv2d extends Module {
  readonly hasBias: boolean;
  constructor(readonly inChannels: number, readonly outChannels: number, readonly kernel: number, readonly options: Conv2dOptions & { bias?: boolean } = {}) {
    super();
    const groups = options.groups ?? 1;
    const fanIn = (inChannels / groups) * kernel * kernel;
    this.param('weight', uniform([outChannels, inChannels / groups, kernel, kernel], 1 / Math.sqrt(fanIn)));
    this.hasBias = options.bias !== false;
    if (this.hasBias) this.param('bias', uniform([outChannels], 1 / Math.sqrt(fanIn)));
  }
  forward(x: Tensor): Tensor {
    const { bias: _bias, ...opts } = this.options;
    return conv2d(x, this.get('weight'), this.hasBias ? this.get('bias') : null, opts);
  }
}

export class BatchNorm2d extends Module {
  constructor(readonly channels: number, readonly momentum = 0.1, readonly eps = 1e-5) {
    super();
    this.param('weight', ones([channels]));
    this.param('bias', zeros([channels]));
    this.buffer('running_mean', zeros([channels]));
    this.buffer('running_var', ones([channels]));
  }
  forward(x: Tensor, training: boolean): Tensor {
    return batchNorm(x, this.get('weight'), this.get('bias'), this.get('running_mean'), this.get('running_var'), { training, momentum: this.momentum, eps: this.eps });
  }
}

export class Linear extends Module {
  constructor(readonly inFeatures: number, readonly outFeatures: number, readonly hasBias = true) {
    super();
    this.param('weight', uniform([outFeatures, inFeatures], 1 / Math.sqrt(inFeatures)));
    if (hasBias) this.param('bias', uniform([outFeatures], 1 / Math.sqrt(inFeatures)));
  }
  forward(x: Tensor): Tensor {
    return linear(x, this.get('weight'), this.hasBias ? this.get('bias') : null);
  }
}

export class ReLU extends Module {
  forward(x: Tensor): Tensor {
    return relu(x);
  }
}

export class MaxPool2d extends Module {
  constructor(readonly kernel: number) {
    super();
  }
  forward(x: Tensor): Tensor {
    return maxPool2d(x, this.kernel);
  }
}

/** Global average pooling then flattening: [N, C, H, W] -> [N, C]. */
export class GlobalAvgPoolFlatten extends Module {
  forward(x: Tensor): Tensor {
    return tidy(() => flatten(adaptiveAvgPool2d(x, 1), 1));
  }
}

export class Flatten extends Module {
  forward(x: Tensor): Tensor {
    return flatten(x, 1);
  }
}
