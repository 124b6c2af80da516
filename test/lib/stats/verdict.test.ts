import { describe, expect, it } from 'vitest';
import {
  categoricalBins,
  chiSquare,
  chooseMethod,
  countBins,
  countCategories,
  decideDrift,
  kolmogorovSf,
  ksTest,
  normalCdf,
  normalQuantile,
  psi,
  referenceQuantileEdges,
  StatsInputError,
  toWeightedSample,
  UnknownDriftMethodError,
  zTest,
} from '../../../lib/stats/index.js';
import { mulberry32, normalSampler } from './support.js';

describe('decideDrift', () => {
  it('does not flag a 0.01-sd shift at 1,000,000 rows per side with PSI on deciles (default)', () => {
    const n = 1_000_000;
    const shift = 0.01;
    // Reference deciles of N(0, 1); expected counts of both sides computed from the normal CDF.
    const edges = Array.from({ length: 9 }, (_, i) => normalQuantile((i + 1) / 10));
    const bounds = [Number.NEGATIVE_INFINITY, ...edges, Number.POSITIVE_INFINITY];
    const countsFor = (mu: number) =>
      bounds
        .slice(1)
        .map((hi, k) => Math.round(n * (normalCdf(hi - mu) - normalCdf((bounds[k] as number) - mu))));
    const ref = countsFor(0);
    const cur = countsFor(shift);
    expect(chooseMethod('numeric', n, n)).toBe('psi');
    const stat = psi(ref, cur).statistic;
    expect(stat).toBeLessThan(0.001);
    const v = decideDrift({ method: 'psi', statistic: stat, referenceSize: n, currentSize: n, bins: 10 });
    expect(v.drifted).toBe(false);
    expect(v.level).toBe('none');
    expect(v.noiseThreshold).toBeGreaterThan(0);
  });

  it('gates a significant but negligible KS difference at 1,000,000 rows by effect size', () => {
    const n = 1_000_000;
    // D of N(0,1) vs N(0.01,1) = Phi(0.005) - Phi(-0.005).
    const d = normalCdf(0.005) - normalCdf(-0.005);
    const p = kolmogorovSf(n / 2, d);
    expect(p).toBeLessThan(0.01);
    const base = { method: 'ks', statistic: d, pValue: p, referenceSize: n, currentSize: n };
    expect(decideDrift(base).drifted).toBe(false);
    expect(decideDrift({ ...base, sizeAware: false }).drifted).toBe(true);
  });

  it('flags the default method in at most 2 of 100 seeds at 200 rows per side without drift (numeric)', () => {
    const method = chooseMethod('numeric', 200, 200);
    expect(method).toBe('ks');
    let drifted = 0;
    for (let seed = 1; seed <= 100; seed++) {
      const normal = normalSampler(mulberry32(seed));
      const r = Array.from({ length: 200 }, normal);
      const c = Array.from({ length: 200 }, normal);
      const ks = ksTest(toWeightedSample(r), toWeightedSample(c));
      const v = decideDrift({
        method,
        statistic: ks.statistic,
        pValue: ks.pValue,
        referenceSize: 200,
        currentSize: 200,
      });
      if (v.drifted) drifted++;
    }
    expect(drifted).toBeLessThanOrEqual(2);
  });

  it('flags PSI in at most 2 of 100 seeds at 200 rows per side without drift (size-aware)', () => {
    let drifted = 0;
    for (let seed = 101; seed <= 200; seed++) {
      const normal = normalSampler(mulberry32(seed));
      const r = Array.from({ length: 200 }, normal);
      const c = Array.from({ length: 200 }, normal);
      const edges = referenceQuantileEdges([...r].sort((a, b) => a - b));
      const stat = psi(countBins(r, edges), countBins(c, edges)).statistic;
      const v = decideDrift({
        method: 'psi',
        statistic: stat,
        referenceSize: 200,
        currentSize: 200,
        bins: edges.length + 1,
      });
      if (v.drifted) drifted++;
    }
    expect(drifted).toBeLessThanOrEqual(2);
  });

  it('flags the default categorical methods in at most 2 of 100 seeds at 200 rows per side without drift', () => {
    const draw = (rand: () => number, cats: string[], probs: number[]) =>
      Array.from({ length: 200 }, () => {
        let u = rand();
        for (let k = 0; k < cats.length; k++) {
          u -= probs[k] as number;
          if (u < 0) return cats[k] as string;
        }
        return cats[cats.length - 1] as string;
      });
    for (const [cats, probs] of [
      [
        ['a', 'b', 'c', 'd'],
        [0.4, 0.3, 0.2, 0.1],
      ],
      [
        ['no', 'yes'],
        [0.7, 0.3],
      ],
    ] as [string[], number[]][]) {
      let drifted = 0;
      for (let seed = 1; seed <= 100; seed++) {
        const rand = mulberry32(1000 + seed);
        const b = categoricalBins(
          countCategories(draw(rand, cats, probs)),
          countCategories(draw(rand, cats, probs)),
        );
        const method = chooseMethod('categorical', 200, 200, b.categories.length);
        const res =
          method === 'ztest'
            ? zTest(b.referenceCounts, b.currentCounts)
            : chiSquare(b.referenceCounts, b.currentCounts);
        const v = decideDrift({
          method,
          statistic: res.statistic,
          pValue: res.pValue,
          referenceSize: 200,
          currentSize: 200,
          bins: b.categories.length,
        });
        if (v.drifted) drifted++;
      }
      expect(drifted, cats.join(',')).toBeLessThanOrEqual(2);
    }
  });

  it('flags a real shift', () => {
    const normal = normalSampler(mulberry32(5));
    const r = Array.from({ length: 500 }, normal);
    const c = Array.from({ length: 500 }, () => normal() + 0.5);
    const ks = ksTest(toWeightedSample(r), toWeightedSample(c));
    const v = decideDrift({
      method: 'ks',
      statistic: ks.statistic,
      pValue: ks.pValue,
      referenceSize: 500,
      currentSize: 500,
    });
    expect(v.drifted).toBe(true);
    expect(v.level).toBe('critical');
  });

  it('returns insufficient_data below the minimum sample size, never drifted', () => {
    const v = decideDrift({ method: 'psi', statistic: 5, referenceSize: 29, currentSize: 1000, bins: 10 });
    expect(v.level).toBe('insufficient_data');
    expect(v.drifted).toBe(false);
    const w = decideDrift({
      method: 'ks',
      statistic: 1,
      pValue: 0,
      referenceSize: 1000,
      currentSize: 10,
      minSampleSize: 50,
    });
    expect(w.level).toBe('insufficient_data');
    expect(w.drifted).toBe(false);
  });

  it('uses the warning and critical thresholds for distances when not size-aware', () => {
    const base = { method: 'psi', referenceSize: 100, currentSize: 100, bins: 10, sizeAware: false };
    expect(decideDrift({ ...base, statistic: 0.05 }).level).toBe('none');
    expect(decideDrift({ ...base, statistic: 0.15 }).level).toBe('warning');
    expect(decideDrift({ ...base, statistic: 0.3 }).level).toBe('critical');
    // Size-aware, 0.15 at 100 rows per side is within noise (threshold about 0.43).
    expect(decideDrift({ ...base, sizeAware: true, statistic: 0.15 }).drifted).toBe(false);
  });

  it('requires a p-value for tests and throws for unknown methods', () => {
    expect(() => decideDrift({ method: 'ks', statistic: 0.2, referenceSize: 100, currentSize: 100 })).toThrow(
      StatsInputError,
    );
    expect(() =>
      decideDrift({ method: 'nope', statistic: 0.2, referenceSize: 100, currentSize: 100 }),
    ).toThrow(UnknownDriftMethodError);
  });
});
