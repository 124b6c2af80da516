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
