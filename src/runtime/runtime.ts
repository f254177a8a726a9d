import { WhittleError } from '../errors.js';

/**
 * The runtimes a model is measured and shipped in. Each is a port: src/runtime adapts one library to RuntimeSession,
 * and nothing else in whittle imports the library, as only src/tensor talks to the engine.
 */
export const RUNTIMES = ['onnxruntime-node', 'onnxruntime-web'] as const;
export type RuntimeName = (typeof RUNTIMES)[number];

/** A tensor handed to or read from a runtime. */
export type RuntimeTensor = { readonly data: Float32Array | Uint8Array | Int8Array | Int32Array | BigInt64Array; readonly dims: readonly number[] };

export type SessionOptions = {
  /** Intra-op threads (default 1). */
  threads?: number;
  /** Graph optimisations: 'all' (the runtime's default, QDQ fusion included) or 'disabled' (each node as written). */
  optimization?: 'all' | 'disabled';
  /** Record a per-node profile, read back with endProfiling(). */
  profile?: boolean;
};

/** One node execution from the runtime's profiler: its op type and microseconds. */
export type ProfiledNode = { readonly opType: string; readonly node: string; readonly micros: number };

export interface RuntimeSession {
  readonly inputNames: readonly string[];
  readonly outputNames: readonly string[];
  /** Runs the model; `outputs` (default all) names what to read back. */
  run(feeds: Readonly<Record<string, RuntimeTensor>>, outputs?: readonly string[]): Promise<Record<string, RuntimeTensor>>;
  /** The node executions profiled since the session opened (needs `profile`); null where the runtime gives none. */
  endProfiling(): Promise<ProfiledNode[] | null>;
  release(): Promise<void>;
}

export interface Runtime {
  readonly name: RuntimeName;
  open(model: Uint8Array, o?: SessionOptions): Promise<RuntimeSession>;
  /** The model as the runtime rewrites it before running (fusions done), as ONNX bytes; null where it cannot say. */
  optimizedModel(model: Uint8Array, o?: SessionOptions): Promise<Uint8Array | null>;
}

/** The runtime could not be loaded or refused the model. */
export class RuntimeError extends WhittleError {
  constructor(message: string, hint?: string) {
    super('E_CONFIG', message, hint === undefined ? {} : { hint });
  }
}
