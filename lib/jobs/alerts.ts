/**
 * The alerts job for one model and window, and the daily digest for every model. The job reads the
 * stored drift and performance results (the window and its history), loads the incident state,
 * runs the pure policy (lib/alerts/policy.ts), publishes what it decided through the Notifier and
 * stores the new state.
 *
 * Order for crash safety: publish first, then store the state. A crash in between re-runs the same
 * decisions with the same notification ids, which the Notifier's delivery protocol drops; storing
 * first could lose a notification.
 */

import type { DeliveryResult, DigestMessage, Notifier } from '../adapters/notifier.js';
import { type DigestModelInput, renderDigest } from '../alerts/digest.js';
import { pendingWindowsOf, type WindowResult } from '../alerts/failed-windows.js';
import { stableHash } from '../alerts/ids.js';
import { kpiRules } from '../alerts/kpi-rules.js';
import { type AlertContext, renderAlert, renderGroup } from '../alerts/messages.js';
import { evaluatePolicy } from '../alerts/policy.js';
import { resolveRules } from '../alerts/rules.js';
import { resolveAlertSettings } from '../alerts/settings.js';
import { ticketEvent } from '../alerts/tickets.js';
import {
  type AlertState,
  type Decision,
  type DecisionType,
  emptyState,
  type JobFailure,
} from '../alerts/types.js';
import type { MonitorDefinition } from '../config/schema.js';
import type { Clock, ResultStore } from '../ports.js';
import { openTicket, openTicketOf } from './alerts-tickets.js';
import type { DriftResult } from './drift-result.js';
import { estimationUnavailable, loadEstimates } from './estimate.js';
import type { KpiResult } from './kpi-result.js';
import type { PerformanceResult } from './performance-result.js';
import { lateHistoryLimit } from './revisions.js';
import { latestSloResult } from './slo-result.js';
import { dateOfKey, durationDays, resultKeys, shiftDate, type Window, windowFor } from './windows.js';

export const alertKeys = {
  state: (model: string) => `${model}/alerts/state.json`,
  run: (model: string, window: Window) => `${model}/alerts/dt=${window.start}/${window.duration}.json`,
  digest: (date: string) => `digests/dt=${date}/digest.txt`,
  /** The consecutive failed hours of an hourly job (slo, canary), kept by the Lambda runtime. */
  hourlyFailures: (model: string, job: string) => `${model}/alerts/hourly-failures/${job}.json`,
} as const;

/** Windows of history the policy reads (confirmation, clearing, dynamic thresholds). */
const HISTORY_WINDOWS = 30;
/** Windows of history the policy reads at least before the oldest late window it may judge. */
const LATE_WINDOW_HISTORY = 7;
/** Windows of estimated performance the policy reads (confirmation and clearing need a few). */
const ESTIMATE_HISTORY_WINDOWS = 10;

export interface AlertsDeps {
  definition: MonitorDefinition;
  store: ResultStore;
  notifier: Notifier;
  clock: Clock;
  /** The link alerts point to. @default - the store's link to the window's drift result */
  reportLink?: string;
  /** Jobs that failed for this window, reported as meta-alerts. */
  failures?: JobFailure[];
  /** Hourly jobs that ran again after failing (their job-failed incident resolves). */
  recoveredJobs?: string[];
}

export interface AlertsRunSummary {
  model: string;
  window: Window;
  decisions: {
    type: DecisionType;
    incidentId: string;
    ruleId: string;
    subject: string;
    level: string;
    route: string;
    notificationId: string;
    /** The id of the message it went out in (a grouped message carries several decisions). */
    messageId?: string;
    /** `sent` now, `duplicate` (an earlier run sent it) or `digest` (digest only, nothing sent). */
    delivery: DeliveryResult['status'] | 'digest';
  }[];
  ticket?: { ticketId: string; created: boolean; delivery?: DeliveryResult['status'] };
  openIncidents: number;
  /** Messages sent now (a grouped notification counts once; a ticket counts once). */
  sent: number;
  /** Enabled rules, and how many of them saw nothing at warning or above in this run. */
  rules: { enabled: number; clear: number };
  stateKey: string;
}

