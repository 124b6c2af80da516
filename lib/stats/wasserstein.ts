/**
 * Normed Wasserstein-1 distance from weighted samples, and a binned approximation.
 *
 * @module
 */

import { StatsInputError } from './errors.js';
import type { StatResult } from './types.js';
import { validateWeightedSample, type WeightedSample } from './weighted-sample.js';

/** The floor of the scale: W1 is divided by max(population std of the reference, 0.001). */
export const WASSERSTEIN_MIN_SCALE = 0.001;

/** Detail of the Wasserstein distance. */
export interface WassersteinDetail {
  /** W1 in the units of the feature. */
  distance: number;
  /** Population standard deviation (ddof = 0) of the reference. */
  referenceStd: number;
  /** The divisor: max(referenceStd, 0.001). */
  scale: number;
}

/**
 * W1 between two discrete distributions given by sorted atoms with non-negative counts and the
 * count totals: the integral of |F_a - F_b|, with |c_a / n_a - c_b / n_b| formed from the
 * cumulative counts as |c_a n_b - c_b n_a| / (n_a n_b) (exact for integer counts below 2^53)
 * and a compensated (Neumaier) sum.
 */
function w1Sorted(
  av: readonly number[],
  ac: readonly number[],
  an: number,
  bv: readonly number[],
  bc: readonly number[],
  bn: number,
): number {
  let i = 0;
  let j = 0;
  let ca = 0;
  let cb = 0;
  let prev = Number.NaN;
  let sum = 0;
  let comp = 0;
  const denom = an * bn;
  while (i < av.length || j < bv.length) {
    const a = i < av.length ? (av[i] as number) : Number.POSITIVE_INFINITY;
    const b = j < bv.length ? (bv[j] as number) : Number.POSITIVE_INFINITY;
    const v = Math.min(a, b);
    if (!Number.isNaN(prev)) {
      const term = (Math.abs(ca * bn - cb * an) / denom) * (v - prev);
      const t = sum + term;
      comp += Math.abs(sum) >= Math.abs(term) ? sum - t + term : term - t + sum;
      sum = t;
    }
    while (i < av.length && av[i] === v) ca += ac[i++] as number;
    while (j < bv.length && bv[j] === v) cb += bc[j++] as number;
    prev = v;
  }
  return sum + comp;
}

/**
 * Population standard deviation (ddof = 0) of a weighted sample, two-pass.
 *
 * @throws StatsInputError when the sample is malformed or empty.
 * @example
 * ```ts
 * weightedStd({ values: [1, 3], counts: [1, 1] }) // => 1
 * ```
 */
export function weightedStd(sample: WeightedSample): number {
  const n = validateWeightedSample(sample, 'weightedStd');
  let mean = 0;
  sample.values.forEach((v, i) => {
    mean += v * (sample.counts[i] as number);
  });
  mean /= n;
  let ss = 0;
  sample.values.forEach((v, i) => {
    ss += (sample.counts[i] as number) * (v - mean) ** 2;
  });
  return Math.sqrt(ss / n);
}

/**
 * Normed Wasserstein-1 (earth mover's) distance, W1(reference, current) / max(population std of
 * the reference, 0.001), from weighted samples. W1 = integral of |F_ref - F_cur| (Vallender
 * 1974; the normalisation is Evidently's "wasserstein" drift method).
 *
 * @throws StatsInputError when a sample is malformed or empty.
 * @example
 * ```ts
 * wasserstein({ values: [0, 2], counts: [1, 1] }, { values: [1, 3], counts: [1, 1] }).statistic // => 1
 * ```
 */
export function wasserstein(
  reference: WeightedSample,
  current: WeightedSample,
): StatResult<WassersteinDetail> {
  const n1 = validateWeightedSample(reference, 'wasserstein reference');
  const n2 = validateWeightedSample(current, 'wasserstein current');
  const distance = w1Sorted(reference.values, reference.counts, n1, current.values, current.counts, n2);
  const referenceStd = weightedStd(reference);
  const scale = Math.max(referenceStd, WASSERSTEIN_MIN_SCALE);
  return { statistic: distance / scale, detail: { distance, referenceStd, scale } };
}

/** Per-side input of the binned Wasserstein approximation. */
export interface BinnedSide {
  /** Counts per bin (edges.length + 1 bins). */
  counts: readonly number[];
  /** Mean of the values in each bin (ignored where the count is 0). */
  means: readonly number[];
}

