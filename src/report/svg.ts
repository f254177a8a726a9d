/** A series for a chart: points (a hollow marker for one that differs in kind, as a step's accuracy right after its cut), a legend label and a colour. */
export type Series = { label: string; color: string; points: { x: number; y: number; label?: string; hollow?: boolean }[] };

export type ChartOptions = {
  title: string; xLabel: string; yLabel: string; logX?: boolean; width?: number; height?: number;
  /** Ticks on whole numbers only (epochs, steps). */
  integerX?: boolean;
  /** Named x ticks in place of numbered ones. */
  xTicks?: readonly { at: number; label: string }[];
};

const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

export const PALETTE = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b', '#e377c2', '#17becf'];

/** Round ticks from lo to hi, about n of them; whole numbers only when `integer`. */
export function niceTicks(lo: number, hi: number, n = 5, integer = false): number[] {
  if (hi <= lo) return [lo];
  const step = 10 ** Math.floor(Math.log10((hi - lo) / n));
  const mult = [1, 2, 5, 10].find((m) => (hi - lo) / (step * m) <= n) ?? 10;
  const s = integer ? Math.max(1, step * mult) : step * mult;
  const out: number[] = [];
  for (let v = Math.ceil(lo / s) * s; v <= hi + 1e-12; v += s) out.push(Number(v.toPrecision(12)));
  return out;
}

/** A count in a few digits: 140458 as 140k, 2.2e7 as 22.0M. */
export function fmt(v: number): string {
  const a = Math.abs(v);
  if (a >= 1e6) return `${(v / 1e6).toPrecision(3)}M`;
  if (a >= 1e3) return `${(v / 1e3).toPrecision(3)}k`;
  return String(Number(v.toPrecision(4)));
}

/** A line chart with markers, as inline SVG (no scripts, no external resources). */
export function lineChart(series: readonly Series[], o: ChartOptions): string {
  const W = o.width ?? 560;
  // the legend goes under the x axis, in rows, where it hides no point
  const legend = series.length > 1 ? legendRows(series, W - 64 - 16) : [];
  const H = (o.height ?? 320) + 16 * legend.length;
  const m = { l: 64, r: 16, t: 36, b: 48 + 16 * legend.length };
  const pts = series.flatMap((s) => s.points);
  if (pts.length === 0) return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="40"><text x="8" y="24">${esc(o.title)}: no data</text></svg>`;
  const tx = (v: number): number => (o.logX ? Math.log10(Math.max(v, 1e-12)) : v);
  let [x0, x1] = [Math.min(...pts.map((p) => tx(p.x))), Math.max(...pts.map((p) => tx(p.x)))];
  let [y0, y1] = [Math.min(...pts.map((p) => p.y)), Math.max(...pts.map((p) => p.y))];
  if (x0 === x1) [x0, x1] = [x0 - 1, x1 + 1];
  // room for the markers at either end
  const padX = (x1 - x0) * 0.03;
  [x0, x1] = [x0 - padX, x1 + padX];
  if (y0 === y1) [y0, y1] = [y0 - 0.5, y1 + 0.5];
  const pad = (y1 - y0) * 0.08;
  [y0, y1] = [y0 - pad, y1 + pad];
  const X = (v: number): number => m.l + ((tx(v) - x0) / (x1 - x0)) * (W - m.l - m.r);
  const Y = (v: number): number => H - m.b - ((v - y0) / (y1 - y0)) * (H - m.t - m.b);
  const parts: string[] = [`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" font-family="sans-serif" font-size="11">`];
  parts.push(`<text x="${W / 2}" y="18" text-anchor="middle" font-size="13" font-weight="bold">${esc(o.title)}</text>`);
  for (const v of niceTicks(y0, y1)) parts.push(`<line x1="${m.l}" x2="${W - m.r}" y1="${Y(v)}" y2="${Y(v)}" stroke="#ddd"/><text x="${m.l - 6}" y="${Y(v) + 4}" text-anchor="end">${fmt(v)}</text>`);
  const numbered = (o.logX ? niceTicks(x0, x1).map((e) => 10 ** e) : niceTicks(x0, x1, 5, o.integerX)).map((v) => ({ at: v, label: fmt(v) }));
  for (const { at, label } of o.xTicks ?? numbered) parts.push(`<line x1="${X(at)}" x2="${X(at)}" y1="${m.t}" y2="${H - m.b}" stroke="#eee"/><text class="xtick" x="${X(at)}" y="${H - m.b + 16}" text-anchor="middle">${esc(label)}</text>`);
  parts.push(`<rect x="${m.l}" y="${m.t}" width="${W - m.l - m.r}" height="${H - m.t - m.b}" fill="none" stroke="#999"/>`);
  parts.push(`<text x="${(W + m.l) / 2}" y="${H - m.b + 34}" text-anchor="middle">${esc(o.xLabel)}</text>`);
  parts.push(`<text transform="translate(14 ${(H - m.b + m.t) / 2}) rotate(-90)" text-anchor="middle">${esc(o.yLabel)}</text>`);
  series.forEach((s) => {
    const d = s.points.map((p, k) => `${k ? 'L' : 'M'}${X(p.x).toFixed(1)} ${Y(p.y).toFixed(1)}`).join(' ');
    parts.push(`<path d="${d}" fill="none" stroke="${s.color}" stroke-width="2"/>`);
    for (const p of s.points) parts.push(`<circle cx="${X(p.x).toFixed(1)}" cy="${Y(p.y).toFixed(1)}" r="3.5" ${p.hollow ? `fill="#fff" stroke="${s.color}" stroke-width="2"` : `fill="${s.color}"`}><title>${esc(`${s.label}${p.label ? ` ${p.label}` : ''}: ${o.xTicks ? '' : `${fmt(p.x)}, `}${fmt(p.y)}`)}</title></circle>`);
  });
  legend.forEach((row, r) => {
    for (const { s, x } of row) parts.push(`<rect x="${m.l + x}" y="${H - m.b + 44 + 16 * r}" width="10" height="10" fill="${s.color}"/><text x="${m.l + x + 14}" y="${H - m.b + 53 + 16 * r}">${esc(s.label)}</text>`);
  });
  parts.push('</svg>');
  return parts.join('');
}

