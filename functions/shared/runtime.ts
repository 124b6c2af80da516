/**
 * What the handlers share: Powertools logging and EMF metrics, the AWS adapters built from the
 * environment, and the run of one job with its metrics. Handlers stay a few lines each.
 */

import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { AthenaClient } from '@aws-sdk/client-athena';
import { AthenaQueryEngine } from '../../lib/adapters/athena-engine.js';
import { notificationsPrefix, resolveAthenaSources, runsPrefix } from '../../lib/adapters/athena-sources.js';
import { EventBridgePublisher } from '../../lib/adapters/eventbridge-publisher.js';
import { composeNotifier, type Notifier } from '../../lib/adapters/notifier.js';
import { S3ResultStore } from '../../lib/adapters/s3-store.js';
import { SnsNotifier } from '../../lib/adapters/sns-notifier.js';
import type { MonitorDefinition } from '../../lib/config/schema.js';
import { alertKeys, runAlerts } from '../../lib/jobs/alerts.js';
import { estimationUnavailable } from '../../lib/jobs/estimate.js';
import { runReport } from '../../lib/jobs/report-job.js';
import { runJob } from '../../lib/jobs/run-job.js';
import type { JobDeps, JobRequest, JobSummary } from '../../lib/jobs/types.js';
import { lastCompleteWindow, maturedWindow } from '../../lib/jobs/windows.js';
import type { Clock } from '../../lib/ports.js';
import type { HubEnvironment } from './env.js';
import type { JobEvent } from './event.js';

/** The part of the Lambda context driftwatch uses. */
export interface LambdaContext {
  awsRequestId: string;
  functionName: string;
  getRemainingTimeInMillis(): number;
}

export const SERVICE_NAME = 'driftwatch';
export const METRICS_NAMESPACE = process.env.POWERTOOLS_METRICS_NAMESPACE ?? 'Driftwatch';

export const logger = new Logger({ serviceName: SERVICE_NAME });
export const metrics = new Metrics({ namespace: METRICS_NAMESPACE, serviceName: SERVICE_NAME });

/**
 * Time kept back from the Lambda's own deadline: the job's deadline is this much earlier, so the
 * running query is stopped, the JobFailed metric and the job-failed alert are published and the
 * error is logged before Lambda kills the function (which runs no catch and no finally).
 */
export const DEADLINE_MARGIN_MILLIS = 30_000;

/** The adapters that live as long as the execution environment. */
export interface Adapters {
  env: HubEnvironment;
  athena: AthenaClient;
  store: S3ResultStore;
  notifier: Notifier;
}

/**
 * The adapters of one function. `scope` is the model id (or DIGEST_SCOPE for the hub's digest): its
 * notification markers go under `_notifications/<scope>/`, the only markers its role may write.
 */
export function buildAdapters(env: HubEnvironment, scope: string): Adapters {
  const store = new S3ResultStore({
    bucket: env.bucket,
    prefix: env.prefix,
    consoleRegion: process.env.AWS_REGION,
  });
  const delivery = { markerPrefix: notificationsPrefix(scope) };
  const notifier = composeNotifier(
    new SnsNotifier({
      alertTopicArn: env.alertTopicArn,
      digestTopicArn: env.digestTopicArn,
      store,
      delivery,
    }),
    new EventBridgePublisher({ eventBusName: env.eventBusName, store, delivery }),
  );
  return { env, athena: new AthenaClient({ maxAttempts: 1 }), store, notifier };
}

/** The job's clock: the schedule's fire time when known, so retries compute the same window. */
export function clockFor(event: JobEvent): Clock {
  const fixed = event.scheduledTime ? new Date(event.scheduledTime) : undefined;
  return { now: () => fixed ?? new Date() };
}

/**
 * The key recording that a scheduled run finished: one per model, job and schedule fire time. A
 * re-delivery of the same scheduled event (Lambda and Scheduler deliver at least once) finds it and
 * returns the recorded summary instead of scanning again. Runs without `scheduledTime` (manual
 * invocations, backfills) always run.
 */
export function runMarkerKey(model: string, event: JobEvent): string | undefined {
  if (!event.scheduledTime) return undefined;
  return `${runsPrefix(model)}${event.job}/${encodeURIComponent(event.scheduledTime)}.json`;
}

/**
 * Runs one job for one model with a fresh engine (so its stats are this run's), records the EMF
 * metrics `JobSucceeded` / `JobFailed` and `AthenaBytesScanned`, and returns the summary.
 */
