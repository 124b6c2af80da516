/**
 * Chi-square test of homogeneity on the 2 x k table of aligned counts.
 *
 * @module
 */

import { chiSquareSf } from './distributions.js';
import { sharesFromCounts, validateAlignedCounts } from './shares.js';
import type { BinnedDetail, StatResult } from './types.js';

/** Detail of the chi-square test. */
export interface ChiSquareDetail extends BinnedDetail {
  /** Per-bin (O - E)^2 / E summed over both rows (0 for dropped bins). */
  contributions: number[];
  /** Degrees of freedom: (kept bins) - 1. */
  dof: number;
  /** Indexes of bins dropped because they are empty on both sides. */
  droppedBins: number[];
  /** Cramer's V = sqrt(chi2 / (N min(1, k - 1))), the effect size, in [0, 1]. */
  cramersV: number;
  /** Total N = reference total + current total. */
  total: number;
}

/**
 * Pearson's chi-square test of homogeneity on the 2 x k contingency table (reference row,
 * current row), no continuity correction (Pearson 1900; as scipy.stats.chi2_contingency with
 * correction=False). Bins empty on both sides are dropped; dof = kept bins - 1. With a single
 * kept bin the statistic is 0, the p-value 1 and dof 0. Also reports Cramer's V (Cramer 1946).
 *
 * @throws StatsInputError when the counts are not aligned or a side is empty.
 * @example
 * ```ts
 * chiSquare([50, 50], [40, 60]).pValue // => 0.1552184896846843 (statistic 2.0202020202020203)
 * ```
 */
export function chiSquare(
  referenceCounts: readonly number[],
  currentCounts: readonly number[],
): StatResult<ChiSquareDetail> {
  const { referenceTotal, currentTotal } = validateAlignedCounts(referenceCounts, currentCounts, 'chisquare');
  const referenceShares = sharesFromCounts(referenceCounts);
  const currentShares = sharesFromCounts(currentCounts);
  const total = referenceTotal + currentTotal;
  const droppedBins: number[] = [];
  let kept = 0;
  const contributions = referenceCounts.map((r, i) => {
    const c = currentCounts[i] as number;
    const col = r + c;
    if (col === 0) {
      droppedBins.push(i);
      return 0;
    }
    kept++;
    const er = (referenceTotal * col) / total;
    const ec = (currentTotal * col) / total;
    return (r - er) ** 2 / er + (c - ec) ** 2 / ec;
  });
  const dof = kept - 1;
  let statistic = 0;
  if (dof > 0) for (const x of contributions) statistic += x;
  const pValue = dof > 0 ? chiSquareSf(statistic, dof) : 1;
  const cramersV = dof > 0 ? Math.min(1, Math.sqrt(statistic / total)) : 0;
  return {
    statistic,
    pValue,
    detail: { referenceShares, currentShares, contributions, dof, droppedBins, cramersV, total },
  };
}
