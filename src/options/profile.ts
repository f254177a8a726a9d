import { choice, int, num, withDefault, type CheckedOf, type OptionsOf } from './option.js';
import { RUNTIMES } from '../runtime/index.js';

/** profile()'s options and `whittle profile`'s flags. */
export const profileSpec = {
  runtime: withDefault(choice('the runtime to time in: onnxruntime-node (CPU) or onnxruntime-web (its WebAssembly backend, run in Node)', RUNTIMES), 'onnxruntime-node'),
  batch: withDefault(int('batch size of the random input', 1, { max: 65536 }), 1),
  threads: withDefault(int('intra-op threads of the runtime', 1, { max: 1024 }), 1),
  maxSeconds: withDefault(num('stop timing after this many seconds even if the medians of the last rounds still differ by 3% or more (the report gives the spread reached)', (x) => x > 0, 'expected a positive number', { arg: '<s>' }), 20),
} as const;

export type ProfileOptions = OptionsOf<typeof profileSpec>;
export type CheckedProfileOptions = CheckedOf<typeof profileSpec>;
