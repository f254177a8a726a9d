import { isColorChannels, parseDataSpec, type ColorChannels, type OpenDatasetOptions } from '../data/index.js';
import type { Graph } from '../graph/index.js';

/** The dataset settings every pipeline entry point takes (as on the CLI: --seed, --train-subset, --val-size, --image-size, --channels). */
export type DatasetSettings = {
  seed?: number | undefined; trainSubset?: number | undefined; valSize?: number | undefined; imageSize?: number | undefined; channels?: number | undefined;
};

/** openDataset's options from the settings that are set. */
export function datasetOptions(s: DatasetSettings): OpenDatasetOptions {
  return {
    seed: s.seed ?? 0,
    ...(s.trainSubset === undefined ? {} : { trainSubset: s.trainSubset }),
    ...(s.valSize === undefined ? {} : { valSize: s.valSize }),
    ...(s.imageSize === undefined ? {} : { imageSize: s.imageSize }),
    ...(s.channels === undefined ? {} : { channels: s.channels }),
  };
}

/**
 * The channels a model's image input takes when they are 1 or 3 ([N, C, H, W], or channels last [N, H, W, C]; H and W
 * may be named), so that grey images can be repeated for an RGB model and RGB ones made grey for a grey model; else null.
 */
export function modelChannels(g: Graph): ColorChannels | null {
  const s = g.inputs[0]?.shape;
  if (!s || s.length !== 4) return null;
  const color = (v: unknown): v is ColorChannels => typeof v === 'number' && isColorChannels(v);
  const spatial = (v: unknown, other: unknown): boolean => typeof v !== 'number' || v > 3 || v === other;
  if (color(s[1]) && spatial(s[3], s[2])) return s[1];
  if (color(s[3]) && spatial(s[1], s[2])) return s[3];
  return null;
}

/**
 * openDataset's options for data fed to a model: the given ones, with a folder dataset's images at the model's side
 * unless imageSize is given, and converted to the model's input channels (grey or RGB) unless channels is given.
 */
export function openOptionsFor(g: Graph, spec: string, o: OpenDatasetOptions): OpenDatasetOptions {
  const size = o.imageSize === undefined ? modelImageSize(g, spec) : null;
  const fit = o.channels === undefined ? modelChannels(g) : null;
  return { ...o, ...(size === null ? {} : { imageSize: size }), ...(fit === null ? {} : { fitChannels: fit }) };
}

/** The side of a model's image input when it is fixed and square ([N, C, S, S], or channels last [N, S, S, C]); else null. */
export function modelSide(g: Graph): number | null {
  const s = g.inputs[0]?.shape;
  if (!s || s.length !== 4) return null;
  const square = (a: unknown, b: unknown): a is number => typeof a === 'number' && a === b && a > 0;
  if (square(s[2], s[3])) return s[2];
  if (square(s[1], s[2])) return s[1];
  return null;
}

/**
 * The side to resize a folder dataset's images to when none is given: the model's, when its input has a fixed square
 * size; null for other datasets (their images keep their size unless --image-size is given) or models.
 */
export function modelImageSize(g: Graph, spec: string): number | null {
  return parseDataSpec(spec).kind === 'folder' ? modelSide(g) : null;
}
