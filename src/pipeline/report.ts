import type { CompressReport as ReportOf } from '../report/index.js';
import type { RunConfig } from './run-config.js';

export type { EpochRow, StepReport, TeacherSummary, DataSummary } from '../report/index.js';

/** report.json as compress writes it: `config` holds every setting resolved (run.json's), and how the run went. */
export type CompressReport = ReportOf<RunConfig & { teacherCache: boolean; worldSize?: number }>;

