/** Reports are JSON turned into one self-contained HTML page. */
export { renderHtml, type NamedReport } from './render-html.js';
export type { CompressReport, StepReport, EpochRow, TeacherSummary, DataSummary } from './compress-report.js';
