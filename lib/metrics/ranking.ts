/**
 * Ranking metrics of a score against a binary truth — ROC-AUC with its DeLong standard error, and
 * average precision — from aggregates an SQL engine can return (see lib/sql/performance-query.ts),
 * so no row is ever pulled into the process. Shared by binary classification and by each
 * one-vs-rest class of a multiclass model.
 *
 * Definitions, for P positives and N negatives scored by s:
 * - ROC-AUC, ties as mid-ranks (Mann-Whitney): AUC = (R+ - P (P + 1) / 2) / (P N), where R+ is
 *   the sum of the positives' mid-ranks among all P + N scores, ascending.
 * - DeLong et al. (1988) structural components: for each positive, V10 = (negatives scored lower
 *   + half the negatives tied) / N; for each negative, V01 = (positives scored higher + half the
 *   positives tied) / P. Var(AUC) = S10 / P + S01 / N with S10, S01 the sample variances
 *   (denominator m - 1) of V10 and V01.
 * - Average precision (scikit-learn's, no interpolation): over the distinct scores t, descending,
 *   sum of (positives scored exactly t / P) x precision(score >= t).
 *
 * @module
 */
import { defined, type MetricValue, undefinedMetric } from './metric-value.js';

/**
 * Sums of the DeLong structural components, kept in counts (not shares) so that they are exact
 * half-integers in SQL: a positive's placement is V10 x N, a negative's is V01 x P.
 */
export interface DeLongSums {
  /** Sum over positives of (negatives scored lower + 0.5 x negatives tied). Equals the Mann-Whitney U. */
  readonly positivePlacementSum: number;
  /** Sum over positives of the square of that placement. */
  readonly positivePlacementSumSquares: number;
  /** Sum over negatives of (positives scored higher + 0.5 x positives tied). Equals P N - U. */
  readonly negativePlacementSum: number;
  /** Sum over negatives of the square of that placement. */
  readonly negativePlacementSumSquares: number;
}

/** Everything the ranking metrics need about one score against one binary truth. */
export interface RankingAggregates {
  /** Rows whose truth is positive (P). */
  readonly positives: number;
  /** Rows whose truth is negative (N). */
  readonly negatives: number;
  /** Sum of the positives' mid-ranks (1-based, ascending score, ties share their mean rank) among all P + N rows. */
  readonly positiveRankSum: number;
  /**
   * Sum over the distinct scores t of (positives scored exactly t) x precision(score >= t), where
   * precision(score >= t) = positives scored >= t / rows scored >= t. Average precision is this / P.
   */
  readonly averagePrecisionSum: number;
  readonly delong: DeLongSums;
}

function oneClassReason(r: RankingAggregates): string | undefined {
  if (r.positives === 0 && r.negatives === 0) return 'no labelled rows';
  if (r.positives === 0) return 'only one class present (no positive label): ROC-AUC is not defined';
  if (r.negatives === 0) return 'only one class present (no negative label): ROC-AUC is not defined';
  return undefined;
}

/**
 * ROC-AUC from the positives' rank sum, ties as mid-ranks. Undefined when only one class is present.
 * @example
 * // scores: negatives 0.1, 0.4; positives 0.35, 0.8 -> ranks of positives 2 and 4
 * rocAuc({ positives: 2, negatives: 2, positiveRankSum: 6, averagePrecisionSum: 0, delong }) // => { value: 0.75 }
 */
export function rocAuc(r: RankingAggregates): MetricValue {
  const reason = oneClassReason(r);
  if (reason) return undefinedMetric(reason);
  const p = r.positives;
  return defined((r.positiveRankSum - (p * (p + 1)) / 2) / (p * r.negatives));
}

/**
 * DeLong variance of the ROC-AUC: var(V10) / P + var(V01) / N, sample variances.
 * Undefined with fewer than two positives or two negatives.
 * @example
 * // positives 0.35, 0.8; negatives 0.1, 0.4: V10 = [1/2, 1], V01 = [1, 1/2]
 * rocAucVariance({ positives: 2, negatives: 2, positiveRankSum: 6, averagePrecisionSum: 0,
 *   delong: { positivePlacementSum: 3, positivePlacementSumSquares: 5,
 *             negativePlacementSum: 3, negativePlacementSumSquares: 5 } }) // => { value: 0.125 }
 */
export function rocAucVariance(r: RankingAggregates): MetricValue {
  const reason = oneClassReason(r);
  if (reason) return undefinedMetric(reason);
  const p = r.positives;
  const n = r.negatives;
  if (p < 2 || n < 2) {
    return undefinedMetric('the DeLong variance needs at least two positive and two negative labels');
  }
  const d = r.delong;
  // Sample variance of the placements, then scaled from counts to shares.
  const s10 = Math.max(
    0,
    d.positivePlacementSumSquares - (d.positivePlacementSum * d.positivePlacementSum) / p,
  );
  const s01 = Math.max(
    0,
    d.negativePlacementSumSquares - (d.negativePlacementSum * d.negativePlacementSum) / n,
  );
  const var10 = s10 / (p - 1) / (n * n);
  const var01 = s01 / (n - 1) / (p * p);
  return defined(var10 / p + var01 / n);
}

/**
 * DeLong standard error of the ROC-AUC (square root of {@link rocAucVariance}).
 * @example rocAucStandardError(aggregates) // => { value: 0.3535533905932738 } for the rocAucVariance example
 */
export function rocAucStandardError(r: RankingAggregates): MetricValue {
  const v = rocAucVariance(r);
  return v.value === null ? v : defined(Math.sqrt(v.value));
}

/**
 * Average precision, scikit-learn's definition (step-wise, no interpolation).
 *
 * With no positive label it is undefined (recall has no denominator); scikit-learn 1.2.1 returns
 * -0.0 with a warning there instead. A window without positives is not a window whose ranking
 * got worse, so driftwatch reports it as undefined rather than as zero.
 * @example
 * // descending scores 0.8 (pos), 0.4 (neg), 0.35 (pos): 1 x 1/1 + 1 x 2/3
 * averagePrecision({ positives: 2, negatives: 1, positiveRankSum: 4, averagePrecisionSum: 5 / 3, delong })
 * // => { value: 0.8333333333333334 }
 */
export function averagePrecision(r: RankingAggregates): MetricValue {
  if (r.positives === 0) {
    return undefinedMetric('no positive label: average precision is not defined (recall has no denominator)');
  }
  return defined(r.averagePrecisionSum / r.positives);
}
