import { describe, expect, it } from 'vitest';
import {
  applyEmptyBinRule,
  binIndex,
  categoricalBins,
  cleanCategorical,
  cleanNumeric,
  countBins,
  referenceQuantileEdges,
  StatsInputError,
  sharesFromCounts,
} from '../../../lib/stats/index.js';

describe('cleanNumeric', () => {
  it('drops null, NaN and infinities and counts them', () => {
    const r = cleanNumeric([
      1,
      null,
      Number.NaN,
      Number.POSITIVE_INFINITY,
      Number.NEGATIVE_INFINITY,
      undefined,
      2,
    ]);
    expect(r.values).toEqual([1, 2]);
    expect(r.dropped).toEqual({ missing: 2, nan: 1, infinite: 2, total: 5 });
  });
  it('keeps categories as strings', () => {
    expect(cleanCategorical(['a', null, 1, true]).values).toEqual(['a', '1', 'true']);
  });
});

describe('referenceQuantileEdges', () => {
  it('computes type-7 quantiles with the exact integer position', () => {
    expect(referenceQuantileEdges([1, 2, 3, 4, 5], 4)).toEqual([2, 3, 4]);
    // n = 11, deciles land exactly on data points: no floating-point drift to the next point.
    const x = [0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1];
    expect(referenceQuantileEdges(x)).toEqual(x.slice(1, 10));
    // Interpolation: n = 4, i/B = 1/2 -> h = 1.5 -> 1 + 0.5 (2 - 1)
    expect(referenceQuantileEdges([0, 1, 2, 10], 2)).toEqual([1.5]);
  });
  it('keeps distinct edges only', () => {
    expect(referenceQuantileEdges([5, 5, 5, 5])).toEqual([5]);
    expect(referenceQuantileEdges([0, 0, 0, 1], 4)).toEqual([0, 0.25]);
  });
  it('rejects empty or unsorted input', () => {
    expect(() => referenceQuantileEdges([])).toThrow(StatsInputError);
    expect(() => referenceQuantileEdges([2, 1])).toThrow(StatsInputError);
  });
});

describe('binIndex and countBins', () => {
  it('puts a value equal to an edge in the upper bin', () => {
    expect(binIndex(-1, [0, 1])).toBe(0);
    expect(binIndex(0, [0, 1])).toBe(1);
    expect(binIndex(0.5, [0, 1])).toBe(1);
    expect(binIndex(1, [0, 1])).toBe(2);
    expect(countBins([0, 1, 1.5, 2, 5], [1, 2])).toEqual([1, 2, 2]);
  });
});

describe('categoricalBins', () => {
  it('aligns counts over the sorted union of categories', () => {
    const b = categoricalBins(
      new Map([
        ['b', 2],
        ['a', 1],
      ]),
      new Map([['c', 4]]),
    );
    expect(b).toEqual({ categories: ['a', 'b', 'c'], referenceCounts: [1, 2, 0], currentCounts: [0, 0, 4] });
  });
});

describe('shares and the empty-bin rule', () => {
  it('uses 0.0001 when the smallest share is larger, else m / 1e6', () => {
    expect(sharesFromCounts([1, 3])).toEqual([0.25, 0.75]);
    expect(applyEmptyBinRule([0.5, 0, 0.5])).toEqual({ shares: [0.5, 0.0001, 0.5], epsilon: 0.0001 });
    expect(applyEmptyBinRule([0.99995, 0.00005, 0]).shares[2]).toBeCloseTo(0.00005 / 1e6, 20);
  });
});
