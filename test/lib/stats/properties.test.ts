import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  chiSquare,
  hellinger,
  jensenShannon,
  kl,
  ksFromBinnedCounts,
  ksTest,
  linf,
  psi,
  toWeightedSample,
  wasserstein,
  zTest,
} from '../../../lib/stats/index.js';

/** Aligned count pairs with a positive total on each side. */
const countPair = fc
  .integer({ min: 1, max: 12 })
  .chain((k) =>
    fc.tuple(
      fc.array(fc.nat({ max: 500 }), { minLength: k, maxLength: k }),
      fc.array(fc.nat({ max: 500 }), { minLength: k, maxLength: k }),
    ),
  )
  .filter(([r, c]) => r.some((x) => x > 0) && c.some((x) => x > 0));

const counts = fc
  .array(fc.nat({ max: 1000 }), { minLength: 1, maxLength: 15 })
  .filter((r) => r.some((x) => x > 0));

const sample = fc.array(fc.double({ min: -1e6, max: 1e6, noNaN: true }), { minLength: 1, maxLength: 60 });

describe('distances on identical counts', () => {
  it('returns 0 for identical distributions (psi, kl, js, hellinger, linf)', () => {
    fc.assert(
      fc.property(counts, (r) => {
        expect(psi(r, r).statistic).toBe(0);
        expect(kl(r, r).statistic).toBe(0);
        expect(jensenShannon(r, r).statistic).toBe(0);
        expect(hellinger(r, r).statistic).toBe(0);
        expect(linf(r, r).statistic).toBe(0);
      }),
    );
  });

  it('returns (almost) 0 for proportional counts', () => {
    fc.assert(
      fc.property(counts, fc.integer({ min: 2, max: 7 }), (r, f) => {
        const c = r.map((x) => x * f);
        expect(psi(r, c).statistic).toBeLessThan(1e-12);
        expect(jensenShannon(r, c).statistic).toBeLessThan(1e-7);
        expect(linf(r, c).statistic).toBeLessThan(1e-12);
      }),
    );
  });
});

describe('psi', () => {
  it('is >= 0', () => {
    fc.assert(
      fc.property(countPair, ([r, c]) => {
        expect(psi(r, c).statistic).toBeGreaterThanOrEqual(0);
      }),
    );
  });
  it('is symmetric', () => {
    fc.assert(
      fc.property(countPair, ([r, c]) => {
        expect(Math.abs(psi(r, c).statistic - psi(c, r).statistic)).toBeLessThanOrEqual(
          1e-9 * (1 + psi(r, c).statistic),
        );
      }),
    );
  });
});

describe('jensenshannon', () => {
  it('is symmetric and in [0, 1]', () => {
    fc.assert(
      fc.property(countPair, ([r, c]) => {
        const a = jensenShannon(r, c).statistic;
        const b = jensenShannon(c, r).statistic;
        expect(a).toBeGreaterThanOrEqual(0);
        expect(a).toBeLessThanOrEqual(1);
        expect(Math.abs(a - b)).toBeLessThanOrEqual(1e-12);
      }),
    );
  });
});

describe('hellinger and linf', () => {
  it('are in [0, 1]', () => {
    fc.assert(
      fc.property(countPair, ([r, c]) => {
        for (const v of [hellinger(r, c).statistic, linf(r, c).statistic]) {
          expect(v).toBeGreaterThanOrEqual(0);
          expect(v).toBeLessThanOrEqual(1);
        }
      }),
    );
  });
});

describe('weighted-sample statistics on identical samples', () => {
  it('gives wasserstein 0 and ks D = 0 with p-value 1', () => {
    fc.assert(
      fc.property(sample, (xs) => {
        const w = toWeightedSample(xs);
        expect(wasserstein(w, w).statistic).toBe(0);
        const ks = ksTest(w, w);
        expect(ks.statistic).toBe(0);
        expect(ks.pValue).toBe(1);
      }),
    );
  });
});

describe('p-values', () => {
  it('are in [0, 1] for ks', () => {
    fc.assert(
      fc.property(sample, sample, (a, b) => {
        const r = ksTest(toWeightedSample(a), toWeightedSample(b));
        expect(r.pValue).toBeGreaterThanOrEqual(0);
        expect(r.pValue).toBeLessThanOrEqual(1);
        expect(r.statistic).toBeGreaterThanOrEqual(0);
        expect(r.statistic).toBeLessThanOrEqual(1);
      }),
    );
  });
  it('are in [0, 1] for chisquare, ztest and binned ks', () => {
    fc.assert(
      fc.property(countPair, ([r, c]) => {
        const ps = [chiSquare(r, c).pValue, ksFromBinnedCounts(r, c, { exactMaxSize: 1000 }).pValue];
        if (r.length === 2) ps.push(zTest(r, c).pValue);
        for (const p of ps) {
          expect(p).toBeGreaterThanOrEqual(0);
          expect(p).toBeLessThanOrEqual(1);
        }
      }),
    );
  });
});
