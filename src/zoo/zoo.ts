import { Graph, GraphBuilder } from '../graph/index.js';
import { vitTiny } from './vit.js';
import type { ZooSpec } from './spec.js';

export type { ZooSpec } from './spec.js';

/** `w`, checked to be `count` whole numbers >= 1 (`key` names it in the error). */
function checkWidths(arch: string, key: 'widths' | 'blockWidths', w: readonly number[], count: number): readonly number[] {
  if (w.length !== count || w.some((c) => !Number.isInteger(c) || c < 1)) throw new Error(`${arch}: ${key} must be ${count} whole numbers >= 1, got [${w.join(', ')}]`);
  return w;
}

function widthsOf(arch: string, spec: ZooSpec, defaults: readonly number[]): readonly number[] {
  return checkWidths(arch, 'widths', spec.widths ?? defaults, defaults.length);
}

/** The classifiers: N x classes logits. */
export const ZOO = ['mlp', 'lenet5', 'vgg-small', 'resnet-small', 'mobilenetv2-small', 'resnet20', 'resnet56', 'vit-tiny'] as const;
/** The segmentation nets: N x classes x H x W per-pixel logits. */
export const SEGMENT_ZOO = ['unet-small'] as const;
/** Every architecture train-teacher builds. */
export const ALL_ZOO = [...ZOO, ...SEGMENT_ZOO] as const;
export type ZooArch = (typeof ALL_ZOO)[number];

/** Two hidden layers of 256 and 128 units on the flattened input. */
function mlp({ input, classes }: ZooSpec): Graph {
  const b = new GraphBuilder('mlp', input);
  let h = b.flatten('input', input[0] * input[1] * input[2]);
  h = b.relu(b.linear(h, 256, '1'));
  h = b.relu(b.linear(h, 128, '3'));
  return b.build(b.linear(h, classes, '5'), classes);
}

/** LeNet-5: conv5x5(6, pad 2), pool, conv5x5(16), pool, fc 120, fc 84, fc classes. */
function lenet5({ input, classes }: ZooSpec): Graph {
  const side = (s: number): number => Math.floor((Math.floor(s / 2) - 4) / 2);
  if (side(input[1]) < 1 || side(input[2]) < 1) throw new Error(`lenet5: input ${input[1]}x${input[2]} is too small (at least 12x12)`);
  const b = new GraphBuilder('lenet5', input);
  let h = b.maxPool(b.relu(b.conv('input', 6, 5, '0', { padding: 2 })), 2);
  h = b.maxPool(b.relu(b.conv(h, 16, 5, '3')), 2);
  h = b.flatten(h, 16 * side(input[1]) * side(input[2]));
  h = b.relu(b.linear(h, 120, '7'));
  h = b.relu(b.linear(h, 84, '9'));
  return b.build(b.linear(h, classes, '11'), classes);
}

/** vgg-small, named as src/nn's (features.N, classifier). */
function vggSmall(spec: ZooSpec): Graph {
  const { input, classes } = spec;
  const w = widthsOf('vgg-small', spec, [32, 32, 64, 64, 128]);
  const b = new GraphBuilder('vgg-small', input);
  let i = 0;
  let h = 'input';
  const block = (c: number): void => {
    h = b.relu(b.bn(b.conv(h, c, 3, `features.${i}`, { padding: 1, bias: false }), `features.${i + 1}`));
    i += 3;
  };
  const pool = (): void => {
    h = b.maxPool(h, 2);
    i += 1;
  };
  block(w[0]!); block(w[1]!); pool();
  block(w[2]!); block(w[3]!); pool();
  block(w[4]!); pool();
  h = b.flatten(b.globalAvgPool(h));
  return b.build(b.linear(h, classes, 'classifier'), classes);
}

/** A BasicBlock: conv3x3-BN-ReLU-conv3x3-BN plus the shortcut (1x1 conv + BN when the shape changes), then ReLU. */
function basicBlock(b: GraphBuilder, x: string, inner: number, cout: number, stride: number, name: string): string {
  const h = b.relu(b.bn(b.conv(x, inner, 3, `${name}.conv1`, { stride, padding: 1, bias: false }), `${name}.bn1`));
  const o = b.bn(b.conv(h, cout, 3, `${name}.conv2`, { padding: 1, bias: false }), `${name}.bn2`);
  const short = stride !== 1 || b.channels(x) !== cout
    ? b.bn(b.conv(x, cout, 1, `${name}.downsample.0`, { stride, bias: false }), `${name}.downsample.1`)
    : x;
  return b.relu(b.add(o, short));
}

