import { describe, expect, it } from 'vitest';
import { adjustedPValues, benjaminiHochberg, driftPValue } from '../../../lib/alerts/multiple-testing.js';
import { badDirectionOfMetric, levelOf, meanAndStd } from '../../../lib/alerts/thresholds.js';
import { psiNoiseThreshold } from '../../../lib/stats/noise-threshold.js';
import { featureDrift } from './fixtures.js';

describe('levelOf', () => {
  it.each([
    { value: 0.6, level: 'none' },
    { value: 0.5, level: 'warning' },
    { value: 0.2, level: 'critical' },
  ])('static, below: $value is $level', ({ value, level }) => {
    expect(
      levelOf({ value, direction: 'below', threshold: { type: 'static', warning: 0.5, critical: 0.25 } })
        .level,
    ).toBe(level);
  });

  it('relative: ROC-AUC 0.05 below the reference is a warning, 0.10 critical', () => {
    const threshold = { type: 'relative', warning: 0.05, critical: 0.1 } as const;
    expect(levelOf({ value: 0.78, direction: 'below', threshold, reference: 0.82 }).level).toBe('none');
    const warning = levelOf({ value: 0.76, direction: 'below', threshold, reference: 0.82 });
    expect(warning).toMatchObject({ level: 'warning', baseline: 0.82 });
    expect(warning.warning).toBeCloseTo(0.77, 12);
    expect(levelOf({ value: 0.7, direction: 'below', threshold, reference: 0.82 }).level).toBe('critical');
    expect(levelOf({ value: 0.1, direction: 'below', threshold, reference: null })).toEqual({
      level: 'none',
      armed: false,
    });
  });

  it('dynamic: arms after minHistory windows and compares with mean +/- k std', () => {
    const threshold = {
      type: 'dynamic',
      warningK: 3,
      criticalK: 4,
      windows: 14,
      minHistory: 5,
      minDelta: 0,
    } as const;
    const history = [10, 11, 9, 10, 10];
    const { mean, std } = meanAndStd(history);
    expect(levelOf({ value: 100, direction: 'above', threshold, history: history.slice(0, 4) }).armed).toBe(
      false,
    );
    expect(levelOf({ value: mean + 2.9 * std, direction: 'above', threshold, history }).level).toBe('none');
    expect(levelOf({ value: mean + 3.5 * std, direction: 'above', threshold, history }).level).toBe(
      'warning',
    );
    expect(levelOf({ value: mean + 4.1 * std, direction: 'above', threshold, history }).level).toBe(
      'critical',
    );
    expect(levelOf({ value: mean - 5 * std, direction: 'above', threshold, history }).level).toBe('none');
  });

  it('dynamic: minDelta keeps a flat history from firing on tiny changes', () => {
    const threshold = {
      type: 'dynamic',
      warningK: 3,
      criticalK: 4,
      windows: 14,
      minHistory: 3,
      minDelta: 5,
    } as const;
    expect(levelOf({ value: 44, direction: 'above', threshold, history: [40, 40, 40] }).level).toBe('none');
    expect(levelOf({ value: 46, direction: 'above', threshold, history: [40, 40, 40] }).level).toBe(
      'warning',
    );
  });

  it('knows which metrics are better lower', () => {
    expect(badDirectionOfMetric('rocAuc')).toBe('below');
    expect(badDirectionOfMetric('rmse')).toBe('above');
  });
});

describe('benjaminiHochberg', () => {
  it('rejects by the step-up rule', () => {
    // Step-up: p(3) = 0.03 <= 3/5 x 0.05 = 0.03, so the three smallest are rejected although
    // p(2) = 0.025 > 2/5 x 0.05 = 0.02.
    expect(benjaminiHochberg([0.001, 0.025, 0.03, 0.2, 0.9], 0.05)).toEqual([true, true, true, false, false]);
    expect(benjaminiHochberg([0.02, 0.03], 0.01)).toEqual([false, false]);
    expect(benjaminiHochberg([], 0.05)).toEqual([]);
  });

  it('adjusts p-values monotonically', () => {
    expect(adjustedPValues([0.01, 0.04, 0.03])).toEqual([0.03, 0.04, 0.04]);
  });
});

describe('driftPValue', () => {
  it('gives PSI at its noise threshold a p-value of alpha (chi-square approximation)', () => {
    const input = { referenceSize: 50_000, currentSize: 300, bins: 10, alpha: 0.01 };
    const statistic = psiNoiseThreshold(input);
    const p = driftPValue(featureDrift('x', { statistic, currentSize: 300 }));
    expect(p).toBeCloseTo(0.01, 6);
  });

  it('uses the test p-value when there is one, and none for methods without an approximation', () => {
    expect(driftPValue(featureDrift('x', { method: 'ks', statistic: 0.1, pValue: 0.003 }))).toBe(0.003);
    expect(driftPValue(featureDrift('x', { method: 'wasserstein', statistic: 0.1 }))).toBeNull();
  });
});
