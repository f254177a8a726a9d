/** Machine-readable error codes; the CLI maps every one to a one-line message and an exit code. */
export type ErrorCode =
  | 'E_ADDON' // the native addon is missing or does not load
  | 'E_TORCH' // libtorch refused an operation (shapes, dtypes, autograd)
  | 'E_ARG' // an argument of the wrong kind reached the engine (wrong type, disposed tensor)
  | 'E_SHAPE'
  | 'E_CONFIG'
  | 'E_DATA'
  | 'E_ONNX'
  | 'E_GRAPH'
  | 'E_USAGE'
  | 'E_ABORTED' // stopped on request (AbortSignal, Ctrl-C); the run folder can be resumed
  | 'E_DIST'; // distributed training: a peer failed, timed out or never arrived

/** Base of every error whittle throws on purpose. `hint` says how to fix it, when that is known. */
export class WhittleError extends Error {
  readonly code: ErrorCode;
  readonly hint: string | undefined;
  readonly details: Record<string, unknown>;
  constructor(code: ErrorCode, message: string, options: { hint?: string; details?: Record<string, unknown>; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.hint = options.hint;
    this.details = options.details ?? {};
  }
}

/** libtorch (or the addon's argument checks) rejected a call; `op` names the operator or entry point. */
export class EngineError extends WhittleError {
  readonly op: string;
  constructor(op: string, message: string, code: 'E_TORCH' | 'E_ARG' | 'E_ADDON' = 'E_TORCH', cause?: unknown) {
    super(code, message, { cause, details: { op } });
    this.op = op;
  }
}

/** A tensor had a shape the caller cannot take: `expected` and `got` say which. */
export class ShapeError extends WhittleError {
  constructor(where: string, expected: string, got: readonly number[]) {
    super('E_SHAPE', `${where}: expected shape ${expected}, got [${got.join(', ')}]`, { details: { expected, got } });
  }
}

/** A user option or config value is invalid; `path` names the option (as the API, a flag or a config key). */
export class ConfigError extends WhittleError {
  /** The option, e.g. 'ratio', '--ratio' or 'whittle.yaml: ratio'. */
  readonly path: string;
  /** What is wrong with it (the message without the option's name). */
  readonly reason: string;
  constructor(path: string, reason: string, hint?: string) {
    super('E_CONFIG', `${path}: ${reason}`, hint === undefined ? { details: { path } } : { hint, details: { path } });
    this.path = path;
    this.reason = reason;
  }
}

/** A dataset file or folder is unusable; `path` names it. */
export class DatasetError extends WhittleError {
  constructor(path: string, message: string, hint?: string) {
    super('E_DATA', `${path}: ${message}`, hint === undefined ? { details: { path } } : { hint, details: { path } });
  }
}

/** A collective or the rendezvous of a distributed run failed (a peer died, timed out or never arrived). */
export class DistError extends WhittleError {
  constructor(message: string, hint?: string, cause?: unknown) {
    super('E_DIST', message, { ...(hint === undefined ? {} : { hint }), ...(cause === undefined ? {} : { cause }) });
  }
}
