import type { CompressReport } from './compress-report.js';
import type { SettingsDefaults } from './types.js';

/** A run's report under the name it is shown by, and the defaults its settings table leaves out (null: show them all). */
export type NamedReport = { name: string; report: CompressReport; defaults?: SettingsDefaults | null };

export const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
export const pct = (v: number): string => `${(100 * v).toFixed(2)}%`;