/** ResNet of BasicBlocks: stem conv3x3(w0)+BN+ReLU, stages of `blocks` blocks (stride 2 from the second), GAP, fc. */
function resnet(name: string, { input, classes, blockWidths }: ZooSpec, widths: readonly number[], blocks: number): Graph {
  if (blockWidths) checkWidths(name, 'blockWidths', blockWidths, widths.length * blocks);
  const b = new GraphBuilder(name, input);
  let h = b.relu(b.bn(b.conv('input', widths[0]!, 3, 'conv1', { padding: 1, bias: false }), 'bn1'));
  widths.forEach((w, s) => {
    for (let k = 0; k < blocks; k++) h = basicBlock(b, h, blockWidths?.[s * blocks + k] ?? w, w, s > 0 && k === 0 ? 2 : 1, `layer${s + 1}.${k}`);
  });
  h = b.flatten(b.globalAvgPool(h));
  return b.build(b.linear(h, classes, 'fc'), classes);
}

/** MobileNetV2 in small: inverted residuals (1x1 expand, 3x3 depthwise, 1x1 project, ReLU6), residual when shapes match. */
function mobilenetv2Small({ input, classes }: ZooSpec): Graph {
  const b = new GraphBuilder('mobilenetv2-small', input);
  let h = b.relu6(b.bn(b.conv('input', 16, 3, 'features.0.0', { padding: 1, bias: false }), 'features.0.1'));
  // [expansion, out channels, repeats, first stride]
  const settings: [number, number, number, number][] = [[1, 16, 1, 1], [4, 24, 2, 2], [4, 32, 2, 2], [4, 64, 2, 2]];
  let f = 1;
  for (const [t, c, n, s] of settings) {
    for (let k = 0; k < n; k++) {
      const name = `features.${f++}.conv`;
      const cin = b.channels(h);
      const hidden = cin * t;
      let y = h;
      let j = 0;
      if (t !== 1) y = b.relu6(b.bn(b.conv(y, hidden, 1, `${name}.${j}`, { bias: false }), `${name}.${j + 1}`)), (j += 2);
      y = b.relu6(b.bn(b.conv(y, hidden, 3, `${name}.${j}`, { stride: k === 0 ? s : 1, padding: 1, groups: hidden, bias: false }), `${name}.${j + 1}`));
      j += 2;
      y = b.bn(b.conv(y, c, 1, `${name}.${j}`, { bias: false }), `${name}.${j + 1}`);
      h = k > 0 || (s === 1 && cin === c) ? b.add(h, y) : y;
    }
  }
  h = b.relu6(b.bn(b.conv(h, 128, 1, `features.${f}.0`, { bias: false }), `features.${f}.1`));
  h = b.flatten(b.globalAvgPool(h));
  return b.build(b.linear(h, classes, 'classifier'), classes);
}

/**
 * unet-small: a U-Net of two levels. Encoder: [conv3x3+BN+ReLU]x2 at widths w0 (full size) and w1 (after a 2x2
 * MaxPool), a bottleneck of w2 after another; decoder: 2x nearest upsampling, Concat with the encoder's output of
 * that size (the skip), [conv3x3+BN+ReLU]x2 at w1 then w0; a 1x1 conv head gives N x classes x H x W logits.
 * H and W must be multiples of 4. Widths default 16, 32, 64.
 */
function unetSmall(spec: ZooSpec): Graph {
  const { input, classes } = spec;
  const [, H, W] = input;
  if (H % 4 !== 0 || W % 4 !== 0) throw new Error(`unet-small: input ${H}x${W} must have sides that are multiples of 4 (it pools twice)`);
  const [w0, w1, w2] = widthsOf('unet-small', spec, [16, 32, 64]) as [number, number, number];
  const b = new GraphBuilder('unet-small', input);
  const double = (x: string, c: number, name: string): string => {
    const h = b.relu(b.bn(b.conv(x, c, 3, `${name}.conv1`, { padding: 1, bias: false }), `${name}.bn1`));
    return b.relu(b.bn(b.conv(h, c, 3, `${name}.conv2`, { padding: 1, bias: false }), `${name}.bn2`));
  };
  const e1 = double('input', w0, 'down1');
  const e2 = double(b.maxPool(e1, 2), w1, 'down2');
  const mid = double(b.maxPool(e2, 2), w2, 'bottleneck');
  const d2 = double(b.concat([b.upsample(mid, 2), e2]), w1, 'up2');
  const d1 = double(b.concat([b.upsample(d2, 2), e1]), w0, 'up1');
  return b.build(b.conv(d1, classes, 1, 'head'), classes, {}, [H, W]);
}

/** Builds a zoo model as a graph. */
export function buildZooGraph(arch: ZooArch, spec: ZooSpec): Graph {
  switch (arch) {
    case 'mlp': return mlp(spec);
    case 'lenet5': return lenet5(spec);
    case 'vgg-small': return vggSmall(spec);
    case 'resnet-small': return resnet('resnet-small', spec, widthsOf('resnet-small', spec, [16, 32, 64]), 2);
    case 'mobilenetv2-small': return mobilenetv2Small(spec);
    case 'resnet20': return resnet('resnet20', spec, widthsOf('resnet20', spec, [16, 32, 64]), 3);
    case 'resnet56': return resnet('resnet56', spec, widthsOf('resnet56', spec, [16, 32, 64]), 9);
    case 'unet-small': return unetSmall(spec);
    case 'vit-tiny': return vitTiny(spec);
  }
}
