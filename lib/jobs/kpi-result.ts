/** The KPI result document: `<model>/kpi/dt=<start>/<duration>.json` (plain data; lib/jobs/kpi.ts writes it). */
import type { KpiDefinition } from '../config/schema.js';
import type { Window } from './windows.js';

/** A KPI's value in one group: the value and the rows it is computed from. */
export interface KpiValue {
  value: number | null;
  /** Rows of the KPI's population with a usable value (for a rate: its denominator). */
  n: number;
  /** Rows of the population whose column is NULL (overall only). */
  nulls?: number;
  /** Rows of the population with a non-null value that is not usable (a rate's not true / false; overall only). */
  unreadable?: number;
}

export interface KpiSegmentValue extends KpiValue {
  column: string;
  segment: string;
}

export interface KpiVersionValue extends KpiValue {
  version: string;
}

/** One KPI in one window. */
export interface KpiResultItem {
  name: string;
  aggregate: KpiDefinition['aggregate'];
  column: string;
  per: KpiDefinition['per'];
  source: KpiDefinition['source'];
  direction: KpiDefinition['direction'];
  /** `not_mature`: an outcome KPI whose outcomes have not all arrived yet (no value). */
  status: 'ok' | 'not_mature' | 'no_data';
  overall?: KpiValue;
  segments: KpiSegmentValue[];
  versions: KpiVersionValue[];
  /** Outcome KPIs: the share of the window's predictions with an outcome joined. */
  outcomeCoverage?: number;
  /** Outcome KPIs: the day their outcomes are complete (window end + outcomes.delay). */
  matureOn?: string;
  /**
   * Outcome KPIs still held (coverage below KPI_MIN_COVERAGE_SHARE x the usual) at the window's
   * last recheck (`outcomes.recheckWithin` after maturing): the outcomes never came. The alert
   * policy turns it into an `outcomes_missing` finding; the window stays out of the history.
   */
  outcomesMissing?: { usualCoverage: number; neededCoverage: number; lastRecheck: string };
}

export interface KpiResult {
  schemaVersion: 1;
  kind: 'kpi';
  model: string;
  window: Window;
  generatedAt: string;
  status: 'ok' | 'no_data';
  /**
   * 1 for the first computation; one more each time a recheck saw different outcomes (the earlier
   * result is kept at `.revision-<n>.json`, lib/jobs/revisions.ts). Absent in older results: 1.
   */
  revision?: number;
  /**
   * The run (the drift job's window, the alert step's run window) that last recomputed this
   * window because its outcome KPIs were held; the alert policy judges such a window as of its
   * own place in the series in that run only (lib/alerts/policy.ts, late windows).
   */
  recheckRun?: string;
  rows: number;
  kpis: KpiResultItem[];
  engine: { name: string; queries: number };
}
