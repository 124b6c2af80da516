/**
 * Loads what a report shows from the ResultStore: the current window's drift and performance
 * results and those of the windows before it. Only the port, no file system: it runs the same
 * against a folder and S3.
 */
import { recheckDays } from '../alerts/late-display.js';
import type { MonitorDefinition } from '../config/schema.js';
import type { DriftResult } from '../jobs/drift-result.js';
import { type EstimatedResult, estimationUnavailable } from '../jobs/estimate.js';
import type { KpiResult } from '../jobs/kpi-result.js';
import type { PerformanceResult } from '../jobs/performance-result.js';
import { latestSloResult, sloKeys } from '../jobs/slo-result.js';
import { durationDays, resultKeys, shiftDate, type Window } from '../jobs/windows.js';
import { type Clock, type ResultStore, systemClock } from '../ports.js';
import type { ReportIncident, ReportInput, ReportLink, ReportReliability } from './types.js';

export const DEFAULT_HISTORY_WINDOWS = 30;
/** Reads in flight at once: enough to hide S3 latency, few enough to stay polite. */
const CONCURRENCY = 8;

export interface LoadReportOptions {
  /** How many windows before the current one feed the trends. @default 30 */
  historyWindows?: number;
  /** Open incidents to show (from the alert state). @default - none */
  incidents?: ReportIncident[];
  /** MTTD / MTTR from the alert state. @default - none */
  reliability?: ReportReliability;
  /** Extra links (runbook, dashboard); links to the current result documents are added. */
  links?: ReportLink[];
  /** @default - the system clock */
  clock?: Clock;
}

async function mapLimited<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await fn(items[index]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

/** The windows before `window`, oldest first, each one window duration apart. */
export function previousWindows(window: Window, count: number): Window[] {
  const days = durationDays(window.duration);
  const windows: Window[] = [];
  for (let i = count; i >= 1; i--) {
    const start = shiftDate(window.start, -i * days);
    windows.push({ start, end: shiftDate(start, days), duration: window.duration });
  }
  return windows;
}

/**
 * Reads the current window's results and up to `historyWindows` earlier windows' results; a window
 * without a result is simply absent from the history (a gap in the trend).
 */
export async function loadReportInput(
  store: ResultStore,
  definition: MonitorDefinition,
  window: Window,
  options: LoadReportOptions = {},
): Promise<ReportInput> {
  const model = definition.model.id;
  const windows = [...previousWindows(window, options.historyWindows ?? DEFAULT_HISTORY_WINDOWS), window];
  const read = async <T>(job: string, w: Window) => store.getJson<T>(resultKeys.result(model, job, w));
  const estimable = estimationUnavailable(definition) === undefined;
  const [drift, performance, kpi, estimated] = await Promise.all([
    mapLimited(windows, CONCURRENCY, (w) => read<DriftResult>('drift', w)),
    mapLimited(windows, CONCURRENCY, (w) => read<PerformanceResult>('performance', w)),
    (definition.kpis ?? []).length
      ? mapLimited(windows, CONCURRENCY, (w) => read<KpiResult>('kpi', w))
      : Promise.resolve([] as (KpiResult | undefined)[]),
    estimable
      ? mapLimited(windows, CONCURRENCY, (w) => read<EstimatedResult>('estimated', w))
      : Promise.resolve([] as (EstimatedResult | undefined)[]),
  ]);
  // The SLO job runs hourly: the newest result by the morning after the window.
  // Definitions stored before SLOs existed have no `slos`.
  const slo = definition.slos?.length ? await latestSloResult(store, model, window.start) : undefined;
  const currentDrift = drift.pop();
  const currentPerformance = performance.pop();
  const links: ReportLink[] = [...(options.links ?? [])];
  if (currentDrift)
    links.push({
      label: 'Drift result (JSON)',
      href: store.linkFor(resultKeys.result(model, 'drift', window)),
    });
  if (currentPerformance) {
    links.push({
      label: 'Performance result (JSON)',
      href: store.linkFor(resultKeys.result(model, 'performance', window)),
    });
  }
  if (estimated.at(-1)) {
    links.push({
      label: 'Estimated performance (JSON)',
      href: store.linkFor(resultKeys.result(model, 'estimated', window)),
    });
  }
  if (slo) {
    links.push({
      label: 'SLO result (JSON)',
      href: store.linkFor(sloKeys.result(model, slo.window)),
    });
  }
  return {
    model: {
      id: model,
      task: definition.model.task,
      tier: definition.model.tier,
      ...(definition.model.description ? { description: definition.model.description } : {}),
    },
    window,
    ...(currentDrift ? { drift: currentDrift } : {}),
    driftHistory: drift.filter((d): d is DriftResult => d !== undefined),
    ...(currentPerformance ? { performance: currentPerformance } : {}),
    performanceHistory: performance.filter((p): p is PerformanceResult => p !== undefined),
    ...(estimable
      ? {
          estimated: estimated.filter((e): e is EstimatedResult => e !== undefined),
          ...(definition.labels ? { labelDelayDays: durationDays(definition.labels.delay) } : {}),
        }
      : {}),
    ...(slo ? { slo } : {}),
    incidents: options.incidents ?? [],
    ...((definition.kpis ?? []).length
      ? { kpiHistory: kpi.filter((k): k is KpiResult => k !== undefined) }
      : {}),
    ...(definition.outcomes?.recheckWithin
      ? { outcomeRecheckDays: recheckDays(definition, definition.outcomes.recheckWithin) }
      : {}),
    ...(definition.labels?.recheckWithin
      ? { labelRecheckDays: recheckDays(definition, definition.labels.recheckWithin) }
      : {}),
    ...(options.reliability ? { reliability: options.reliability } : {}),
    generatedAt: (options.clock ?? systemClock).now().toISOString(),
    links,
  };
}
