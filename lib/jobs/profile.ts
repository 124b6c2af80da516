/**
 * The ReferenceProfile: everything the drift job needs to know about the reference, computed once
 * by the baseline job and stored as JSON. Counts are exact; bin edges are the reference's exact
 * type-7 quantiles (see test/fixtures/oracle/README.md).
 */

/** 2: per-segment profiles (`segments`), so a segment is judged against itself. */
export const PROFILE_SCHEMA_VERSION = 2;

export interface NumericProfile {
  name: string;
  kind: 'numeric';
  /** Rows in the reference. */
  rows: number;
  nulls: number;
  /** Non-null values that do not parse as a number. */
  invalid: number;
  infinite: number;
  /** Finite values: the sample the statistics use. */
  valid: number;
  min: number | null;
  max: number | null;
  mean: number | null;
  std: number | null;
  /** Inner bin edges (distinct reference quantiles at i / bins). */
  edges: number[];
  /** Finite reference values per bin: `edges.length + 1` counts. */
  binCounts: number[];
  /** The fine grid (FINE_BINS reference quantiles) for KS and Wasserstein on large windows. */
  fineEdges?: number[];
  fineCounts?: number[];
}

/** Bins of the fine reference-quantile grid: the approximation error of KS is at most 1 / FINE_BINS plus ties. */
export const FINE_BINS = 1000;

export interface CategoricalProfile {
  name: string;
  kind: 'categorical';
  rows: number;
  nulls: number;
  /** Count per category (values as strings). */
  categories: Record<string, number>;
}

export type FeatureProfile = NumericProfile | CategoricalProfile;

export interface ReferenceProfile {
  schemaVersion: number;
  kind: 'reference-profile';
  model: string;
  /** The columns it was made for (`profiledColumns`); a definition that changed them re-profiles. */
  profiledColumns?: string;
  reference: { type: string; description: string; window?: { start: string; end: string } };
  createdAt: string;
  rows: number;
  bins: number;
  /** Column name → engine type, for schema drift. */
  columnTypes: Record<string, string>;
  features: FeatureProfile[];
  /** The score (or prediction) distribution, profiled like a numeric feature. */
  prediction?: FeatureProfile;
  /**
   * The same profile per segment value, from the same reference scan, on the overall bin edges
   * (so shares stay comparable): a segment's window is compared with the same segment in the
   * reference, never with the population. Absent for a segment column the reference lacks.
   */
  segments?: SegmentProfile[];
  /** Segment columns the reference lacks: their segments are judged against the population. */
  segmentColumnsMissing?: string[];
  /** Segment columns with more than MAX_SEGMENT_PROFILES values: only the largest are profiled. */
  segmentColumnsTruncated?: string[];
}

/** The reference's profile of one segment value (one column = one value). */
export interface SegmentProfile {
  column: string;
  value: string;
  rows: number;
  features: FeatureProfile[];
  prediction?: FeatureProfile;
}

/**
 * Segment values profiled per column, the largest by reference rows; the others are reported as
 * not profiled (`baseline: 'none'`), which bounds the profile's size for high-cardinality columns.
 */
export const MAX_SEGMENT_PROFILES = 100;

/**
 * The 0-based order statistics type-7 quantiles at i / bins need, for i = 1 .. bins - 1, with
 * the position computed exactly in integers (oracle README).
 */
export function quantilePositions(validCount: number, bins: number): number[] {
  // No finite value (a column all NULL in the reference): no order statistic to ask for.
  if (validCount <= 0) return [];
  const positions = new Set<number>();
  for (let i = 1; i < bins; i++) {
    const scaled = (validCount - 1) * i;
    const lo = Math.floor(scaled / bins);
    positions.add(lo);
    if (scaled % bins !== 0 && lo + 1 < validCount) positions.add(lo + 1);
  }
  return [...positions].sort((a, b) => a - b);
}

/** The distinct inner edges from the order statistics `valueAt(position)`. */
export function edgesFromOrderStatistics(
  validCount: number,
  bins: number,
  valueAt: (position: number) => number,
): number[] {
  if (validCount === 0) return [];
  const edges: number[] = [];
  for (let i = 1; i < bins; i++) {
    const scaled = (validCount - 1) * i;
    const lo = Math.floor(scaled / bins);
    const rem = scaled % bins;
    const low = valueAt(lo);
    const edge = rem === 0 ? low : low + (rem / bins) * (valueAt(lo + 1) - low);
    if (edges.length === 0 || edge !== edges[edges.length - 1]) edges.push(edge);
  }
  return edges;
}
