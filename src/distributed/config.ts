import { lookup } from 'node:dns/promises';
import { networkInterfaces } from 'node:os';
import { ConfigError } from '../errors.js';

/** Where this process stands in a distributed run, and how to reach rank 0 (which hosts c10d's TCPStore). */
export type DistConfig = {
  rank: number;
  worldSize: number;
  /** Address of rank 0's host, as given (a name or an IP). */
  masterAddr: string;
  masterPort: number;
  /** Bound on the rendezvous and on every collective, in milliseconds. */
  timeoutMs: number;
  backend: 'gloo' | 'nccl';
  /** Network interface Gloo uses (GLOO_SOCKET_IFNAME), else the one the host name resolves to. */
  iface?: string;
};

/** The flags a user gives; each falls back to the torchrun-style environment variable named beside it. */
export type DistFlags = {
  rank?: string | undefined; // RANK
  worldSize?: string | undefined; // WORLD_SIZE
  master?: string | undefined; // MASTER_ADDR + MASTER_PORT
  distTimeout?: string | undefined; // seconds
  distBackend?: string | undefined;
};

/** The rendezvous port when none is given (PyTorch's). */
export const DEFAULT_PORT = 29500;
/** Seconds before a peer that died or never arrived fails the run. */
export const DEFAULT_TIMEOUT_S = 300;

function wholeNumber(path: string, v: string, min: number): number {
  const n = Number(v);
  if (!/^\s*\d+\s*$/.test(v) || n < min) throw new ConfigError(path, `expected a whole number >= ${min}, got '${v}'`);
  return n;
}

/** Splits ADDR:PORT (IPv6 in brackets: [::1]:29500); the port defaults to 29500. */
export function parseMaster(v: string, path = '--master'): { addr: string; port: number } {
  const m = /^\[([^\]]+)\](?::(\d+))?$/.exec(v) ?? /^([^:]+)(?::(\d+))?$/.exec(v);
  if (!m || !m[1]) throw new ConfigError(path, `expected ADDR:PORT, got '${v}'`);
  const port = m[2] === undefined ? DEFAULT_PORT : Number(m[2]);
  if (!(port >= 1 && port <= 65535)) throw new ConfigError(path, `port must be in [1, 65535], got ${m[2]}`);
  return { addr: m[1], port };
}

/**
 * The run's distributed settings from flags, then RANK / WORLD_SIZE / MASTER_ADDR / MASTER_PORT as torchrun sets
 * them; null for a single process (no world size, or a world size of 1).
 */
export function distConfigFrom(f: DistFlags, env: NodeJS.ProcessEnv = process.env): DistConfig | null {
  const ws = f.worldSize ?? env['WORLD_SIZE'];
  if (ws === undefined) {
    if (f.rank !== undefined || f.master !== undefined) throw new ConfigError('--world-size', 'is needed with --rank and --master');
    return null;
  }
  const worldSize = wholeNumber(f.worldSize !== undefined ? '--world-size' : 'WORLD_SIZE', ws, 1);
  if (worldSize === 1) return null;
  const r = f.rank ?? env['RANK'];
  if (r === undefined) throw new ConfigError('--rank', `is needed with a world size of ${worldSize} (or set RANK)`);
  const rank = wholeNumber(f.rank !== undefined ? '--rank' : 'RANK', r, 0);
  if (rank >= worldSize) throw new ConfigError('--rank', `must be below the world size ${worldSize}, got ${rank}`);
  let master: { addr: string; port: number };
  if (f.master !== undefined) master = parseMaster(f.master);
  else if (env['MASTER_ADDR'] !== undefined) master = parseMaster(`${env['MASTER_ADDR']}:${env['MASTER_PORT'] ?? DEFAULT_PORT}`, 'MASTER_ADDR/MASTER_PORT');
  else throw new ConfigError('--master', 'is needed in a distributed run: the ADDR:PORT of rank 0 (or set MASTER_ADDR and MASTER_PORT)');
  const timeoutS = f.distTimeout === undefined ? DEFAULT_TIMEOUT_S : Number(f.distTimeout);
  if (!(timeoutS > 0)) throw new ConfigError('--dist-timeout', `expected seconds > 0, got '${f.distTimeout}'`);
  const backend = f.distBackend ?? 'gloo';
  if (backend !== 'gloo' && backend !== 'nccl') throw new ConfigError('--dist-backend', `expected gloo or nccl, got '${backend}'`);
  const iface = env['GLOO_SOCKET_IFNAME'];
  return { rank, worldSize, masterAddr: master.addr, masterPort: master.port, timeoutMs: Math.round(timeoutS * 1000), backend, ...(iface ? { iface } : {}) };
}

function localAddresses(): Set<string> {
  const out = new Set<string>(['127.0.0.1', '::1']);
  for (const list of Object.values(networkInterfaces())) for (const a of list ?? []) out.add(a.address);
  return out;
}

/**
 * Fails fast on a master address that cannot work: a name that does not resolve, or, on rank 0 (which hosts the
 * store), an address that is not this machine's. A reachable-looking address that nobody answers at is left to the
 * rendezvous timeout.
 */
export async function checkMaster(c: DistConfig): Promise<void> {
  let ips: string[];
  try {
    ips = (await lookup(c.masterAddr, { all: true })).map((a) => a.address);
  } catch {
    throw new ConfigError('--master', `cannot resolve the master host '${c.masterAddr}'`, 'give the address (or a resolvable name) of the machine that runs rank 0');
  }
  if (c.rank === 0) {
    const local = localAddresses();
    if (!ips.some((ip) => local.has(ip) || ip.startsWith('127.'))) {
      throw new ConfigError('--master', `rank 0 hosts the rendezvous, but ${c.masterAddr} (${ips.join(', ')}) is not an address of this machine`, 'run rank 0 on the master host, or give --master an address of this machine');
    }
  }
}
