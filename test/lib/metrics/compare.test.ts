import { describe, expect, it } from 'vitest';
import {
  compareAccuracy,
  compareIndependentEstimates,
  compareProportions,
  compareRocAuc,
} from '../../../lib/metrics/compare.js';
import { twoSidedPValue } from '../../../lib/metrics/normal.js';
import { rocAuc, rocAucVariance } from '../../../lib/metrics/ranking.js';
import { close } from './oracle.js';
import { referenceBinary } from './reference.js';

describe('two-sided normal p-value', () => {
  it('matches known values', () => {
    expect(close(twoSidedPValue(1.959963984540054), 0.05, 1e-12)).toBe(true);
    expect(close(twoSidedPValue(-2.5758293035489004), 0.01, 1e-12)).toBe(true);
    expect(twoSidedPValue(0)).toBe(1);
    expect(close(twoSidedPValue(5), 5.733031437583892e-7, 1e-10)).toBe(true);
  });
});

describe('accuracy: pooled two-proportion z-test', () => {
  it('90/100 against 80/100', () => {
    const r = compareProportions('accuracy', { successes: 90, n: 100 }, { successes: 80, n: 100 });
    if (r.verdict === 'undefined') throw new Error('undefined');
    // p = 0.85, se = sqrt(0.85 * 0.15 * 0.02)
    const se = Math.sqrt(0.85 * 0.15 * 0.02);
    expect(close(r.standardError, se)).toBe(true);
    expect(close(r.z, 0.1 / se, 1e-9)).toBe(true);
    expect(close(r.pValue, 0.04767038065616144, 1e-9)).toBe(true);
    expect(r.verdict).toBe('candidate_better');
    const strict = compareProportions('accuracy', { successes: 90, n: 100 }, { successes: 80, n: 100 }, 0.01);
    expect(strict.verdict).toBe('no_significant_difference');
  });
  it('both perfect: no difference, p-value 1', () => {
    const r = compareProportions('accuracy', { successes: 10, n: 10 }, { successes: 20, n: 20 });
    expect(r.verdict).toBe('no_significant_difference');
  });
  it('an empty version is undefined', () => {
    expect(compareProportions('accuracy', { successes: 0, n: 0 }, { successes: 1, n: 2 }).verdict).toBe(
      'undefined',
    );
  });
});

describe('ROC-AUC: independent DeLong variances', () => {
  it('combines the two variances without covariance', () => {
    const r = compareIndependentEstimates(
      'rocAuc',
      { value: 0.85, variance: 1e-4 },
      { value: 0.8, variance: 1e-4 },
    );
    if (r.verdict === 'undefined') throw new Error('undefined');
    expect(close(r.standardError, Math.sqrt(2e-4))).toBe(true);
    expect(close(r.z, 0.05 / Math.sqrt(2e-4), 1e-9)).toBe(true);
    expect(r.verdict).toBe('candidate_better');
  });

  it('from aggregates of two model versions', () => {
    const y = Array.from({ length: 200 }, (_, i) => (i % 3 === 0 ? 1 : 0));
    const good = y.map((v, i) => (v ? 0.6 : 0.4) + ((i * 7919) % 100) / 250 - 0.2);
    const bad = y.map((v, i) => (v ? 0.52 : 0.48) + ((i * 7919) % 100) / 250 - 0.2);
    const a = referenceBinary(y, good);
    const b = referenceBinary(y, bad);
    const r = compareRocAuc(a, b);
    if (r.verdict === 'undefined') throw new Error(r.reason);
    expect(close(r.difference, rocAuc(a).value! - rocAuc(b).value!)).toBe(true);
    expect(close(r.standardError, Math.sqrt(rocAucVariance(a).value! + rocAucVariance(b).value!))).toBe(true);
    expect(r.verdict).toBe('candidate_better');
    expect(compareRocAuc(b, a).verdict).toBe('candidate_worse');
    const acc = compareAccuracy(a, b);
    expect(acc.verdict).not.toBe('undefined');
  });

  it('undefined when a version has one class', () => {
    const a = referenceBinary([0, 0, 0], [0.1, 0.2, 0.3]);
    const b = referenceBinary([0, 1, 0, 1], [0.1, 0.2, 0.3, 0.4]);
    const r = compareRocAuc(a, b);
    expect(r.verdict).toBe('undefined');
  });
});
