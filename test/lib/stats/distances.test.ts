import { describe, expect, it } from 'vitest';
import { chiSquare, jensenShannon, kl, linf, psi, StatsInputError } from '../../../lib/stats/index.js';

describe('psi', () => {
  it('returns 0 for identical distributions', () => {
    expect(psi([10, 20, 30], [10, 20, 30]).statistic).toBe(0);
  });
  it('applies the empty-bin rule and explains itself', () => {
    const r = psi([5, 5, 0], [5, 0, 5]);
    expect(r.detail.referenceSharesFilled).toEqual([0.5, 0.5, 0.0001]);
    expect(r.detail.contributions.reduce((a, b) => a + b, 0)).toBeCloseTo(r.statistic, 15);
  });
  it('rejects misaligned or empty counts', () => {
    expect(() => psi([1, 2], [1, 2, 3])).toThrow(StatsInputError);
    expect(() => psi([0, 0], [1, 2])).toThrow(/no observations/);
  });
});

describe('kl', () => {
  it('is KL(reference || current)', () => {
    expect(kl([50, 50], [25, 75]).statistic).toBeCloseTo(
      0.5 * Math.log(0.5 / 0.25) + 0.5 * Math.log(0.5 / 0.75),
      15,
    );
  });
});

describe('jensenshannon', () => {
  it('is 1 for disjoint supports and has no empty-bin rule', () => {
    expect(jensenShannon([3, 0], [0, 7]).statistic).toBe(1);
  });
});

describe('linf', () => {
  it('reports the bin with the largest difference', () => {
    const r = linf([10, 10, 80], [10, 40, 50]);
    expect(r.statistic).toBeCloseTo(0.3, 15);
    expect(r.detail.argmax).toBe(1);
  });
});

describe('chisquare', () => {
  it('drops bins empty on both sides', () => {
    const a = chiSquare([10, 0, 20], [15, 0, 5]);
    const b = chiSquare([10, 20], [15, 5]);
    expect(a.detail.droppedBins).toEqual([1]);
    expect(a.detail.dof).toBe(1);
    expect(a.statistic).toBe(b.statistic);
    expect(a.pValue).toBe(b.pValue);
  });
  it('gives statistic 0 and p-value 1 with a single non-empty bin', () => {
    const r = chiSquare([10, 0], [5, 0]);
    expect(r.statistic).toBe(0);
    expect(r.pValue).toBe(1);
  });
});
