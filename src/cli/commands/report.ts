import type { Command } from 'commander';
import { writeReport } from '../../api/index.js';

export function registerReport(p: Command): void {
  p.command('report')
    .description('draw one or several compress runs (a progressive run and its baselines, say) on the same charts, as one HTML file')
    .argument('<runs...>', 'run folders holding report.json')
    .requiredOption('-o, --output <file>', 'the HTML file to write')
    .action(async (runs: string[], f: { output: string }) => {
      const out = await writeReport(runs, f.output, '--output');
      console.log(`wrote ${out} (${runs.length} run${runs.length === 1 ? '' : 's'})`);
    });
}
