/**
 * Multiple testing across one window's drift tests. A run makes many tests (features x segments,
 * about 120 for the demo model); at a per-test level alpha = 0.01 a stable window would show a
 * "drifted" small segment most days. Segment drift therefore alerts only when the segment's test
 * survives Benjamini-Hochberg at the configured false discovery rate q across every test of the
 * window, and test-based feature verdicts (ks, chisquare, ztest) need the same.
 *
 * Distances (psi, kl, jensenshannon, hellinger) have no p-value of their own; they get the
 * approximate one of the 2 x B homogeneity test they are a second-order expansion of (see
 * lib/stats/noise-threshold.ts): X = statistic / (1/n + 1/m) (times 2 for kl, 8 ln 2 x d^2 for the
 * Jensen-Shannon distance, 8 x d^2 for Hellinger) is chi-square with B - 1 degrees of freedom under
 * no drift. Near the null this is accurate; far from it the p-value is tiny either way.
 *
 * Under the complete null (a stable model) BH at q bounds the chance that a window has any
 * rejection by q (FDR = FWER when every null is true). See test/lib/alerts/false-alerts.test.ts
 * for the measured rate on simulated stable windows.
 */
import type { FeatureDrift } from '../jobs/drift-result.js';
import { chiSquareSf, normalSf } from '../stats/distributions.js';

/**
 * Benjamini-Hochberg step-up: which hypotheses are rejected at false discovery rate q.
 * @example benjaminiHochberg([0.001, 0.02, 0.5], 0.05) // => [true, true, false]
 */
export function benjaminiHochberg(pValues: readonly number[], q: number): boolean[] {
  const m = pValues.length;
  const order = pValues.map((p, i) => ({ p, i })).sort((a, b) => a.p - b.p);
  let cutoff = -1;
  order.forEach(({ p }, rank) => {
    if (p <= ((rank + 1) / m) * q) cutoff = rank;
  });
  const rejected = new Array<boolean>(m).fill(false);
  for (let rank = 0; rank <= cutoff; rank++) rejected[order[rank]!.i] = true;
  return rejected;
}

/**
 * BH-adjusted p-values (monotone step-up), for display.
 * @example adjustedPValues([0.01, 0.04, 0.03]) // => [0.03, 0.04, 0.04]
 */
export function adjustedPValues(pValues: readonly number[]): number[] {
  const m = pValues.length;
  const order = pValues.map((p, i) => ({ p, i })).sort((a, b) => b.p - a.p);
  const adjusted = new Array<number>(m).fill(1);
  let running = 1;
  order.forEach(({ p, i }, k) => {
    const rank = m - k;
    running = Math.min(running, (p * m) / rank);
    adjusted[i] = Math.min(1, running);
  });
  return adjusted;
}

/** The p-value of a drift comparison: the test's own, or the approximate one of a distance. */
export function driftPValue(feature: FeatureDrift): number | null {
  const own = methodPValue(feature);
  const mean = feature.meanShift?.pValue;
  if (mean === undefined || !Number.isFinite(mean)) return own;
  // Two tests of one feature (its distance and its mean): Bonferroni over the pair.
  return Math.min(1, 2 * Math.min(own ?? 1, mean));
}

function methodPValue(feature: FeatureDrift): number | null {
  if (feature.pValue !== null && feature.pValue !== undefined) return feature.pValue;
  const { statistic, referenceSize: n, currentSize: m } = feature;
  if (statistic === null || !(n > 0) || !(m > 0)) return null;
  const bins = feature.bins.length;
  const scale = 1 / n + 1 / m;
  let chi: number;
  switch (feature.method) {
    case 'psi':
      chi = statistic / scale;
      break;
    case 'kl':
      chi = (2 * statistic) / scale;
      break;
    case 'jensenshannon':
      chi = (8 * Math.LN2 * statistic * statistic) / scale;
      break;
    case 'hellinger':
      chi = (8 * statistic * statistic) / scale;
      break;
    case 'linf': {
      // Bonferroni over the bins, as its noise threshold: P(max |r - c| >= d) <= B * 2 * sf(2d / sqrt(s)).
      if (bins < 1) return null;
      return Math.min(
        1,
        Math.max(1, bins <= 2 ? 1 : bins) * 2 * normalSf((2 * statistic) / Math.sqrt(scale)),
      );
    }
    default:
      return null;
  }
  if (bins < 2) return 1;
  return chiSquareSf(Math.max(0, chi), bins - 1);
}
