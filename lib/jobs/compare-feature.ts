/**
 * Compares one column's current counts with its reference profile: picks the method, computes
 * the statistic on aligned bins, and decides the verdict (size-aware by default).
 */
import type { DriftMethodName, DriftSettings, FeatureDefinition } from '../config/schema.js';
import {
  type CategoricalBins,
  capCategoricalBins,
  categoricalBins,
  OTHER_CATEGORY,
} from '../stats/binning.js';
import { chiSquare } from '../stats/chi-square.js';
import { hellinger } from '../stats/hellinger.js';
import { jensenShannon } from '../stats/jensen-shannon.js';
import { kl } from '../stats/kl.js';
import { ksFromBinnedCounts, ksTest } from '../stats/ks.js';
import { linf } from '../stats/linf.js';
import { MEAN_SHIFT_THRESHOLDS, meanShift } from '../stats/mean-shift.js';
import { psi } from '../stats/psi.js';
import { chooseMethod, getMethod } from '../stats/registry.js';
import type { StatResult } from '../stats/types.js';
import { decideDrift } from '../stats/verdict.js';
import { wasserstein, wassersteinFromBins } from '../stats/wasserstein.js';
import type { WeightedSample } from '../stats/weighted-sample.js';
import { zTest } from '../stats/z-test.js';
import type { BinShare, FeatureDrift } from './drift-result.js';
import type { CategoricalProfile, NumericProfile } from './profile.js';
import type { CategoricalScan, NumericScan } from './scan-reader.js';

type BinnedMethod = Exclude<DriftMethodName, 'auto'>;

function formatEdge(value: number): string {
  if (Number.isInteger(value)) return String(value);
  const abs = Math.abs(value);
  return abs >= 1000 || abs < 0.001 ? value.toPrecision(4) : String(Number(value.toPrecision(4)));
}

/** Bin labels for numeric edges: `< e1`, `[e1, e2)`, ..., `>= ek`. */
export function binLabels(edges: readonly number[]): string[] {
  if (edges.length === 0) return ['all'];
  const e = edges.map(formatEdge);
  return [`< ${e[0]}`, ...e.slice(1).map((x, i) => `[${e[i]}, ${x})`), `>= ${e[e.length - 1]}`];
}

function computeOnBins(
  method: BinnedMethod,
  referenceCounts: number[],
  currentCounts: number[],
): { result: StatResult<unknown>; computation: FeatureDrift['computation']; errorBound?: number } {
  switch (method) {
    case 'psi':
      return { result: psi(referenceCounts, currentCounts), computation: 'binned' };
    case 'kl':
      return { result: kl(referenceCounts, currentCounts), computation: 'binned' };
    case 'jensenshannon':
      return { result: jensenShannon(referenceCounts, currentCounts), computation: 'binned' };
    case 'hellinger':
      return { result: hellinger(referenceCounts, currentCounts), computation: 'binned' };
    case 'linf':
      return { result: linf(referenceCounts, currentCounts), computation: 'binned' };
    case 'chisquare':
      return { result: chiSquare(referenceCounts, currentCounts), computation: 'binned' };
    case 'ztest':
      return { result: zTest(referenceCounts, currentCounts), computation: 'binned' };
    case 'ks': {
      const result = ksFromBinnedCounts(referenceCounts, currentCounts);
      const bound = (result.detail as { errorBound?: number }).errorBound;
      return { result, computation: 'approximate', ...(bound !== undefined ? { errorBound: bound } : {}) };
    }
    case 'wasserstein':
      throw new Error(
        'wasserstein needs value counts, not bins: the drift job computes it from the window values',
      );
  }
}

export interface CompareInput {
  feature: Pick<FeatureDefinition, 'name' | 'kind' | 'method' | 'thresholds'>;
  settings: DriftSettings;
  /** Force insufficient_data (a segment below its minimum size). */
  tooSmall?: boolean;
}

