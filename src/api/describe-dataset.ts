import { isTensorStore, type Dataset, type SampleDType } from '../data/index.js';

/** What a dataset's labels are, in `data inspect`'s words. */
export type LabelsFound = 'classes' | 'masks' | 'targets' | 'none';

/** The task a dataset suggests: from its labels, or, without labels, from the model's output (--task auto). */
export type SuggestedTask = 'classify' | 'segment' | 'regress' | 'auto';

/** What `whittle data inspect --json` prints as its last line. */
export interface DatasetReport {
  name: string;
  spec: string;
  /** True when the rows have labels of any kind. */
  labelled: boolean;
  labels: LabelsFound;
  task: SuggestedTask;
  /** The model inputs a row feeds: name, dtype and one row's shape (an image set: one, float32 [C, H, W] after normalisation). */
  inputs: { name: string; dtype: SampleDType; shape: number[] }[];
  /** One row's target shape (`targets`), or a mask's [H, W] (`masks`); null otherwise. */
  labelShape: number[] | null;
  /** Class names of `classes` and `masks` labels (mask value i is class i); empty otherwise. */
  classes: string[];
  counts: { train: number; val: number; test: number };
  /** Images: [C, H, W]; a tensor set: [0, 0, 0] (see inputs). */
  shape: [number, number, number];
  /** Images: their stored pixel type; a tensor set: 'tensors'. */
  dtype: string;
  mean: number[];
  std: number[];
  statsSource: Dataset['statsSource'];
  augment: { pad: number; flip: boolean } | null;
  /** Rows per class (`classes`), or pixels per class (`masks`, the ignored ones left out); empty otherwise. */
  perClass: { train: number[]; test: number[] };
  skipped: number;
  warnings: string[];
  sheet?: string;
}

const LABELS = { class: 'classes', mask: 'masks', target: 'targets', none: 'none' } as const;
const TASKS = { class: 'classify', mask: 'segment', target: 'regress', none: 'auto' } as const;

function countPerClass(ds: Dataset, split: 'train' | 'test'): number[] {
  const counts = new Array<number>(ds.classes.length).fill(0);
  const s = ds[split];
  if (ds.label.kind === 'class') {
    for (const r of s.indices) counts[s.store.labels[r]!]!++;
  } else if (ds.label.kind === 'mask' && !isTensorStore(s.store) && s.store.masks) {
    const masks = s.store.masks;
    const hw = s.store.shape[1] * s.store.shape[2];
    for (const r of s.indices) {
      for (let p = r * hw; p < (r + 1) * hw; p++) {
        const v = masks[p]!;
        if (v < counts.length) counts[v]!++;
      }
    }
  } else {
    return [];
  }
  return counts;
}

/** Summarises an open dataset: labels and the task they suggest, inputs, split sizes, image shape, normalisation, per-class counts. */
export function describeDataset(ds: Dataset): DatasetReport {
  const l = ds.label;
  return {
    name: ds.name,
    spec: ds.spec,
    labelled: l.kind !== 'none',
    labels: LABELS[l.kind],
    task: TASKS[l.kind],
    inputs: ds.inputs.map((i) => ({ name: i.name, dtype: i.dtype, shape: [...i.shape] })),
    labelShape: l.kind === 'mask' || l.kind === 'target' ? [...l.shape] : null,
    classes: ds.classes,
    counts: { train: ds.train.indices.length, val: ds.val.indices.length, test: ds.test.indices.length },
    shape: ds.shape,
    dtype: ds.inputs[0]?.image === false ? 'tensors' : ds.pixelType,
    mean: ds.mean,
    std: ds.std,
    statsSource: ds.statsSource,
    augment: ds.defaultAugment,
    perClass: { train: countPerClass(ds, 'train'), test: countPerClass(ds, 'test') },
    skipped: ds.skipped,
    warnings: ds.warnings,
  };
}
