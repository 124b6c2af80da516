/**
 * Binning: reference-quantile ("decile") edges for numeric features, bin counting, and aligned
 * category counts for categorical features. Definitions: test/fixtures/oracle/README.md.
 *
 * @module
 */

import { StatsInputError } from './errors.js';

/**
 * Inner bin edges from the reference alone: the distinct values of the type-7 (linear
 * interpolation, numpy's default; Hyndman & Fan 1996, definition 7) quantiles at i / B for
 * i = 1 .. B - 1. The position h = (n - 1) i / B is computed exactly in integers:
 * lo = floor((n - 1) i / B), rem = (n - 1) i mod B, edge = x[lo] if rem = 0, else
 * x[lo] + (rem / B) (x[lo + 1] - x[lo]). Bins are (-inf, e1), [e1, e2), ..., [ek, +inf).
 *
 * @param sortedReference the cleaned reference, sorted ascending.
 * @param bins the number of quantile bins B (default 10).
 * @throws StatsInputError when the reference is empty, unsorted or not finite, or bins < 1.
 * @example
 * ```ts
 * referenceQuantileEdges([1, 2, 3, 4, 5], 4) // => [2, 3, 4]
 * ```
 */
export function referenceQuantileEdges(sortedReference: readonly number[], bins = 10): number[] {
  const n = sortedReference.length;
  if (n === 0) throw new StatsInputError('referenceQuantileEdges: the reference is empty');
  if (!Number.isInteger(bins) || bins < 1)
    throw new StatsInputError(`referenceQuantileEdges: bins must be an integer >= 1, got ${bins}`);
  for (let i = 0; i < n; i++) {
    const v = sortedReference[i] as number;
    if (!Number.isFinite(v)) throw new StatsInputError(`referenceQuantileEdges: value ${v} is not finite`);
    if (i > 0 && v < (sortedReference[i - 1] as number)) {
      throw new StatsInputError('referenceQuantileEdges: the reference must be sorted ascending');
    }
  }
  const edges: number[] = [];
  for (let i = 1; i < bins; i++) {
    // (n - 1) * i is an exact integer as long as it is below 2^53.
    const pos = (n - 1) * i;
    const lo = Math.floor(pos / bins);
    const rem = pos - lo * bins;
    const xlo = sortedReference[lo] as number;
    const edge = rem === 0 ? xlo : xlo + (rem / bins) * ((sortedReference[lo + 1] as number) - xlo);
    if (edges.length === 0 || edge !== edges[edges.length - 1]) edges.push(edge);
  }
  return edges;
}

/**
 * Index of the bin holding `value`: the number of edges <= value (binary search), so that
 * bins are (-inf, e1), [e1, e2), ..., [ek, +inf).
 *
 * @param edges inner edges, strictly increasing.
 * @throws never (NaN is placed in bin 0; clean values first).
 * @example
 * ```ts
 * binIndex(2, [1, 2, 3]) // => 2
 * ```
 */
