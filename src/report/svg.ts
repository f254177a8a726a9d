/** A series for a chart: points, a legend label and a colour. */
export type Series = { label: string; color: string; points: { x: number; y: number; label?: string }[] };

export type ChartOptions = { title: string; xLabel: string; yLabel: string; logX?: boolean; width?: number; height?: number };

const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

export const PALETTE = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b', '#e377c2', '#17becf'];

function niceTicks(lo: number, hi: number, n = 5): number[] {
  if (hi <= lo) return [lo];
  const step = 10 ** Math.floor(Math.log10((hi - lo) / n));
  const mult = [1, 2, 5, 10].find((m) => (hi - lo) / (step * m) <= n) ?? 10;
  const s = step * mult;
  const out: number[] = [];
  for (let v = Math.ceil(lo / s) * s; v <= hi + 1e-12; v += s) out.push(Number(v.toPrecision(12)));
  return out;
}

function fmt(v: number): string {
  const a = Math.abs(v);
  if (a >= 1e6) return `${(v / 1e6).toPrecision(3)}M`;
  if (a >= 1e3) return `${(v / 1e3).toPrecision(3)}k`;
  return String(Number(v.toPrecision(4)));
}

/** A line chart with markers, as inline SVG (no scripts, no external resources). */
export function lineChart(series: readonly Series[], o: ChartOptions): string {
  const W = o.width ?? 560;
  const H = o.height ?? 320;
  const m = { l: 64, r: 16, t: 36, b: 48 };
  const pts = series.flatMap((s) => s.points);
  if (pts.length === 0) return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="40"><text x="8" y="24">${esc(o.title)}: no data</text></svg>`;
  const tx = (v: number): number => (o.logX ? Math.log10(Math.max(v, 1e-12)) : v);
  let [x0, x1] = [Math.min(...pts.map((p) => tx(p.x))), Math.max(...pts.map((p) => tx(p.x)))];
  let [y0, y1] = [Math.min(...pts.map((p) => p.y)), Math.max(...pts.map((p) => p.y))];
  if (x0 === x1) [x0, x1] = [x0 - 1, x1 + 1];
  if (y0 === y1) [y0, y1] = [y0 - 0.5, y1 + 0.5];
  const pad = (y1 - y0) * 0.08;
  [y0, y1] = [y0 - pad, y1 + pad];
  const X = (v: number): number => m.l + ((tx(v) - x0) / (x1 - x0)) * (W - m.l - m.r);
  const Y = (v: number): number => H - m.b - ((v - y0) / (y1 - y0)) * (H - m.t - m.b);
  const parts: string[] = [`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" font-family="sans-serif" font-size="11">`];
  parts.push(`<text x="${W / 2}" y="18" text-anchor="middle" font-size="13" font-weight="bold">${esc(o.title)}</text>`);
  for (const v of niceTicks(y0, y1)) parts.push(`<line x1="${m.l}" x2="${W - m.r}" y1="${Y(v)}" y2="${Y(v)}" stroke="#ddd"/><text x="${m.l - 6}" y="${Y(v) + 4}" text-anchor="end">${fmt(v)}</text>`);
  const xticks = o.logX ? niceTicks(x0, x1).map((e) => 10 ** e) : niceTicks(x0, x1);
  for (const v of xticks) parts.push(`<line x1="${X(v)}" x2="${X(v)}" y1="${m.t}" y2="${H - m.b}" stroke="#eee"/><text x="${X(v)}" y="${H - m.b + 16}" text-anchor="middle">${fmt(v)}</text>`);
  parts.push(`<rect x="${m.l}" y="${m.t}" width="${W - m.l - m.r}" height="${H - m.t - m.b}" fill="none" stroke="#999"/>`);
  parts.push(`<text x="${(W + m.l) / 2}" y="${H - 10}" text-anchor="middle">${esc(o.xLabel)}</text>`);
  parts.push(`<text transform="translate(14 ${(H - m.b + m.t) / 2}) rotate(-90)" text-anchor="middle">${esc(o.yLabel)}</text>`);
  series.forEach((s, i) => {
    const d = s.points.map((p, k) => `${k ? 'L' : 'M'}${X(p.x).toFixed(1)} ${Y(p.y).toFixed(1)}`).join(' ');
    parts.push(`<path d="${d}" fill="none" stroke="${s.color}" stroke-width="2"/>`);
    for (const p of s.points) parts.push(`<circle cx="${X(p.x).toFixed(1)}" cy="${Y(p.y).toFixed(1)}" r="3.5" fill="${s.color}"><title>${esc(`${s.label}${p.label ? ` ${p.label}` : ''}: ${fmt(p.x)}, ${fmt(p.y)}`)}</title></circle>`);
    parts.push(`<rect x="${m.l + 8}" y="${m.t + 8 + i * 16}" width="10" height="10" fill="${s.color}"/><text x="${m.l + 22}" y="${m.t + 17 + i * 16}">${esc(s.label)}</text>`);
  });
  parts.push('</svg>');
  return parts.join('');
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
