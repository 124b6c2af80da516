/**
 * The contract between entry points (the CLI, the Lambda handlers) and the jobs. An entry point
 * builds the adapters, then calls `runJob` (lib/jobs/run-job.ts) with one JobRequest.
 */
import type { Notifier } from '../adapters/notifier.js';
import type { MonitorDefinition } from '../config/schema.js';
import type { Clock, QueryEngine, ResultStore } from '../ports.js';
import type { DataSource } from '../sql/dialect.js';

export const JOB_NAMES = ['baseline', 'drift', 'performance', 'estimate', 'digest', 'slo', 'canary'] as const;
export type JobName = (typeof JOB_NAMES)[number];

/** One job run for one model and (except baseline) one window identified by its start date. */
export interface JobRequest {
  readonly job: JobName;
  /** The window's first day, YYYY-MM-DD (UTC). Defaults to the last complete window. */
  readonly date?: string;
  /** canary: the window's first instant, YYYY-MM-DDTHH:MM:SSZ. Defaults to the last complete window. */
  readonly start?: string;
  /**
   * performance: the scheduled morning run (no date given): after the matured window it evaluates
   * again the windows with late labels (lib/jobs/performance.ts `runScheduledPerformance`).
   */
  readonly scheduled?: boolean;
}

/** Where each log of the definition is read from, resolved for the engine in use. */
export interface ResolvedSources {
  readonly predictions: DataSource;
  readonly labels?: DataSource;
  readonly reference?: DataSource;
  /** The outcomes log (KPIs with `source: outcomes`). */
  readonly outcomes?: DataSource;
}

/** Everything a job needs from the outside world. */
export interface JobDeps {
  readonly definition: MonitorDefinition;
  readonly sources: ResolvedSources;
  readonly engine: QueryEngine;
  readonly store: ResultStore;
  readonly clock: Clock;
  /** Where jobs that publish on their own (slo alerts, canary verdicts) deliver; without it they store results only. */
  readonly notifier?: Notifier;
  /** Progress and diagnostics; silent by default. */
  readonly log?: (message: string, detail?: Record<string, unknown>) => void;
}

/** What a job run reports back to its caller (a handler's return value, the CLI's line). */
export interface JobSummary {
  readonly job: JobName;
  readonly model: string;
  readonly window?: { start: string; end: string };
  readonly status: 'ok' | 'no_data' | 'not_mature' | 'skipped';
  /** The result document's key in the store. */
  readonly resultKey?: string;
  readonly message: string;
}
