/** Puts the current window and its history in one ordered series, one document per window. */
import type { DriftResult } from '../jobs/drift-result.js';
import type { PerformanceResult } from '../jobs/performance-result.js';
import type { ReportIncident, ReportInput } from './types.js';

/** Documents by window start, oldest first; the current document wins over a history entry. */
function series<T extends { window: { start: string } }>(
  history: readonly T[],
  current: T | undefined,
  end: string,
  prefer: (a: T, b: T) => T,
): T[] {
  const byStart = new Map<string, T>();
  for (const doc of history) {
    if (doc.window.start > end) continue;
    const existing = byStart.get(doc.window.start);
    byStart.set(doc.window.start, existing ? prefer(existing, doc) : doc);
  }
  if (current) byStart.set(current.window.start, current);
  return [...byStart.values()].sort((a, b) => (a.window.start < b.window.start ? -1 : 1));
}

export function driftSeries(input: ReportInput): DriftResult[] {
  return series(input.driftHistory, input.drift, input.window.start, (a, b) =>
    a.generatedAt >= b.generatedAt ? a : b,
  );
}

export function performanceSeries(input: ReportInput): PerformanceResult[] {
  return series(input.performanceHistory, input.performance, input.window.start, (a, b) =>
    a.revision >= b.revision ? a : b,
  );
}

/** Incidents a trend panel marks: those about its subject, and model-wide ones of a matching kind. */
export function incidentsFor(
  incidents: readonly ReportIncident[],
  subjects: readonly string[],
  kinds: RegExp,
): ReportIncident[] {
  return incidents.filter((i) =>
    i.subject !== undefined ? subjects.includes(i.subject) : i.kind === undefined || kinds.test(i.kind),
  );
}

/**
 * The performance result to judge the model by: the current window's when it is evaluated
 * (`ok`), otherwise the latest window whose labels have matured. Labels arrive days late, so the
 * current window is usually still provisional.
 */
export function evaluatedPerformance(series: readonly PerformanceResult[]): PerformanceResult | undefined {
  for (let i = series.length - 1; i >= 0; i--) {
    if (series[i]!.status === 'ok') return series[i];
  }
  return undefined;
}
