/**
 * Jensen-Shannon distance (base 2) on aligned bin counts.
 *
 * @module
 */

import { sharesFromCounts, validateAlignedCounts } from './shares.js';
import type { BinnedDetail, StatResult } from './types.js';

/** Detail of Jensen-Shannon: shares, per-bin divergence contributions (base 2), divergence. */
export interface JensenShannonDetail extends BinnedDetail {
  contributions: number[];
  /** The divergence (square of the distance), base 2, in [0, 1]. */
  divergence: number;
}

function relEntr(p: number, m: number): number {
  return p === 0 ? 0 : p * Math.log(p / m);
}

/**
 * Jensen-Shannon distance, base 2: sqrt(JSD) with
 * JSD = (KL(r || m) + KL(c || m)) / 2 / ln 2, m = (r + c) / 2 (Lin 1991; Endres & Schindelin
 * 2003 for the metric property). No empty-bin rule (0 ln 0 = 0). Symmetric, in [0, 1].
 *
 * @throws StatsInputError when the counts are not aligned or a side is empty.
 * @example
 * ```ts
 * jensenShannon([1, 0], [0, 1]).statistic // => 1
 * ```
 */
export function jensenShannon(
  referenceCounts: readonly number[],
  currentCounts: readonly number[],
): StatResult<JensenShannonDetail> {
  validateAlignedCounts(referenceCounts, currentCounts, 'jensenshannon');
  const referenceShares = sharesFromCounts(referenceCounts);
  const currentShares = sharesFromCounts(currentCounts);
  let left = 0;
  let right = 0;
  const contributions = referenceShares.map((r, i) => {
    const c = currentShares[i] as number;
    const m = (r + c) / 2;
    const a = relEntr(r, m);
    const b = relEntr(c, m);
    left += a;
    right += b;
    return (a + b) / 2 / Math.LN2;
  });
  const divergence = Math.min(1, Math.max(0, (left + right) / Math.LN2 / 2));
  return {
    statistic: Math.sqrt(divergence),
    detail: { referenceShares, currentShares, contributions, divergence },
  };
}
