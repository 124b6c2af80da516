/** Builders for alert-policy tests: definitions, drift and performance results, a recording notifier. */

import { MemoryResultStore } from '../../../lib/adapters/memory-store.js';
import {
  type AlertMessage,
  type CanaryVerdictEvent,
  type DigestMessage,
  IdempotentDelivery,
  type Notifier,
  type TicketEvent,
} from '../../../lib/adapters/notifier.js';
import type { AlertSettingsInput } from '../../../lib/alerts/settings.js';
import { validateDefinition } from '../../../lib/config/load.js';
import type { MonitorDefinition, MonitorDefinitionInput } from '../../../lib/config/schema.js';
import type {
  DriftResult,
  FeatureDrift,
  QualityFinding,
  SegmentDrift,
} from '../../../lib/jobs/drift-result.js';
import type { PerformanceResult, SegmentPerformance } from '../../../lib/jobs/performance-result.js';
import { shiftDate } from '../../../lib/jobs/windows.js';

export const FEATURES = ['income', 'debt_to_income', 'age', 'employment_type'] as const;

export function makeDefinition(
  options: {
    id?: string;
    tier?: 1 | 2 | 3;
    alerts?: AlertSettingsInput;
    labels?: boolean;
    task?: 'binary' | 'regression';
  } = {},
): MonitorDefinition {
  const task = options.task ?? 'binary';
  const input: MonitorDefinitionInput = {
    model: { id: options.id ?? 'credit-default', task, tier: options.tier ?? 1 },
    predictions: {
      location: 'data/predictions',
      idColumn: 'id',
      timestampColumn: 'ts',
      ...(task === 'regression' ? { predictionColumn: 'prediction' } : { scoreColumn: 'score' }),
    },
    features: [
      { name: 'income', kind: 'numeric' },
      { name: 'debt_to_income', kind: 'numeric' },
      { name: 'age', kind: 'numeric' },
      { name: 'employment_type', kind: 'categorical' },
    ],
    segments: ['locale'],
    ...(options.labels === false
      ? {}
      : { labels: { location: 'data/labels', idColumn: 'id', labelColumn: 'y', delay: 'P7D' } }),
    reference: { type: 'dataset', location: 'data/reference.parquet', labelColumn: 'y' },
    ...(options.alerts ? { alerts: options.alerts } : {}),
  };
  return validateDefinition(input, 'test.yaml');
}

export interface FeatureSpec {
  statistic?: number;
  level?: FeatureDrift['level'];
  method?: string;
  pValue?: number | null;
  currentSize?: number;
}

export function featureDrift(name: string, spec: FeatureSpec = {}): FeatureDrift {
  const statistic = spec.statistic ?? 0.002;
  const level = spec.level ?? (statistic >= 0.25 ? 'critical' : statistic >= 0.1 ? 'warning' : 'none');
  return {
    name,
    kind: name === 'employment_type' ? 'categorical' : 'numeric',
    method: spec.method ?? 'psi',
    computation: 'binned',
    statistic,
    pValue: spec.pValue ?? null,
    threshold: 0.1,
    criticalThreshold: 0.25,
    noiseThreshold: 0.008,
    level,
    drifted: level === 'warning' || level === 'critical',
    referenceSize: 50_000,
    currentSize: spec.currentSize ?? 3000,
    jensenShannon: null,
    bins: Array.from({ length: 10 }, (_, i) => ({ label: `b${i}`, referenceShare: 0.1, currentShare: 0.1 })),
  };
}

export interface DriftSpec {
  features?: Partial<Record<string, FeatureSpec>>;
  prediction?: FeatureSpec;
  segments?: {
    column: string;
    value: string;
    rows?: number;
    tooSmall?: boolean;
    features?: Partial<Record<string, FeatureSpec>>;
  }[];
  findings?: QualityFinding[];
  rows?: number;
  ratio?: number;
  status?: 'ok' | 'no_data';
}

export function driftResult(date: string, spec: DriftSpec = {}, model = 'credit-default'): DriftResult {
  const features = FEATURES.map((f) => featureDrift(f, spec.features?.[f]));
  const segments: SegmentDrift[] = (spec.segments ?? []).map((s) => ({
    column: s.column,
    value: s.value,
    rows: s.rows ?? 300,
    tooSmall: s.tooSmall ?? false,
    features: FEATURES.map((f) => featureDrift(f, { currentSize: s.rows ?? 300, ...s.features?.[f] })),
  }));
  const drivers = features.filter((f) => f.drifted).map((f) => f.name);
  const rows = spec.status === 'no_data' ? 0 : (spec.rows ?? 3000);
  return {
    schemaVersion: 1,
    kind: 'drift',
    model,
    window: { start: date, end: shiftDate(date, 1), duration: 'P1D' },
    reference: {
      type: 'dataset',
      description: 'training',
      rows: 50_000,
      profileCreatedAt: '2026-01-01T00:00:00Z',
    },
    generatedAt: `${shiftDate(date, 1)}T01:00:00.000Z`,
    status: spec.status ?? 'ok',
    rows,
    engine: { name: 'duckdb', queries: 1, bytesScanned: 0, millis: 1 },
    settings: { bins: 10, sizeAware: true, alpha: 0.01, minSampleSize: 100 },
    features: spec.status === 'no_data' ? [] : features,
    ...(spec.status !== 'no_data' ? { prediction: featureDrift('score', spec.prediction) } : {}),
    dataset: {
      featureCount: features.length,
      driftedCount: drivers.length,
      driftedShare: drivers.length / 4,
      drivers,
    },
    segments,
    quality: {
      findings: spec.findings ?? [],
      features: [],
      volume: { rows, ...(spec.ratio !== undefined ? { expected: 3000, ratio: spec.ratio } : {}) },
    },
  };
}

