/**
 * Pooled two-proportion z-test on two aligned categories.
 *
 * @module
 */

import { normalSf } from './distributions.js';
import { StatsInputError } from './errors.js';
import { sharesFromCounts, validateAlignedCounts } from './shares.js';
import type { BinnedDetail, StatResult } from './types.js';

/** Detail of the z-test. */
export interface ZTestDetail extends BinnedDetail {
  /** Share of bin 1 (the "success" category) in the reference and in the current window. */
  referenceProportion: number;
  currentProportion: number;
  pooledProportion: number;
  standardError: number;
  /** Effect size phi = |z| / sqrt(N) (equal to Cramer's V of the 2 x 2 table). */
  phi: number;
}

/**
 * Two-sided pooled two-proportion z-test (e.g. Agresti, Categorical Data Analysis, 3rd ed.,
 * 2013, sec. 3.1; Evidently's z-test): with p1, p2 the shares of bin 1 (the second category in
 * categoricalBins' sorted order) in reference and current and P the pooled share,
 * z = (p1 - p2) / sqrt(P (1 - P) (1/n1 + 1/n2)), p-value = 2 (1 - Phi(|z|)). When both sides
 * hold a single and the same category (P = 0 or 1) there is no evidence of a difference:
 * statistic 0, p-value 1.
 *
 * @throws StatsInputError when there are not exactly two bins, or a side is empty.
 * @example
 * ```ts
 * zTest([50, 50], [40, 60]).statistic // => -1.4213381090374024
 * ```
 */
export function zTest(
  referenceCounts: readonly number[],
  currentCounts: readonly number[],
): StatResult<ZTestDetail> {
  if (referenceCounts.length !== 2 || currentCounts.length !== 2) {
    throw new StatsInputError(
      `ztest: the two-proportion z-test needs exactly two categories, got ${Math.max(referenceCounts.length, currentCounts.length)}`,
    );
  }
  const { referenceTotal: n1, currentTotal: n2 } = validateAlignedCounts(
    referenceCounts,
    currentCounts,
    'ztest',
  );
  const referenceShares = sharesFromCounts(referenceCounts);
  const currentShares = sharesFromCounts(currentCounts);
  const x1 = referenceCounts[1] as number;
  const x2 = currentCounts[1] as number;
  const p1 = x1 / n1;
  const p2 = x2 / n2;
  const pooled = (x1 + x2) / (n1 + n2);
  const standardError = Math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2));
  const statistic = standardError > 0 ? (p1 - p2) / standardError : 0;
  const pValue = standardError > 0 ? Math.min(1, 2 * normalSf(Math.abs(statistic))) : 1;
  return {
    statistic,
    pValue,
    detail: {
      referenceShares,
      currentShares,
      referenceProportion: p1,
      currentProportion: p2,
      pooledProportion: pooled,
      standardError,
      phi: Math.abs(statistic) / Math.sqrt(n1 + n2),
    },
  };
}