export function binIndex(value: number, edges: readonly number[]): number {
  let lo = 0;
  let hi = edges.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((edges[mid] as number) <= value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * Count values per bin for the given inner edges (edges.length + 1 bins).
 *
 * @throws StatsInputError when edges are not strictly increasing or a value is not finite.
 * @example
 * ```ts
 * countBins([0, 1, 1.5, 2, 5], [1, 2]) // => [1, 2, 2]
 * ```
 */
export function countBins(values: readonly number[], edges: readonly number[]): number[] {
  for (let i = 1; i < edges.length; i++) {
    if (!((edges[i] as number) > (edges[i - 1] as number)))
      throw new StatsInputError('countBins: edges must be strictly increasing');
  }
  const counts = new Array<number>(edges.length + 1).fill(0);
  for (const v of values) {
    if (!Number.isFinite(v)) throw new StatsInputError(`countBins: value ${v} is not finite; clean first`);
    const k = binIndex(v, edges);
    counts[k] = (counts[k] as number) + 1;
  }
  return counts;
}

/** Aligned categorical counts. */
export interface CategoricalBins {
  /** Union of the categories of both sides, sorted by UTF-16 code units (deterministic). */
  categories: string[];
  referenceCounts: number[];
  currentCounts: number[];
}

/**
 * Aligned count arrays over the union of the categories of reference and current, one bin per
 * distinct value, categories sorted by code units (not locale) so the order is deterministic.
 *
 * @throws StatsInputError when a count is negative or not an integer.
 * @example
 * ```ts
 * categoricalBins(new Map([['b', 2], ['a', 1]]), new Map([['c', 4]]))
 * // => { categories: ['a', 'b', 'c'], referenceCounts: [1, 2, 0], currentCounts: [0, 0, 4] }
 * ```
 */
export function categoricalBins(
  refCounts: ReadonlyMap<string, number>,
  curCounts: ReadonlyMap<string, number>,
): CategoricalBins {
  const all = new Set<string>([...refCounts.keys(), ...curCounts.keys()]);
  const categories = [...all].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const pick = (m: ReadonlyMap<string, number>, label: string) =>
    categories.map((c) => {
      const v = m.get(c) ?? 0;
      if (!(v >= 0) || !Number.isInteger(v))
        throw new StatsInputError(`categoricalBins: ${label} count for "${c}" is ${v}`);
      return v;
    });
  return {
    categories,
    referenceCounts: pick(refCounts, 'reference'),
    currentCounts: pick(curCounts, 'current'),
  };
}

/**
 * Categories a categorical comparison keeps before merging the rest into one
 * {@link OTHER_CATEGORY} bin (README: limits). Bounds the result size and the time per feature.
 */
export const CATEGORY_LIMIT = 1000;

/** The label of the bin holding every category beyond {@link CATEGORY_LIMIT}. */
export const OTHER_CATEGORY = '(other)';

/**
 * Caps aligned categorical bins at `limit` categories: keeps the `limit` categories with the
 * largest share on either side (ties by label), in their sorted order, and merges every other
 * category into one {@link OTHER_CATEGORY} bin at the end, on BOTH sides with the same categories,
 * so totals stay exact and chi-square, PSI and the other tests compare one partition of the values.
 * Bins with at most `limit` categories are returned unchanged. A real category named like the
 * other bin is merged into it.
 *
 * @example
 * ```ts
 * capCategoricalBins({ categories: ['a', 'b', 'c'], referenceCounts: [5, 1, 1], currentCounts: [4, 1, 2] }, 1)
 * // => { categories: ['a', '(other)'], referenceCounts: [5, 2], currentCounts: [4, 3], merged: 2 }
 * ```
 */
export function capCategoricalBins(
  bins: CategoricalBins,
  limit = CATEGORY_LIMIT,
): CategoricalBins & { merged: number } {
  const n = bins.categories.length;
  if (n <= limit) return { ...bins, merged: 0 };
  let refTotal = 0;
  let curTotal = 0;
  for (let i = 0; i < n; i += 1) {
    refTotal += bins.referenceCounts[i]!;
    curTotal += bins.currentCounts[i]!;
  }
  const weight = (i: number) =>
    Math.max(
      refTotal > 0 ? bins.referenceCounts[i]! / refTotal : 0,
      curTotal > 0 ? bins.currentCounts[i]! / curTotal : 0,
    );
  const order = Array.from({ length: n }, (_, i) => i).filter((i) => bins.categories[i] !== OTHER_CATEGORY);
  order.sort((a, b) => weight(b) - weight(a) || a - b);
  const kept = order.slice(0, limit).sort((a, b) => a - b);
  const keptSet = new Set(kept);
  let otherRef = 0;
  let otherCur = 0;
  for (let i = 0; i < n; i += 1) {
    if (keptSet.has(i)) continue;
    otherRef += bins.referenceCounts[i]!;
    otherCur += bins.currentCounts[i]!;
  }
  return {
    categories: [...kept.map((i) => bins.categories[i]!), OTHER_CATEGORY],
    referenceCounts: [...kept.map((i) => bins.referenceCounts[i]!), otherRef],
    currentCounts: [...kept.map((i) => bins.currentCounts[i]!), otherCur],
    merged: n - kept.length,
  };
}
