/** The drift result document: one per model and window, stored under a deterministic key. */

export const RESULT_SCHEMA_VERSION = 1;

export type DriftLevel = 'none' | 'warning' | 'critical' | 'insufficient_data';

/** One bin of a comparison, for explanations and charts. */
export interface BinShare {
  label: string;
  referenceShare: number;
  currentShare: number;
}

export interface FeatureDrift {
  name: string;
  kind: 'numeric' | 'categorical';
  method: string;
  /** How the statistic was computed: exact on bin counts, or approximate with an error bound. */
  computation: 'binned' | 'exact' | 'approximate';
  /** Error bound of an approximate statistic (max bin mass), when there is one. */
  errorBound?: number;
  statistic: number | null;
  pValue: number | null;
  /**
   * A test's effect size, the value its thresholds judge: KS D, Cramér's V (chi-square), phi
   * (z-test). Absent for distances, whose thresholds judge the statistic itself.
   */
  effectSize?: number;
  /** The warning threshold on the statistic (for a test, on its effect size). */
  threshold: number;
  criticalThreshold: number;
  /** What sampling noise alone would reach at these sizes (size-aware verdicts). */
  noiseThreshold: number | null;
  level: DriftLevel;
  drifted: boolean;
  referenceSize: number;
  currentSize: number;
  /** Jensen-Shannon distance on the same bins, as a second, bounded opinion. */
  jensenShannon: number | null;
  bins: BinShare[];
  /**
   * Numeric features: the mean's shift in reference standard deviations and its Welch z-test
   * (lib/stats/mean-shift.ts). A shift of a quarter (half) of a standard deviation with
   * p < drift.alpha makes the feature drifted at warning (critical) whatever the binned statistic.
   */
  meanShift?: { shift: number; pValue: number };
}

export interface QualityFinding {
  kind:
    | 'no_data'
    | 'missing_column'
    | 'type_change'
    | 'null_rate'
    | 'out_of_range'
    | 'new_category'
    | 'invalid_values'
    | 'new_segment'
    | 'missing_segment'
    | 'unjudged_segments'
    | 'volume'
    | 'stray_partition';
  severity: 'warning' | 'critical';
  feature?: string;
  segment?: { column: string; value: string };
  /** The observed value (a share, a count, a ratio). */
  value: number;
  /** The reference's or the history's value it is compared with. */
  expected?: number;
  /** Category values for `new_category`; the first unjudged values for `unjudged_segments`. */
  values?: string[];
  message: string;
}

export interface FeatureQuality {
  name: string;
  nullRate: number;
  referenceNullRate: number;
  invalid: number;
  outOfRangeShare?: number;
  newCategories?: { value: string; count: number }[];
}

export interface SegmentDrift {
  column: string;
  value: string;
  rows: number;
  /** Below drift.minSegmentSize in the window, or judged against nothing (see `baseline`). */
  tooSmall: boolean;
  /**
   * What the segment was judged against: the same segment value in the reference (`segment`),
   * the whole reference when it lacks the segment column (`population`), or nothing (`none`): a
   * value the reference never had, or had fewer than drift.minSegmentSize rows of. Absent in
   * results written before segment baselines (they were judged against the population).
   */
  baseline?: 'segment' | 'population' | 'none';
  /** Why a segment has no baseline. */
  baselineNote?: 'new_value' | 'reference_too_small' | 'not_profiled';
  /** The reference rows of the segment value it was judged against. */
  referenceRows?: number;
  features: FeatureDrift[];
  prediction?: FeatureDrift;
}

export interface DriftResult {
  schemaVersion: number;
  kind: 'drift';
  model: string;
  window: { start: string; end: string; duration: string };
  reference: { type: string; description: string; rows: number; profileCreatedAt: string };
  generatedAt: string;
  status: 'ok' | 'no_data';
  rows: number;
  engine: { name: string; queries: number; bytesScanned: number; millis: number };
  settings: { bins: number; sizeAware: boolean; alpha: number; minSampleSize: number };
  features: FeatureDrift[];
  prediction?: FeatureDrift;
  dataset: { featureCount: number; driftedCount: number; driftedShare: number; drivers: string[] };
  segments: SegmentDrift[];
  quality: {
    findings: QualityFinding[];
    features: FeatureQuality[];
    volume: { rows: number; expected?: number; ratio?: number };
  };
}
