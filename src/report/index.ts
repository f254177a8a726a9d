/** Reports are JSON turned into one self-contained HTML page. */
export { renderHtml, type NamedReport } from './render-html.js';
export { summaryTiles, type Tile } from './summary.js';
export { settingsTable, shownSettings, settingText } from './settings.js';
export type { Footprint, Footprints, Int8Summary, SettingsDefaults } from './types.js';
export type { CompressReport, StepReport, EpochRow, TeacherSummary, DataSummary, Metrics, TaskSummary } from './compress-report.js';
