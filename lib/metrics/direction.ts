/** Which way is better for each metric: one list for the jobs, the alert policy and the report. */

/** Metrics where a smaller value is better (errors and losses); every other metric is higher-is-better. */
export const LOWER_IS_BETTER: ReadonlySet<string> = new Set([
  'logLoss',
  'brier',
  'ece',
  'mae',
  'mse',
  'rmse',
  'mape',
  'maxError',
  'medianAbsoluteError',
]);

/**
 * Metrics on an open scale (errors in the target's units, or unbounded losses): a change in them
 * is judged as a ratio to the baseline ("rmse 10% worse"), since the same absolute amount means
 * nothing across targets (0.05 of a house price in dollars). Bounded scores (ROC-AUC, accuracy,
 * F1, R-squared, Brier, ECE) keep absolute points. `meanError` (the signed bias, near 0 when
 * healthy) is neither: a ratio to a baseline near 0 is meaningless, so it keeps the metric's units.
 */
export const RATIO_SCALED: ReadonlySet<string> = new Set([
  'mae',
  'mse',
  'rmse',
  'mape',
  'maxError',
  'medianAbsoluteError',
  'logLoss',
]);

/** True when a metric's changes are judged as ratios to its baseline (see RATIO_SCALED). */
export function isRatioScaled(metric: string): boolean {
  return RATIO_SCALED.has(metric);
}
