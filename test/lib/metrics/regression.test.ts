import { describe, expect, it } from 'vitest';
import { regressionMetrics, sklearnMape } from '../../../lib/metrics/regression.js';
import { expectRegressionOracle } from './expect-oracle.js';
import { close, regressionCases } from './oracle.js';
import { referenceRegression } from './reference.js';

describe('regression metrics from aggregates against the sklearn oracle', () => {
  for (const c of regressionCases()) {
    it(c.name, () => {
      const agg = referenceRegression(c.input.y_true, c.input.y_pred);
      const m = regressionMetrics(agg);
      const zeros = c.input.y_true.filter((y) => y === 0).length;
      expectRegressionOracle(m, c.expected.sklearn, zeros);
      // sklearn's MAPE (denominator max(|y|, eps)) is recoverable from the same aggregates
      expect(close(sklearnMape(agg).value!, c.expected.sklearn.mape_fraction)).toBe(true);
      // bias = mean(pred - y)
      const bias =
        c.input.y_pred.reduce((s, p, i) => s + (p - c.input.y_true[i]!), 0) / c.input.y_true.length;
      expect(close(m.meanError.value!, bias)).toBe(true);
    });
  }

  it('reg_zeros_negatives: our MAPE leaves the 10 zero targets out instead of dividing by eps', () => {
    const c = regressionCases().find((x) => x.name === 'reg_zeros_negatives')!;
    const { y_true, y_pred } = c.input;
    const m = regressionMetrics(referenceRegression(y_true, y_pred));
    const kept = y_true.map((y, i) => [y, y_pred[i]!] as const).filter(([y]) => y !== 0);
    const expected = kept.reduce((s, [y, p]) => s + Math.abs(p - y) / Math.abs(y), 0) / kept.length;
    expect(m.mapeExcludedZeroTargets).toBe(10);
    expect(close(m.mape.value!, expected)).toBe(true);
    expect(c.expected.sklearn.mape_fraction).toBeGreaterThan(1e13); // sklearn's, exploded by the zeros
    expect(m.mape.value!).toBeLessThan(100);
  });

  it('undefined when no row or a constant target', () => {
    expect(regressionMetrics(referenceRegression([], [])).mae.value).toBeNull();
    const constant = regressionMetrics(referenceRegression([1, 1, 1], [1, 2, 3]));
    expect(constant.r2.value).toBeNull();
    expect(constant.mae.value).toBe(1);
  });
});
