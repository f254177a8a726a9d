import { readFileSync } from 'node:fs';

/** The CPU's name and the instruction sets that decide int8 and bf16 speed (from /proc/cpuinfo; null elsewhere). */
export type CpuFeatures = {
  model: string | null;
  /** Each feature, present or not; null when /proc/cpuinfo cannot be read. */
  flags: Record<'avx2' | 'avx512f' | 'avx512vnni' | 'avxvnni' | 'avx512bf16' | 'amxInt8' | 'amxBf16', boolean> | null;
};

const FLAGS = { avx2: 'avx2', avx512f: 'avx512f', avx512vnni: 'avx512_vnni', avxvnni: 'avx_vnni', avx512bf16: 'avx512_bf16', amxInt8: 'amx_int8', amxBf16: 'amx_bf16' } as const;

/** Reads /proc/cpuinfo (Linux); `text` replaces it in tests. */
export function cpuFeatures(text?: string): CpuFeatures {
  let info = text;
  if (info === undefined) {
    try {
      info = readFileSync('/proc/cpuinfo', 'utf8');
    } catch {
      return { model: null, flags: null };
    }
  }
  const field = (name: string): string | null => info!.match(new RegExp(`^${name}\\s*:\\s*(.*)$`, 'm'))?.[1]?.trim() ?? null;
  const have = new Set((field('flags') ?? '').split(/\s+/));
  const flags = Object.fromEntries(Object.entries(FLAGS).map(([k, f]) => [k, have.has(f)])) as NonNullable<CpuFeatures['flags']>;
  return { model: field('model name'), flags: field('flags') === null ? null : flags };
}
