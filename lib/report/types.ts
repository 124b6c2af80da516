/** What a report is made of: plain data, so `renderReport` stays pure and testable. */
import type { DriftResult } from '../jobs/drift-result.js';
import type { EstimatedResult } from '../jobs/estimate.js';
import type { KpiResult } from '../jobs/kpi-result.js';
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

/** MTTD / MTTR of one rule (`*`: all rules) over one period ending at the report's clock. */
export interface ReportReliabilityRow {
  ruleId: string;
  days: number;
  opened: number;
  resolved: number;
  open: number;
  mttdHours?: number;
  mttrHours?: number;
}

/** One incident with its detection and resolution times. */
export interface ReportIncidentTiming {
  ruleId: string;
  subject: string;
  firstSeenWindow: string;
  openedAt: string;
  resolvedAt?: string;
  detectHours: number;
  resolveHours?: number;
}

/** Incident reliability: MTTD / MTTR rows and the incidents they come from. */
export interface ReportReliability {
  /** The clock the periods end at (ISO-8601). */
  asOf: string;
  rows: ReportReliabilityRow[];
  recent: ReportIncidentTiming[];
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
  /**
   * Estimated performance (CBPE) of the current and earlier windows (any order), for a model that
   * can be estimated (binary, a score, a labelled reference). @default - no estimated section
   */
  estimated?: EstimatedResult[];
  /** Days from a window's end until its labels are due (labels.delay). @default - no due date shown */
  labelDelayDays?: number;
  /** The newest SLO result (error budgets over the period), for a model with slos. */
  slo?: SloResult;
  /** Open incidents of this model. */
  incidents?: ReportIncident[];
  /** KPI results of the current and earlier windows (any order). @default - no KPI section */
  kpiHistory?: KpiResult[];
  /**
   * Days after its outcomes were due through which a window held for late outcomes is rechecked
   * (`recheckDays` of outcomes.recheckWithin). @default - no "rechecked until" date shown
   */
  outcomeRecheckDays?: number;
  /** The same for a window with late labels (labels.recheckWithin). @default - no date shown */
  labelRecheckDays?: number;
  /** MTTD / MTTR from the alert state. @default - the section says no incident */
  reliability?: ReportReliability;
  /** When the report was generated (ISO-8601). */
  generatedAt: string;
  links?: ReportLink[];
}

/** The overall status the header shows. */
export type ReportStatus = 'healthy' | 'warning' | 'critical' | 'no_data';