/** What numeric columns can add for KS and Wasserstein: exact value counts, or the fine grid. */
export interface NumericDetail {
  samples?: { reference: WeightedSample; current: WeightedSample };
  fine?: {
    edges: readonly number[];
    referenceCounts: readonly number[];
    currentCounts: readonly number[];
    min: number;
    max: number;
    referenceStd: number;
  };
}

function midpoints(edges: readonly number[], min: number, max: number): number[] {
  const bounds = [min, ...edges, max];
  return bounds.slice(1).map((hi, i) => (bounds[i]! + hi) / 2);
}

/** KS or Wasserstein from exact value counts when there are some, else from the fine grid. */
function computeFromValues(
  method: 'ks' | 'wasserstein',
  detail: NumericDetail,
):
  | { result: StatResult<unknown>; computation: FeatureDrift['computation']; errorBound?: number }
  | undefined {
  if (detail.samples) {
    const { reference, current } = detail.samples;
    return {
      result: method === 'ks' ? ksTest(reference, current) : wasserstein(reference, current),
      computation: 'exact',
    };
  }
  const fine = detail.fine;
  if (!fine) return undefined;
  if (method === 'ks') {
    const result = ksFromBinnedCounts([...fine.referenceCounts], [...fine.currentCounts]);
    return { result, computation: 'approximate', errorBound: result.detail.errorBound };
  }
  const means = midpoints(fine.edges, fine.min, fine.max);
  const result = wassersteinFromBins({
    edges: fine.edges,
    min: fine.min,
    max: fine.max,
    referenceStd: fine.referenceStd,
    reference: { counts: fine.referenceCounts, means },
    current: { counts: fine.currentCounts, means },
  });
  return { result, computation: 'approximate', errorBound: result.detail.errorBound };
}

function resolveMethod(
  input: CompareInput,
  referenceSize: number,
  currentSize: number,
  categories: number,
  hasValues: boolean,
): BinnedMethod {
  const configured = input.feature.method ?? input.settings.methods[input.feature.kind];
  const method =
    configured === 'auto'
      ? chooseMethod(input.feature.kind, referenceSize, currentSize, categories)
      : configured;
  // Wasserstein needs values or the fine grid; without them, KS on the bins is the closest.
  if (method === 'wasserstein' && !hasValues) return 'ks';
  if (method === 'ztest' && categories !== 2) return 'chisquare';
  return method as BinnedMethod;
}

function finish(
  input: CompareInput,
  bins: { labels: string[]; referenceCounts: number[]; currentCounts: number[] },
  detail: NumericDetail = {},
): FeatureDrift {
  const referenceSize = bins.referenceCounts.reduce((a, b) => a + b, 0);
  const currentSize = bins.currentCounts.reduce((a, b) => a + b, 0);
  const hasValues = Boolean(detail.samples || detail.fine);
  const method = resolveMethod(input, referenceSize, currentSize, bins.labels.length, hasValues);
  const descriptor = getMethod(method);
  const thresholds =
    input.feature.thresholds ?? input.settings.thresholds[method] ?? descriptor.defaultThresholds;
  const share = (counts: number[], total: number) => counts.map((c) => (total > 0 ? c / total : 0));
  const referenceShares = share(bins.referenceCounts, referenceSize);
  const currentShares = share(bins.currentCounts, currentSize);
  const binShares: BinShare[] = bins.labels.map((label, i) => ({
    label,
    referenceShare: referenceShares[i]!,
    currentShare: currentShares[i]!,
  }));
  const base = {
    name: input.feature.name,
    kind: input.feature.kind,
    method,
    threshold: thresholds.warning,
    criticalThreshold: thresholds.critical,
    referenceSize,
    currentSize,
    bins: binShares,
  };
  if (referenceSize === 0 || currentSize === 0 || input.tooSmall) {
    return {
      ...base,
      computation: 'binned',
      statistic: null,
      pValue: null,
      noiseThreshold: null,
      level: 'insufficient_data',
      drifted: false,
      jensenShannon: null,
    };
  }
  const { result, computation, errorBound } =
    ((method === 'ks' || method === 'wasserstein') && computeFromValues(method, detail)) ||
    computeOnBins(method, bins.referenceCounts, bins.currentCounts);
  const verdict = decideDrift({
    method,
    statistic: result.statistic,
    ...(result.pValue !== undefined ? { pValue: result.pValue } : {}),
    referenceSize,
    currentSize,
    bins: bins.labels.length,
    thresholds,
    alpha: input.settings.alpha,
    sizeAware: input.settings.sizeAware,
    minSampleSize: input.settings.minSampleSize,
  });
  return {
    ...base,
    computation,
    ...(errorBound !== undefined ? { errorBound } : {}),
    statistic: result.statistic,
    pValue: result.pValue ?? null,
    ...(descriptor.kind === 'test' ? { effectSize: verdict.effectSize } : {}),
    noiseThreshold: verdict.noiseThreshold ?? null,
    level: verdict.level,
    drifted: verdict.drifted,
    jensenShannon: jensenShannon(bins.referenceCounts, bins.currentCounts).statistic,
  };
}