export async function runModelJob(
  event: JobEvent,
  definition: MonitorDefinition,
  adapters: Adapters,
  context: LambdaContext,
): Promise<JobSummary> {
  const model = definition.model.id;
  const markerKey = runMarkerKey(model, event);
  const previous = markerKey ? await adapters.store.getJson<{ summary: JobSummary }>(markerKey) : undefined;
  if (previous?.summary) {
    logger.info('this scheduled run already finished: returning its summary', { markerKey });
    return previous.summary;
  }
  // ONE deadline for every query of the job, fixed now from the time Lambda gives this invocation.
  const remaining = context.getRemainingTimeInMillis();
  const engine = new AthenaQueryEngine({
    workGroup: adapters.env.workGroup,
    client: adapters.athena,
    timeoutMillis: remaining,
    deadline: Date.now() + remaining - DEADLINE_MARGIN_MILLIS,
  });
  // `notifier` is passed along for the jobs that publish; JobDeps gains the field when they do.
  const deps: JobDeps & { notifier: Notifier } = {
    definition,
    sources: resolveAthenaSources(definition, adapters.env.database),
    engine,
    store: adapters.store,
    clock: clockFor(event),
    notifier: adapters.notifier,
    log: (message, detail) => logger.info(message, { model, ...detail }),
  };
  const jobMetrics = metrics.singleMetric();
  jobMetrics.addDimensions({ model, job: event.job });
  try {
    const summary = await runJob(jobRequest(event, deps), deps);
    // The 02:00 drift run also estimates the same window's performance from its scores (before its
    // labels exist), when the model can be estimated (binary, a score, a labelled reference).
    if (event.job === 'drift' && summary.window && !estimationUnavailable(definition))
      await runJob({ job: 'estimate', date: summary.window.start }, deps);
    await afterJob(event, deps, summary.window?.start);
    if (HOURLY_JOBS.has(event.job)) await hourlyRunSucceeded(event, deps);
    if (markerKey) await adapters.store.putJson(markerKey, { summary, finishedAt: new Date().toISOString() });
    jobMetrics.addMetric('JobSucceeded', MetricUnit.Count, 1);
    logger.info('job finished', { summary, queries: engine.stats() });
    return summary;
  } catch (error) {
    jobMetrics.addMetric('JobFailed', MetricUnit.Count, 1);
    logger.error('job failed', { model, job: event.job, error: error as Error, queries: engine.stats() });
    await reportFailure(event, deps, error as Error);
    throw error;
  } finally {
    // One custom metric per model and job for cost (CloudWatch bills each metric monthly); engine
    // time and the USD estimate are in the log line above.
    const costMetrics = metrics.singleMetric();
    costMetrics.addDimensions({ model, job: event.job });
    costMetrics.addMetric('AthenaBytesScanned', MetricUnit.Bytes, engine.stats().bytesScanned);
    await engine.close();
  }
}

/**
 * The job's request: the event's date when given (that window only); otherwise performance
 * evaluates the window whose labels have just matured (yesterday minus the label delay: yesterday's
 * own labels are not in) and, as the scheduled run, the windows with late labels again; the other
 * jobs take runJob's default (the last complete window).
 */
export function jobRequest(event: JobEvent, deps: Pick<JobDeps, 'definition' | 'clock'>): JobRequest {
  if (event.date) return { job: event.job, date: event.date };
  if (event.job === 'performance')
    return { job: 'performance', date: maturedWindow(deps.definition, deps.clock.now()), scheduled: true };
  return { job: event.job };
}

/**
 * After the last job of a morning (performance, or drift for a model without labels): the alert
 * policy for the window, then its report. Alerts read every stored result, so they run once both
 * jobs have written theirs.
 */
async function afterJob(
  event: JobEvent,
  deps: JobDeps & { notifier: Notifier },
  window?: string,
): Promise<void> {
  const last = event.job === 'performance' || (event.job === 'drift' && !deps.definition.labels);
  if (!last) return;
  const date = event.job === 'drift' && window ? window : lastCompleteWindow(deps);
  const alerts = await runAlerts(
    { definition: deps.definition, store: deps.store, notifier: deps.notifier, clock: deps.clock },
    date,
  );
  const report = await runReport({ definition: deps.definition, store: deps.store, clock: deps.clock }, date);
  logger.info('alerts and report done', {
    window: date,
    sent: alerts.sent,
    openIncidents: alerts.openIncidents,
    report: report.key,
  });
}

