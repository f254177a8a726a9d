import { PALETTE, barChart, lineChart, type Series } from './svg.js';
import { esc, pct, type NamedReport } from './named-report.js';
import { summaryCard } from './summary.js';
import { settingsTable } from './settings.js';
import { fidelityTable } from './fidelity-table.js';

export type { NamedReport };

/** Where a step's accuracy right after its cut sits on the steps chart: just before the step's own tick. */
const CUT_OFFSET = 0.4;

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

/** Every step's validation accuracy right after its cut (hollow) and after its training: the drop and the recovery. */
export function stepAccuracies(runs: readonly NamedReport[]): string {
  const series: Series[] = runs.map(({ name, report }, i) => ({
    label: name,
    color: PALETTE[i % PALETTE.length]!,
    points: [
      { x: 0, y: 100 * report.teacher.valAccuracy, label: 'teacher' },
      ...report.steps.flatMap((s) => [
        ...(s.cutValAccuracy === undefined ? [] : [{ x: s.step - CUT_OFFSET, y: 100 * s.cutValAccuracy, label: `step ${s.step} right after the cut`, hollow: true }]),
        { x: s.step, y: 100 * s.valAccuracy, label: `step ${s.step} after training` },
      ]),
    ],
  }));
  const n = Math.max(...runs.map((r) => r.report.steps.length));
  const xTicks = [{ at: 0, label: 'teacher' }, ...Array.from({ length: n }, (_, k) => ({ at: k + 1, label: `step ${k + 1}` }))];
  const cuts = runs.some((r) => r.report.steps.some((s) => s.cutValAccuracy !== undefined));
  return lineChart(series, { title: cuts ? 'Each step: accuracy right after the cut (hollow), after training' : 'Accuracy after each step', xLabel: cuts ? 'the teacher, then each step: its cut, then its training' : 'step', yLabel: 'validation accuracy (%)', xTicks });
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
  return lineChart(series, { title: what === 'valAccuracy' ? 'Validation accuracy per epoch (all steps in order)' : 'Training loss per epoch (all steps in order)', xLabel: 'epoch (cumulative over steps)', yLabel: what === 'valAccuracy' ? 'validation accuracy (%)' : 'training loss', integerX: true });
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
  const cut = (v: number | undefined): string => (v === undefined ? '' : pct(v));
  const rows = [
    `<tr><td>teacher</td><td></td><td></td><td>${report.teacher.params}</td><td>${report.teacher.macs}</td><td></td><td>${pct(report.teacher.valAccuracy)}</td><td>${pct(report.teacher.testAccuracy)}</td><td></td></tr>`,
    ...report.steps.map((s) => `<tr><td>step ${s.step}</td><td>${s.targetRatio.toFixed(4)}</td><td>${s.achievedRatio.toFixed(4)}</td><td>${s.params}</td><td>${s.macs}</td><td>${cut(s.cutValAccuracy)}</td><td>${pct(s.valAccuracy)}</td><td>${pct(s.testAccuracy)}</td><td>${s.seconds.toFixed(1)}</td></tr>`),
  ];
  const d = report.data;
  const fed = d === undefined ? '' : `<p class="cfg">data ${esc(d.spec)}: ${d.classes.length} classes, images ${d.shape.join('x')}${d.storedChannels !== d.shape[0] ? ` (stored with ${d.storedChannels} channel${d.storedChannels > 1 ? 's' : ''})` : ''}, mean ${esc(d.mean.map((v) => +v.toFixed(4)).join(','))}, std ${esc(d.std.map((v) => +v.toFixed(4)).join(','))} (${esc(d.statsSource)})</p>${d.warnings.map((w) => `<p class="warn">warning: ${esc(w)}</p>`).join('')}`;
  return `<h3>${esc(name)}</h3>${fed}<table><tr><th></th><th>target ratio</th><th>achieved</th><th>params</th><th>MACs</th><th>val after cut</th><th>val</th><th>test</th><th>seconds</th></tr>${rows.join('')}</table>`;
}

const STYLE = `body{font-family:sans-serif;margin:24px;color:#222}h1{font-size:20px}h2{font-size:16px;margin:20px 0 6px}h3{font-size:14px;margin:14px 0 6px}.charts{display:flex;flex-wrap:wrap;gap:16px}
table{border-collapse:collapse;font-size:13px}td,th{border:1px solid #ccc;padding:3px 8px;text-align:right}td:first-child{text-align:left}
.settings td,.settings th{text-align:left}.at-default,.default{color:#999}.note{font-size:12px;color:#666;margin:0 0 6px}
.cfg{font-size:11px;color:#666;max-width:1100px}.warn{font-size:12px;color:#a40;max-width:1100px}
.card{display:flex;flex-wrap:wrap;gap:10px;margin:8px 0 16px;align-items:stretch}.card-name{width:100%;font-weight:bold}
.tile{flex:1 1 0;border:1px solid #ccc;border-radius:6px;padding:8px 12px;min-width:120px;max-width:230px;background:#fafafa}
.tile-title{font-size:12px;color:#666}.tile-value{font-size:24px;font-weight:bold;margin:2px 0}.tile-detail{font-size:11px;color:#555}
.tile.good .tile-value{color:#1a7f37}.tile.bad .tile-value{color:#b42318}`;

/** One self-contained HTML page (inline SVG, no scripts or external files) for one run or several side by side: the result first, then how each step got there, then the settings and the details. */
export function renderHtml(runs: readonly NamedReport[]): string {
  const title = runs.length === 1 ? `whittle report: ${runs[0]!.name}` : `whittle report: ${runs.map((r) => r.name).join(' vs ')}`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${esc(title)}</title>
<style>${STYLE}</style></head>
<body><h1>${esc(title)}</h1>
${summaryCard(runs)}
<div class="charts">${stepAccuracies(runs)}${accuracyAgainst(runs, 'params')}${accuracyAgainst(runs, 'macs')}${curves(runs, 'valAccuracy')}${curves(runs, 'trainLoss')}</div>
${settingsTable(runs)}
<h2>Steps</h2>
${runs.map(table).join('\n')}
${runs.map(fidelityTable).join('\n')}
<div class="charts">${runs.map(widths).join('')}</div>
<p class="cfg">${esc(runs.map((r) => `${r.name}: whittle ${r.report.versions.whittle}, libtorch ${r.report.versions.libtorch}, node ${r.report.versions.node}${r.report.config.teacherCache ? ', teacher outputs cached' : ''}`).join('; '))}</p>
</body></html>
`;
}