/**
 * Merges adjacent bins until each holds at least `minShare` of the reference values, so that no
 * bin expects only a handful of window values (a segment's values crowd into a few of the overall
 * deciles, and a near-empty bin makes PSI and its kin swing on a few rows). Returns the kept inner
 * edges and the counts on them; the bins stay unions of the original ones.
 */
export function mergeSparseBins(
  edges: readonly number[],
  referenceCounts: readonly number[],
  currentCounts: readonly number[],
  minShare: number,
): { edges: number[]; referenceCounts: number[]; currentCounts: number[] } {
  const total = referenceCounts.reduce((a, b) => a + b, 0);
  if (total === 0)
    return { edges: [...edges], referenceCounts: [...referenceCounts], currentCounts: [...currentCounts] };
  const min = minShare * total;
  const out = { edges: [] as number[], referenceCounts: [] as number[], currentCounts: [] as number[] };
  let ref = 0;
  let cur = 0;
  for (let i = 0; i < referenceCounts.length; i++) {
    ref += referenceCounts[i]!;
    cur += currentCounts[i] ?? 0;
    if (ref >= min && i < edges.length) {
      out.referenceCounts.push(ref);
      out.currentCounts.push(cur);
      out.edges.push(edges[i]!);
      ref = 0;
      cur = 0;
    }
  }
  // The last bin takes what is left; if it is too small, it joins the bin before it.
  if (ref < min && out.referenceCounts.length) {
    out.referenceCounts[out.referenceCounts.length - 1]! += ref;
    out.currentCounts[out.currentCounts.length - 1]! += cur;
    out.edges.pop();
  } else {
    out.referenceCounts.push(ref);
    out.currentCounts.push(cur);
  }
  return out;
}

/** The smallest share of a segment's reference values a bin may hold (see mergeSparseBins). */
export const SEGMENT_MIN_BIN_SHARE = 0.05;

export function compareNumeric(
  input: CompareInput,
  profile: NumericProfile,
  scan: NumericScan,
  samples?: NumericDetail['samples'],
  minBinShare?: number,
): FeatureDrift {
  const detail: NumericDetail = {};
  if (samples) detail.samples = samples;
  else if (
    profile.fineEdges &&
    profile.fineCounts &&
    scan.fineCounts &&
    profile.min !== null &&
    profile.max !== null
  ) {
    detail.fine = {
      edges: profile.fineEdges,
      referenceCounts: profile.fineCounts,
      currentCounts: scan.fineCounts,
      // A segment's own range can be narrower than the overall fine edges its counts sit on.
      min: Math.min(profile.min, scan.min ?? profile.min, profile.fineEdges[0] ?? profile.min),
      max: Math.max(profile.max, scan.max ?? profile.max, profile.fineEdges.at(-1) ?? profile.max),
      referenceStd: profile.std ?? 0,
    };
  }
  const bins = minBinShare
    ? mergeSparseBins(profile.edges, profile.binCounts, scan.binCounts, minBinShare)
    : { edges: profile.edges, referenceCounts: profile.binCounts, currentCounts: scan.binCounts };
  const drift = finish(
    input,
    {
      labels: binLabels(bins.edges),
      referenceCounts: bins.referenceCounts,
      currentCounts: bins.currentCounts,
    },
    detail,
  );
  return withMeanShift(drift, profile, scan, input.settings.alpha);
}

