/**
 * Noise thresholds: the (1 - alpha) quantile of a statistic's null distribution (no drift) at
 * the given sample sizes, so that a verdict can ignore differences that sampling noise alone
 * produces. For the tests (ks, chisquare, ztest) the threshold is expressed as the effect size
 * at which the test becomes significant at level alpha.
 *
 * Derivation (distances on B bins, reference size n, current size m, both sides drawn from the
 * same distribution with bin probabilities p_i): r_i - c_i is approximately normal with
 * variance p_i (1 - p_i) (1/n + 1/m), and X = sum_i (r_i - c_i)^2 / p_i / (1/n + 1/m) is
 * asymptotically chi-square with B - 1 degrees of freedom (the Pearson statistic of the
 * 2 x B homogeneity test). A second-order Taylor expansion around r = c = p gives
 *   PSI       = sum (r - c) ln(r / c)                 ~ sum (r - c)^2 / p              = (1/n + 1/m) X
 *   KL(r||c)  = sum r ln(r / c)                        ~ (1/2) sum (r - c)^2 / p        = (1/n + 1/m) X / 2
 *   JSD (nat) = [KL(r||M) + KL(c||M)] / 2, M = (r+c)/2 ~ (1/2) [sum (r-M)^2/2p + sum (c-M)^2/2p]
 *             = sum (r - c)^2 / (8 p)                                                = (1/n + 1/m) X / 8
 *   JS distance (base 2) = sqrt(JSD / ln 2)           ~ sqrt((1/n + 1/m) X / (8 ln 2))
 *   Hellinger^2 = (1/2) sum (sqrt r - sqrt c)^2        ~ sum (r - c)^2 / (8 p)          = (1/n + 1/m) X / 8
 * so each quantile is the same monotone function of chi2_{1-alpha}(B - 1). PSI's is the classical
 * approximation (Yurdakul 2018). L-infinity uses a Bonferroni bound over the B bins with
 * p (1 - p) <= 1/4: z_{1 - alpha/(2B)} sqrt(1/n + 1/m) / 2 (conservative). The normed
 * Wasserstein distance uses the limit sqrt(nm/(n+m)) W1 -> Y = integral |B(F(x))| dx (B a
 * Brownian bridge; del Barrio, Gine & Matran 1999) for a NORMAL reference (scaled by its std),
 * with Y approximated by a gamma distribution matched to its exact mean and variance (computed
 * by numerical integration; E|X||Y| for a bivariate normal is (2 s1 s2 / pi)(sqrt(1 - rho^2) +
 * rho asin rho)); for other shapes it is an approximation. These are checked by Monte-Carlo
 * tests (false-positive rate close to alpha).
 *
 * @module
 */

import { chiSquareQuantile, normalCdf, normalQuantile } from './distributions.js';
import { StatsInputError } from './errors.js';

/** Sizes, bins and level for a noise threshold. */
export interface NoiseThresholdInput {
  referenceSize: number;
  currentSize: number;
  /** Number of bins (numeric) or categories (categorical); needed by binned methods. */
  bins?: number;
  /** Level of the null quantile: the threshold is its (1 - alpha) quantile. */
  alpha: number;
}

function checkSizes(input: NoiseThresholdInput): number {
  const { referenceSize: n, currentSize: m, alpha } = input;
  if (!(n > 0) || !(m > 0))
    throw new StatsInputError(`noise threshold: sizes must be > 0, got ${n} and ${m}`);
  if (!(alpha > 0 && alpha < 1))
    throw new StatsInputError(`noise threshold: alpha must be in (0, 1), got ${alpha}`);
  return 1 / n + 1 / m;
}

function chiQuantile(input: NoiseThresholdInput, method: string): number {
  const { bins } = input;
  if (bins === undefined || !Number.isInteger(bins) || bins < 1) {
    throw new StatsInputError(
      `noise threshold for ${method}: the number of bins (an integer >= 1) is required, got ${bins}`,
    );
  }
  if (bins === 1) return 0;
  return chiSquareQuantile(1 - input.alpha, bins - 1);
}

/**
 * PSI noise threshold: (1/n + 1/m) chi2_{1-alpha}(B - 1).
 *
 * @throws StatsInputError when sizes, bins or alpha are invalid.
 * @example
 * ```ts
 * psiNoiseThreshold({ referenceSize: 1000, currentSize: 1000, bins: 10, alpha: 0.05 }) // => 0.033838...
 * ```
 */
