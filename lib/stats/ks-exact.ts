/**
 * Exact null distribution of the two-sample Kolmogorov-Smirnov statistic.
 *
 * @module
 */

import { StatsInputError } from './errors.js';

/**
 * Exact two-sided p-value P(D >= d) of the two-sample KS statistic under H0 for sample sizes
 * n1, n2, with d = threshold / (n1 n2) given as the integer `threshold` = n1 n2 d (exact).
 *
 * Lattice-path counting (Hodges 1958, "The significance probability of the Smirnov two-sample
 * test"): under H0 every ordering of the pooled sample is equally likely, i.e. a uniformly random
 * monotone path from (0, 0) to (n1, n2). The path is a Markov chain (from (i, j) it steps to
 * (i + 1, j) with probability (n1 - i) / (n1 - i + n2 - j)); we propagate the probability mass of
 * paths that have stayed strictly inside the band |i n2 - j n1| < threshold, and add to the
 * p-value the mass of every step that leaves the band. All terms are non-negative, so tiny
 * p-values keep their relative accuracy (the idea of Viehmann 2021, "Numerically more stable
 * computation of the p-values for the two-sample Kolmogorov-Smirnov test", arXiv:2102.08037,
 * of computing 1 - P(inside) directly). Cost O(band width x n1), at most n1 n2.
 *
 * @throws StatsInputError when n1 or n2 is not a positive integer or threshold < 0.
 * @example
 * ```ts
 * ksTwoSampleExactPValue(5, 7, 10) // => 0.9090909090909091 (D = 10/35 = 2/7)
 * ```
 */
export function ksTwoSampleExactPValue(n1: number, n2: number, threshold: number): number {
  for (const [k, v] of [
    ['n1', n1],
    ['n2', n2],
  ] as const) {
    if (!Number.isInteger(v) || v < 1)
      throw new StatsInputError(`ksTwoSampleExactPValue: ${k} must be a positive integer, got ${v}`);
  }
  if (!(threshold >= 0))
    throw new StatsInputError(`ksTwoSampleExactPValue: threshold must be >= 0, got ${threshold}`);
  if (threshold <= 0) return 1;
  // Inside row i: jlo(i) <= j <= jhi(i) with |i n2 - j n1| < threshold.
  const jlo = (i: number) => Math.max(0, Math.floor((i * n2 - threshold) / n1) + 1);
  const jhi = (i: number) => Math.min(n2, Math.ceil((i * n2 + threshold) / n1) - 1);
  const inside = (i: number, j: number) => Math.abs(i * n2 - j * n1) < threshold;
  let exit = 0;
  let prevLo = 0;
  let prev = new Float64Array(0);
  for (let i = 0; i <= n1; i++) {
    const lo = jlo(i);
    const hi = jhi(i);
    const width = Math.max(0, hi - lo + 1);
    const cur = new Float64Array(width);
    if (i === 0) {
      if (width > 0 && lo === 0) cur[0] = 1;
    } else {
      // Steps (i - 1, j) -> (i, j).
      for (let t = 0; t < prev.length; t++) {
        const mass = prev[t] as number;
        if (mass === 0) continue;
        const j = prevLo + t;
        const pr = (n1 - (i - 1)) / (n1 - (i - 1) + n2 - j);
        const moved = mass * pr;
        if (j >= lo && j <= hi) cur[j - lo] = (cur[j - lo] as number) + moved;
        else exit += moved;
      }
    }
    // Steps (i, j) -> (i, j + 1), in increasing j.
    for (let t = 0; t < width; t++) {
      const mass = cur[t] as number;
      const j = lo + t;
      if (mass === 0 || j === n2) continue;
      const pu = (n2 - j) / (n1 - i + n2 - j);
      const moved = mass * pu;
      if (t + 1 < width && inside(i, j + 1)) cur[t + 1] = (cur[t + 1] as number) + moved;
      else exit += moved;
    }
    prev = cur;
    prevLo = lo;
  }
  return Math.min(1, Math.max(0, exit));
}
