import { describe, expect, it } from 'vitest';
import {
  hellinger,
  ksFromBinnedCounts,
  ksTest,
  ksTwoSampleExactPValue,
  StatsInputError,
  toWeightedSample,
  wasserstein,
  wassersteinFromBins,
  zTest,
} from '../../../lib/stats/index.js';
import { mulberry32, normalSampler } from './support.js';

/** All C(n1 + n2, n1) orderings: the exact null distribution of n1 n2 D, by brute force. */
function bruteForceThresholds(n1: number, n2: number): number[] {
  const out: number[] = [];
  const rec = (i: number, j: number, best: number) => {
    if (i === n1 && j === n2) {
      out.push(best);
      return;
    }
    if (i < n1) rec(i + 1, j, Math.max(best, Math.abs((i + 1) * n2 - j * n1)));
    if (j < n2) rec(i, j + 1, Math.max(best, Math.abs(i * n2 - (j + 1) * n1)));
  };
  rec(0, 0, 0);
  return out;
}

describe('ks exact p-value', () => {
  it.each([
    [3, 3],
    [4, 6],
    [5, 7],
    [6, 4],
    [8, 8],
  ])('matches brute-force enumeration for n1 = %i, n2 = %i', (n1, n2) => {
    const all = bruteForceThresholds(n1, n2);
    for (const t of new Set(all)) {
      const expected = all.filter((x) => x >= t).length / all.length;
      expect(ksTwoSampleExactPValue(n1, n2, t)).toBeCloseTo(expected, 14);
    }
  });

  // Its speed is the bench's business, not a unit test's (a wall-clock bound flakes on a shared
  // machine): here, that the exact walk completes at 10,000 x 10,000 with a sane p-value.
  it('completes at 10,000 x 10,000', () => {
    const p = ksTwoSampleExactPValue(10000, 10000, 0.02 * 1e8);
    expect(p).toBeGreaterThan(0.03);
    expect(p).toBeLessThan(0.04);
  });
});

describe('ksTest', () => {
  it('computes D and the exact p-value from weighted samples', () => {
    const r = ksTest({ values: [1, 2, 3], counts: [1, 1, 1] }, { values: [4, 5, 6], counts: [1, 1, 1] });
    expect(r.statistic).toBe(1);
    expect(r.pValue).toBeCloseTo(0.1, 15);
    expect(r.detail.pValueMethod).toBe('exact');
  });
  it('switches to the asymptotic p-value above 10,000 rows', () => {
    const r = ksTest({ values: [0, 1], counts: [6000, 6000] }, { values: [0, 1], counts: [5000, 7000] });
    expect(r.detail.pValueMethod).toBe('asymptotic');
    expect(r.detail.effectiveN).toBe(6000);
  });
  it('rejects malformed samples', () => {
    expect(() => ksTest({ values: [2, 1], counts: [1, 1] }, { values: [1], counts: [1] })).toThrow(
      StatsInputError,
    );
    expect(() => ksTest({ values: [], counts: [] }, { values: [1], counts: [1] })).toThrow(StatsInputError);
  });
});

describe('ksFromBinnedCounts', () => {
  it('brackets the raw D within its error bound', () => {
    const normal = normalSampler(mulberry32(3));
    const r = Array.from({ length: 3000 }, normal);
    const c = Array.from({ length: 2000 }, () => normal() + 0.1);
    const raw = ksTest(toWeightedSample(r), toWeightedSample(c)).statistic;
    const sorted = [...r].sort((a, b) => a - b);
    const edges = Array.from({ length: 99 }, (_, i) => sorted[Math.floor(((i + 1) * 3000) / 100)] as number);
    const bin = (xs: number[]) => {
      const out = new Array<number>(100).fill(0);
      for (const x of xs) {
        let k = 0;
        while (k < 99 && x >= (edges[k] as number)) k++;
        out[k] = (out[k] as number) + 1;
      }
      return out;
    };
    const b = ksFromBinnedCounts(bin(r), bin(c));
    expect(b.statistic).toBeLessThanOrEqual(raw + 1e-15);
    expect(raw).toBeLessThanOrEqual(b.statistic + b.detail.errorBound);
    expect(b.detail.errorBound).toBeLessThan(0.03);
  });
});

describe('wasserstein', () => {
  it('normalises by the reference population std with a floor of 0.001', () => {
    const r = wasserstein({ values: [0, 2], counts: [1, 1] }, { values: [1, 3], counts: [1, 1] });
    expect(r.statistic).toBe(1);
    const c = wasserstein({ values: [5], counts: [10] }, { values: [6], counts: [10] });
    expect(c.statistic).toBeCloseTo(1000, 9);
  });
  it('returns a binned approximation within its error bound', () => {
    const normal = normalSampler(mulberry32(9));
    const r = Array.from({ length: 4000 }, normal);
    const c = Array.from({ length: 4000 }, () => 1.2 * normal() + 0.2);
    const exact = wasserstein(toWeightedSample(r), toWeightedSample(c));
    const sorted = [...r].sort((a, b) => a - b);
    const edges = [
      ...new Set(Array.from({ length: 49 }, (_, i) => sorted[Math.floor(((i + 1) * 4000) / 50)] as number)),
    ];
    const side = (xs: number[]) => {
      const counts = new Array<number>(edges.length + 1).fill(0);
      const sums = new Array<number>(edges.length + 1).fill(0);
      for (const x of xs) {
        let k = 0;
        while (k < edges.length && x >= (edges[k] as number)) k++;
        counts[k] = (counts[k] as number) + 1;
        sums[k] = (sums[k] as number) + x;
      }
      return { counts, means: sums.map((s, k) => (counts[k] ? s / (counts[k] as number) : 0)) };
    };
    const all = [...r, ...c];
    const approx = wassersteinFromBins({
      edges,
      min: Math.min(...all),
      max: Math.max(...all),
      reference: side(r),
      current: side(c),
      referenceStd: exact.detail.referenceStd,
    });
    expect(Math.abs(approx.statistic - exact.statistic)).toBeLessThanOrEqual(approx.detail.errorBound);
    expect(Math.abs(approx.statistic - exact.statistic)).toBeLessThan(0.02);
  });
});

describe('hellinger', () => {
  it('matches a hand-computed value', () => {
    // shares (1/4, 3/4) vs (3/4, 1/4): H^2 = 1 - 2 sqrt(3/16) = 1 - sqrt(3)/2
    expect(hellinger([1, 3], [3, 1]).statistic).toBeCloseTo(Math.sqrt(1 - Math.sqrt(3) / 2), 15);
  });
});

describe('ztest', () => {
  it('throws a clear error unless there are exactly two categories', () => {
    expect(() => zTest([1, 2, 3], [3, 2, 1])).toThrow(/exactly two categories/);
  });
  it('reports p-value 1 when both sides hold the same single category', () => {
    expect(zTest([10, 0], [20, 0]).pValue).toBe(1);
  });
});
