import { readFileSync } from 'node:fs';
import { ConfigError } from '../errors.js';
import { engine } from './engine.js';

/**
 * The arithmetic of forward passes: 'fp32', or 'bf16' with PyTorch's autocast semantics (convolutions, matmuls and
 * linear layers in bfloat16; weights, gradients, optimizer state and BatchNorm statistics stay float32).
 */
export type Precision = 'fp32' | 'bf16';
/** What a user asks for: 'auto' is bf16 where the hardware computes it natively, fp32 elsewhere. */
export type PrecisionChoice = Precision | 'auto';
export const PRECISIONS = ['auto', 'fp32', 'bf16'] as const;

// Engine state, like the thread count: set once per run, read by autocast() around every forward pass.
let current: Precision = 'fp32';
let currentDevice: 'cpu' | 'cuda' = 'cpu';

/** Sets the precision autocast() applies from now on (process-wide, as setNumThreads); returns a function that restores the one before. */
export function setPrecision(p: Precision, device = 'cpu'): () => void {
  const [was, wasDevice] = [current, currentDevice];
  current = p;
  currentDevice = device.startsWith('cuda') ? 'cuda' : 'cpu';
  return () => {
    current = was;
    currentDevice = wasDevice;
  };
}

export function getPrecision(): Precision {
  return current;
}

/**
 * Runs fn inside libtorch's autocast region when the precision is bf16 (as `torch.autocast(device, torch.bfloat16)`):
 * every operator called meanwhile sees the Autocast dispatch key, and the cache of weight casts is cleared when the
 * outermost region ends. With fp32 it just runs fn. fn must be synchronous (autocast state is thread-local).
 */
export function autocast<T>(fn: () => T): T {
  if (current === 'fp32') return fn();
  const e = engine();
  const [wasOn, dtype] = e.autocastEnter(currentDevice, true, 'bfloat16');
  try {
    return fn();
  } finally {
    e.autocastExit(currentDevice, wasOn, dtype);
  }
}

/** Runs fn with autocast off, e.g. a loss that must see float32 inside an autocast region. */
export function withoutAutocast<T>(fn: () => T): T {
  const e = engine();
  const [wasOn, dtype] = e.autocastEnter(currentDevice, false, 'bfloat16');
  try {
    return fn();
  } finally {
    e.autocastExit(currentDevice, wasOn, dtype);
  }
}

/**
 * The CPU's feature flags (/proc/cpuinfo). WHITTLE_CPU_FLAGS (space-separated) replaces them, to see what another
 * CPU would get (tests use it).
 */
export function cpuFlags(): Set<string> {
  const injected = process.env['WHITTLE_CPU_FLAGS'];
  if (injected !== undefined) return new Set(injected.split(/\s+/).filter(Boolean));
  try {
    const line = /^flags\s*:(.*)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'));
    return new Set((line?.[1] ?? '').trim().split(/\s+/));
  } catch {
    return new Set();
  }
}

/** The flags that mean the CPU computes bfloat16 dot products natively (oneDNN uses them). */
export const BF16_CPU_FLAGS = ['avx512_bf16', 'amx_bf16'] as const;

export function cpuHasBf16(flags: ReadonlySet<string> = cpuFlags()): boolean {
  return BF16_CPU_FLAGS.some((f) => flags.has(f));
}

export type ResolvedPrecision = { precision: Precision; reason: string };

/**
 * What a choice means on this machine: 'auto' is bf16 on a CPU with AVX512-BF16 or AMX, fp32 elsewhere (and on CUDA,
 * where whittle cannot query the GPU's bf16 support yet); 'bf16' on a CPU without either is refused.
 */
export function resolvePrecision(choice: PrecisionChoice, device = 'cpu'): ResolvedPrecision {
  const cuda = device.startsWith('cuda');
  if (choice === 'fp32') return { precision: 'fp32', reason: 'asked for' };
  if (choice === 'bf16') {
    if (!cuda && !cpuHasBf16()) {
      throw new ConfigError('precision', 'bf16 needs a CPU with AVX512-BF16 or AMX (cpuinfo flags avx512_bf16, amx_bf16), and this one has neither', 'use --precision fp32 (or auto, which picks fp32 here)');
    }
    return { precision: 'bf16', reason: 'asked for' };
  }
  if (cuda) return { precision: 'fp32', reason: 'auto: bf16 on CUDA is opt-in (--precision bf16)' };
  return cpuHasBf16()
    ? { precision: 'bf16', reason: 'auto: the CPU has AVX512-BF16 or AMX' }
    : { precision: 'fp32', reason: 'auto: the CPU has neither AVX512-BF16 nor AMX' };
}