/** Input of wassersteinFromBins. */
export interface BinnedWassersteinInput {
  /** Inner edges of the (fine) reference-quantile grid, strictly increasing. */
  edges: readonly number[];
  /** Smallest and largest value over both sides (bound the two outer bins). */
  min: number;
  max: number;
  reference: BinnedSide;
  current: BinnedSide;
  /** Population std of the reference (e.g. from SQL sums of squares). */
  referenceStd: number;
}

/** Detail of the binned Wasserstein approximation. */
export interface BinnedWassersteinDetail extends WassersteinDetail {
  /** |true normed W1 - statistic| <= errorBound. */
  errorBound: number;
}

/**
 * Binned approximation of the normed W1 for large windows: each side's mass in a bin is placed
 * at that side's bin mean, and W1 of the two discrete distributions is computed exactly.
 * Moving a bin's points to their mean costs at most half the bin width per unit mass (the mean
 * absolute deviation of a distribution on [a, b] is at most (b - a) / 2), so by the triangle
 * inequality |W1 - W1_binned| <= sum over bins of (r_k + c_k) (b_k - a_k) / 2, returned (normed)
 * as errorBound. Outer bins are bounded by min and max.
 *
 * @throws StatsInputError when arrays are misaligned, a side is empty, edges are not increasing
 * or not within [min, max], or a bin mean lies outside its bin.
 * @example
 * ```ts
 * wassersteinFromBins({ edges: [1], min: 0, max: 2, referenceStd: 1,
 *   reference: { counts: [1, 1], means: [0.5, 1.5] }, current: { counts: [0, 2], means: [0, 1.5] } }).statistic
 * // => 0.5 (errorBound 1)
 * ```
 */
export function wassersteinFromBins(input: BinnedWassersteinInput): StatResult<BinnedWassersteinDetail> {
  const { edges, min, max, reference, current, referenceStd } = input;
  const k = edges.length + 1;
  if (!(Number.isFinite(min) && Number.isFinite(max) && min <= max))
    throw new StatsInputError('wassersteinFromBins: min/max invalid');
  if (!(referenceStd >= 0)) throw new StatsInputError('wassersteinFromBins: referenceStd must be >= 0');
  const bounds: number[] = [min, ...edges, max];
  for (let i = 1; i < bounds.length; i++) {
    if ((bounds[i] as number) < (bounds[i - 1] as number))
      throw new StatsInputError('wassersteinFromBins: edges must increase within [min, max]');
  }
  const prep = (side: BinnedSide, label: string) => {
    if (side.counts.length !== k || side.means.length !== k) {
      throw new StatsInputError(`wassersteinFromBins: ${label} needs ${k} counts and means`);
    }
    let total = 0;
    for (const c of side.counts) {
      if (!(c >= 0)) throw new StatsInputError(`wassersteinFromBins: ${label} count ${c} is negative`);
      total += c;
    }
    if (total <= 0) throw new StatsInputError(`wassersteinFromBins: ${label} has no observations`);
    const values: number[] = [];
    const weights: number[] = [];
    const shares: number[] = [];
    side.counts.forEach((c, i) => {
      shares.push(c / total);
      if (c === 0) return;
      const m = side.means[i] as number;
      const lo = bounds[i] as number;
      const hi = bounds[i + 1] as number;
      const tol = 1e-9 * Math.max(1, Math.abs(lo), Math.abs(hi));
      if (!(m >= lo - tol && m <= hi + tol))
        throw new StatsInputError(`wassersteinFromBins: ${label} mean ${m} outside bin ${i}`);
      const mm = Math.min(hi, Math.max(lo, m));
      if (values.length > 0 && values[values.length - 1] === mm)
        weights[weights.length - 1] = (weights[weights.length - 1] as number) + c;
      else {
        values.push(mm);
        weights.push(c);
      }
    });
    return { values, weights, shares, total };
  };
  const r = prep(reference, 'reference');
  const c = prep(current, 'current');
  const distance = w1Sorted(r.values, r.weights, r.total, c.values, c.weights, c.total);
  let bound = 0;
  for (let i = 0; i < k; i++) {
    bound +=
      (((r.shares[i] as number) + (c.shares[i] as number)) *
        ((bounds[i + 1] as number) - (bounds[i] as number))) /
      2;
  }
  const scale = Math.max(referenceStd, WASSERSTEIN_MIN_SCALE);
  return {
    statistic: distance / scale,
    detail: { distance, referenceStd, scale, errorBound: bound / scale },
  };
}