async function loadDriftHistory(
  store: ResultStore,
  definition: MonitorDefinition,
  window: Window,
): Promise<{ drift: { window: string; result?: DriftResult }[]; monitoringSince?: string }> {
  const model = definition.model.id;
  const step = durationDays(window.duration);
  const keys = new Set(
    (await store.list(resultKeys.jobPrefix(model, 'drift'))).filter((k) =>
      k.endsWith(`/${window.duration}.json`),
    ),
  );
  const first = [...keys]
    .map(dateOfKey)
    .filter((d): d is string => !!d)
    .sort()[0];
  const drift: { window: string; result?: DriftResult }[] = [];
  for (let k = HISTORY_WINDOWS - 1; k >= 0; k--) {
    const start = shiftDate(window.start, -k * step);
    const key = resultKeys.result(model, 'drift', { ...window, start });
    const result = keys.has(key) ? await store.getJson<DriftResult>(key) : undefined;
    drift.push(result ? { window: start, result } : { window: start });
  }
  return { drift, ...(first ? { monitoringSince: first } : {}) };
}

/** The stored performance results with a window start at or before `until`, oldest first. */
export async function loadPerformance(
  store: ResultStore,
  definition: MonitorDefinition,
  duration: string,
  until: string,
  limit = HISTORY_WINDOWS,
): Promise<PerformanceResult[]> {
  const keys = (await store.list(resultKeys.jobPrefix(definition.model.id, 'performance')))
    .filter((k) => /\/dt=\d{4}-\d{2}-\d{2}\/[^/]+\.json$/.test(k) && k.endsWith(`/${duration}.json`))
    .filter((k) => (dateOfKey(k) ?? '9999') <= until)
    .sort()
    .slice(-limit);
  const results: PerformanceResult[] = [];
  for (const key of keys) {
    const doc = await store.getJson<PerformanceResult>(key);
    if (doc) results.push(doc);
  }
  return results;
}

/** The stored KPI results with a window start at or before `until`, oldest first. */
export async function loadKpis(
  store: ResultStore,
  definition: MonitorDefinition,
  duration: string,
  until: string,
  limit = HISTORY_WINDOWS + 7,
): Promise<KpiResult[]> {
  if ((definition.kpis ?? []).length === 0) return [];
  const keys = (await store.list(resultKeys.jobPrefix(definition.model.id, 'kpi')))
    .filter((k) => k.endsWith(`/${duration}.json`))
    .filter((k) => (dateOfKey(k) ?? '9999') <= until)
    .sort()
    .slice(-limit);
  const results: KpiResult[] = [];
  for (const key of keys) {
    const doc = await store.getJson<KpiResult>(key);
    if (doc) results.push(doc);
  }
  return results;
}

/**
 * The stored results of windows the open job-failed / missing-result incidents wait on that lie
 * outside the loaded history (a window failed more than HISTORY_WINDOWS windows ago): one read each.
 */
async function loadWindowResults(
  store: ResultStore,
  definition: MonitorDefinition,
  w: Window,
  state: AlertState,
  drift: readonly { window: string; result?: DriftResult }[],
  performance: readonly PerformanceResult[],
): Promise<WindowResult[]> {
  const model = definition.model.id;
  const loaded = (job: string, window: string) =>
    job === 'drift'
      ? drift.some((d) => d.window === window)
      : job === 'performance' && performance.some((p) => p.window.start === window);
  const out: WindowResult[] = [];
  for (const { job, window } of pendingWindowsOf(state.incidents)) {
    if ((job !== 'drift' && job !== 'performance') || window > w.start || loaded(job, window)) continue;
    const doc = await store.getJson<{ generatedAt?: string; status?: string }>(
      resultKeys.result(model, job, { ...w, start: window }),
    );
    if (doc && doc.status !== 'not_mature')
      out.push({ job, window, ...(doc.generatedAt ? { generatedAt: doc.generatedAt } : {}) });
  }
  return out;
}

