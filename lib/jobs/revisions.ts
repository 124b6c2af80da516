/**
 * Revisions of a window's result: ONE mechanism for every result that is computed again as late
 * data lands (performance as labels keep arriving, outcome KPIs as late outcomes land). A re-run
 * that sees the same data replaces the result under its key (same revision); a re-run that sees
 * different data first keeps the earlier result under `<key>.revision-<n>.json`, so nothing is
 * overwritten silently and the result under the key is always the latest revision.
 */
import type { ResultStore } from '../ports.js';

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