const LEVEL_ORDER: Record<FeatureDrift['level'], number> = {
  insufficient_data: -1,
  none: 0,
  warning: 1,
  critical: 2,
};

/**
 * Adds the mean's shift to a numeric comparison and raises the verdict when the mean has moved by
 * MEAN_SHIFT_THRESHOLDS (in reference standard deviations) with p < alpha: a slow drift moves the
 * mean long before a binned distance crosses its threshold (README: drift statistics).
 */
function withMeanShift(
  drift: FeatureDrift,
  profile: NumericProfile,
  scan: NumericScan,
  alpha: number,
): FeatureDrift {
  if (drift.level === 'insufficient_data' || profile.mean === null || profile.std === null) return drift;
  if (scan.mean === null || scan.std === null) return drift;
  const m = meanShift(
    { count: profile.valid, mean: profile.mean, std: profile.std },
    { count: scan.valid, mean: scan.mean, std: scan.std },
  );
  if (!m) return drift;
  const out: FeatureDrift = { ...drift, meanShift: { shift: m.shift, pValue: m.pValue } };
  const size = Math.abs(m.shift);
  if (m.pValue >= alpha || size < MEAN_SHIFT_THRESHOLDS.warning) return out;
  const level = size >= MEAN_SHIFT_THRESHOLDS.critical ? 'critical' : 'warning';
  if (LEVEL_ORDER[level] > LEVEL_ORDER[out.level]) out.level = level;
  out.drifted = true;
  return out;
}

export function compareCategorical(
  input: CompareInput,
  profile: CategoricalProfile,
  scan: CategoricalScan,
): FeatureDrift {
  // Past CATEGORY_LIMIT categories the tail is one "(other)" bin on both sides: exact totals,
  // a bounded result (500,000 distinct values gave a 277 MB result before).
  const aligned = capCategoricalBins(alignCategories(profile, scan));
  return finish(input, {
    labels: aligned.categories,
    referenceCounts: aligned.referenceCounts,
    currentCounts: aligned.currentCounts,
  });
}

/** Non-null reference values in categories the profile does not list (a capped profile). */
export function profileOther(profile: CategoricalProfile): number {
  let listed = 0;
  for (const count of Object.values(profile.categories)) listed += count;
  return Math.max(0, profile.rows - profile.nulls - listed);
}

/**
 * The reference's and the window's category counts on ONE partition of the values: every category
 * whose count is known on both sides (listed, or absent from a side that lists all its categories)
 * is a bin; everything else, on each side, is the one "(other)" bin. Both "(other)" bins hold the
 * complement of the same set of categories, so the totals and every test on the bins are exact.
 */
export function alignCategories(profile: CategoricalProfile, scan: CategoricalScan): CategoricalBins {
  const refOther = profileOther(profile);
  const known = (counts: Record<string, number>, other: number, value: string) =>
    value !== OTHER_CATEGORY && (value in counts || other === 0);
  const ref = new Map<string, number>();
  const cur = new Map<string, number>();
  let otherRef = refOther;
  let otherCur = scan.other;
  for (const [value, count] of Object.entries(profile.categories)) {
    if (known(scan.categories, scan.other, value)) ref.set(value, count);
    else otherRef += count;
  }
  for (const [value, count] of Object.entries(scan.categories)) {
    if (known(profile.categories, refOther, value)) cur.set(value, count);
    else otherCur += count;
  }
  const bins = categoricalBins(ref, cur);
  if (otherRef === 0 && otherCur === 0) return bins;
  return {
    categories: [...bins.categories, OTHER_CATEGORY],
    referenceCounts: [...bins.referenceCounts, otherRef],
    currentCounts: [...bins.currentCounts, otherCur],
  };
}
