/** Stores a rendered report through the ResultStore port. */
import type { ResultStore } from '../ports.js';

export const REPORT_CONTENT_TYPE = 'text/html; charset=utf-8';

/** Writes (replaces) one report under `key` (see `reportKeys`). */
export async function writeReport(store: ResultStore, key: string, html: string): Promise<void> {
  await store.putText(key, html, REPORT_CONTENT_TYPE);
}
