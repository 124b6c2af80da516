import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { rankingFromCells, type ScoreCell } from '../../../lib/metrics/grid.js';
import type { MetricValue } from '../../../lib/metrics/metric-value.js';
import {
  averagePrecision,
  type RankingAggregates,
  rocAuc,
  rocAucStandardError,
} from '../../../lib/metrics/ranking.js';
import { referenceRanking } from './reference.js';

/** The cells of scores under a monotone key (ascending), as the SQL grid path forms them. */
function cellsOf(y: readonly number[], s: readonly number[], key: (score: number) => number): ScoreCell[] {
  const byKey = new Map<number, { positives: number; negatives: number; min: number; max: number }>();
  s.forEach((score, i) => {
    const k = key(score);
    const c = byKey.get(k) ?? { positives: 0, negatives: 0, min: score, max: score };
    if (y[i] === 1) c.positives += 1;
    else c.negatives += 1;
    c.min = Math.min(c.min, score);
    c.max = Math.max(c.max, score);
    byKey.set(k, c);
  });
  return [...byKey.entries()]
    .sort((a, b) => a[0] - b[0])
    .map(([, c]) => ({ positives: c.positives, negatives: c.negatives, singleValued: c.min === c.max }));
}

const levelKey = (levels: number) => (s: number) => Math.min(levels - 1, Math.max(0, Math.floor(s * levels)));

const value = (m: MetricValue) => m.value;

/** |exact - grid| of the three metrics, and the grid's bounds; null when a metric is undefined. */
function errors(
  exact: RankingAggregates,
  y: readonly number[],
  s: readonly number[],
  key: (s: number) => number,
) {
  const grid = rankingFromCells(cellsOf(y, s, key));
  const gap = (f: (r: RankingAggregates) => MetricValue) => {
    const e = value(f(exact));
    const g = value(f(grid.aggregates));
    expect(e === null).toBe(g === null);
    return e === null || g === null ? 0 : Math.abs(e - g);
  };
  return {
    grid,
    rocAuc: gap(rocAuc),
    averagePrecision: gap(averagePrecision),
    rocAucStandardError: gap(rocAucStandardError),
  };
}

/** Floating point slack on top of the proven bound (the sums are of up to ~1e4 terms). */
const FP = 1e-12;

describe('grid ranking: the reported bound holds', () => {
  it('on random windows with ties, heavy 0/1 masses, tiny sizes and one class (fast-check, 3,000 cases)', () => {
    const score = fc.oneof(
      fc.double({ min: 0, max: 1, noNaN: true }),
      fc.constantFrom(0, 1, 0.5),
      fc.integer({ min: 0, max: 20 }).map((k) => k / 20),
    );
    const rows = fc.array(fc.tuple(fc.integer({ min: 0, max: 1 }), score), { minLength: 1, maxLength: 300 });
    fc.assert(
      fc.property(rows, fc.integer({ min: 1, max: 200 }), (data, levels) => {
        const y = data.map((d) => d[0]);
        const s = data.map((d) => d[1]);
        const exact = referenceRanking(y, s);
        const e = errors(exact, y, s, levelKey(levels));
        expect(e.rocAuc).toBeLessThanOrEqual(e.grid.errorBounds.rocAuc + FP);
        expect(e.averagePrecision).toBeLessThanOrEqual(e.grid.errorBounds.averagePrecision + FP);
        expect(e.rocAucStandardError).toBeLessThanOrEqual(e.grid.errorBounds.rocAucStandardError + FP);
        // the counts always agree
        expect(e.grid.aggregates.positives).toBe(exact.positives);
        expect(e.grid.aggregates.negatives).toBe(exact.negatives);
      }),
      { numRuns: 3000, seed: 14 },
    );
  });

  it('on skewed scores (a rare-event model: most scores near 0) at many seeds', () => {
    for (let seed = 1; seed <= 200; seed += 1) {
      let state = seed * 2654435761;
      const rand = () => {
        state = (state * 1103515245 + 12345) % 2147483648;
        return state / 2147483648;
      };
      const n = 50 + Math.floor(rand() * 500);
      const y: number[] = [];
      const s: number[] = [];
      for (let i = 0; i < n; i += 1) {
        const positive = rand() < 0.05 ? 1 : 0;
        y.push(positive);
        s.push(Math.min(1, rand() ** (positive ? 2 : 6)));
      }
      const e = errors(referenceRanking(y, s), y, s, levelKey(1 + (seed % 50)));
      expect(e.rocAuc).toBeLessThanOrEqual(e.grid.errorBounds.rocAuc + FP);
      expect(e.averagePrecision).toBeLessThanOrEqual(e.grid.errorBounds.averagePrecision + FP);
      expect(e.rocAucStandardError).toBeLessThanOrEqual(e.grid.errorBounds.rocAucStandardError + FP);
    }
  });
});

