import { add, argmax, callAten, cast, lt, mul, reshape, tidy, type Tensor } from '../tensor/index.js';
import type { Dim } from '../graph/index.js';
import { scoresWithLabels, type Meter, type Task } from './task.js';
import { addUp } from './classify.js';

/** Mask pixels with this label are left out of the loss and the metrics (e.g. object borders). */
export const IGNORE_LABEL = 255;

/**
 * Per-pixel class logits [N, K, H, W]: distilled by per-pixel T²·KL (or channel-wise, `cwd`), trained on masks by
 * per-pixel cross-entropy, scored by mIoU against the teacher's argmax and, with masks, against them.
 */
export const segment: Task = {
  name: 'segment',
  misfit: (shape: readonly Dim[]) => (shape.length >= 3 && shape[1] !== 1
    ? null
    : `segment needs an output [N, K, H, W] of K >= 2 class maps, got [${shape.join(', ')}]`),
  labelKind: 'mask',
  scoredBy: null,
  defaultLoss: (activation) => (activation === 'sigmoid' ? 'bce' : 'kl'),
  labelLoss: (s, y) => callAten('cross_entropy_loss', '', s, y, null, 1, IGNORE_LABEL, 0),
  meter: (head) => new SegmentMeter(Number(head.shape[1]), scoresWithLabels(head)),
  fidelityMetric: 'mIoU',
  taskMetric: 'mIoU',
  cacheInBf16: true,
};

/** Confusion counts [K·K] of class `a` (row) against class `b` (column) over the pixels where `b` is a class. */
function confusion(a: Tensor, b: Tensor, k: number): Tensor {
  return tidy(() => {
    const flatA = reshape(a, [-1]);
    const flatB = reshape(b, [-1]);
    const valid = lt(flatB, k);
    const at = add(mul(callAten('masked_select', '', flatB, valid), k), callAten('masked_select', '', flatA, valid));
    return cast(callAten('bincount', '', at, null, k * k), 'float64');
  });
}

/** The mean over classes present (in either) of intersection over union, from K·K confusion counts. */
export function meanIoU(counts: readonly number[], k: number): number {
  let total = 0;
  let classes = 0;
  for (let c = 0; c < k; c++) {
    let row = 0;
    let col = 0;
    for (let j = 0; j < k; j++) {
      row += counts[c * k + j]!;
      col += counts[j * k + c]!;
    }
    const inter = counts[c * k + c]!;
    const union = row + col - inter;
    if (union > 0) {
      total += inter / union;
      classes++;
    }
  }
  return classes ? total / classes : 0;
}

/** Per batch, the confusion of the student's argmax against the teacher's ([K·K]) and, with masks, against them ([K·K] more). */
class SegmentMeter implements Meter {
  constructor(readonly k: number, readonly labelled: boolean) {}

  part(s: Tensor, t: Tensor, y: Tensor | null): Float64Array {
    const kk = this.k * this.k;
    const out = new Float64Array(this.labelled ? 2 * kk : kk);
    const top = argmax(s, 1);
    out.set(confusion(top, argmax(t, 1), this.k).data() as Float64Array);
    if (this.labelled && y) out.set(confusion(top, y, this.k).data() as Float64Array, kk);
    return out;
  }

  result(parts: readonly Float64Array[]): ReturnType<Meter['result']> {
    const kk = this.k * this.k;
    const sums = addUp(parts, this.labelled ? 2 * kk : kk);
    const agree = Array.from(sums.subarray(0, kk));
    const pixels = agree.reduce((a, b) => a + b, 0);
    const diagonal = Array.from({ length: this.k }, (_, c) => agree[c * this.k + c]!).reduce((a, b) => a + b, 0);
    return {
      fidelity: { mIoU: meanIoU(agree, this.k), pixelAgreement: pixels ? diagonal / pixels : 0 },
      ...(this.labelled ? { task: { mIoU: meanIoU(Array.from(sums.subarray(kk)), this.k) } } : {}),
    };
  }
}