export function psiNoiseThreshold(input: NoiseThresholdInput): number {
  const s = checkSizes(input);
  return s * chiQuantile(input, 'psi');
}

/**
 * KL(reference || current) noise threshold: (1/n + 1/m) chi2_{1-alpha}(B - 1) / 2.
 *
 * @throws StatsInputError when sizes, bins or alpha are invalid.
 * @example
 * ```ts
 * klNoiseThreshold({ referenceSize: 1000, currentSize: 1000, bins: 10, alpha: 0.05 }) // => 0.016919...
 * ```
 */
export function klNoiseThreshold(input: NoiseThresholdInput): number {
  const s = checkSizes(input);
  return (s * chiQuantile(input, 'kl')) / 2;
}

/**
 * Jensen-Shannon distance (base 2) noise threshold: sqrt((1/n + 1/m) chi2_{1-alpha}(B - 1) / (8 ln 2)).
 *
 * @throws StatsInputError when sizes, bins or alpha are invalid.
 * @example
 * ```ts
 * jensenShannonNoiseThreshold({ referenceSize: 1000, currentSize: 1000, bins: 10, alpha: 0.05 }) // => 0.078119...
 * ```
 */
export function jensenShannonNoiseThreshold(input: NoiseThresholdInput): number {
  const s = checkSizes(input);
  return Math.sqrt((s * chiQuantile(input, 'jensenshannon')) / (8 * Math.LN2));
}

/**
 * Hellinger distance noise threshold: sqrt((1/n + 1/m) chi2_{1-alpha}(B - 1) / 8).
 *
 * @throws StatsInputError when sizes, bins or alpha are invalid.
 * @example
 * ```ts
 * hellingerNoiseThreshold({ referenceSize: 1000, currentSize: 1000, bins: 10, alpha: 0.05 }) // => 0.065037...
 * ```
 */
export function hellingerNoiseThreshold(input: NoiseThresholdInput): number {
  const s = checkSizes(input);
  return Math.sqrt((s * chiQuantile(input, 'hellinger')) / 8);
}

/**
 * L-infinity noise threshold (Bonferroni over the bins, conservative):
 * z_{1 - alpha/(2B)} sqrt(1/n + 1/m) / 2.
 *
 * @throws StatsInputError when sizes, bins or alpha are invalid.
 * @example
 * ```ts
 * linfNoiseThreshold({ referenceSize: 1000, currentSize: 1000, bins: 2, alpha: 0.05 }) // => 0.043826...
 * ```
 */
export function linfNoiseThreshold(input: NoiseThresholdInput): number {
  const s = checkSizes(input);
  const { bins } = input;
  if (bins === undefined || !Number.isInteger(bins) || bins < 1) {
    throw new StatsInputError(
      `noise threshold for linf: the number of bins (an integer >= 1) is required, got ${bins}`,
    );
  }
  // With two bins the two differences are equal: one comparison, not two.
  const comparisons = bins <= 2 ? 1 : bins;
  return (normalQuantile(1 - input.alpha / (2 * comparisons)) * Math.sqrt(s)) / 2;
}

let brownianMoments: { mean: number; variance: number } | undefined;

/** Mean and variance of Y = integral |B(Phi(x))| dx, by numerical integration (memoised). */
function wassersteinLimitMoments(): { mean: number; variance: number } {
  if (brownianMoments) return brownianMoments;
  const h = 0.025;
  const sd: number[] = [];
  const s: number[] = [];
  for (let x = -8.5; x <= 8.5 + 1e-9; x += h) {
    const u = normalCdf(x);
    s.push(u);
    sd.push(Math.sqrt(u * (1 - u)));
  }
  let mean = 0;
  for (const v of sd) mean += v;
  mean *= h * Math.sqrt(2 / Math.PI);
  let second = 0;
  for (let i = 0; i < s.length; i++) {
    const si = s[i] as number;
    const di = sd[i] as number;
    if (di === 0) continue;
    for (let j = 0; j < s.length; j++) {
      const sj = s[j] as number;
      const dj = sd[j] as number;
      if (dj === 0) continue;
      const rho = Math.max(-1, Math.min(1, (Math.min(si, sj) - si * sj) / (di * dj)));
      second += di * dj * (Math.sqrt(1 - rho * rho) + rho * Math.asin(rho));
    }
  }
  second *= (2 / Math.PI) * h * h;
  brownianMoments = { mean, variance: second - mean * mean };
  return brownianMoments;
}

