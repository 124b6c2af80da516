/**
 * Revisions of a window's result: ONE mechanism for every result that is computed again as late
 * data lands (performance as labels keep arriving, outcome KPIs as late outcomes land). A re-run
 * that sees the same data replaces the result under its key (same revision); a re-run that sees
 * different data first keeps the earlier result under `<key>.revision-<n>.json`, so nothing is
 * overwritten silently and the result under the key is always the latest revision.
 */
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
