import type { Command } from 'commander';
import { ConfigError } from '../errors.js';
import { checkMaster, distConfigFrom, exitWithLauncher, launchLocal, ProcessGroup, DEFAULT_TIMEOUT_S, type DistFlags } from '../distributed/index.js';
import { parsePositiveInt } from './parse.js';

// The flags of a data-parallel run, shared by the commands that train, and the one way they are acted on.

export type DistributedFlags = DistFlags & { nproc: string };

/** The flags' attribute names: how a run is spread over processes, not what it computes (so --resume takes them). */
export const DISTRIBUTED_FLAGS: readonly string[] = ['nproc', 'rank', 'worldSize', 'master', 'distTimeout', 'distBackend'];

export function withDistributedOptions(c: Command): Command {
  return c
    .option('--nproc <n>', 'data-parallel worker processes to start on this machine (each with --threads threads)', '1')
    .option('--rank <r>', 'this process\'s rank in a multi-machine run (or RANK)')
    .option('--world-size <w>', 'number of processes in a multi-machine run (or WORLD_SIZE)')
    .option('--master <addr:port>', 'address and port of rank 0\'s machine (or MASTER_ADDR and MASTER_PORT)')
    .option('--dist-timeout <s>', 'seconds before a peer that died or never arrived fails the run', String(DEFAULT_TIMEOUT_S))
    .option('--dist-backend <b>', 'c10d backend: gloo, or nccl where libtorch has it', 'gloo');
}

/**
 * Runs `work` as the flags say: in this process alone (no group), as one rank of a group (RANK/--rank...), or, with
 * --nproc N, by starting N local workers of this same command and waiting for them (work then runs in the workers).
 */
export async function runDistributed(f: DistributedFlags, work: (group: ProcessGroup | undefined) => Promise<void>): Promise<void> {
  const nproc = parsePositiveInt('--nproc', f.nproc);
  const explicit = f.rank !== undefined || f.worldSize !== undefined || f.master !== undefined;
  if (nproc > 1 && explicit) throw new ConfigError('--nproc', 'starts local workers itself; do not combine it with --rank, --world-size or --master');
  const config = distConfigFrom(f);
  if (nproc > 1 && config === null) {
    const timeoutMs = Number(f.distTimeout ?? DEFAULT_TIMEOUT_S) * 1000;
    await launchLocal(nproc, { script: process.argv[1]!, args: process.argv.slice(2), timeoutMs });
    return;
  }
  if (nproc > 1 && config!.worldSize !== nproc) throw new ConfigError('--nproc', `is ${nproc} but WORLD_SIZE is ${config!.worldSize}`);
  if (config === null) return work(undefined);
  exitWithLauncher(config.rank);
  await checkMaster(config);
  const group = ProcessGroup.join(config);
  try {
    await work(group);
  } finally {
    group.close();
  }
}