/** The legend's entries in rows that fit `width`, each at its x offset (about 6.5 px a character). */
function legendRows(series: readonly Series[], width: number): { s: Series; x: number }[][] {
  const rows: { s: Series; x: number }[][] = [[]];
  let x = 0;
  for (const s of series) {
    const w = 24 + 6.5 * s.label.length;
    if (x > 0 && x + w > width) {
      rows.push([]);
      x = 0;
    }
    rows[rows.length - 1]!.push({ s, x });
    x += w;
  }
  return rows;
}

/** Horizontal grouped bars (one group per row label, one bar per series), as inline SVG. */
export function barChart(rows: readonly string[], series: readonly { label: string; color: string; values: readonly number[] }[], title: string): string {
  const W = 640;
  const barH = 7;
  const rowH = series.length * barH + 8;
  const H = 40 + rows.length * rowH + 16 * series.length;
  const max = Math.max(1, ...series.flatMap((s) => s.values));
  const left = 170;
  const parts = [`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" font-family="sans-serif" font-size="11">`, `<text x="${W / 2}" y="18" text-anchor="middle" font-size="13" font-weight="bold">${esc(title)}</text>`];
  rows.forEach((r, i) => {
    const y = 30 + i * rowH;
    parts.push(`<text x="${left - 6}" y="${y + rowH / 2}" text-anchor="end">${esc(r.length > 26 ? `…${r.slice(-25)}` : r)}</text>`);
    series.forEach((s, k) => {
      const v = s.values[i] ?? 0;
      parts.push(`<rect x="${left}" y="${y + k * barH}" width="${((W - left - 110) * v) / max}" height="${barH - 1}" fill="${s.color}"><title>${esc(`${r} ${s.label}: ${v}`)}</title></rect>`);
    });
    parts.push(`<text x="${W - 104}" y="${y + rowH / 2}">${series.map((s) => s.values[i] ?? 0).join('/')}</text>`);
  });
  series.forEach((s, k) => parts.push(`<rect x="${left}" y="${H - 14 - 16 * (series.length - 1 - k)}" width="10" height="10" fill="${s.color}"/><text x="${left + 14}" y="${H - 5 - 16 * (series.length - 1 - k)}">${esc(s.label)}</text>`));
  parts.push('</svg>');
  return parts.join('');
}
