import type { Command } from 'commander';
import { readFileSync, existsSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { renderHtml, type NamedReport } from '../../report/index.js';
import type { CompressReport } from '../../pipeline/report.js';
import { ConfigError } from '../../errors.js';
import { writeFileAtomic } from '../../util/write-atomic.js';
import { checkWritableFile } from '../../util/writable-file.js';

function readRun(dir: string): NamedReport {
  const path = join(dir, 'report.json');
  if (!existsSync(path)) throw new ConfigError('RUN_DIR', `${dir} has no report.json (is it a finished compress run folder?)`);
  let report: CompressReport;
  try {
    report = JSON.parse(readFileSync(path, 'utf8')) as CompressReport;
  } catch (e) {
    throw new ConfigError('RUN_DIR', `${path} is not valid JSON (${(e as Error).message})`);
  }
  if (!report.teacher || !Array.isArray(report.steps)) throw new ConfigError('RUN_DIR', `${path} is not a compress report (no teacher or steps)`);
  return { name: basename(resolve(dir)), report };
}

export function registerReport(p: Command): void {
  p.command('report')
    .description('draw one or several compress runs (a progressive run and its baselines, say) on the same charts, as one HTML file')
    .argument('<runs...>', 'run folders holding report.json')
    .requiredOption('-o, --output <file>', 'the HTML file to write')
    .action(async (runs: string[], f: { output: string }) => {
      const out = checkWritableFile('--output', f.output);
      const reports = runs.map(readRun);
      await writeFileAtomic(out, renderHtml(reports));
      console.log(`wrote ${out} (${reports.length} run${reports.length === 1 ? '' : 's'})`);
    });
}
