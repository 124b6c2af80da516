/** What a report is made of: plain data, so `renderReport` stays pure and testable. */
import type { DriftResult } from '../jobs/drift-result.js';
import type { PerformanceResult } from '../jobs/performance-result.js';
import type { SloResult } from '../jobs/slo-result.js';
import type { Window } from '../jobs/windows.js';

/** The model the report is about. */
export interface ReportModel {
  id: string;
  task?: 'binary' | 'multiclass' | 'regression';
  tier?: number;
  description?: string;
}

/** An open incident, as the alert policy hands it over (plain data, no dependency on lib/alerts). */
export interface ReportIncident {
  id: string;
  title: string;
  severity: 'warning' | 'critical';
  /** The start (YYYY-MM-DD) of the window the incident opened in. */
  openedAt: string;
  /** What the incident is about: a feature name, a metric, `column=value` for a segment. */
  subject?: string;
  /** The rule that opened it, e.g. `drift`, `performance`, `quality`, `volume`. */
  kind?: string;
}

/** A link shown in the report's links section (runbook, result documents, previous report). */
export interface ReportLink {
  label: string;
  href: string;
}

export interface ReportInput {
  model: ReportModel;
  /** The window the report is about. */
  window: Window;
  /** The drift result of the current window, when the drift job has run. */
  drift?: DriftResult;
  /** Drift results of earlier windows, for trends (any order; the current one may be included). */
  driftHistory: DriftResult[];
  /** The latest performance result of the current window, when labels have been evaluated. */
  performance?: PerformanceResult;
  /** Performance results of earlier windows (any order). */
  performanceHistory: PerformanceResult[];
  /** The newest SLO result (error budgets over the period), for a model with slos. */
  slo?: SloResult;
  /** Open incidents of this model. */
  incidents?: ReportIncident[];
  /** When the report was generated (ISO-8601). */
  generatedAt: string;
  links?: ReportLink[];
}

/** The overall status the header shows. */
export type ReportStatus = 'healthy' | 'warning' | 'critical' | 'no_data';