/** Runs the alert policy for one model and window, publishes its decisions and stores the state. */
export async function runAlerts(deps: AlertsDeps, window: Window | string): Promise<AlertsRunSummary> {
  const { definition, store, notifier } = deps;
  const model = definition.model.id;
  const w = typeof window === 'string' ? windowFor(definition, window) : window;
  const now = deps.clock.now();
  const stateKey = alertKeys.state(model);
  const state = (await store.getJson<AlertState>(stateKey)) ?? emptyState(model);
  const { drift, monitoringSince } = await loadDriftHistory(store, definition, w);
  // Enough history for the late windows this run may judge: a long recheckWithin reaches back
  // further than the usual history (each late window with LATE_WINDOW_HISTORY windows before it).
  // The default look-back (P7D) fits in the usual history, so its loads are unchanged.
  const windowDays = Math.max(1, Math.round(durationDays(w.duration)));
  const delayWindows = (delay: string | undefined) =>
    delay ? Math.ceil(Math.ceil(durationDays(delay)) / windowDays) : 0;
  const performance = await loadPerformance(
    store,
    definition,
    w.duration,
    w.start,
    lateHistoryLimit(
      definition,
      definition.labels?.recheckWithin,
      delayWindows(definition.labels?.delay),
      LATE_WINDOW_HISTORY,
      HISTORY_WINDOWS,
    ),
  );
  const kpi = await loadKpis(
    store,
    definition,
    w.duration,
    w.start,
    lateHistoryLimit(
      definition,
      definition.outcomes?.recheckWithin,
      delayWindows(definition.outcomes?.delay),
      LATE_WINDOW_HISTORY,
      HISTORY_WINDOWS + 7,
    ),
  );
  // Estimated performance: read only when its rule (off by default) is enabled.
  const estimateRule = resolveRules(resolveAlertSettings(definition.alerts), model).find(
    (r) => r.kind === 'estimated_performance' && r.enabled,
  );
  const estimated = estimateRule
    ? await loadEstimates(
        { definition, store },
        shiftDate(w.start, -ESTIMATE_HISTORY_WINDOWS * durationDays(w.duration)),
        w.start,
      )
    : [];

  const windowResults = await loadWindowResults(store, definition, w, state, drift, performance);

  const output = evaluatePolicy({
    definition,
    window: w,
    now,
    drift,
    performance,
    kpi,
    ...(estimated.length ? { estimated } : {}),
    ...(monitoringSince ? { monitoringSince } : {}),
    failures: deps.failures ?? [],
    ...(windowResults.length ? { windowResults } : {}),
    ...(deps.recoveredJobs?.length ? { recoveredJobs: deps.recoveredJobs } : {}),
    state,
  });

  const settings = resolveAlertSettings(definition.alerts);
  const rules = new Map(
    [...resolveRules(settings, model), ...kpiRules(definition.kpis ?? [], settings, model)].map((r) => [
      r.id,
      r,
    ]),
  );
  const reportLink = deps.reportLink ?? store.linkFor(resultKeys.result(model, 'drift', w));
  const enabledRules = [...rules.values()].filter((r) => r.enabled);
  const flagged = new Set(output.evaluations.filter((e) => e.level !== 'none').map((e) => e.ruleId));
  const summary: AlertsRunSummary = {
    model,
    window: w,
    decisions: [],
    openIncidents: 0,
    sent: 0,
    rules: { enabled: enabledRules.length, clear: enabledRules.filter((r) => !flagged.has(r.id)).length },
    stateKey,
  };

  // One page per cause: the run's decisions for this model and window go out as one message
  // (openings, escalations, "worse" notices and reminders together; resolutions together).
  const contextOf = (decision: Decision): AlertContext | undefined => {
    const rule = rules.get(decision.incident.ruleId);
    return rule ? { tier: definition.model.tier, rule, reportLink, windowDuration: w.duration } : undefined;
  };
  const sendable = output.decisions.filter((d) => d.notify && contextOf(d));
  const groups = [
    sendable.filter((d) => d.type !== 'resolved'),
    sendable.filter((d) => d.type === 'resolved'),
  ].filter((g) => g.length > 0);
  const deliveries = new Map<Decision, { status: DeliveryResult['status']; messageId: string }>();
  for (const group of groups) {
    const message =
      group.length === 1
        ? renderAlert(group[0] as Decision, contextOf(group[0] as Decision) as AlertContext)
        : renderGroup(
            group,
            (d) => contextOf(d) as AlertContext,
            `grp-${stableHash(group.map((d) => d.notificationId).sort())}`,
          );
    const status = (await notifier.publishAlert(message)).status;
    if (status === 'sent') summary.sent++;
    for (const d of group) deliveries.set(d, { status, messageId: message.id });
  }
  for (const decision of output.decisions) {
    const delivered = deliveries.get(decision);
    summary.decisions.push({
      type: decision.type,
      incidentId: decision.incident.id,
      ruleId: decision.incident.ruleId,
      subject: decision.incident.subject,
      level: decision.incident.level,
      route: decision.incident.route,
      notificationId: decision.notificationId,
      ...(delivered ? { messageId: delivered.messageId } : {}),
      delivery: delivered?.status ?? 'digest',
    });
  }

  if (output.ticket) {
    const runbook = settings.runbookUrl
      .replaceAll('{rule}', 'retraining')
      .replaceAll('{kind}', 'ticket')
      .replaceAll('{model}', model);
    const opened = await openTicket(store, output.ticket, {
      openedAt: now.toISOString(),
      reportLink,
      runbook,
    });
    // Publish when this run opened the ticket, or when an earlier run opened it and may have crashed
    // before publishing (same ticket id: the Notifier drops a duplicate).
    if (opened.created || opened.ticket.ticketId === output.ticket.ticketId) {
      const event = ticketEvent(output.ticket, { requestedAt: opened.ticket.openedAt, reportLink, runbook });
      const delivery = (await notifier.publishTicket(event)).status;
      if (delivery === 'sent') summary.sent++;
      summary.ticket = { ticketId: output.ticket.ticketId, created: opened.created, delivery };
    } else {
      summary.ticket = { ticketId: opened.ticket.ticketId, created: false };
    }
  }

  await store.putJson(stateKey, output.state);
  summary.openIncidents = output.state.incidents.filter((i) => i.status === 'open').length;
  const runKey = alertKeys.run(model, w);
  if (summary.decisions.length > 0 || summary.ticket || !(await store.getJson(runKey))) {
    await store.putJson(runKey, {
      schemaVersion: 1,
      kind: 'alerts',
      model,
      window: w,
      generatedAt: now.toISOString(),
      decisions: summary.decisions,
      ticket: summary.ticket ?? null,
      evaluations: output.evaluations.filter((e) => e.level !== 'none'),
      hints: output.hints,
    });
  }
  return summary;
}

