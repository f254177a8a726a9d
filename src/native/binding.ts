/**
 * The addon's exports, one to one with native/src/addon.cc's export table. A tensor handle is a number naming a
 * slot in the addon's table (with a generation, so a disposed handle is detected); treat it as opaque.
 */
export type Handle = number & { readonly __brand: 'TensorHandle' };

export type NativeTensorInfo = { shape: number[]; dtype: string; device: string; requiresGrad: boolean; memoryFormat: 'contiguous' | 'channels_last' | 'channels_last_3d' };

/** Values accepted by `callOp`, converted by the operator schema's argument types. */
export type OpArg = Handle | Handle[] | (Handle | null)[] | number | number[] | boolean | boolean[] | string | bigint | null | undefined;
export type OpResult = Handle | null | number | boolean | string | OpResult[];

/** Options of distInit: this process's rank, the world size, the rendezvous (rank 0 hosts c10d's TCPStore there). */
export type NativeDistInit = { rank: number; worldSize: number; host: string; port: number; timeoutMs: number; backend: 'gloo' | 'nccl'; iface?: string };

export interface NativeBinding {
  /** Looks up `aten::name.overload` once; returns an id for callOp. Throws for an unknown operator. */
  opHandle(name: string, overload: string): number;
  /** The operator's schema as text, for messages. */
  opSchema(id: number): string;
  /** Calls an operator with positional arguments (undefined = the schema's default). Tensors come back as handles, so a
   *  caller must know from the schema whether a number is a handle or an int. */
  callOp(id: number, args: OpArg[]): OpResult;
  /** Copies a typed array into a new tensor of the given shape (dtype 'bool' for a Uint8Array of 0/1). */
  fromData(data: ArrayBufferView, shape: readonly number[], dtype?: string): Handle;
  /** Copies a tensor's values out (moved to cpu and made contiguous first). */
  toData(h: Handle): Float32Array | Float64Array | Int32Array | BigInt64Array | Int16Array | Int8Array | Uint8Array;
  info(h: Handle): NativeTensorInfo;
  shape(h: Handle): number[];
  item(h: Handle): number | boolean;
  /** Frees the tensor now; later use throws. Disposing twice is a no-op. */
  dispose(h: Handle): void;
  isDisposed(h: Handle): boolean;
  /** Tensors alive in the addon (created and neither disposed nor garbage collected). */
  liveTensors(): number;
  setRequiresGrad(h: Handle, on: boolean): void;
  grad(h: Handle): Handle | null;
  setGrad(h: Handle, g: Handle | null): void;
  backward(h: Handle, gradient: Handle | null, retainGraph: boolean): void;
  gradFn(h: Handle): string | null;
  /** Sets the one function every custom autograd node calls in backward with its id and its outputs' gradients. */
  setCustomDispatcher(fn: (id: number, grads: (Handle | null)[]) => (Handle | null)[]): void;
  /** New tensors sharing `outputs`' storage whose grad_fn is a node over `inputs` that calls the dispatcher with
   *  `id` (detached when no input requires grad); also the ids of nodes freed since the last call. */
  customFunction(id: number, inputs: Handle[], outputs: Handle[]): [Handle[], number[]];
  /** Sets grad mode (thread-local in libtorch); returns the previous mode. Without an argument only reads it. */
  setGradEnabled(on?: boolean): boolean;
  /** Enters an autocast region on 'cpu' or 'cuda' (libtorch's thread-local state, as torch.autocast); returns the
   *  previous [enabled, dtype] for autocastExit. */
  autocastEnter(device: 'cpu' | 'cuda', enabled: boolean, dtype: 'bfloat16' | 'float16'): [boolean, string];
  /** Leaves the region, restoring [enabled, dtype]; the outermost exit clears the cache of weight casts. */
  autocastExit(device: 'cpu' | 'cuda', enabled: boolean, dtype: string): void;
  setNumThreads(n: number): void;
  getNumThreads(): number;
  manualSeed(seed: number): void;
  save(path: string, names: string[], tensors: Handle[]): void;
  load(path: string, names: string[]): Handle[];
  keys(path: string): string[];
  cudaDeviceCount(): number;
  /** Joins the c10d process group (TCPStore rendezvous + Gloo or NCCL); blocks until all ranks arrive or timeoutMs. */
  distInit(o: NativeDistInit): void;
  /** Reduces tensors in place across ranks (flat buckets of at most bucketBytes, all in flight at once). */
  distAllReduce(tensors: Handle[], op: 'sum' | 'avg' | 'max' | 'min', bucketBytes?: number): void;
  /** Overwrites tensors in place with the root rank's. */
  distBroadcast(tensors: Handle[], root: number): void;
  distBarrier(): void;
  /** Leaves the process group (no-op without one). */
  distShutdown(): void;
  distInfo(): { rank: number; worldSize: number; backend: string } | null;
  /** Comma list of the c10d backends compiled in ('' when the addon was built without c10d). */
  readonly distBackends: string;
  readonly torchVersion: string;
}
