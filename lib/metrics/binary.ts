/**
 * Binary classification metrics from aggregates (counts and sums an SQL engine returns for a
 * window, a segment value or a model version). Follows scikit-learn 1.2.1's definitions, checked
 * against its values in test/fixtures/oracle: positive label 1, prediction = score >= threshold,
 * zero_division = 0 for precision, recall and F1, log loss with probabilities clipped to
 * [eps, 1 - eps], ROC-AUC with ties as mid-ranks, average precision without interpolation.
 *
 * @module
 */
import type { RankingErrorBounds } from './grid.js';
import { defined, type MetricValue, NO_LABELLED_ROWS, undefinedMetric } from './metric-value.js';
import { averagePrecision, type RankingAggregates, rocAuc, rocAucStandardError } from './ranking.js';

/** The clipping bound of log loss: 2^-52, numpy's float64 machine epsilon (scikit-learn's `eps="auto"`). */
export const LOG_LOSS_EPSILON = 2.220446049250313e-16;
/** The default decision threshold: prediction = score >= 0.5. */
export const DEFAULT_THRESHOLD = 0.5;
/** The default number of equal-width calibration bins on [0, 1]. */
export const DEFAULT_CALIBRATION_BINS = 10;

/** One equal-width bin of the score, for the expected calibration error. */
export interface CalibrationBin {
  /** Labelled rows whose score falls in the bin. */
  readonly count: number;
  /** Sum of their scores. */
  readonly scoreSum: number;
  /** Sum of their labels (the positives among them). */
  readonly labelSum: number;
}

/**
 * Aggregates of one group of labelled predictions (label 0 or 1, finite score).
 * `positives` + `negatives` is the group's size n; the ranking fields are described in ranking.ts.
 */
export interface BinaryAggregates extends RankingAggregates {
  /** The decision threshold the confusion counts were taken at (prediction = score >= threshold). */
  readonly threshold: number;
  readonly tp: number;
  readonly fp: number;
  readonly tn: number;
  readonly fn: number;
  /**
   * Sum over rows of -(y ln p + (1 - y) ln(1 - p)), p = score clipped to [eps, 1 - eps].
   * `null` when the score is not a probability (only a 0/1 prediction was logged).
   */
  readonly logLossSum: number | null;
  /** Sum over rows of (score - y)^2; `null` when the score is not a probability. */
  readonly brierSum: number | null;
  /**
   * Equal-width bins of the score, bin k holding the scores with floor(score x B) = k (clamped to
   * [0, B - 1], so a score of exactly 1 is in the last bin); `null` when the score is not a probability.
   */
  readonly calibration: readonly CalibrationBin[] | null;
  /**
   * How the ranking fields were computed, when they came from the grid path (lib/metrics/grid.ts):
   * `exact` when every cell is one tied score, else `approximate` with the proven bounds of
   * |exact - reported| for ROC-AUC, its standard error and average precision. Absent: exact.
   */
  readonly ranking?: {
    readonly computation: 'exact' | 'approximate';
    readonly errorBounds: RankingErrorBounds;
  };
}

/** The confusion matrix at the decision threshold. */
export interface BinaryConfusion {
  readonly tp: number;
  readonly fp: number;
  readonly tn: number;
  readonly fn: number;
}

/** Every binary metric of one group. */
export interface BinaryMetrics {
  /** Labelled rows. */
  readonly n: number;
  readonly positives: number;
  readonly negatives: number;
  readonly threshold: number;
  readonly confusion: BinaryConfusion;
  readonly accuracy: MetricValue;
  readonly precision: MetricValue;
  readonly recall: MetricValue;
  readonly f1: MetricValue;
  readonly balancedAccuracy: MetricValue;
  readonly rocAuc: MetricValue;
  /** DeLong standard error of the ROC-AUC. */
  readonly rocAucStandardError: MetricValue;
  readonly averagePrecision: MetricValue;
  readonly logLoss: MetricValue;
  readonly brier: MetricValue;
  /** Expected calibration error: sum over bins of (count / n) |mean score - mean label|. */
  readonly ece: MetricValue;
}

