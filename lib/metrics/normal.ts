/**
 * Two-sided p-values of a standard normal test statistic, for the model comparisons. The normal
 * distribution itself comes from lib/stats (accurate in the far tail).
 *
 * @module
 */
import { normalSf } from '../stats/distributions.js';

/**
 * Two-sided p-value of a z statistic: P(|Z| >= |z|) = 2 (1 - Phi(|z|)).
 * @example twoSidedPValue(1.959963984540054) // => 0.05 (to 1e-15)
 */
export function twoSidedPValue(z: number): number {
  if (Number.isNaN(z)) throw new Error('twoSidedPValue: z is NaN');
  return Math.min(1, 2 * normalSf(Math.abs(z)));
}
