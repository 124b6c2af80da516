/**
 * Thresholds: from a value (and its reference or history) to a level. Static levels compare the
 * value itself; relative levels compare its distance from the reference in the bad direction
 * ("ROC-AUC 0.05 below reference"); dynamic levels are learned from the value's own history
 * (mean +/- k standard deviations over the last windows, armed only once enough history exists).
 */

import { LOWER_IS_BETTER } from '../metrics/direction.js';
import type { Threshold } from './settings.js';
import type { Level } from './types.js';

/** Relative levels stay at least this many window-to-window standard deviations from the baseline. */
export const NOISE_K = { warning: 3, critical: 5 } as const;

/** The direction in which a performance metric goes bad. */
export function badDirectionOfMetric(metric: string): 'above' | 'below' {
  return LOWER_IS_BETTER.has(metric) ? 'above' : 'below';
}

export interface LevelResult {
  level: Level;
  /** Thresholds on the value's own scale (for messages). */
  warning?: number;
  critical?: number;
  /** The reference value or the history mean. */
  baseline?: number;
  /** False when a dynamic threshold has too little history, or a relative one has no reference. */
  armed: boolean;
}

export interface LevelInput {
  value: number;
  direction: 'above' | 'below';
  threshold: Exclude<Threshold, { type: 'verdict' }>;
  /** The reference value, for relative thresholds. */
  reference?: number | null;
  /** Relative levels as ratios of the reference (10% worse) instead of points (0.05 below). */
  ratio?: boolean;
  /**
   * The value's window-to-window standard deviation, when known: a relative level is never closer
   * to the reference than NOISE_K times it (so a noisy metric does not page on its own noise).
   */
  noise?: number;
  /** Earlier values of the same measure, oldest first (for dynamic thresholds). */
  history?: readonly number[];
}

function compare(value: number, direction: 'above' | 'below', warning: number, critical: number): Level {
  const worse = (limit: number) => (direction === 'above' ? value >= limit : value <= limit);
  return worse(critical) ? 'critical' : worse(warning) ? 'warning' : 'none';
}

/** Mean and sample standard deviation. */
export function meanAndStd(values: readonly number[]): { mean: number; std: number } {
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  const variance =
    values.length > 1 ? values.reduce((a, b) => a + (b - mean) ** 2, 0) / (values.length - 1) : 0;
  return { mean, std: Math.sqrt(variance) };
}

/**
 * The level of a value under a threshold.
 * @example
 * levelOf({ value: 0.74, direction: 'below', threshold: { type: 'relative', warning: 0.05, critical: 0.1 }, reference: 0.82 })
 * // => { level: 'warning', warning: 0.77, critical: 0.72, baseline: 0.82, armed: true }
 * levelOf({ value: 47, direction: 'above', threshold: { type: 'relative', warning: 0.1, critical: 0.25 }, reference: 40, ratio: true })
 * // => { level: 'warning', warning: 44, critical: 50, baseline: 40, armed: true }
 */
export function levelOf(input: LevelInput): LevelResult {
  const { value, direction, threshold } = input;
  const sign = direction === 'above' ? 1 : -1;
  switch (threshold.type) {
    case 'static':
      return {
        level: compare(value, direction, threshold.warning, threshold.critical),
        warning: threshold.warning,
        critical: threshold.critical,
        armed: true,
      };
    case 'relative': {
      const reference = input.reference;
      if (reference === undefined || reference === null || !Number.isFinite(reference))
        return { level: 'none', armed: false };
      // A ratio needs a positive reference (an error of 0 has no "10% worse").
      if (input.ratio && !(reference > 0)) return { level: 'none', armed: false };
      const step = (amount: number) => (input.ratio ? reference * amount : amount);
      const noise = input.noise !== undefined && Number.isFinite(input.noise) ? input.noise : 0;
      const warning = reference + sign * Math.max(step(threshold.warning), NOISE_K.warning * noise);
      const critical = reference + sign * Math.max(step(threshold.critical), NOISE_K.critical * noise);
      return {
        level: compare(value, direction, warning, critical),
        warning,
        critical,
        baseline: reference,
        armed: true,
      };
    }
    case 'dynamic': {
      const history = (input.history ?? []).filter(Number.isFinite).slice(-threshold.windows);
      if (history.length < threshold.minHistory) return { level: 'none', armed: false };
      const { mean, std } = meanAndStd(history);
      // minDelta is the floor of the warning spread; the critical floor scales with criticalK / warningK.
      const spread = (k: number) => Math.max(k * std, (threshold.minDelta * k) / threshold.warningK);
      const warning = mean + sign * spread(threshold.warningK);
      const critical = mean + sign * spread(threshold.criticalK);
      // With a flat history (std 0, minDelta 0) only a strict change fires.
      const level =
        spread(threshold.warningK) === 0
          ? value === mean
            ? 'none'
            : sign * (value - mean) > 0
              ? 'critical'
              : 'none'
          : compare(value, direction, warning, critical);
      return { level, warning, critical, baseline: mean, armed: true };
    }
  }
}
