import type { Footprint, Footprints, Int8Summary } from './types.js';
import { esc, pct, type NamedReport } from './named-report.js';
import { fmt } from './svg.js';

/** One figure of the card: a big value and a line on what it is against. */
export type Tile = { title: string; value: string; detail: string; tone?: 'good' | 'bad' };

export function bytes(n: number): string {
  if (n >= 1e6) return `${(n / 1e6).toPrecision(3)} MB`;
  if (n >= 1e3) return `${(n / 1e3).toPrecision(3)} kB`;
  return `${n} B`;
}

/** "4.0x smaller" for a student 4 times under the teacher, "1.3x larger" for one above it. */
function times(teacher: number, student: number, less: string, more: string): string {
  const r = teacher / student;
  return r >= 1 ? `${r.toFixed(1)}x ${less}` : `${(1 / r).toFixed(1)}x ${more}`;
}

function footprintTiles(f: Footprints | undefined): Tile[] {
  if (!f) {
    const why = 'not in this report.json (written before whittle measured it)';
    return [{ title: 'File size', value: '–', detail: why }, { title: 'Latency', value: '–', detail: why }];
  }
  const ms = (v: number): string => `${v < 1 ? v.toFixed(3) : v.toFixed(2)} ms`;
  const how = `${f.runtime}, batch ${f.batch}, ${f.threads} thread${f.threads > 1 ? 's' : ''}, median of ${f.runs} runs`;
  const lat = (t: Footprint, s: Footprint): Tile => t.latencyMs === null || s.latencyMs === null
    ? { title: 'Latency', value: '–', detail: `${t.latencyMs === null ? 'the teacher' : 'the student'} did not run in ${f.runtime}` }
    : { title: 'Latency', value: ms(s.latencyMs), detail: `${times(t.latencyMs, s.latencyMs, 'faster', 'slower')} than the teacher's ${ms(t.latencyMs)} (${how})`, tone: s.latencyMs <= t.latencyMs ? 'good' : 'bad' };
  return [
    { title: 'File size', value: bytes(f.student.bytes), detail: `${times(f.teacher.bytes, f.student.bytes, 'smaller', 'larger')} than the teacher's ${bytes(f.teacher.bytes)} (ONNX)`, tone: f.student.bytes <= f.teacher.bytes ? 'good' : 'bad' },
    lat(f.teacher, f.student),
  ];
}

/** The int8 row of a run with --quantize int8: the int8 file's size, accuracy and latency against the float student's. */
function int8Tile(q: Int8Summary | undefined, f: Footprints | undefined, score: string): Tile[] {
  if (!q) return [];
  const lat = f?.int8?.latencyMs;
  const float = f?.student.latencyMs;
  const speed = lat != null && float != null ? `, ${lat < 1 ? lat.toFixed(3) : lat.toFixed(2)} ms (${times(float, lat, 'faster', 'slower')} than float)` : '';
  const points = 100 * (q.testAccuracy - q.floatTestAccuracy);
  return [{
    title: 'int8 student',
    value: bytes(q.bytes),
    detail: `test ${score === 'accuracy' ? '' : `${score} `}${pct(q.testAccuracy)} in onnxruntime-node (${points >= 0 ? '+' : '−'}${Math.abs(points).toFixed(2)} pts against float)${speed}; ${q.fused} int8 kernels${q.floatLayers ? `, ${q.floatLayers} float layers left` : ''}`,
    tone: q.floatLayers === 0 ? 'good' : 'bad',
  }];
}

/** The result of a run in a few figures, each against the teacher's: what report.html shows first. */
export function summaryTiles({ report }: NamedReport): Tile[] {
  const { teacher: t, final: s } = report;
  const points = 100 * (s.testAccuracy - t.testAccuracy);
  const seconds = report.steps.reduce((n, st) => n + st.seconds, 0);
  const epochs = report.steps.reduce((n, st) => n + st.epochs.length, 0);
  // a run that is not one labelled classifier is scored by its heads' metric (report.score), not by accuracy
  const score = report.score ?? 'accuracy';
  const scored = score === 'accuracy' ? '' : ` (${score})`;
  return [
    { title: 'Parameters', value: `${(100 * s.paramsRatio).toFixed(1)}%`, detail: `of the teacher's: ${fmt(s.params)} of ${fmt(t.params)}` },
    { title: 'MACs', value: `${(100 * s.macsRatio).toFixed(1)}%`, detail: `of the teacher's: ${fmt(s.macs)} of ${fmt(t.macs)} per image` },
    { title: score === 'accuracy' ? 'Test accuracy' : 'Test score', value: `${points >= 0 ? '+' : '−'}${Math.abs(points).toFixed(2)} pts`, detail: `${pct(s.testAccuracy)} against the teacher's ${pct(t.testAccuracy)}${scored}` },
    ...footprintTiles(report.footprint),
    ...int8Tile(report.int8, report.footprint, score),
    { title: 'Run', value: `${report.steps.length} step${report.steps.length === 1 ? '' : 's'}`, detail: `${epochs} epochs in ${seconds >= 120 ? `${(seconds / 60).toFixed(1)} min` : `${seconds.toFixed(0)} s`}` },
  ];
}

/** The card: one row of tiles per run, named when there are several. */
export function summaryCard(runs: readonly NamedReport[]): string {
  return runs.map((r) => `<div class="card">${runs.length > 1 ? `<div class="card-name">${esc(r.name)}</div>` : ''}${summaryTiles(r).map((tile) => `<div class="tile${tile.tone ? ` ${tile.tone}` : ''}"><div class="tile-title">${esc(tile.title)}</div><div class="tile-value">${esc(tile.value)}</div><div class="tile-detail">${esc(tile.detail)}</div></div>`).join('')}</div>`).join('\n');
}
