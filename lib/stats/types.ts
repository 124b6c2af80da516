/**
 * Result types shared by the drift statistics.
 *
 * @module
 */

/** Detail of a statistic computed on aligned bin counts: enough to explain the number. */
export interface BinnedDetail {
  /** counts / total, reference side, per bin. */
  referenceShares: number[];
  /** counts / total, current side, per bin. */
  currentShares: number[];
  /** Per-bin terms whose sum (or max) is the statistic, when the statistic is additive. */
  contributions?: number[];
}

/** A statistic, its p-value for hypothesis tests, and a detail object. */
export interface StatResult<D = BinnedDetail> {
  statistic: number;
  pValue?: number;
  detail: D;
}
