/**
 * Kullback-Leibler divergence KL(reference || current) on aligned bin counts.
 *
 * @module
 */

import { applyEmptyBinRule, sharesFromCounts, validateAlignedCounts } from './shares.js';
import type { BinnedDetail, StatResult } from './types.js';

/** Detail of KL: raw and filled shares, epsilons, per-bin contributions. */
export interface KlDetail extends BinnedDetail {
  contributions: number[];
  referenceSharesFilled: number[];
  currentSharesFilled: number[];
  referenceEpsilon: number;
  currentEpsilon: number;
}

/**
 * Kullback-Leibler divergence KL(reference || current) = sum of r ln(r / c), natural log,
 * with r and c the shares after the empty-bin rule and no renormalisation (driftwatch's
 * definition; Kullback & Leibler 1951). Not symmetric; >= 0 up to the small mass added by the
 * empty-bin rule.
 *
 * @throws StatsInputError when the counts are not aligned or a side is empty.
 * @example
 * ```ts
 * kl([50, 50], [40, 60]).statistic // => 0.020410997260127586
 * ```
 */
export function kl(
  referenceCounts: readonly number[],
  currentCounts: readonly number[],
): StatResult<KlDetail> {
  validateAlignedCounts(referenceCounts, currentCounts, 'kl');
  const referenceShares = sharesFromCounts(referenceCounts);
  const currentShares = sharesFromCounts(currentCounts);
  const r = applyEmptyBinRule(referenceShares);
  const c = applyEmptyBinRule(currentShares);
  const contributions = r.shares.map((ri, i) => ri * Math.log(ri / (c.shares[i] as number)));
  let statistic = 0;
  for (const x of contributions) statistic += x;
  return {
    statistic,
    detail: {
      referenceShares,
      currentShares,
      contributions,
      referenceSharesFilled: r.shares,
      currentSharesFilled: c.shares,
      referenceEpsilon: r.epsilon,
      currentEpsilon: c.epsilon,
    },
  };
}
