/**
 * Late data, one rule for every late feed (outcomes for KPIs, labels for performance): a window is
 * `late` while its coverage (the share of its predictions with an outcome / a label joined) is below
 * LATE_COVERAGE_SHARE x its usual coverage, the median over the earlier windows (the last
 * LATE_HISTORY_WINDOWS of them; 1 without any). The jobs re-evaluate exactly these windows each
 * morning within their look-back (lib/jobs/revisions.ts `recheckWindows`), and the alert policy
 * judges a re-evaluated window once at its own place (lib/alerts/policy.ts, late windows).
 */
import { median } from '../stats/median.js';

/** A window is judged as final only from this share of its usual coverage. */
export const LATE_COVERAGE_SHARE = 0.9;
/** Earlier windows the usual coverage is the median of. */
export const LATE_HISTORY_WINDOWS = 28;

/** The usual coverage given the earlier windows' coverages (oldest first): their recent median, 1 without any. */
export function usualCoverage(earlier: readonly number[]): number {
  const recent = earlier.slice(-LATE_HISTORY_WINDOWS);
  return recent.length ? median(recent) : 1;
}

/** A window whose coverage is below what it needs (its data is late). */
export interface LateCoverage {
  coverage: number;
  usualCoverage: number;
  neededCoverage: number;
}

/** Whether `coverage` is late against the earlier windows' coverages; undefined when it is usual. */
export function lateCoverage(coverage: number, earlier: readonly number[]): LateCoverage | undefined {
  const usual = usualCoverage(earlier);
  const needed = LATE_COVERAGE_SHARE * usual;
  return coverage < needed ? { coverage, usualCoverage: usual, neededCoverage: needed } : undefined;
}

/**
 * A window owes a final verdict (a value judged on complete data, or `*_missing`) until one is
 * stored. Its last recheck is the oldest window of the look-back; when that recheck fails (a bad
 * file elsewhere in the partitions it reads) or its morning does not run, the window stays owed
 * and the next mornings recheck it again as its last, for at most this many windows after it left
 * the look-back. After that it is given up (each failure was logged or failed the job already).
 */
export const OVERDUE_RECHECKS = 7;

/**
 * A result computed again out of its schedule (`recheckRun`) is judged by the first alert step at
 * or after that run; an alert step that has not run for this many windows since loses it (and the
 * alert state forgets what it judged longer ago, so the state stays small).
 */
export const LATE_JUDGE_WINDOWS = 14;
