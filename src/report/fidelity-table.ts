import { esc, type NamedReport } from './named-report.js';
import type { Metrics } from './compress-report.js';

const cell = (m: Metrics | undefined): string => (m ? Object.entries(m).map(([k, v]) => `${esc(k)} ${v.toFixed(4)}`).join(', ') : '');

/**
 * A run's outputs as tasks (task, loss, labels) and, per output, the teacher's task metrics and every step's fidelity
 * to the teacher and task metrics on the test split; empty for reports written before tasks.
 */
export function fidelityTable({ name, report }: NamedReport): string {
  const tasks = report.tasks;
  if (!tasks?.length) return '';
  const head = `<tr><th></th>${tasks.map((t) => `<th>${esc(t.output)} fidelity</th><th>${esc(t.output)} labels</th>`).join('')}</tr>`;
  const rows = [
    `<tr><td>teacher</td>${tasks.map((t) => `<td></td><td>${cell(report.teacher.metrics?.[t.output])}</td>`).join('')}</tr>`,
    ...report.steps.map((s) => `<tr><td>step ${s.step}</td>${tasks.map((t) => `<td>${cell(s.fidelity?.[t.output])}</td><td>${cell(s.metrics?.[t.output])}</td>`).join('')}</tr>`),
  ];
  const about = tasks.map((t) => `${t.output} [${t.shape.join(', ')}]: ${t.task}, loss ${t.loss}, ${t.labelled ? 'with labels' : t.scored ? 'distillation alone, scored by the labels' : 'distillation alone'}`).join('; ');
  return `<p class="cfg">${esc(name)}: ${esc(about)}; best epochs by ${esc(report.score ?? 'accuracy')}</p><table>${head}${rows.join('')}</table>`;
}
