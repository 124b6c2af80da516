/**
 * L-infinity distance on aligned bin counts.
 *
 * @module
 */

import { sharesFromCounts, validateAlignedCounts } from './shares.js';
import type { BinnedDetail, StatResult } from './types.js';

/** Detail of L-infinity: shares, per-bin absolute differences, the index of the max. */
export interface LinfDetail extends BinnedDetail {
  contributions: number[];
  /** Index of the bin with the largest absolute difference. */
  argmax: number;
}

/**
 * L-infinity distance: the maximum absolute difference of shares over bins (the Chebyshev
 * distance between the two share vectors; NannyML's categorical L-infinity), in [0, 1].
 *
 * @throws StatsInputError when the counts are not aligned or a side is empty.
 * @example
 * ```ts
 * linf([50, 50], [40, 60]).statistic // => 0.09999999999999998
 * ```
 */
export function linf(
  referenceCounts: readonly number[],
  currentCounts: readonly number[],
): StatResult<LinfDetail> {
  validateAlignedCounts(referenceCounts, currentCounts, 'linf');
  const referenceShares = sharesFromCounts(referenceCounts);
  const currentShares = sharesFromCounts(currentCounts);
  const contributions = referenceShares.map((r, i) => Math.abs(r - (currentShares[i] as number)));
  let statistic = 0;
  let argmax = 0;
  contributions.forEach((d, i) => {
    if (d > statistic) {
      statistic = d;
      argmax = i;
    }
  });
  return { statistic, detail: { referenceShares, currentShares, contributions, argmax } };
}
