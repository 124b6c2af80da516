/**
 * What the slo job stores, and where: shared by the job (lib/jobs/slo.ts), the digest and the
 * report, which read the newest result.
 */
import type { BurnEvaluation, Silence } from '../alerts/burn-rate.js';
import type { ResultStore } from '../ports.js';
import { shiftDate, type TimeWindow, timeWindowKey } from './windows.js';

export const sloKeys = {
  ledger: (model: string, window: string) => `${model}/slo/ledger-${window}.json`,
  result: (model: string, window: TimeWindow) => timeWindowKey(model, 'slo', window),
  prefix: (model: string) => `${model}/slo/`,
} as const;

/** Counts per sub-window and version, for the SLOs of one sub-window size. */
export interface SloLedger {
  schemaVersion: 1;
  model: string;
  window: string;
  /** What the counts mean: the SLOs' names and SLIs and the version column; another one recounts. */
  signature: string;
  /** The end of the last counted sub-window (ISO instant). */
  through: string;
  /** `[start (ISO), version, total, good per SLO in signature order]`, oldest first. */
  rows: [string, string | null, number, number[]][];
}

export interface SloBudgetView {
  budget: BurnEvaluation['budget'];
  rules: BurnEvaluation['rules'];
  level: BurnEvaluation['level'];
}

export interface SloResultEntry extends SloBudgetView {
  name: string;
  description?: string;
  sli: string;
  target: number;
  period: string;
  window: string;
  /** Budget remaining after each sub-window of the period (thinned to at most 720 points). */
  series: { start: string; remaining: number }[];
  /** Per model version, when the SLO asks for it. */
  versions: (SloBudgetView & { version: string; subject: string })[];
}

export interface SloResult {
  schemaVersion: 1;
  kind: 'slo';
  model: string;
  window: TimeWindow;
  generatedAt: string;
  /** What this run counted (one query per sub-window size, or none when nothing was new). */
  counted: { window: string; start: string; end: string; rows: number }[];
  slos: SloResultEntry[];
  /** No events at all in the last hour where the same hour of earlier days had many (the finest ledger). */
  silence?: Silence;
  alerts?: {
    decisions: { type: string; incidentId: string; subject: string; level: string; delivery: string }[];
    sent: number;
  };
}

/**
 * The newest SLO result stored by the day after `date` (the morning a digest or report for `date`
 * is made), looking in that day's partition and then `date`'s: the hourly job writes 24 a day, so
 * listing one day keeps the listing small.
 */
export async function latestSloResult(
  store: ResultStore,
  model: string,
  date: string,
): Promise<SloResult | undefined> {
  for (const day of [shiftDate(date, 1), date]) {
    const keys = (await store.list(`${model}/slo/dt=${day}/`)).filter((k) =>
      /\/\d{4}Z-[A-Z0-9]+\.json$/.test(k),
    );
    const last = keys.sort().at(-1);
    if (last) return store.getJson<SloResult>(last);
  }
  return undefined;
}