const NOT_A_PROBABILITY = 'no probability score: only a 0/1 prediction was logged';

/**
 * The calibration bin of a score: floor(score x bins), clamped to [0, bins - 1]. The SQL builder
 * renders the same expression.
 * @example calibrationBinIndex(0.25, 10) // => 2
 */
export function calibrationBinIndex(score: number, bins = DEFAULT_CALIBRATION_BINS): number {
  return Math.min(bins - 1, Math.max(0, Math.floor(score * bins)));
}

/** A ratio with scikit-learn's zero_division = 0 convention. */
function ratioOrZero(numerator: number, denominator: number): number {
  return denominator === 0 ? 0 : numerator / denominator;
}

/**
 * Expected calibration error from equal-width bins: sum over bins of |score sum - label sum| / n,
 * which is sum of (count / n) |mean score - mean label|.
 * @example expectedCalibrationError([{ count: 2, scoreSum: 0.5, labelSum: 1 }, { count: 2, scoreSum: 1.6, labelSum: 2 }])
 * // => { value: 0.225 }
 */
export function expectedCalibrationError(bins: readonly CalibrationBin[] | null): MetricValue {
  if (bins === null) return undefinedMetric(NOT_A_PROBABILITY);
  let n = 0;
  let gap = 0;
  for (const b of bins) {
    n += b.count;
    gap += Math.abs(b.scoreSum - b.labelSum);
  }
  return n === 0 ? undefinedMetric(NO_LABELLED_ROWS) : defined(gap / n);
}

/**
 * Computes every binary metric from a group's aggregates. Nothing throws: a metric that is not
 * defined for this group (ROC-AUC with one class, anything with no labelled row) comes back as
 * `{ value: null, reason }`.
 * @example
 * const m = binaryMetrics(aggregates);
 * m.accuracy // => { value: 0.773 }
 * m.rocAuc   // => { value: 0.8197383355446328 } or { value: null, reason: 'only one class present ...' }
 */
export function binaryMetrics(a: BinaryAggregates): BinaryMetrics {
  const { tp, fp, tn, fn } = a;
  const n = a.positives + a.negatives;
  const base = {
    n,
    positives: a.positives,
    negatives: a.negatives,
    threshold: a.threshold,
    confusion: { tp, fp, tn, fn },
  };
  if (n === 0) {
    const none = undefinedMetric(NO_LABELLED_ROWS);
    return {
      ...base,
      accuracy: none,
      precision: none,
      recall: none,
      f1: none,
      balancedAccuracy: none,
      rocAuc: none,
      rocAucStandardError: none,
      averagePrecision: none,
      logLoss: none,
      brier: none,
      ece: none,
    };
  }
  // scikit-learn's balanced accuracy averages the recall of the classes present in y_true only.
  const classRecalls: number[] = [];
  if (a.positives > 0) classRecalls.push(tp / a.positives);
  if (a.negatives > 0) classRecalls.push(tn / a.negatives);
  return {
    ...base,
    accuracy: defined((tp + tn) / n),
    precision: defined(ratioOrZero(tp, tp + fp)),
    recall: defined(ratioOrZero(tp, tp + fn)),
    f1: defined(ratioOrZero(2 * tp, 2 * tp + fp + fn)),
    balancedAccuracy: defined(classRecalls.reduce((s, r) => s + r, 0) / classRecalls.length),
    rocAuc: rocAuc(a),
    rocAucStandardError: rocAucStandardError(a),
    averagePrecision: averagePrecision(a),
    logLoss: a.logLossSum === null ? undefinedMetric(NOT_A_PROBABILITY) : defined(a.logLossSum / n),
    brier: a.brierSum === null ? undefinedMetric(NOT_A_PROBABILITY) : defined(a.brierSum / n),
    ece: expectedCalibrationError(a.calibration),
  };
}
