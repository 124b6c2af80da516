/** The HTML report: render (pure), load its input and write it through the ResultStore port. */
export { escapeHtml, safeHref } from './escape.js';
export { reportKeys } from './keys.js';
export { type LoadReportOptions, loadReportInput } from './load.js';
export { renderReport } from './render.js';
export { overallStatus, rankFeatures } from './status.js';
export type { ReportIncident, ReportInput, ReportLink, ReportModel, ReportStatus } from './types.js';
export { REPORT_CONTENT_TYPE, writeReport } from './write.js';
