import { openDataset, type Dataset, type OpenDatasetOptions } from '../data/index.js';
import { openOptionsFor } from './dataset-options.js';
import type { Graph } from '../graph/index.js';
import { ConfigError } from '../errors.js';

/** What a model's whittle.preprocess says: input = (pixel * scale - mean) / std per channel. */
export type Preprocess = { scale: number; mean: number[]; std: number[] };

/** The normalisation a user gave (--mean, --std), each unset or a list of one value or one per channel. */
export type GivenNormalization = { mean?: readonly number[] | null | undefined; std?: readonly number[] | null | undefined };

const numbers = (v: unknown): v is number[] => Array.isArray(v) && v.length > 0 && v.every((x) => typeof x === 'number' && Number.isFinite(x));

/** The model's whittle.preprocess metadata, or null without one; a ConfigError naming the model when it is malformed. */
export function modelPreprocess(g: Graph, what: string): Preprocess | null {
  const raw = g.metadata['whittle.preprocess'];
  if (raw === undefined) return null;
  let p: unknown;
  try {
    p = JSON.parse(raw);
  } catch {
    p = null;
  }
  const o = p as Partial<Preprocess> | null;
  if (!o || typeof o.scale !== 'number' || !(o.scale > 0) || !numbers(o.mean) || !numbers(o.std) || o.mean.length !== o.std.length || o.std.some((s) => !(s > 0))) {
    throw new ConfigError(what, `its whittle.preprocess metadata is not {"scale": s, "mean": [...], "std": [...]} with positive std: ${raw.slice(0, 80)}`, 'fix or remove that metadata entry, or give --mean and --std');
  }
  return { scale: o.scale, mean: o.mean, std: o.std };
}

/** The factor whittle applies to stored pixels before normalising: 1/255 for 8-bit images. */
export const pixelScale = (ds: Dataset): number => (ds.pixelType === 'uint8' ? 1 / 255 : 1);

function perChannel(v: readonly number[], c: number, key: 'mean' | 'std'): number[] {
  if (v.length === 1) return Array.from({ length: c }, () => v[0]!);
  if (v.length !== c) throw new ConfigError(key, `has ${v.length} values but the dataset's images have ${c} channel${c > 1 ? 's' : ''}`, `give one value, or one per channel`);
  return [...v];
}

/**
 * The dataset as a model is fed: normalised with the given mean and std (both or neither), else with the model's
 * whittle.preprocess when it fits the data (as many channels, the same pixel scale), else as they are for a model
 * whose input is uint8, else with the dataset's own statistics. `statsSource` says which. A tensor set is fed as stored.
 */
export function normalizedFor(ds: Dataset, given: GivenNormalization, model: Graph | null, what = 'model'): Dataset {
  const c = ds.shape[0];
  const { mean, std } = given;
  if ((mean == null) !== (std == null)) {
    const [has, lacks] = mean == null ? ['std', 'mean'] : ['mean', 'std'];
    throw new ConfigError(lacks, `must be given too when the ${has} is: the input is (pixel * scale - mean) / std`, 'give both, e.g. --mean 0.5 --std 0.5');
  }
  if (mean != null && std != null) return { ...ds, mean: perChannel(mean, c, 'mean'), std: perChannel(std, c, 'std'), statsSource: 'given' };
  if (ds.inputs.every((i) => !i.image)) return ds;
  const p = model ? modelPreprocess(model, what) : null;
  if (p && p.mean.length === c && Math.abs(p.scale - pixelScale(ds)) <= 1e-9 * pixelScale(ds)) return { ...ds, mean: p.mean, std: p.std, statsSource: 'model' };
  // a model taking uint8 (a Cast in front, as some exporters write) wants the pixels as they are
  if (model?.inputs[0]?.dtype === 'uint8' && ds.pixelType === 'uint8') return { ...ds, mean: Array(c).fill(0), std: Array(c).fill(1 / 255), statsSource: 'raw' };
  return ds;
}

/** A teacher near chance on validation is most often fed differently from how it was trained. */
export function teacherWarnings(valAccuracy: number, ds: Dataset): string[] {
  const k = ds.classes.length;
  if (k < 2 || valAccuracy >= 2 / k) return [];
  // a tensor set is fed as stored (no normalisation to blame)
  if (ds.inputs.every((i) => !i.image)) return [`the teacher scores ${(100 * valAccuracy).toFixed(2)}% on validation, near chance for ${k} classes: are the inputs and labels (y.npy) the ones it was trained on?`];
  const how = { known: "the dataset's known statistics", computed: "the statistics of the dataset's training images", given: '--mean/--std', model: "its whittle.preprocess metadata", raw: 'none (its input is uint8: pixels as they are)' }[ds.statsSource];
  return [`the teacher scores ${(100 * valAccuracy).toFixed(2)}% on validation, near chance for ${k} classes: is it fed as it was trained? Its inputs are normalised with ${how} (mean ${ds.mean.map((v) => +v.toFixed(4)).join(',')}, std ${ds.std.map((v) => +v.toFixed(4)).join(',')}); give the ones it was trained with as --mean and --std`];
}

/**
 * The data a model is fed: a spec opened with its images at the model's side (folder datasets, unless imageSize is
 * given) and its input channels (grey or RGB, unless channels is given), or an open Dataset, normalised for the model
 * as normalizedFor says.
 */
export async function openFor(model: Graph, data: string | Dataset, o: OpenDatasetOptions, given: GivenNormalization): Promise<Dataset> {
  if (typeof data !== 'string') return normalizedFor(data, given, model);
  return normalizedFor(await openDataset(data, openOptionsFor(model, data, o)), given, model);
}
