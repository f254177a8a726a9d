import { existsSync, readFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { renderHtml, type NamedReport } from '../report/index.js';
import type { CompressReport } from '../pipeline/report.js';
import { defaultConfigFor } from '../pipeline/run-config.js';
import { ConfigError } from '../errors.js';
import { writeFileAtomic } from '../util/write-atomic.js';
import { checkWritableFile } from '../util/writable-file.js';

/** A finished compress run's report.json, named after its folder. */
export function readRunReport(dir: string): NamedReport {
  const path = join(dir, 'report.json');
  if (!existsSync(path)) throw new ConfigError('RUN_DIR', `${dir} has no report.json (is it a finished compress run folder?)`);
  let report: CompressReport;
  try {
    report = JSON.parse(readFileSync(path, 'utf8')) as CompressReport;
  } catch (e) {
    throw new ConfigError('RUN_DIR', `${path} is not valid JSON (${(e as Error).message})`);
  }
  if (!report.teacher || !Array.isArray(report.steps)) throw new ConfigError('RUN_DIR', `${path} is not a compress report (no teacher or steps)`);
  return { name: basename(resolve(dir)), report, defaults: report.config ? defaultConfigFor(report.config) : null };
}

/**
 * Draws one or several compress runs (a progressive run and its baselines, say) on the same charts as one
 * self-contained HTML file, written atomically; resolves to its absolute path. `outName` names `out` in errors.
 */
export async function writeReport(runs: readonly string[], out: string, outName = 'output'): Promise<string> {
  const path = checkWritableFile(outName, out);
  if (runs.length === 0) throw new ConfigError('runs', 'needs at least one run folder');
  await writeFileAtomic(path, renderHtml(runs.map(readRunReport)));
  return path;
}
