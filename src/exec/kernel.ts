import type { Tensor } from '../tensor/index.js';
import type { Node } from '../graph/index.js';
import type { GlobalBatchNorm } from './global-batch-norm.js';

/** What a kernel knows besides its inputs. */
export interface KernelContext {
  readonly node: Node;
  readonly training: boolean;
  readonly opset: number;
  /** In the trainer's passes: training-mode BatchNorm on the whole global batch's statistics. */
  readonly globalBatchNorm?: GlobalBatchNorm;
  /** In the trainer's passes: where this pass's rows lie in the global batch (for per-row random draws). */
  readonly batchRows?: BatchRows;
}

/**
 * This pass's rows of a global batch: `rows` of them from row `start` of `total`. Dropout draws its mask for the
 * whole global batch and keeps these rows, so that one process and a data-parallel group give a row the same mask.
 */
export type BatchRows = { readonly start: number; readonly rows: number; readonly total: number };

/** Runs one node: inputs in node order (null for an absent optional input), outputs in node order. */
export type Kernel = (inputs: readonly (Tensor | null)[], ctx: KernelContext) => Tensor[];

const registry = new Map<string, Kernel>();

/** Registers kernels by ONNX op type (domain '' / ai.onnx). */
export function registerKernels(table: Record<string, Kernel>): void {
  for (const [op, k] of Object.entries(table)) registry.set(op, k);
}

export function kernelFor(opType: string): Kernel | undefined {
  return registry.get(opType);
}

/** Op types the executor can run, sorted. */
export function supportedOps(): string[] {
  return [...registry.keys()].sort();
}