/**
 * Replays the alert policy over stored history, window by window in date order (as the schedule
 * would have run it), carrying the incident state. `clockFor` gives each run its clock (a backtest
 * passes "the morning after the window"); the default is the deps' clock for every run.
 */
export async function runAlertsRange(
  deps: AlertsDeps,
  from: string,
  to: string,
  options: { clockFor?: (window: Window) => AlertsDeps['clock'] } = {},
): Promise<AlertsRunSummary[]> {
  if (from > to) throw new Error(`alerts range: from ${from} is after to ${to}: swap them`);
  const step = durationDays(deps.definition.window);
  const out: AlertsRunSummary[] = [];
  for (let date = windowFor(deps.definition, from).start; date <= to; date = shiftDate(date, step)) {
    const w = windowFor(deps.definition, date);
    out.push(await runAlerts({ ...deps, clock: options.clockFor?.(w) ?? deps.clock }, w));
  }
  return out;
}

/** One line for a run: what was decided, or "<model> <date>: no alerts (N rules clear)". */
export function runLine(summary: AlertsRunSummary): string {
  const head = `${summary.model} ${summary.window.start}`;
  const open = summary.openIncidents
    ? `, ${summary.openIncidents} open incident${summary.openIncidents === 1 ? '' : 's'}`
    : '';
  if (summary.decisions.length === 0)
    return `${head}: no alerts (${summary.rules.clear} of ${summary.rules.enabled} rules clear${open})`;
  const count = (t: DecisionType) => summary.decisions.filter((d) => d.type === t).length;
  const parts = (['opened', 'escalated', 'worsened', 'reminder', 'resolved'] as const)
    .filter((t) => count(t) > 0)
    .map((t) => `${count(t)} ${t}`);
  return `${head}: ${parts.join(', ')}; ${summary.sent} message${summary.sent === 1 ? '' : 's'} sent${open}`;
}

