import type { CompressReport } from './compress-report.js';
import { PALETTE, barChart, lineChart, type Series } from './svg.js';

export type NamedReport = { name: string; report: CompressReport };

const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const pct = (v: number): string => `${(100 * v).toFixed(2)}%`;

function accuracyAgainst(runs: readonly NamedReport[], key: 'params' | 'macs'): string {
  const series: Series[] = runs.map(({ name, report }, i) => ({
    label: name,
    color: PALETTE[i % PALETTE.length]!,
    points: [
      { x: report.teacher[key], y: 100 * report.teacher.testAccuracy, label: 'teacher' },
      ...report.steps.map((s) => ({ x: s[key], y: 100 * s.testAccuracy, label: `step ${s.step}` })),
    ],
  }));
  return lineChart(series, { title: `Test accuracy against ${key === 'params' ? 'parameters' : 'MACs'}`, xLabel: key === 'params' ? 'parameters (log scale)' : 'MACs per sample (log scale)', yLabel: 'test accuracy (%)', logX: true });
}

function curves(runs: readonly NamedReport[], what: 'valAccuracy' | 'trainLoss'): string {
  const series: Series[] = runs.map(({ name, report }, i) => {
    let t = 0;
    return {
      label: name,
      color: PALETTE[i % PALETTE.length]!,
      points: report.steps.flatMap((s) => s.epochs.map((e) => ({ x: ++t, y: what === 'valAccuracy' ? 100 * e.valAccuracy : e.trainLoss, label: `step ${s.step} epoch ${e.epoch}` }))),
    };
  });
  return lineChart(series, { title: what === 'valAccuracy' ? 'Validation accuracy per epoch (all steps in order)' : 'Training loss per epoch (all steps in order)', xLabel: 'epoch (cumulative over steps)', yLabel: what === 'valAccuracy' ? 'validation accuracy (%)' : 'training loss' });
}

function widths({ name, report }: NamedReport): string {
  const first = report.steps[0];
  if (!first) return '';
  const rows = first.groups.map((g) => g.name);
  const series = [
    { label: 'teacher', color: '#999999', values: first.groups.map((g) => g.total) },
    ...report.steps.map((s, i) => {
      const kept = new Map(s.groups.map((g) => [g.name, g.kept]));
      return { label: `step ${s.step}`, color: PALETTE[i % PALETTE.length]!, values: rows.map((r) => kept.get(r) ?? 0) };
    }),
  ];
  return barChart(rows, series, `Channels per layer group: teacher and each student (${name})`);
}

function table({ name, report }: NamedReport): string {
  const rows = [
    `<tr><td>teacher</td><td></td><td></td><td>${report.teacher.params}</td><td>${report.teacher.macs}</td><td>${pct(report.teacher.valAccuracy)}</td><td>${pct(report.teacher.testAccuracy)}</td><td></td></tr>`,
    ...report.steps.map((s) => `<tr><td>step ${s.step}</td><td>${s.targetRatio.toFixed(4)}</td><td>${s.achievedRatio.toFixed(4)}</td><td>${s.params}</td><td>${s.macs}</td><td>${pct(s.valAccuracy)}</td><td>${pct(s.testAccuracy)}</td><td>${s.seconds.toFixed(1)}</td></tr>`),
  ];
  const d = report.data;
  const fed = d === undefined ? '' : `<p class="cfg">data ${esc(d.spec)}: ${d.classes.length} classes, images ${d.shape.join('x')}${d.storedChannels !== d.shape[0] ? ` (stored with ${d.storedChannels} channel${d.storedChannels > 1 ? 's' : ''})` : ''}, mean ${esc(d.mean.map((v) => +v.toFixed(4)).join(','))}, std ${esc(d.std.map((v) => +v.toFixed(4)).join(','))} (${esc(d.statsSource)})</p>${d.warnings.map((w) => `<p class="warn">warning: ${esc(w)}</p>`).join('')}`;
  return `<h3>${esc(name)}</h3>${fed}<table><tr><th></th><th>target ratio</th><th>achieved</th><th>params</th><th>MACs</th><th>val</th><th>test</th><th>seconds</th></tr>${rows.join('')}</table>
<p class="cfg">${esc(Object.entries(report.config).map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(' · '))}</p>`;
}

/** One self-contained HTML page (inline SVG, no scripts or external files) for one run or several side by side. */
export function renderHtml(runs: readonly NamedReport[]): string {
  const title = runs.length === 1 ? `whittle report: ${runs[0]!.name}` : `whittle report: ${runs.map((r) => r.name).join(' vs ')}`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${esc(title)}</title>
<style>body{font-family:sans-serif;margin:24px;color:#222}h1{font-size:20px}.charts{display:flex;flex-wrap:wrap;gap:16px}
table{border-collapse:collapse;font-size:13px}td,th{border:1px solid #ccc;padding:3px 8px;text-align:right}td:first-child{text-align:left}
.cfg{font-size:11px;color:#666;max-width:1100px}.warn{font-size:12px;color:#a40;max-width:1100px}</style></head>
<body><h1>${esc(title)}</h1>
<div class="charts">${accuracyAgainst(runs, 'params')}${accuracyAgainst(runs, 'macs')}${curves(runs, 'valAccuracy')}${curves(runs, 'trainLoss')}</div>
${runs.map(table).join('\n')}
<div class="charts">${runs.map(widths).join('')}</div>
<p class="cfg">${esc(runs.map((r) => `${r.name}: whittle ${r.report.versions.whittle}, libtorch ${r.report.versions.libtorch}, node ${r.report.versions.node}`).join('; '))}</p>
</body></html>
`;
}
