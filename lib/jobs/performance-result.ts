/**
 * The performance result document: one per model and window, stored under
 * `<model>/performance/dt=<start>/<duration>.json`. A window is re-evaluated while labels keep
 * arriving; each earlier evaluation is kept under `.../revisions/<n>.json` (nothing overwritten
 * silently).
 */
import type { Comparison } from '../metrics/compare.js';

/** Metric name → value; `null` when undefined, with the reason in `undefined`. */
export type MetricMap = Record<string, number | null>;

export interface PerformanceGroup {
  /** Predictions in the window (or group). */
  predictions: number;
  /** Of those, the ones with a label. */
  labelled: number;
  /** labelled / predictions. */
  coverage: number;
  metrics: MetricMap;
  /** Metric name → why it is undefined (e.g. "only one class present"). */
  undefined: Record<string, string>;
  /** Binary: `{ tp, fp, tn, fn }`; multiclass: `{ labels, matrix }`. */
  confusion?: unknown;
  /**
   * Binary windows on the grid path (`performance.ranking`): how rocAuc, rocAucStandardError and
   * averagePrecision were computed, `exact` (every grid cell held one distinct score) or
   * `approximate`. Absent: every metric is exact (the exact path).
   */
  computation?: Record<string, 'exact' | 'approximate'>;
  /** For each `approximate` metric, the proven bound of |exact value - reported value|. */
  errorBound?: Record<string, number>;
}

export interface SegmentPerformance extends PerformanceGroup {
  column: string;
  value: string;
  /** Fewer labelled rows than the minimum: metrics are reported but not judged. */
  tooSmall: boolean;
  /** segment metric - overall metric, per metric (negative = worse for higher-is-better metrics). */
  gap: Record<string, number | null>;
}

export interface VersionComparison {
  incumbent: string;
  candidate: string;
  /** Per compared metric (accuracy, rocAuc): candidate - incumbent with its test, or why it is undefined. */
  metrics: Comparison[];
}

/**
 * What the label and score checks counted in the window (see README "Label and score checks").
 * Conflicting and invalid labels are excluded from `labelled` and from every metric; invalid scores
 * (missing, NaN, infinite) leave their rows labelled but not evaluated; scores outside [0, 1] stay
 * in the ranking and threshold metrics, while log loss, Brier and ECE are left undefined.
 */
export interface LabelChecks {
  /** Predictions whose label is not one of the task's classes (binary: 0/1, or the mapping). */
  invalidLabels: number;
  /** Predictions whose id has labels that disagree. */
  conflictingLabels: number;
  /** Predictions whose score (binary) or prediction (regression) is missing, NaN or infinite. */
  invalidScores: number;
  /** Binary probability scores below 0 or above 1. */
  scoresOutOfRange: number;
  /** Prediction ids that occur more than once in the window. */
  duplicateIds: number;
  /** The rows beyond the first of those ids (kept in the metrics, each joined to the id's label). */
  duplicateRows: number;
  /** Predictions without an id (they can never meet a label). */
  nullIds: number;
}

/** One problem the label and score checks found, with the column, what was seen and the fix. */
export interface PerformanceFinding {
  kind:
    | 'invalid_labels'
    | 'conflicting_labels'
    | 'invalid_scores'
    | 'scores_out_of_range'
    | 'duplicate_ids'
    | 'null_ids';
  severity: 'warning' | 'critical';
  /** The definition field and column, e.g. `labels.labelColumn (y)`. */
  column: string;
  /** Rows affected. */
  count: number;
  /** count / predictions in the window. */
  share: number;
  /** Values seen, when useful (invalid labels; the score range). */
  values?: string[];
  message: string;
}

export interface PerformanceResult {
  schemaVersion: number;
  kind: 'performance';
  model: string;
  task: 'binary' | 'multiclass' | 'regression';
  window: { start: string; end: string; duration: string };
  generatedAt: string;
  /** 1 for the first evaluation of the window, then 2, 3... as later labels arrive. */
  revision: number;
  /**
   * The run (the morning's alert-step run window: the last complete window) that last evaluated
   * this window again because its label coverage was below its
   * usual (late labels, lib/jobs/performance.ts `recheckLateLabels`); the alert policy judges such a
   * window once, at its own place in the series (lib/alerts/policy.ts, late windows).
   */
  recheckRun?: string;
  /**
   * Label coverage still below LATE_COVERAGE_SHARE x the usual at the window's last recheck
   * (`labels.recheckWithin` after maturing): the labels never came. The alert policy reports it
   * once as a `labels_missing` label-coverage finding.
   */
  labelsMissing?: { usualCoverage: number; neededCoverage: number; lastRecheck: string };
  /**
   * ok: evaluated; not_mature: the label delay has not passed yet (coverage still reported);
   * no_data: no predictions; no_labels: mature but no label arrived.
   */
  status: 'ok' | 'not_mature' | 'no_data' | 'no_labels';
  maturity: { labelDelay: string; matureOn: string; mature: boolean };
  /** The metric a default alert rule watches first (rocAuc for binary with scores, accuracy, r2...). */
  primaryMetric: string;
  overall: PerformanceGroup;
  /** The label and score checks (absent in results written before they existed). */
  labelChecks?: LabelChecks;
  /** What the checks found; empty when all is well. */
  findings?: PerformanceFinding[];
  /** The same metrics on the reference, when it carries labels. */
  reference?: PerformanceGroup;
  segments: SegmentPerformance[];
  /** The segment with the largest gap below overall on the primary metric, among those not too small. */
  worstSegment?: { column: string; value: string; metric: string; metricValue: number; gap: number };
  versions: (PerformanceGroup & { version: string })[];
  comparison?: VersionComparison;
  operational: {
    volume: number;
    latencyMs?: { p50: number | null; p95: number | null; p99: number | null };
    errorRate?: number | null;
  };
  engine: { name: string; queries: number; bytesScanned: number; millis: number };
}
