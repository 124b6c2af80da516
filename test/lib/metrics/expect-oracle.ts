/** Assertions of computed metrics against the sklearn oracle, shared by the metric and SQL tests. */
import { expect } from 'vitest';
import type { BinaryMetrics } from '../../../lib/metrics/binary.js';
import type { MetricValue } from '../../../lib/metrics/metric-value.js';
import type { MulticlassMetrics } from '../../../lib/metrics/multiclass.js';
import type { RegressionMetrics } from '../../../lib/metrics/regression.js';
import { close, type Expected } from './oracle.js';

/** A metric against an expected value: a number within 1e-9 relative, or undefined with a reason. */
export function expectMetric(label: string, actual: MetricValue, expected: Expected): void {
  if (expected === null || typeof expected === 'object') {
    expect(actual.value, `${label} should be undefined`).toBeNull();
    if (actual.value === null) expect(actual.reason.length, `${label} reason`).toBeGreaterThan(0);
    return;
  }
  expect(actual.value, `${label}`).not.toBeNull();
  const ok = close(actual.value as number, expected);
  expect(ok, `${label}: got ${actual.value}, expected ${expected}`).toBe(true);
}

// biome-ignore lint/suspicious/noExplicitAny: oracle JSON
type Json = Record<string, any>;

export function expectBinaryOracle(m: BinaryMetrics, sk: Json, rank?: Json): void {
  expect(m.n).toBe(sk.n);
  expect(m.positives).toBe(sk.n_positive);
  expect(m.confusion).toEqual(sk.confusion);
  expectMetric('accuracy', m.accuracy, sk.accuracy);
  expectMetric('precision', m.precision, sk.precision);
  expectMetric('recall', m.recall, sk.recall);
  expectMetric('f1', m.f1, sk.f1);
  expectMetric('balanced_accuracy', m.balancedAccuracy, sk.balanced_accuracy);
  expectMetric('roc_auc', m.rocAuc, sk.roc_auc);
  if (rank) expectMetric('rank.roc_auc_mann_whitney', m.rocAuc, rank.roc_auc_mann_whitney);
  expectMetric('log_loss', m.logLoss, sk.log_loss);
  expectMetric('brier_score', m.brier, sk.brier_score);
  if (sk.n_positive === 0) {
    // Deliberate deviation: sklearn 1.2.1 returns -0.0 (with a warning) when there is no positive
    // label; driftwatch reports average precision as undefined there (see lib/metrics/ranking.ts).
    expect(sk.average_precision).toBe(-0);
    expect(m.averagePrecision.value).toBeNull();
  } else {
    expectMetric('average_precision', m.averagePrecision, sk.average_precision);
  }
}

export function expectMulticlassOracle(m: MulticlassMetrics, sk: Json): void {
  expect(m.n).toBe(sk.n);
  expect(m.confusionMatrix).toEqual(sk.confusion_matrix_rows_true_cols_pred);
  expect(m.classes).toEqual(Object.keys(sk.class_counts));
  expectMetric('accuracy', m.accuracy, sk.accuracy);
  for (const avg of ['macro', 'micro', 'weighted'] as const) {
    const cap = avg[0]!.toUpperCase() + avg.slice(1);
    expectMetric(
      `precision_${avg}`,
      m[`precision${cap}` as keyof MulticlassMetrics] as MetricValue,
      sk[`precision_${avg}`],
    );
    expectMetric(
      `recall_${avg}`,
      m[`recall${cap}` as keyof MulticlassMetrics] as MetricValue,
      sk[`recall_${avg}`],
    );
    expectMetric(`f1_${avg}`, m[`f1${cap}` as keyof MulticlassMetrics] as MetricValue, sk[`f1_${avg}`]);
  }
  for (const [cls, e] of Object.entries(sk.per_class as Record<string, Json>)) {
    const c = m.perClass[cls]!;
    expectMetric(`${cls}.precision`, c.precision, e.precision);
    expectMetric(`${cls}.recall`, c.recall, e.recall);
    expectMetric(`${cls}.f1`, c.f1, e.f1);
    expect(c.support).toBe(e.support);
    expectMetric(`${cls}.roc_auc_ovr`, c.rocAuc, sk.per_class_roc_auc_ovr[cls]);
  }
  expectMetric('roc_auc_ovr_macro', m.rocAucOvrMacro, sk.roc_auc_ovr_macro);
  expectMetric('roc_auc_ovr_weighted', m.rocAucOvrWeighted, sk.roc_auc_ovr_weighted);
  expectMetric('average_precision_ovr_macro', m.averagePrecisionOvrMacro, sk.average_precision_ovr_macro);
  expectMetric('log_loss', m.logLoss, sk.log_loss);
}

export function expectRegressionOracle(m: RegressionMetrics, sk: Json, zeroTargets: number): void {
  expect(m.n).toBe(sk.n);
  expectMetric('mae', m.mae, sk.mae);
  expectMetric('mse', m.mse, sk.mse);
  expectMetric('rmse', m.rmse, sk.rmse);
  expectMetric('r2', m.r2, sk.r2);
  expectMetric('max_error', m.maxError, sk.max_error);
  expectMetric('median_absolute_error', m.medianAbsoluteError, sk.median_absolute_error);
  expect(m.mapeExcludedZeroTargets).toBe(zeroTargets);
  // Without zero targets our MAPE is sklearn's; with zeros it is not (sklearn divides by eps).
  if (zeroTargets === 0) expectMetric('mape', m.mape, sk.mape_fraction);
}
