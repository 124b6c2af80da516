/**
 * Regression metrics from aggregates (sums an SQL engine returns). e = prediction - target.
 *
 * MAPE: scikit-learn divides by max(|y|, eps) with eps = 2^-52, so a single zero target adds
 * |e| / 2.2e-16 and the metric explodes (the oracle case `reg_zeros_negatives`: 9.5e13).
 * driftwatch's MAPE is the mean of |e| / |y| over the rows with y != 0, and the rows with y = 0
 * are counted separately (`zeroTargets`). When no target is zero the two definitions agree;
 * scikit-learn's value can be recovered from the aggregates as
 * (absolutePercentageErrorSum + zeroTargetAbsErrorSum / eps) / n.
 *
 * Median absolute error is a quantile, not a sum: the SQL computes it (exactly in DuckDB,
 * approximately in Athena) and passes it through.
 *
 * @module
 */
import { defined, type MetricValue, NO_LABELLED_ROWS, undefinedMetric } from './metric-value.js';

/** Aggregates of one group of labelled rows with a finite target and prediction. */
export interface RegressionAggregates {
  readonly n: number;
  /** Sum of |e|. */
  readonly absErrorSum: number;
  /** Sum of e^2. */
  readonly squaredErrorSum: number;
  /** Sum of e (prediction - target). */
  readonly errorSum: number;
  /** Sum of y. */
  readonly targetSum: number;
  /** Sum of y^2. */
  readonly targetSquaresSum: number;
  /**
   * Sum of (y - mean y)^2, computed by the engine in a numerically stable way (var_pop x n).
   * When absent, R-squared uses targetSquaresSum - targetSum^2 / n (cancellation when the mean is
   * large against the spread).
   */
  readonly targetSumOfSquaredDeviations?: number | null;
  /** Max of |e|. */
  readonly maxAbsError: number | null;
  /** Sum of |e| / |y| over the rows with y != 0. */
  readonly absolutePercentageErrorSum: number;
  /** Rows with y = 0 (left out of MAPE). */
  readonly zeroTargets: number;
  /** Sum of |e| over the rows with y = 0 (to recover scikit-learn's MAPE). */
  readonly zeroTargetAbsErrorSum: number;
  /** Median of |e|, when the engine computed it. */
  readonly medianAbsError?: number | null;
  /** Whether `medianAbsError` is exact (DuckDB) or approximate (Athena's approx_percentile). */
  readonly medianAbsErrorExact?: boolean;
}

export interface RegressionMetrics {
  readonly n: number;
  readonly mae: MetricValue;
  readonly mse: MetricValue;
  readonly rmse: MetricValue;
  /** Mean of |e| / |y| over rows with y != 0, as a fraction. */
  readonly mape: MetricValue;
  /** Rows with y = 0, excluded from `mape`. */
  readonly mapeExcludedZeroTargets: number;
  readonly r2: MetricValue;
  /** Bias: mean of (prediction - target). */
  readonly meanError: MetricValue;
  readonly maxError: MetricValue;
  readonly medianAbsoluteError: MetricValue;
  /** False when the median came from an approximate quantile (Athena). */
  readonly medianAbsoluteErrorExact: boolean;
}

/** The epsilon scikit-learn's MAPE divides by at least: 2^-52. */
export const MAPE_EPSILON = 2.220446049250313e-16;

/**
 * scikit-learn's MAPE (denominator max(|y|, eps)), recovered from the aggregates; for comparison
 * only: one zero target makes it meaningless.
 * @example sklearnMape({ ...aggregates, n: 2, absolutePercentageErrorSum: 0.5, zeroTargets: 0 }) // => { value: 0.25 }
 */
export function sklearnMape(a: RegressionAggregates): MetricValue {
  if (a.n === 0) return undefinedMetric(NO_LABELLED_ROWS);
  return defined((a.absolutePercentageErrorSum + a.zeroTargetAbsErrorSum / MAPE_EPSILON) / a.n);
}

/**
 * Computes every regression metric from a group's aggregates. Nothing throws.
 * @example
 * const m = regressionMetrics(aggregates);
 * m.rmse // => { value: 3.032397462491976 }
 * m.mape // => { value: 0.0508..., } with m.mapeExcludedZeroTargets === 0
 */
export function regressionMetrics(a: RegressionAggregates): RegressionMetrics {
  const n = a.n;
  const medianExact = a.medianAbsErrorExact ?? true;
  if (n === 0) {
    const none = undefinedMetric(NO_LABELLED_ROWS);
    return {
      n,
      mae: none,
      mse: none,
      rmse: none,
      mape: none,
      mapeExcludedZeroTargets: a.zeroTargets,
      r2: none,
      meanError: none,
      maxError: none,
      medianAbsoluteError: none,
      medianAbsoluteErrorExact: medianExact,
    };
  }
  const mse = a.squaredErrorSum / n;
  const nonZero = n - a.zeroTargets;
  const ssTot =
    a.targetSumOfSquaredDeviations ?? Math.max(0, a.targetSquaresSum - (a.targetSum * a.targetSum) / n);
  return {
    n,
    mae: defined(a.absErrorSum / n),
    mse: defined(mse),
    rmse: defined(Math.sqrt(mse)),
    mape:
      nonZero === 0
        ? undefinedMetric('every target is 0: MAPE is not defined')
        : defined(a.absolutePercentageErrorSum / nonZero),
    mapeExcludedZeroTargets: a.zeroTargets,
    r2:
      ssTot === 0
        ? undefinedMetric('the target is constant in this group: R-squared is not defined')
        : defined(1 - a.squaredErrorSum / ssTot),
    meanError: defined(a.errorSum / n),
    maxError: a.maxAbsError === null ? undefinedMetric(NO_LABELLED_ROWS) : defined(a.maxAbsError),
    medianAbsoluteError:
      a.medianAbsError === undefined || a.medianAbsError === null
        ? undefinedMetric('the median absolute error was not computed by the engine')
        : defined(a.medianAbsError),
    medianAbsoluteErrorExact: medianExact,
  };
}
