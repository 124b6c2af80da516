import { describe, expect, it } from 'vitest';
import {
  chiSquareQuantile,
  hellinger,
  hellingerNoiseThreshold,
  jensenShannon,
  jensenShannonNoiseThreshold,
  kl,
  klNoiseThreshold,
  linf,
  linfNoiseThreshold,
  noiseThreshold,
  psi,
  psiNoiseThreshold,
  StatsInputError,
  toWeightedSample,
  wasserstein,
  wassersteinNoiseThreshold,
} from '../../../lib/stats/index.js';
import { mulberry32, multinomial, normalSampler } from './support.js';

const ALPHA = 0.05;

describe('noise thresholds', () => {
  it('uses the classical PSI approximation (1/n + 1/m) chi2_{1-alpha}(B - 1)', () => {
    const t = psiNoiseThreshold({ referenceSize: 1000, currentSize: 4000, bins: 10, alpha: 0.01 });
    expect(t).toBeCloseTo((1 / 1000 + 1 / 4000) * chiSquareQuantile(0.99, 9), 14);
  });

  it('shrinks with the sample size', () => {
    const a = noiseThreshold('jensenshannon', {
      referenceSize: 100,
      currentSize: 100,
      bins: 10,
      alpha: 0.01,
    }) as number;
    const b = noiseThreshold('jensenshannon', {
      referenceSize: 10000,
      currentSize: 10000,
      bins: 10,
      alpha: 0.01,
    }) as number;
    expect(b).toBeCloseTo(a / 10, 12);
  });

  it('needs bins for binned methods', () => {
    expect(() => psiNoiseThreshold({ referenceSize: 10, currentSize: 10, alpha: 0.05 })).toThrow(
      StatsInputError,
    );
  });

  // Monte Carlo: both sides drawn from the same distribution; the false-positive rate of
  // "statistic > threshold" at alpha = 0.05 must be close to alpha.
  it('gives a false-positive rate close to alpha for psi, kl, jensenshannon and hellinger (Monte Carlo)', () => {
    const rand = mulberry32(20240607);
    const probs = [0.1, 0.2, 0.3, 0.25, 0.15];
    const n = 400;
    const m = 600;
    const reps = 4000;
    const input = { referenceSize: n, currentSize: m, bins: probs.length, alpha: ALPHA };
    const thresholds = {
      psi: psiNoiseThreshold(input),
      kl: klNoiseThreshold(input),
      jensenshannon: jensenShannonNoiseThreshold(input),
      hellinger: hellingerNoiseThreshold(input),
      linf: linfNoiseThreshold(input),
    };
    const hits = { psi: 0, kl: 0, jensenshannon: 0, hellinger: 0, linf: 0 };
    for (let i = 0; i < reps; i++) {
      const r = multinomial(rand, n, probs);
      const c = multinomial(rand, m, probs);
      if (psi(r, c).statistic > thresholds.psi) hits.psi++;
      if (kl(r, c).statistic > thresholds.kl) hits.kl++;
      if (jensenShannon(r, c).statistic > thresholds.jensenshannon) hits.jensenshannon++;
      if (hellinger(r, c).statistic > thresholds.hellinger) hits.hellinger++;
      if (linf(r, c).statistic > thresholds.linf) hits.linf++;
    }
    for (const key of ['psi', 'kl', 'jensenshannon', 'hellinger'] as const) {
      const rate = hits[key] / reps;
      expect(rate, key).toBeGreaterThanOrEqual(0.5 * ALPHA);
      expect(rate, key).toBeLessThanOrEqual(2 * ALPHA);
    }
    // L-infinity's Bonferroni bound is conservative by construction.
    expect(hits.linf / reps).toBeLessThanOrEqual(2 * ALPHA);
  });

  it('gives a false-positive rate close to alpha for the normed wasserstein distance (Monte Carlo, normal data)', () => {
    const rand = mulberry32(77);
    const normal = normalSampler(rand);
    const n = 300;
    const m = 300;
    const reps = 1500;
    const t = wassersteinNoiseThreshold({ referenceSize: n, currentSize: m, alpha: ALPHA });
    let hits = 0;
    for (let i = 0; i < reps; i++) {
      const r = Array.from({ length: n }, normal);
      const c = Array.from({ length: m }, normal);
      if (wasserstein(toWeightedSample(r), toWeightedSample(c)).statistic > t) hits++;
    }
    const rate = hits / reps;
    expect(rate).toBeGreaterThanOrEqual(0.5 * ALPHA);
    expect(rate).toBeLessThanOrEqual(2 * ALPHA);
  });
});
