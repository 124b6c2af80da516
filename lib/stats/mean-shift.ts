/**
 * The shift of a numeric feature's mean, in standard deviations of the reference (Glass's delta),
 * with a two-sided Welch z-test on the difference of the means. Distances on bins (PSI and kin)
 * grow with the square of a location shift, so a slow drift stays under their thresholds long
 * after the mean has moved by a quarter of a standard deviation; this catches it from the moments
 * the drift scan already returns.
 *
 * @module
 */

import { normalSf } from './distributions.js';

/** Moments of one side: count of finite values, mean, population standard deviation. */
export interface Moments {
  count: number;
  mean: number;
  std: number;
}

export interface MeanShift {
  /** (current mean - reference mean) / reference std. */
  shift: number;
  /** Welch's z on the means. */
  z: number;
  /** Two-sided p-value of z (normal approximation, fine for the window sizes the scan sees). */
  pValue: number;
}

/** The mean shift, or undefined when either side is too small or the reference has no spread. */
export function meanShift(reference: Moments, current: Moments): MeanShift | undefined {
  if (reference.count < 2 || current.count < 2 || !(reference.std > 0)) return undefined;
  const se = Math.sqrt(reference.std ** 2 / reference.count + current.std ** 2 / current.count);
  const diff = current.mean - reference.mean;
  const z = se > 0 ? diff / se : 0;
  return { shift: diff / reference.std, z, pValue: Math.min(1, 2 * normalSf(Math.abs(z))) };
}

/** Mean shifts (in reference standard deviations) that are drift: a quarter is a warning, half critical. */
export const MEAN_SHIFT_THRESHOLDS = { warning: 0.25, critical: 0.5 } as const;
