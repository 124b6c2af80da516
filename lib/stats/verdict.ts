/**
 * The drift verdict: from a statistic (and p-value for tests), sample sizes and thresholds to a
 * level and a drifted flag, with a size-aware guard against sampling noise.
 *
 * @module
 */

import { StatsInputError } from './errors.js';
import { noiseThreshold as nullQuantile } from './noise-threshold.js';
import { type DriftThresholds, getMethod } from './registry.js';

/** Verdict levels. */
export type DriftLevel = 'none' | 'warning' | 'critical' | 'insufficient_data';

/** Input of decideDrift. */
export interface DecideDriftInput {
  /** A registry method name (getMethod). */
  method: string;
  /** The statistic (for ztest: z; for chisquare: chi2; for ks: D). */
  statistic: number;
  /** The p-value, required for tests. */
  pValue?: number;
  referenceSize: number;
  currentSize: number;
  /** Number of bins or categories (required for binned methods when sizeAware, and for chisquare). */
  bins?: number;
  /** Thresholds; default: the method's defaultThresholds. For tests they apply to the effect size. */
  thresholds?: DriftThresholds;
  /** Significance level for tests, and level of the noise quantile for distances. Default 0.01. */
  alpha?: number;
  /** Guard against sampling noise (distances) / negligible effects (tests). Default true. */
  sizeAware?: boolean;
  /** Fewer rows than this on either side gives 'insufficient_data'. Default 30. */
  minSampleSize?: number;
}

/** The verdict. */
export interface DriftVerdict {
  level: DriftLevel;
  drifted: boolean;
  /**
   * The threshold the compared value had to reach: for distances, on the statistic (warning, or
   * max(warning, noise) when size-aware); for tests, on the effect size.
   */
  effectiveThreshold: number;
  /** The (1 - alpha) null quantile at these sizes (tests: the effect size that turns significant). */
  noiseThreshold?: number;
  /** The compared value: the statistic for distances, the effect size for tests. */
  effectSize: number;
  /** One sentence explaining the verdict. */
  reason: string;
}

/** Effect size of a test result: KS D, chi-square Cramer's V, z-test phi. */
function testEffectSize(
  method: string,
  statistic: number,
  n: number,
  m: number,
  bins: number | undefined,
): number {
  switch (method) {
    case 'ks':
      return statistic;
    case 'chisquare': {
      if (bins !== undefined && bins < 2) return 0;
      return Math.sqrt(Math.max(0, statistic) / (n + m));
    }
    case 'ztest':
      return Math.abs(statistic) / Math.sqrt(n + m);
    default:
      return statistic;
  }
}

/**
 * Decide whether a feature drifted.
 *
 * - Either side below minSampleSize: 'insufficient_data', never drifted.
 * - Distances (psi, kl, jensenshannon, wasserstein, hellinger, linf): drifted iff
 *   statistic >= warning AND (sizeAware ? statistic > noise quantile : true), where the noise
 *   quantile is the (1 - alpha) quantile of the statistic under no drift at these sizes
 *   (noise-threshold.ts). Level 'critical' when drifted and statistic >= critical.
 * - Tests (ks, chisquare, ztest): drifted iff pValue < alpha AND (sizeAware ? effect >= warning :
 *   true), with the effect size KS D, Cramer's V = sqrt(chi2 / N) (2 x k table), or
 *   phi = |z| / sqrt(N) (2 x 2). The effect gate is the size-aware choice for tests: at large N
 *   every test rejects for negligible differences, so significance alone is not drift. Level
 *   'critical' when drifted and effect >= critical.
 *
 * @throws UnknownDriftMethodError for an unknown method; StatsInputError when a test has no
 * p-value, the statistic is NaN, or bins are missing where needed.
 * @example
 * ```ts
 * decideDrift({ method: 'psi', statistic: 0.3, referenceSize: 5000, currentSize: 5000, bins: 10 })
 * // => { level: 'critical', drifted: true, effectiveThreshold: 0.1, noiseThreshold: 0.008666..., ... }
 * ```
 */
export function decideDrift(input: DecideDriftInput): DriftVerdict {
  const descriptor = getMethod(input.method);
  const {
    statistic,
    pValue,
    referenceSize: n,
    currentSize: m,
    bins,
    alpha = 0.01,
    sizeAware = true,
    minSampleSize = 30,
  } = input;
  const thresholds = input.thresholds ?? descriptor.defaultThresholds;
  if (Number.isNaN(statistic)) throw new StatsInputError(`decideDrift: ${descriptor.name} statistic is NaN`);
  if (!(alpha > 0 && alpha < 1))
    throw new StatsInputError(`decideDrift: alpha must be in (0, 1), got ${alpha}`);

  if (!(n >= minSampleSize) || !(m >= minSampleSize)) {
    return {
      level: 'insufficient_data',
      drifted: false,
      effectiveThreshold: thresholds.warning,
      effectSize: statistic,
      reason: `${n} reference and ${m} current rows; at least ${minSampleSize} are needed on each side`,
    };
  }

  if (descriptor.kind === 'distance') {
    const noise = sizeAware
      ? nullQuantile(descriptor.name, { referenceSize: n, currentSize: m, bins, alpha })
      : undefined;
    const aboveNoise = noise === undefined || statistic > noise;
    const drifted = statistic >= thresholds.warning && aboveNoise;
    const level: DriftLevel = drifted ? (statistic >= thresholds.critical ? 'critical' : 'warning') : 'none';
    const effectiveThreshold = noise === undefined ? thresholds.warning : Math.max(thresholds.warning, noise);
    const reason = drifted
      ? `${descriptor.name} ${statistic} >= ${level === 'critical' ? `critical ${thresholds.critical}` : `warning ${thresholds.warning}`}${noise === undefined ? '' : ` and > noise ${noise}`}`
      : statistic < thresholds.warning
        ? `${descriptor.name} ${statistic} < warning ${thresholds.warning}`
        : `${descriptor.name} ${statistic} is within sampling noise (<= ${noise}) at these sizes`;
    return {
      level,
      drifted,
      effectiveThreshold,
      ...(noise === undefined ? {} : { noiseThreshold: noise }),
      effectSize: statistic,
      reason,
    };
  }

  if (pValue === undefined || Number.isNaN(pValue)) {
    throw new StatsInputError(`decideDrift: ${descriptor.name} is a test and needs a p-value`);
  }
  if (descriptor.name === 'chisquare' && bins === undefined) {
    throw new StatsInputError('decideDrift: chisquare needs bins (the number of categories kept)');
  }
  const effect = testEffectSize(descriptor.name, statistic, n, m, bins);
  const noise = nullQuantile(descriptor.name, { referenceSize: n, currentSize: m, bins: bins ?? 2, alpha });
  const significant = pValue < alpha;
  const bigEnough = !sizeAware || effect >= thresholds.warning;
  const drifted = significant && bigEnough;
  const level: DriftLevel = drifted ? (effect >= thresholds.critical ? 'critical' : 'warning') : 'none';
  const effectiveThreshold = sizeAware ? Math.max(thresholds.warning, noise ?? 0) : (noise ?? 0);
  const reason = !significant
    ? `${descriptor.name} p-value ${pValue} >= alpha ${alpha}`
    : !bigEnough
      ? `${descriptor.name} is significant (p = ${pValue}) but the effect size ${effect} < ${thresholds.warning}`
      : `${descriptor.name} p-value ${pValue} < alpha ${alpha}, effect size ${effect}`;
  return {
    level,
    drifted,
    effectiveThreshold,
    ...(noise === undefined ? {} : { noiseThreshold: noise }),
    effectSize: effect,
    reason,
  };
}
