/**
 * Cleaning of raw feature values before any drift statistic: missing (null / undefined), NaN
 * and infinite values are dropped from each side, and the drops are counted.
 *
 * @module
 */

/** Counts of dropped values. */
export interface DroppedCounts {
  /** null or undefined. */
  missing: number;
  /** NaN. */
  nan: number;
  /** +Infinity or -Infinity. */
  infinite: number;
  /** missing + nan + infinite. */
  total: number;
}

/** The result of cleaning one side. */
export interface CleanResult<T> {
  /** The kept values, in input order. */
  values: T[];
  /** What was dropped. */
  dropped: DroppedCounts;
}

/**
 * Keep the finite numbers of a numeric column and count what was dropped (null/undefined,
 * NaN, +/-Infinity). This is driftwatch's definition (test/fixtures/oracle/README.md): missing
 * and infinite values are dropped from each side before any drift statistic.
 *
 * @throws never.
 * @example
 * ```ts
 * cleanNumeric([1, null, Number.NaN, Number.POSITIVE_INFINITY, 2])
 * // => { values: [1, 2], dropped: { missing: 1, nan: 1, infinite: 1, total: 3 } }
 * ```
 */
export function cleanNumeric(values: readonly (number | null | undefined)[]): CleanResult<number> {
  const out: number[] = [];
  let missing = 0;
  let nan = 0;
  let infinite = 0;
  for (const v of values) {
    if (v === null || v === undefined) missing++;
    else if (Number.isNaN(v)) nan++;
    else if (!Number.isFinite(v)) infinite++;
    else out.push(v);
  }
  return { values: out, dropped: { missing, nan, infinite, total: missing + nan + infinite } };
}

/**
 * Keep the non-missing values of a categorical column as strings and count what was dropped
 * (null/undefined, and NaN numbers, which pandas uses for missing categories).
 *
 * @throws never.
 * @example
 * ```ts
 * cleanCategorical(['a', null, 'b', 'a'])
 * // => { values: ['a', 'b', 'a'], dropped: { missing: 1, nan: 0, infinite: 0, total: 1 } }
 * ```
 */
export function cleanCategorical(
  values: readonly (string | number | boolean | null | undefined)[],
): CleanResult<string> {
  const out: string[] = [];
  let missing = 0;
  let nan = 0;
  for (const v of values) {
    if (v === null || v === undefined) missing++;
    else if (typeof v === 'number' && Number.isNaN(v)) nan++;
    else out.push(String(v));
  }
  return { values: out, dropped: { missing, nan, infinite: 0, total: missing + nan } };
}

/**
 * Count the occurrences of each category (for categoricalBins).
 *
 * @throws never.
 * @example
 * ```ts
 * countCategories(['a', 'b', 'a']) // => Map { 'a' => 2, 'b' => 1 }
 * ```
 */
export function countCategories(values: readonly string[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1);
  return counts;
}