export interface PerfSpec {
  value?: number;
  reference?: number | null;
  coverage?: number;
  status?: PerformanceResult['status'];
  segments?: { column: string; value: string; metricValue: number; tooSmall?: boolean }[];
  latencyP95?: number;
  errorRate?: number;
  metric?: string;
  /** The metric's standard error in the window (e.g. ROC-AUC's DeLong SE). */
  standardError?: number;
  /** ... and on the reference. */
  referenceStandardError?: number;
  task?: PerformanceResult['task'];
}

export function perfResult(date: string, spec: PerfSpec = {}, model = 'credit-default'): PerformanceResult {
  const metric = spec.metric ?? 'rocAuc';
  const value = spec.value ?? 0.82;
  const group = (v: number, n = 3000, se?: number) => ({
    predictions: n,
    labelled: Math.round(n * (spec.coverage ?? 0.96)),
    coverage: spec.coverage ?? 0.96,
    metrics: { [metric]: v, accuracy: 0.85, ...(se !== undefined ? { [`${metric}StandardError`]: se } : {}) },
    undefined: {},
  });
  const segments: SegmentPerformance[] = (spec.segments ?? []).map((s) => ({
    ...group(s.metricValue, 300),
    column: s.column,
    value: s.value,
    tooSmall: s.tooSmall ?? false,
    gap: { [metric]: s.metricValue - value },
  }));
  const reference = spec.reference === undefined ? 0.82 : spec.reference;
  return {
    schemaVersion: 1,
    kind: 'performance',
    model,
    task: spec.task ?? 'binary',
    window: { start: date, end: shiftDate(date, 1), duration: 'P1D' },
    generatedAt: `${shiftDate(date, 8)}T01:00:00.000Z`,
    revision: 1,
    status: spec.status ?? 'ok',
    maturity: { labelDelay: 'P7D', matureOn: shiftDate(date, 8), mature: spec.status !== 'not_mature' },
    primaryMetric: metric,
    overall: group(value, 3000, spec.standardError),
    ...(reference === null ? {} : { reference: group(reference, 50_000, spec.referenceStandardError) }),
    segments,
    versions: [],
    operational: {
      volume: 3000,
      ...(spec.latencyP95 !== undefined ? { latencyMs: { p50: 30, p95: spec.latencyP95, p99: null } } : {}),
      ...(spec.errorRate !== undefined ? { errorRate: spec.errorRate } : {}),
    },
    engine: { name: 'duckdb', queries: 1, bytesScanned: 0, millis: 1 },
  };
}

/** Dates from `start`, `n` of them. */
export function days(start: string, n: number): string[] {
  return Array.from({ length: n }, (_, i) => shiftDate(start, i));
}

/** A Notifier that runs the real delivery protocol over a memory store and records what went out. */
export class RecordingNotifier implements Notifier {
  readonly alerts: AlertMessage[] = [];
  readonly digests: DigestMessage[] = [];
  readonly tickets: TicketEvent[] = [];
  readonly canaryVerdicts: CanaryVerdictEvent[] = [];
  private readonly delivery = new IdempotentDelivery(new MemoryResultStore());

  publishAlert(msg: AlertMessage) {
    return this.delivery.deliver('alert', msg.id, async () => {
      this.alerts.push(msg);
      return undefined;
    });
  }

  publishDigest(msg: DigestMessage) {
    return this.delivery.deliver('digest', msg.id, async () => {
      this.digests.push(msg);
      return undefined;
    });
  }

  publishTicket(event: TicketEvent) {
    return this.delivery.deliver('ticket', event.id, async () => {
      this.tickets.push(event);
      return undefined;
    });
  }

  publishCanaryVerdict(event: CanaryVerdictEvent) {
    return this.delivery.deliver('canary', event.id, async () => {
      this.canaryVerdicts.push(event);
      return undefined;
    });
  }

  get sentCount(): number {
    return this.alerts.length + this.digests.length + this.tickets.length;
  }
}
