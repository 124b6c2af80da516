/**
 * Hellinger distance on aligned bin counts.
 *
 * @module
 */

import { sharesFromCounts, validateAlignedCounts } from './shares.js';
import type { StatResult } from './types.js';

/**
 * Hellinger distance H = sqrt(sum (sqrt r - sqrt c)^2) / sqrt 2 (Hellinger 1909; the definition
 * NannyML uses), in [0, 1]. Computed from the squared differences rather than as
 * sqrt(1 - sum sqrt(r c)) to avoid cancellation for small distances.
 *
 * @throws StatsInputError when the counts are not aligned or a side is empty.
 * @example
 * ```ts
 * hellinger([1, 0], [0, 1]).statistic // => 1
 * ```
 */
export function hellinger(referenceCounts: readonly number[], currentCounts: readonly number[]): StatResult {
  validateAlignedCounts(referenceCounts, currentCounts, 'hellinger');
  const referenceShares = sharesFromCounts(referenceCounts);
  const currentShares = sharesFromCounts(currentCounts);
  const contributions = referenceShares.map(
    (r, i) => (Math.sqrt(r) - Math.sqrt(currentShares[i] as number)) ** 2,
  );
  let sum = 0;
  for (const x of contributions) sum += x;
  return {
    statistic: Math.min(1, Math.sqrt(sum) / Math.SQRT2),
    detail: { referenceShares, currentShares, contributions },
  };
}
