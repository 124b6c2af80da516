/**
 * Shares (proportions) from aligned bin counts, and the empty-bin rule used by PSI and KL.
 *
 * @module
 */

import { StatsInputError } from './errors.js';

/**
 * Check two aligned count arrays (same non-zero length, non-negative finite counts, positive
 * totals) and return the totals.
 *
 * @throws StatsInputError when the arrays are malformed or a side is empty.
 * @example
 * ```ts
 * validateAlignedCounts([1, 2], [3, 4], 'psi') // => { referenceTotal: 3, currentTotal: 7 }
 * ```
 */
export function validateAlignedCounts(
  referenceCounts: readonly number[],
  currentCounts: readonly number[],
  method: string,
): { referenceTotal: number; currentTotal: number } {
  if (referenceCounts.length !== currentCounts.length) {
    throw new StatsInputError(
      `${method}: reference and current counts are not aligned (${referenceCounts.length} vs ${currentCounts.length} bins)`,
    );
  }
  if (referenceCounts.length === 0) throw new StatsInputError(`${method}: no bins`);
  const total = (counts: readonly number[], label: string) => {
    let s = 0;
    for (const c of counts) {
      if (!(c >= 0) || !Number.isFinite(c))
        throw new StatsInputError(`${method}: ${label} count ${c} is not a non-negative number`);
      s += c;
    }
    if (s <= 0) throw new StatsInputError(`${method}: ${label} has no observations`);
    return s;
  };
  return {
    referenceTotal: total(referenceCounts, 'reference'),
    currentTotal: total(currentCounts, 'current'),
  };
}

/**
 * Shares = counts / total of that side.
 *
 * @throws StatsInputError when a count is negative or the total is 0.
 * @example
 * ```ts
 * sharesFromCounts([1, 3]) // => [0.25, 0.75]
 * ```
 */
export function sharesFromCounts(counts: readonly number[]): number[] {
  let total = 0;
  for (const c of counts) {
    if (!(c >= 0) || !Number.isFinite(c))
      throw new StatsInputError(`sharesFromCounts: count ${c} is not a non-negative number`);
    total += c;
  }
  if (total <= 0) throw new StatsInputError('sharesFromCounts: no observations');
  return counts.map((c) => c / total);
}

/**
 * The empty-bin rule for PSI and KL (driftwatch's definition, as in Evidently): with m the
 * smallest non-zero share of this side, every zero share becomes m / 10^6 if m <= 0.0001, else
 * 0.0001. Shares are NOT renormalised afterwards.
 *
 * @returns the filled shares and the epsilon used.
 * @throws StatsInputError when every share is zero.
 * @example
 * ```ts
 * applyEmptyBinRule([0.5, 0, 0.5]) // => { shares: [0.5, 0.0001, 0.5], epsilon: 0.0001 }
 * ```
 */
export function applyEmptyBinRule(shares: readonly number[]): { shares: number[]; epsilon: number } {
  let m = Number.POSITIVE_INFINITY;
  for (const s of shares) if (s > 0 && s < m) m = s;
  if (m === Number.POSITIVE_INFINITY) throw new StatsInputError('applyEmptyBinRule: every share is zero');
  const epsilon = m <= 0.0001 ? m / 1e6 : 0.0001;
  return { shares: shares.map((s) => (s === 0 ? epsilon : s)), epsilon };
}