describe('grid ranking: exact when every cell is one score', () => {
  it('scores rounded to 0.05 on a 20-level grid: bounds 0, metrics equal the exact ones', () => {
    const s = Array.from({ length: 400 }, (_, i) => ((i * 7919) % 21) / 20);
    const y = s.map((v, i) => (v + ((i * 31) % 10) / 10 > 0.9 ? 1 : 0));
    // cell = the score itself: one distinct score per cell
    const grid = rankingFromCells(cellsOf(y, s, (v) => v));
    expect(grid.exact).toBe(true);
    expect(grid.errorBounds).toEqual({ rocAuc: 0, rocAucStandardError: 0, averagePrecision: 0 });
    const exact = referenceRanking(y, s);
    for (const f of [rocAuc, averagePrecision, rocAucStandardError]) {
      expect(value(f(grid.aggregates))).toBeCloseTo(value(f(exact))!, 12);
    }
  });

  it('one class only: ROC-AUC undefined on both sides, bounds 0', () => {
    const grid = rankingFromCells([
      { positives: 3, negatives: 0, singleValued: false },
      { positives: 2, negatives: 0, singleValued: true },
    ]);
    expect(rocAuc(grid.aggregates).value).toBeNull();
    expect(grid.errorBounds.rocAuc).toBe(0);
    expect(grid.errorBounds.rocAucStandardError).toBe(0);
    // positives only: every precision is 1, and the AP bound says so
    expect(averagePrecision(grid.aggregates).value).toBe(1);
    expect(grid.errorBounds.averagePrecision).toBe(0);
  });
});

describe('grid ranking: the bound is not vacuous', () => {
  it('when every cell has its positives above its negatives the AUC error equals the bound', () => {
    // 100 levels; in level l, 3 negatives at l/100 + 0.001 and 2 positives at l/100 + 0.009,
    // so inside each level the positives win every pair, which the grid counts as ties.
    const y: number[] = [];
    const s: number[] = [];
    for (let l = 0; l < 100; l += 1) {
      for (let k = 0; k < 3; k += 1) {
        y.push(0);
        s.push(l / 100 + 0.001);
      }
      for (let k = 0; k < 2; k += 1) {
        y.push(1);
        s.push(l / 100 + 0.009);
      }
    }
    const exact = referenceRanking(y, s);
    const e = errors(exact, y, s, levelKey(100));
    expect(e.grid.errorBounds.rocAuc).toBeGreaterThan(0.004);
    expect(e.rocAuc).toBeCloseTo(e.grid.errorBounds.rocAuc, 12);
    // AP and SE: the bound holds and is within a small factor of the error
    expect(e.averagePrecision).toBeLessThanOrEqual(e.grid.errorBounds.averagePrecision + FP);
    expect(e.averagePrecision).toBeGreaterThan(e.grid.errorBounds.averagePrecision / 4);
    expect(e.rocAucStandardError).toBeLessThanOrEqual(e.grid.errorBounds.rocAucStandardError + FP);
  });

  it('on uniform scores the AUC bound is about 1 / (2 x levels)', () => {
    const n = 20_000;
    const s = Array.from({ length: n }, (_, i) => (((i * 0.6180339887498949) % 1) + 1) % 1);
    const y = s.map((_, i) => (((i * 2654435761) >>> 0) % 10 < 3 ? 1 : 0));
    const grid = rankingFromCells(cellsOf(y, s, levelKey(100)));
    expect(grid.errorBounds.rocAuc).toBeGreaterThan(0.5 / 100 / 1.2);
    expect(grid.errorBounds.rocAuc).toBeLessThan((0.5 / 100) * 1.2);
  });
});
