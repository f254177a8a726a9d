import { add, argmax, callAten, cast, keep, lt, mul, reshape, tidy, type Tensor } from '../tensor/index.js';
import type { Dim } from '../graph/index.js';
import { scoresWithLabels, type Meter, type Task } from './task.js';

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

/** Confusion of the student's argmax against the teacher's ([K·K]) and, with masks, against them ([K·K] more). */
class SegmentMeter implements Meter {
  #teacher: Tensor | null = null;
  #labels: Tensor | null = null;
  constructor(readonly k: number, readonly labelled: boolean) {}

  add(s: Tensor, t: Tensor, y: Tensor | null): void {
    const top = argmax(s, 1);
    this.#teacher = accumulate(this.#teacher, confusion(top, argmax(t, 1), this.k));
    if (this.labelled && y) this.#labels = accumulate(this.#labels, confusion(top, y, this.k));
  }

  sums(): number[] {
    const zeros = new Array<number>(this.k * this.k).fill(0);
    const out = [...(this.#teacher?.toArray() ?? zeros), ...(this.labelled ? this.#labels?.toArray() ?? zeros : [])];
    this.#teacher?.dispose();
    this.#labels?.dispose();
    this.#teacher = this.#labels = null;
    return out;
  }

  result(sums: readonly number[]): ReturnType<Meter['result']> {
    const kk = this.k * this.k;
    const agree = sums.slice(0, kk);
    const pixels = agree.reduce((a, b) => a + b, 0);
    const diagonal = Array.from({ length: this.k }, (_, c) => agree[c * this.k + c]!).reduce((a, b) => a + b, 0);
    return {
      fidelity: { mIoU: meanIoU(agree, this.k), pixelAgreement: pixels ? diagonal / pixels : 0 },
      ...(this.labelled ? { task: { mIoU: meanIoU(sums.slice(kk, 2 * kk), this.k) } } : {}),
    };
  }
}

/** `sum` + `part` (kept out of any tidy scope), disposing both operands. */
export function accumulate(sum: Tensor | null, part: Tensor): Tensor {
  if (!sum) return keep(part);
  const next = keep(add(sum, part));
  sum.dispose();
  part.dispose();
  return next;
}
