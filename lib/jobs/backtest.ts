/**
 * Replays the schedule over a span of days exactly as it runs each morning (on AWS and in the
 * demo): the drift job for yesterday's window, the performance job for the window whose labels
 * matured that morning, then the alert policy, each with the clock set to that morning. Labels are
 * read as of the morning (lib/jobs/performance.ts), so a backtest never sees the future.
 */
import type { Notifier } from '../adapters/notifier.js';
import type { ResultStore } from '../ports.js';
import { type AlertsRunSummary, runAlerts } from './alerts.js';
import { runDrift } from './drift.js';
import type { DriftResult } from './drift-result.js';
import { type EstimatedResult, estimationUnavailable, runEstimate } from './estimate.js';
import { runScheduledPerformance } from './performance.js';
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
  /** The window's estimated performance (binary models with a labelled reference). */
  estimated?: EstimatedResult;
  performance?: PerformanceResult;
  alerts: AlertsRunSummary;
}

/**
 * A store through which a backtest sees only what it wrote itself (plus the reference profile):
 * results and alert state already in the folder, from a wall-clock run with labels that arrived
 * later or from an earlier backtest, would make the replay see the future or start with its
 * incidents open. Writes go through, replacing what was there.
 */
export class BacktestStore implements ResultStore {
  private readonly written = new Set<string>();
  private readonly scoped: string[];

  constructor(
    private readonly inner: ResultStore,
    model: string,
  ) {
    this.scoped = ['drift', 'estimated', 'performance', 'kpi', 'alerts', 'tickets'].map(
      (job) => `${model}/${job}/`,
    );
  }

  private hidden(key: string): boolean {
    return !this.written.has(key) && this.scoped.some((p) => key.startsWith(p));
  }

  async putJson(key: string, doc: unknown): Promise<void> {
    await this.inner.putJson(key, doc);
    this.written.add(key);
  }

  async getJson<T = unknown>(key: string): Promise<T | undefined> {
    return this.hidden(key) ? undefined : this.inner.getJson<T>(key);
  }

  async createJson(key: string, doc: unknown): Promise<boolean> {
    if (this.written.has(key)) return false;
    if (this.hidden(key)) {
      await this.putJson(key, doc);
      return true;
    }
    const created = await this.inner.createJson(key, doc);
    if (created) this.written.add(key);
    return created;
  }

  async putText(key: string, text: string, contentType: string): Promise<void> {
    await this.inner.putText(key, text, contentType);
    this.written.add(key);
  }

  async list(prefix: string): Promise<string[]> {
    return (await this.inner.list(prefix)).filter((key) => !this.hidden(key));
  }

  linkFor(key: string): string {
    return this.inner.linkFor(key);
  }
}

/**
 * Runs each morning from `from + 1` to `to + 1` in order and returns what each produced. The
 * replay starts from no results and no alert state (`BacktestStore`), so the same backtest twice
 * makes the same decisions.
 */
export async function runBacktest(jobDeps: JobDeps, options: BacktestOptions): Promise<BacktestDay[]> {
  const { definition } = jobDeps;
  const deps: JobDeps = { ...jobDeps, store: new BacktestStore(jobDeps.store, definition.model.id) };
  const days = daysBetween(options.from, options.to) + 1;
  if (days < 1) throw new Error(`--from ${options.from} is after --to ${options.to}`);
  const out: BacktestDay[] = [];
  for (let i = 0; i < days; i++) {
    const date = shiftDate(options.from, i);
    const morning = shiftDate(date, 1);
    const now = new Date(`${morning}T${options.time ?? '02:00'}:00Z`);
    const at: JobDeps = { ...deps, clock: { now: () => now } };
    const drift = (await runDrift(at, date)).result;
    // As on AWS: the drift run also estimates the window's performance before its labels exist.
    const estimated = estimationUnavailable(definition) ? undefined : (await runEstimate(at, date)).result;
    let performance: PerformanceResult | undefined;
    if (definition.labels && deps.sources.labels) {
      const matured = maturedWindow(definition, now);
      if (matured >= (options.logStart ?? options.from))
        performance = (await runScheduledPerformance(at, matured)).result;
    }
    const alerts = await runAlerts(
      { definition, store: deps.store, notifier: options.notifier, clock: at.clock },
      date,
    );
    const day: BacktestDay = {
      date,
      drift,
      ...(estimated ? { estimated } : {}),
      ...(performance ? { performance } : {}),
      alerts,
    };
    options.onDay?.(day);
    out.push(day);
  }
  return out;
}
