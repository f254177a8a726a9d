import { esc, type NamedReport } from './named-report.js';

/** What identifies a run whatever the defaults: always shown, first. */
const IDENTITY = ['teacher', 'student', 'data', 'ratios'];
/** Facts of the run rather than settings of it (in report.json, not in the table). */
const NOT_SETTINGS = new Set(['teacherCache']);

const kebab = (k: string): string => k.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);

/** A setting's value as a person reads it: lists with commas, null as none, switches as on and off. */
export function settingText(v: unknown): string {
  if (v === null || v === undefined) return 'none';
  if (typeof v === 'boolean') return v ? 'on' : 'off';
  if (typeof v === 'number') return String(Number(v.toPrecision(6)));
  if (Array.isArray(v)) return v.length === 0 ? 'none' : v.map((x) => (typeof x === 'object' && x !== null ? Object.values(x).map(settingText).join('→') : settingText(x))).join(', ');
  if (typeof v === 'object') return Object.entries(v).map(([k, x]) => `${k}=${settingText(x)}`).join(', ');
  return String(v);
}

const same = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b);

/** Whether a run's setting is at its default (a data-parallel run's worldSize of 1 counts as one). */
function isDefault(r: NamedReport, key: string): boolean {
  const value = (r.report.config as Record<string, unknown>)[key];
  if (key === 'worldSize') return value === undefined || value === 1;
  return r.defaults != null && key in r.defaults && same(value, r.defaults[key]);
}

/** The keys a table of these runs shows: the identity, then every setting off its default in some run, or that the runs differ in. */
export function shownSettings(runs: readonly NamedReport[]): string[] {
  const keys = [...new Set(runs.flatMap((r) => Object.keys(r.report.config)))].filter((k) => !NOT_SETTINGS.has(k));
  const differ = (k: string): boolean => runs.some((r) => !isDefault(r, k)) || runs.some((r) => !same((r.report.config as Record<string, unknown>)[k], (runs[0]!.report.config as Record<string, unknown>)[k]));
  const identity = IDENTITY.filter((k) => keys.includes(k) && !(k === 'student' && runs.every((r) => r.report.config.student === null)));
  return [...identity, ...keys.filter((k) => !IDENTITY.includes(k) && differ(k))];
}

/**
 * The runs' settings as a table of only what differs from the defaults: setting and value for one run (with the
 * default it replaced), a column per run for several (values at their run's default greyed).
 */
export function settingsTable(runs: readonly NamedReport[]): string {
  const keys = shownSettings(runs);
  const one = runs.length === 1;
  const cell = (r: NamedReport, k: string): string => {
    const v = (r.report.config as Record<string, unknown>)[k];
    const d = r.defaults?.[k];
    if (!IDENTITY.includes(k) && isDefault(r, k)) return `<td class="at-default">${esc(settingText(v))}</td>`;
    const was = one && !IDENTITY.includes(k) && r.defaults != null && k in r.defaults ? ` <span class="default">(default: ${esc(settingText(d))})</span>` : '';
    return `<td>${esc(settingText(v))}${was}</td>`;
  };
  const head = one ? '<tr><th>setting</th><th>value</th></tr>' : `<tr><th>setting</th>${runs.map((r) => `<th>${esc(r.name)}</th>`).join('')}</tr>`;
  const note = runs.some((r) => r.defaults == null) ? 'every setting (the defaults for this run could not be worked out)' : 'only those that differ from the defaults';
  return `<h2>Settings</h2><p class="note">The teacher, data and target, then ${note}.</p><table class="settings">${head}${keys.map((k) => `<tr><td>${esc(kebab(k))}</td>${runs.map((r) => cell(r, k)).join('')}</tr>`).join('')}</table>`;
}
