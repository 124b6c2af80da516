/**
 * The value of one performance metric: a number, or "undefined" with the reason (ROC-AUC when a
 * window holds one class only, anything when no row has a label yet). An undefined metric never
 * stops the others from being computed, and is never replaced by an invented number.
 *
 * @module
 */

/** A defined metric value, or an undefined one with a reason a person can read. */
export type MetricValue = { readonly value: number } | { readonly value: null; readonly reason: string };

/**
 * A defined metric value.
 * @example defined(0.5) // => { value: 0.5 }
 */
export function defined(value: number): MetricValue {
  return { value };
}

/**
 * An undefined metric value with its reason.
 * @example undefinedMetric('only one class present') // => { value: null, reason: 'only one class present' }
 */
export function undefinedMetric(reason: string): MetricValue {
  return { value: null, reason };
}

/**
 * Applies `fn` to a defined value and passes an undefined one through unchanged.
 * @example mapMetric(defined(4), Math.sqrt) // => { value: 2 }
 */
export function mapMetric(metric: MetricValue, fn: (value: number) => number): MetricValue {
  return metric.value === null ? metric : defined(fn(metric.value));
}

/** The reason used for every metric of a group with no labelled row. */
export const NO_LABELLED_ROWS = 'no labelled rows: no prediction in this group has a label yet';