/**
 * Normed Wasserstein noise threshold (normal reference): sqrt(1/n + 1/m) times the (1 - alpha)
 * quantile of a gamma approximation to Y = integral |B(Phi(x))| dx (see the module comment).
 *
 * @throws StatsInputError when sizes or alpha are invalid.
 * @example
 * ```ts
 * wassersteinNoiseThreshold({ referenceSize: 1000, currentSize: 1000, alpha: 0.05 }) // => 0.093812...
 * ```
 */
export function wassersteinNoiseThreshold(input: NoiseThresholdInput): number {
  const s = checkSizes(input);
  const { mean, variance } = wassersteinLimitMoments();
  const shape = (mean * mean) / variance;
  const scale = variance / mean;
  const q = (scale * chiSquareQuantile(1 - input.alpha, 2 * shape)) / 2;
  return Math.sqrt(s) * q;
}

/**
 * KS noise threshold: the asymptotic critical D, sqrt(-ln(alpha / 2) / 2) sqrt(1/n + 1/m)
 * (Smirnov 1948 limit), i.e. the D at which the test turns significant.
 *
 * @throws StatsInputError when sizes or alpha are invalid.
 * @example
 * ```ts
 * ksNoiseThreshold({ referenceSize: 1000, currentSize: 1000, alpha: 0.05 }) // => 0.060736...
 * ```
 */
export function ksNoiseThreshold(input: NoiseThresholdInput): number {
  const s = checkSizes(input);
  return Math.sqrt(-Math.log(input.alpha / 2) / 2) * Math.sqrt(s);
}

/**
 * Chi-square noise threshold on Cramer's V: sqrt(chi2_{1-alpha}(B - 1) / (n + m)), the V at which
 * the homogeneity test turns significant.
 *
 * @throws StatsInputError when sizes, bins or alpha are invalid.
 * @example
 * ```ts
 * chiSquareNoiseThreshold({ referenceSize: 1000, currentSize: 1000, bins: 2, alpha: 0.05 }) // => 0.043826...
 * ```
 */
export function chiSquareNoiseThreshold(input: NoiseThresholdInput): number {
  checkSizes(input);
  return Math.sqrt(chiQuantile(input, 'chisquare') / (input.referenceSize + input.currentSize));
}

/**
 * Z-test noise threshold on phi = |z| / sqrt(n + m): z_{1 - alpha/2} / sqrt(n + m).
 *
 * @throws StatsInputError when sizes or alpha are invalid.
 * @example
 * ```ts
 * zTestNoiseThreshold({ referenceSize: 1000, currentSize: 1000, alpha: 0.05 }) // => 0.043826...
 * ```
 */
export function zTestNoiseThreshold(input: NoiseThresholdInput): number {
  checkSizes(input);
  return normalQuantile(1 - input.alpha / 2) / Math.sqrt(input.referenceSize + input.currentSize);
}

/**
 * Noise threshold for a method by name (see the individual functions); undefined for an
 * unknown name.
 *
 * @throws StatsInputError when sizes, bins or alpha are invalid for that method.
 * @example
 * ```ts
 * noiseThreshold('psi', { referenceSize: 1000, currentSize: 1000, bins: 10, alpha: 0.05 }) // => 0.033838...
 * ```
 */
export function noiseThreshold(method: string, input: NoiseThresholdInput): number | undefined {
  switch (method) {
    case 'psi':
      return psiNoiseThreshold(input);
    case 'kl':
      return klNoiseThreshold(input);
    case 'jensenshannon':
      return jensenShannonNoiseThreshold(input);
    case 'hellinger':
      return hellingerNoiseThreshold(input);
    case 'linf':
      return linfNoiseThreshold(input);
    case 'wasserstein':
      return wassersteinNoiseThreshold(input);
    case 'ks':
      return ksNoiseThreshold(input);
    case 'chisquare':
      return chiSquareNoiseThreshold(input);
    case 'ztest':
      return zTestNoiseThreshold(input);
    default:
      return undefined;
  }
}
