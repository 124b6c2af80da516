/** Small, hand-made result documents for the report tests. */
import type { DriftResult, FeatureDrift, SegmentDrift } from '../../../lib/jobs/drift-result.js';
import type { PerformanceResult } from '../../../lib/jobs/performance-result.js';
import { shiftDate } from '../../../lib/jobs/windows.js';

export const HOSTILE = '<script>alert(1)</script>';

export function feature(
  name: string,
  statistic: number | null,
  overrides: Partial<FeatureDrift> = {},
): FeatureDrift {
  const level =
    statistic === null
      ? 'insufficient_data'
      : statistic >= 0.25
        ? 'critical'
        : statistic >= 0.1
          ? 'warning'
          : 'none';
  return {
    name,
    kind: 'categorical',
    method: 'psi',
    computation: 'binned',
    statistic,
    pValue: null,
    threshold: 0.1,
    criticalThreshold: 0.25,
    noiseThreshold: 0.005,
    level,
    drifted: level === 'warning' || level === 'critical',
    referenceSize: 1000,
    currentSize: 500,
    jensenShannon: statistic === null ? null : statistic / 2,
    bins: [
      { label: 'a', referenceShare: 0.5, currentShare: 0.4 },
      { label: 'b', referenceShare: 0.5, currentShare: 0.5 },
      { label: 'c & d', referenceShare: 0, currentShare: 0.1 },
    ],
    ...overrides,
  };
}

function segment(column: string, value: string, features: FeatureDrift[], tooSmall = false): SegmentDrift {
  return { column, value, rows: tooSmall ? 20 : 300, tooSmall, features };
}

export function driftResult(
  start: string,
  features: FeatureDrift[],
  overrides: Partial<DriftResult> = {},
): DriftResult {
  const drifted = features.filter((f) => f.drifted).map((f) => f.name);
  return {
    schemaVersion: 1,
    kind: 'drift',
    model: 'churn',
    window: { start, end: shiftDate(start, 1), duration: 'P1D' },
    reference: {
      type: 'dataset',
      description: 'dataset train.parquet',
      rows: 1000,
      profileCreatedAt: '2026-01-01T00:00:00Z',
    },
    generatedAt: `${start}T06:00:00Z`,
    status: 'ok',
    rows: 500,
    engine: { name: 'duckdb', queries: 2, bytesScanned: 0, millis: 10 },
    settings: { bins: 10, sizeAware: true, alpha: 0.01, minSampleSize: 100 },
    features,
    prediction: feature('score', 0.01, { kind: 'numeric' }),
    dataset: {
      featureCount: features.length,
      driftedCount: drifted.length,
      driftedShare: drifted.length / features.length,
      drivers: drifted,
    },
    segments: [
      segment('region', 'east', features),
      segment(
        'region',
        HOSTILE,
        features.map((f) => ({ ...f, statistic: (f.statistic ?? 0) * 2 })),
      ),
      segment('region', 'tiny', features, true),
    ],
    quality: {
      findings: [
        {
          kind: 'new_category',
          severity: 'warning',
          feature: features[0]?.name ?? 'plan',
          value: 0.1,
          expected: 0,
          values: [HOSTILE],
          message: `plan: 1 category never seen in the reference ("${HOSTILE}")`,
        },
      ],
      features: features.map((f) => ({ name: f.name, nullRate: 0, referenceNullRate: 0, invalid: 0 })),
      volume: { rows: 500, expected: 500, ratio: 1 },
    },
    ...overrides,
  };
}

/** A drift result for a window without predictions, as the drift job writes it. */
export function noDataResult(start: string): DriftResult {
  return driftResult(start, [], {
    status: 'no_data',
    rows: 0,
    prediction: undefined,
    segments: [],
    dataset: { featureCount: 0, driftedCount: 0, driftedShare: 0, drivers: [] },
    quality: {
      findings: [
        {
          kind: 'no_data',
          severity: 'critical',
          value: 0,
          expected: 500,
          message: 'no predictions in this window',
        },
      ],
      features: [],
      volume: { rows: 0, expected: 500, ratio: 0 },
    },
  });
}

export function performanceResult(
  start: string,
  rocAuc: number,
  overrides: Partial<PerformanceResult> = {},
): PerformanceResult {
  const group = (auc: number, predictions = 500) => ({
    predictions,
    labelled: predictions * 0.9,
    coverage: 0.9,
    metrics: { rocAuc: auc, accuracy: 0.8, logLoss: 0.4 },
    undefined: {},
  });
  return {
    schemaVersion: 1,
    kind: 'performance',
    model: 'churn',
    task: 'binary',
    window: { start, end: shiftDate(start, 1), duration: 'P1D' },
    generatedAt: `${start}T06:00:00Z`,
    revision: 1,
    status: 'ok',
    maturity: { labelDelay: 'P7D', matureOn: shiftDate(start, 8), mature: true },
    primaryMetric: 'rocAuc',
    overall: group(rocAuc),
    reference: group(0.85, 1000),
    segments: [
      {
        ...group(rocAuc + 0.01, 300),
        column: 'region',
        value: 'east',
        tooSmall: false,
        gap: { rocAuc: 0.01, accuracy: 0, logLoss: 0 },
      },
      {
        ...group(rocAuc - 0.12, 200),
        column: 'region',
        value: HOSTILE,
        tooSmall: false,
        gap: { rocAuc: -0.12, accuracy: -0.1, logLoss: 0.2 },
      },
    ],
    worstSegment: {
      column: 'region',
      value: HOSTILE,
      metric: 'rocAuc',
      metricValue: rocAuc - 0.12,
      gap: -0.12,
    },
    versions: [],
    operational: { volume: 500 },
    engine: { name: 'duckdb', queries: 1, bytesScanned: 0, millis: 5 },
    ...overrides,
  };
}
