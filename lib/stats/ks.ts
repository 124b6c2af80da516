/**
 * Two-sample Kolmogorov-Smirnov test from weighted samples, and a binned approximation for
 * large windows.
 *
 * @module
 */

import { StatsInputError } from './errors.js';
import { kolmogorovSf } from './kolmogorov-distribution.js';
import { ksTwoSampleExactPValue } from './ks-exact.js';
import { validateAlignedCounts } from './shares.js';
import type { StatResult } from './types.js';
import { validateWeightedSample, type WeightedSample } from './weighted-sample.js';

/** Largest max(n1, n2) for which the exact p-value is computed (as scipy's method='auto'). */
export const KS_EXACT_MAX_SIZE = 10000;

/** Detail of the KS test. */
export interface KsDetail {
  referenceSize: number;
  currentSize: number;
  /** 'exact' (lattice paths) or 'asymptotic' (one-sample Kolmogorov distribution at n_eff). */
  pValueMethod: 'exact' | 'asymptotic';
  /** round(n1 n2 / (n1 + n2)), half to even, used by the asymptotic p-value. */
  effectiveN: number;
  /** Value at which |F_ref - F_cur| is largest (the first such value). */
  location: number;
  /** +1 when F_ref > F_cur there, -1 otherwise, 0 when D = 0. */
  sign: 1 | -1 | 0;
}

/** Round half to even (numpy's np.round). */
function roundHalfEven(x: number): number {
  const f = Math.floor(x);
  const diff = x - f;
  if (diff > 0.5) return f + 1;
  if (diff < 0.5) return f;
  return f % 2 === 0 ? f : f + 1;
}

/**
 * Two-sided p-value of the two-sample KS statistic D = threshold / (n1 n2): exact when
 * max(n1, n2) <= exactMaxSize (ksTwoSampleExactPValue), else the one-sample Kolmogorov
 * survival function at D with n = round(n1 n2 / (n1 + n2)) (kolmogorovSf), as scipy.stats.ks_2samp
 * with method='auto'.
 *
 * @param threshold the integer max |c1 n2 - c2 n1| over the pooled values (c = cumulative counts).
 * @throws StatsInputError when sizes are not positive integers.
 * @example
 * ```ts
 * ksPValue(5, 5, 15) // => 0.35714285714285715 (D = 0.6)
 * ```
 */
export function ksPValue(
  n1: number,
  n2: number,
  threshold: number,
  exactMaxSize = KS_EXACT_MAX_SIZE,
): { pValue: number; method: 'exact' | 'asymptotic'; effectiveN: number } {
  const effectiveN = Math.max(1, roundHalfEven((n1 * n2) / (n1 + n2)));
  if (Math.max(n1, n2) <= exactMaxSize) {
    return { pValue: ksTwoSampleExactPValue(n1, n2, threshold), method: 'exact', effectiveN };
  }
  return { pValue: kolmogorovSf(effectiveN, threshold / (n1 * n2)), method: 'asymptotic', effectiveN };
}

/**
 * Two-sample Kolmogorov-Smirnov test (Kolmogorov 1933; Smirnov 1939) on weighted samples
 * (sorted distinct values + counts): D = max |F_ref(x) - F_cur(x)| over the pooled values,
 * computed exactly in integers, and the two-sided p-value (see ksPValue: exact lattice-path
 * distribution for max(n1, n2) <= 10000, else the Kolmogorov distribution at the effective n).
 *
 * @throws StatsInputError when a sample is malformed or empty.
 * @example
 * ```ts
 * const r = ksTest({ values: [1, 2, 3], counts: [1, 1, 1] }, { values: [4, 5, 6], counts: [1, 1, 1] });
 * // r.statistic => 1, r.pValue => 0.1
 * ```
 */