/**
 * The estimates the digest looks at: the windows from the label delay plus two windows before
 * `window` up to it (the ones pending labels, and the latest whose labels matured); none for a
 * model that cannot be estimated (no read).
 */
async function digestEstimates(store: ResultStore, definition: MonitorDefinition, window: Window) {
  if (estimationUnavailable(definition)) return undefined;
  const windowDays = Math.max(1, Math.round(durationDays(window.duration)));
  const delay = definition.labels ? Math.ceil(durationDays(definition.labels.delay)) : 0;
  const from = shiftDate(window.start, -(Math.ceil(delay / windowDays) + 2) * windowDays);
  return loadEstimates({ definition, store }, from, window.start);
}

export interface DigestDeps {
  definitions: readonly MonitorDefinition[];
  store: ResultStore;
  notifier: Notifier;
  clock: Clock;
  /** The report link per model and window. @default - the store's link to the drift result */
  reportLink?: (model: string, window: Window) => string;
}

/** Builds and publishes the digest of every model for the windows starting on `date`. */
export async function runDigest(
  deps: DigestDeps,
  date: string,
): Promise<{ message: DigestMessage; delivery: DeliveryResult }> {
  const models: DigestModelInput[] = [];
  for (const definition of deps.definitions) {
    const model = definition.model.id;
    const window = windowFor(definition, date);
    const previous = windowFor(definition, shiftDate(date, -durationDays(window.duration)));
    const performance = (await loadPerformance(deps.store, definition, window.duration, date)).filter(
      (p) => p.status === 'ok' || p.status === 'no_labels',
    );
    models.push({
      definition,
      drift: await deps.store.getJson<DriftResult>(resultKeys.result(model, 'drift', window)),
      previousDrift: await deps.store.getJson<DriftResult>(resultKeys.result(model, 'drift', previous)),
      performance: performance.at(-1),
      performanceHistory: performance,
      state: await deps.store.getJson<AlertState>(alertKeys.state(model)),
      openTicket: await openTicketOf(deps.store, model),
      slo: definition.slos?.length ? await latestSloResult(deps.store, model, date) : undefined,
      reportLink:
        deps.reportLink?.(model, window) ?? deps.store.linkFor(resultKeys.result(model, 'drift', window)),
      kpis: await loadKpis(deps.store, definition, window.duration, date),
      estimates: await digestEstimates(deps.store, definition, window),
      asOf: deps.clock.now(),
    });
  }
  const message = renderDigest(date, models);
  await deps.store.putText(alertKeys.digest(date), `${message.subject}\n\n${message.body}\n`, 'text/plain');
  const delivery = await deps.notifier.publishDigest(message);
  return { message, delivery };
}
