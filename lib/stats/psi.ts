/**
 * Population Stability Index on aligned bin counts.
 *
 * @module
 */

import { applyEmptyBinRule, sharesFromCounts, validateAlignedCounts } from './shares.js';
import type { BinnedDetail, StatResult } from './types.js';

/** Detail of PSI: raw and filled shares, epsilons, per-bin contributions. */
export interface PsiDetail extends BinnedDetail {
  contributions: number[];
  /** Shares after the empty-bin rule. */
  referenceSharesFilled: number[];
  currentSharesFilled: number[];
  referenceEpsilon: number;
  currentEpsilon: number;
}

/**
 * Population Stability Index, PSI = sum over bins of (r - c) ln(r / c), with r and c the
 * reference and current shares after the empty-bin rule (applyEmptyBinRule, no
 * renormalisation). Reference: Yurdakul (2018), "Statistical properties of population
 * stability index"; Siddiqi (2006), Credit Risk Scorecards. Symmetric, >= 0.
 *
 * @throws StatsInputError when the counts are not aligned or a side is empty.
 * @example
 * ```ts
 * psi([50, 50], [40, 60]).statistic // => 0.04054651081081643
 * ```
 */
export function psi(
  referenceCounts: readonly number[],
  currentCounts: readonly number[],
): StatResult<PsiDetail> {
  validateAlignedCounts(referenceCounts, currentCounts, 'psi');
  const referenceShares = sharesFromCounts(referenceCounts);
  const currentShares = sharesFromCounts(currentCounts);
  const r = applyEmptyBinRule(referenceShares);
  const c = applyEmptyBinRule(currentShares);
  const contributions = r.shares.map((ri, i) => {
    const ci = c.shares[i] as number;
    return (ri - ci) * Math.log(ri / ci);
  });
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