/**
 * A drift or performance job that failed becomes a `job failed` meta-alert, never silence: one
 * incident per job naming the failed window (lib/alerts/failed-windows.ts), open until that window
 * has a result. Every failed attempt reports; a Lambda retry of the same window finds the incident
 * open and sends nothing again, and a retry that succeeds resolves it at the next alert step (the
 * same morning). The policy runs for the morning's run window (the one the alert step after the
 * last job uses, so nothing there looks like a replay of an older window); the failure carries the
 * job's own window (for performance the matured window, days back).
 */
async function reportFailure(
  event: JobEvent,
  deps: JobDeps & { notifier: Notifier },
  error: Error,
): Promise<void> {
  if (HOURLY_JOBS.has(event.job)) return reportHourlyFailure(event, deps, error);
  if (event.job !== 'drift' && event.job !== 'performance') return;
  const runWindow = lastCompleteWindow(deps);
  const failed = jobRequest(event, deps).date ?? runWindow;
  try {
    await runAlerts(
      {
        definition: deps.definition,
        store: deps.store,
        notifier: deps.notifier,
        clock: deps.clock,
        failures: [{ job: event.job, window: failed, message: error.message }],
      },
      runWindow,
    );
  } catch (alertError) {
    logger.error('could not publish the job-failed alert', { error: alertError as Error });
  }
}

/** The hourly jobs: a failure opens a job-failed incident only once it persists. */
const HOURLY_JOBS: ReadonlySet<string> = new Set(['slo', 'canary']);

/**
 * Consecutive failed runs (distinct schedule fire times: Lambda's retries of one run count once)
 * of an hourly job that open a `job-failed` incident. One failed hour is noise the next run
 * repairs (the slo job recounts the hours before it, `slos[].recount`); three in a row mean its
 * alerts are blind, and the model's on-call hears it in the model's own alert channel, with a
 * resolve notice when the job runs again (the JobErrors alarm goes to the operators once).
 */
export const HOURLY_FAILURES_TO_OPEN = 3;

/** The current streak of failed runs of an hourly job, at `alertKeys.hourlyFailures`. */
interface HourlyFailures {
  count: number;
  /** The schedule fire time of the first and of the latest failed run of the streak. */
  since?: string;
  last?: string;
  message?: string;
}

async function reportHourlyFailure(
  event: JobEvent,
  deps: JobDeps & { notifier: Notifier },
  error: Error,
): Promise<void> {
  const model = deps.definition.model.id;
  const key = alertKeys.hourlyFailures(model, event.job);
  try {
    const at = deps.clock
      .now()
      .toISOString()
      .replace(/\.\d{3}Z$/, 'Z');
    const streak = (await deps.store.getJson<HourlyFailures>(key)) ?? { count: 0 };
    const next: HourlyFailures = {
      count: streak.last === at ? streak.count : streak.count + 1,
      since: streak.count > 0 && streak.since ? streak.since : at,
      last: at,
      message: error.message,
    };
    await deps.store.putJson(key, next);
    if (next.count < HOURLY_FAILURES_TO_OPEN) return;
    await runAlerts(
      {
        definition: deps.definition,
        store: deps.store,
        notifier: deps.notifier,
        clock: deps.clock,
        failures: [
          {
            job: event.job,
            window: next.since as string,
            message: `${next.count} ${event.job} runs in a row failed (since ${next.since}); the latest: ${error.message}`,
          },
        ],
      },
      lastCompleteWindow(deps),
    );
  } catch (alertError) {
    logger.error('could not record the hourly job failure', { error: alertError as Error });
  }
}

/** An hourly job ran: its failure streak ends, and a job-failed incident it opened resolves. */
async function hourlyRunSucceeded(event: JobEvent, deps: JobDeps & { notifier: Notifier }): Promise<void> {
  const key = alertKeys.hourlyFailures(deps.definition.model.id, event.job);
  const streak = await deps.store.getJson<HourlyFailures>(key);
  if (!streak?.count) return;
  // Alerts first, then the streak: a crash in between resolves again (same ids), never loses it.
  if (streak.count >= HOURLY_FAILURES_TO_OPEN)
    await runAlerts(
      {
        definition: deps.definition,
        store: deps.store,
        notifier: deps.notifier,
        clock: deps.clock,
        recoveredJobs: [event.job],
      },
      lastCompleteWindow(deps),
    );
  await deps.store.putJson(key, { count: 0 } satisfies HourlyFailures);
}

/** Logs a malformed event and counts it; the caller returns instead of throwing, so it is not retried. */
export function rejectEvent(error: Error, event: unknown): { status: 'rejected'; message: string } {
  logger.error('rejected a malformed event; it will not be retried', { error, event });
  metrics.addMetric('InvalidEvent', MetricUnit.Count, 1);
  metrics.publishStoredMetrics();
  return { status: 'rejected', message: error.message };
}
