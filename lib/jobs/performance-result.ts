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
   * ok: evaluated; not_mature: the label delay has not passed yet (coverage still reported);
   * no_data: no predictions; no_labels: mature but no label arrived.
   */
  status: 'ok' | 'not_mature' | 'no_data' | 'no_labels';
  maturity: { labelDelay: string; matureOn: string; mature: boolean };
  /** The metric a default alert rule watches first (rocAuc for binary with scores, accuracy, r2...). */
  primaryMetric: string;
  overall: PerformanceGroup;
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
