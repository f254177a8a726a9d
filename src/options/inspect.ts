import { z } from 'zod';
import { optional, type CheckedOf, type OptionsOf } from './option.js';

const SHAPE_MSG = "expected dims joined by 'x', batch first (e.g. 1x3x32x32)";
const dim = z.int({ error: SHAPE_MSG }).min(1, { error: SHAPE_MSG });

/** inspect()'s options and `whittle inspect`'s flags. */
export const inspectSpec = {
  input: optional({
    help: "input shape for the MAC count when the model's is symbolic, e.g. 1x3x32x32",
    arg: '<shape>',
    fromString: (s: string) => (s.trim() === '' ? [] : s.split('x').map((d) => (d.trim() === '' ? Number.NaN : Number(d)))),
    schema: z.array(dim, { error: SHAPE_MSG }).min(1, { error: SHAPE_MSG }).readonly(),
  }),
} as const;

export type InspectOptions = OptionsOf<typeof inspectSpec>;
export type CheckedInspectOptions = CheckedOf<typeof inspectSpec>;
