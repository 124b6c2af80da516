/**
 * Replays the schedule over a span of days exactly as it runs each morning (on AWS and in the
 * demo): the drift job for yesterday's window, the performance job for the window whose labels
 * matured that morning, then the alert policy, each with the clock set to that morning. Labels are
 * read as of the morning (lib/jobs/performance.ts), so a backtest never sees the future.
 */
import type { Notifier } from '../adapters/notifier.js';
import { type AlertsRunSummary, runAlerts } from './alerts.js';
import { runDrift } from './drift.js';
import type { DriftResult } from './drift-result.js';
import { runPerformance } from './performance.js';
import type { PerformanceResult } from './performance-result.js';
import type { JobDeps } from './types.js';
import { daysBetween, maturedWindow, shiftDate } from './windows.js';

export interface BacktestOptions {
  /** The first window replayed (its morning is the day after). */
  from: string;
  /** The last window replayed (inclusive). */
  to: string;
  /** Where alerts go. */
  notifier: Notifier;
  /** The first day of the log: earlier windows are not evaluated for performance. */
  logStart?: string;
  /** The time of day the morning's jobs run, UTC. */
  time?: string;
  /** Called after each morning. */
  onDay?: (day: BacktestDay) => void;
}

export interface BacktestDay {
  /** The window the drift job and the alerts judged. */
  date: string;
  drift: DriftResult;
  performance?: PerformanceResult;
  alerts: AlertsRunSummary;
}

/** Runs each morning from `from + 1` to `to + 1` in order and returns what each produced. */
export async function runBacktest(deps: JobDeps, options: BacktestOptions): Promise<BacktestDay[]> {
  const { definition } = deps;
  const days = daysBetween(options.from, options.to) + 1;
  if (days < 1) throw new Error(`--from ${options.from} is after --to ${options.to}`);
  const out: BacktestDay[] = [];
  for (let i = 0; i < days; i++) {
    const date = shiftDate(options.from, i);
    const morning = shiftDate(date, 1);
    const now = new Date(`${morning}T${options.time ?? '02:00'}:00Z`);
    const at: JobDeps = { ...deps, clock: { now: () => now } };
    const drift = (await runDrift(at, date)).result;
    let performance: PerformanceResult | undefined;
    if (definition.labels && deps.sources.labels) {
      const matured = maturedWindow(definition, now);
      if (matured >= (options.logStart ?? options.from))
        performance = (await runPerformance(at, matured)).result;
    }
    const alerts = await runAlerts(
      { definition, store: deps.store, notifier: options.notifier, clock: at.clock },
      date,
    );
    const day: BacktestDay = { date, drift, ...(performance ? { performance } : {}), alerts };
    options.onDay?.(day);
    out.push(day);
  }
  return out;
}