export function ksTest(
  reference: WeightedSample,
  current: WeightedSample,
  options: { exactMaxSize?: number } = {},
): StatResult<KsDetail> {
  const n1 = validateWeightedSample(reference, 'ks reference');
  const n2 = validateWeightedSample(current, 'ks current');
  let i = 0;
  let j = 0;
  let c1 = 0;
  let c2 = 0;
  let best = 0;
  let location = Number.NaN;
  let sign: 1 | -1 | 0 = 0;
  const rv = reference.values;
  const cv = current.values;
  while (i < rv.length || j < cv.length) {
    const a = i < rv.length ? (rv[i] as number) : Number.POSITIVE_INFINITY;
    const b = j < cv.length ? (cv[j] as number) : Number.POSITIVE_INFINITY;
    const v = Math.min(a, b);
    if (a === v) c1 += reference.counts[i++] as number;
    if (b === v) c2 += current.counts[j++] as number;
    const diff = c1 * n2 - c2 * n1;
    if (Math.abs(diff) > best) {
      best = Math.abs(diff);
      location = v;
      sign = diff > 0 ? 1 : -1;
    }
  }
  const statistic = best / (n1 * n2);
  const p = ksPValue(n1, n2, best, options.exactMaxSize);
  return {
    statistic,
    pValue: p.pValue,
    detail: {
      referenceSize: n1,
      currentSize: n2,
      pValueMethod: p.method,
      effectiveN: p.effectiveN,
      location: best === 0 ? (rv[0] as number) : location,
      sign,
    },
  };
}

/** Detail of the binned KS approximation. */
export interface BinnedKsDetail {
  referenceSize: number;
  currentSize: number;
  pValueMethod: 'exact' | 'asymptotic';
  effectiveN: number;
  /** The true D over the raw values lies in [statistic, statistic + errorBound]. */
  errorBound: number;
  /** Index of the bin edge (after bin k) where the binned D is attained. */
  edgeIndex: number;
}

/**
 * KS statistic from aligned bin counts of a fine reference-quantile grid (for windows too large
 * to ship value counts): D is evaluated at the bin edges, so it is a lower bound of the D over
 * the raw values, and the true D is at most D + max over bins of the bin mass of either side
 * (within a bin each empirical CDF moves by at most that side's bin share). The p-value is
 * computed for the binned D with ksPValue, and is therefore an upper bound of the raw one.
 *
 * @throws StatsInputError when the counts are not aligned or a side is empty, or counts are
 * not integers.
 * @example
 * ```ts
 * ksFromBinnedCounts([50, 50], [40, 60]).statistic // => 0.1 (errorBound 0.6)
 * ```
 */
export function ksFromBinnedCounts(
  refCounts: readonly number[],
  curCounts: readonly number[],
  options: { exactMaxSize?: number } = {},
): StatResult<BinnedKsDetail> {
  const { referenceTotal: n1, currentTotal: n2 } = validateAlignedCounts(refCounts, curCounts, 'ks (binned)');
  for (const c of [...refCounts, ...curCounts]) {
    if (!Number.isInteger(c)) throw new StatsInputError(`ks (binned): count ${c} is not an integer`);
  }
  let c1 = 0;
  let c2 = 0;
  let best = 0;
  let edgeIndex = 0;
  let errorBound = 0;
  for (let k = 0; k < refCounts.length; k++) {
    const r = refCounts[k] as number;
    const c = curCounts[k] as number;
    c1 += r;
    c2 += c;
    errorBound = Math.max(errorBound, r / n1, c / n2);
    const diff = Math.abs(c1 * n2 - c2 * n1);
    if (diff > best) {
      best = diff;
      edgeIndex = k;
    }
  }
  const p = ksPValue(n1, n2, best, options.exactMaxSize);
  return {
    statistic: best / (n1 * n2),
    pValue: p.pValue,
    detail: {
      referenceSize: n1,
      currentSize: n2,
      pValueMethod: p.method,
      effectiveN: p.effectiveN,
      errorBound,
      edgeIndex,
    },
  };
}
