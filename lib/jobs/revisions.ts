/**
 * Revisions of a window's result: ONE mechanism for every result that is computed again as late
 * data lands (performance as labels keep arriving, outcome KPIs as late outcomes land). A re-run
 * that sees the same data replaces the result under its key (same revision); a re-run that sees
 * different data first keeps the earlier result under `<key>.revision-<n>.json`, so nothing is
 * overwritten silently and the result under the key is always the latest revision.
 */
import { LATE_HISTORY_WINDOWS, OVERDUE_RECHECKS } from '../alerts/late-data.js';
import type { MonitorDefinition } from '../config/schema.js';
import type { ResultStore } from '../ports.js';
import { durationDays, shiftDate } from './windows.js';

/** Where an earlier evaluation of a window is kept. */
export function revisionKey(resultKey: string, revision: number): string {
  return resultKey.replace(/\.json$/, `.revision-${revision}.json`);
}

/**
 * The revision number of a new result for `key`: 1 without an earlier one; the earlier one's when
 * `changed` says the data is the same (the new result replaces it); otherwise one more, after
 * keeping the earlier result at `revisionKey(key, its revision)`.
 */
export async function nextRevision<T extends { revision?: number }>(
  store: ResultStore,
  key: string,
  previous: T | undefined,
  changed: (previous: T) => boolean,
): Promise<number> {
  if (!previous) return 1;
  const revision = previous.revision ?? 1;
  if (!changed(previous)) return revision;
  await store.putJson(revisionKey(key, revision), previous);
  return revision + 1;
}

/**
 * The look-back of late data, shared by the KPI step (late outcomes, `outcomes.recheckWithin`) and
 * the performance job (late labels, `labels.recheckWithin`): the windows that matured on the
 * `within` mornings before the one where `matured` matured, oldest first, on the windows' grid
 * (whole windows). The oldest is each window's last recheck.
 */
export function recheckWindows(definition: MonitorDefinition, matured: string, within: string): string[] {
  const windowDays = Math.max(1, Math.round(durationDays(definition.window)));
  const count = Math.ceil(durationDays(within) / windowDays);
  return Array.from({ length: count }, (_, i) => shiftDate(matured, -(count - i) * windowDays));
}

/** One window a morning's run evaluates again for late data. */
export interface PlannedRecheck {
  start: string;
  /** Its last recheck (the oldest window of the look-back, or overdue): data still late is marked missing. */
  last: boolean;
  /** Past its last recheck, still owed a final verdict (that recheck failed or did not run). */
  overdue: boolean;
}

/**
 * The windows a morning's run evaluates again when they still owe a final verdict, oldest first:
 * the OVERDUE_RECHECKS windows before the look-back (each rechecked as its last, only when still
 * owed), then the look-back (`recheckWindows`, whose oldest is each window's last recheck).
 */
export function recheckPlan(
  definition: MonitorDefinition,
  matured: string,
  within: string,
): PlannedRecheck[] {
  const lookBack = recheckWindows(definition, matured, within);
  if (!lookBack.length) return [];
  const windowDays = Math.max(1, Math.round(durationDays(definition.window)));
  const overdue = Array.from({ length: OVERDUE_RECHECKS }, (_, i) =>
    shiftDate(lookBack[0] as string, -(OVERDUE_RECHECKS - i) * windowDays),
  );
  return [
    ...overdue.map((start) => ({ start, last: true, overdue: true })),
    ...lookBack.map((start, i) => ({ start, last: i === 0, overdue: false })),
  ];
}

/**
 * How many stored results a step that rechecks or judges late windows reads (the results of the
 * windows up to its newest, newest last): every window it may recheck (`delayWindows` between the
 * newest read and the matured window, the look-back `within`, the overdue windows) plus `history`
 * windows before the oldest (the jobs: LATE_HISTORY_WINDOWS, the usual coverage). At least `floor`.
 */
export function lateHistoryLimit(
  definition: MonitorDefinition,
  within: string | undefined,
  delayWindows: number,
  history = LATE_HISTORY_WINDOWS,
  floor = 0,
): number {
  if (!within) return floor;
  const windowDays = Math.max(1, Math.round(durationDays(definition.window)));
  const lookBack = Math.ceil(durationDays(within) / windowDays);
  return Math.max(floor, delayWindows + lookBack + OVERDUE_RECHECKS + 1 + history);
}
