/**
 * The `job-failed` and `missing-result` rules: incidents about WINDOWS without a result, not about
 * a level that comes and goes. Pure, like the rest of the policy (lib/alerts/policy.ts calls it).
 *
 * One incident per (rule, job), listing the windows still without a result (`pendingWindows`):
 * - `job-failed` opens when a job fails for a window and pages once; a later failure of another
 *   window joins the open incident, re-notifying only when its error is a different cause (the same
 *   error every morning is one outage, not one page a day);
 * - `missing-result` opens when a due window has no result and no job failure explains it (a
 *   window of an open job-failed incident is never also "missing": one page per cause);
 * - either stays open until EVERY window it lists has a result (a re-run after the fix) or is
 *   listed in `alerts.unrecoverableWindows` with a reason, however old the window is: a window
 *   never ages out of the check, so nothing resolves while a hole remains. It can resolve in the
 *   run that opened it (a Lambda retry that succeeded the same morning: one page, one all-clear);
 * - while open it is reminded at most every `reminderEvery`, like any incident.
 */

import { durationDays, shiftDate, windowEndInstant } from '../jobs/windows.js';
import { incidentId } from './ids.js';
import type { Evaluation, PolicyInput } from './policy.js';
import type { Rule } from './rules.js';
import type { AlertSettings, Route } from './settings.js';
import type { AlertLevel, Decision, Incident, Observation, PendingWindow } from './types.js';

/** A stored result found for a window an open incident waits on, older than the loaded history. */
export interface WindowResult {
  job: string;
  window: string;
  generatedAt?: string;
}

/** The jobs whose windows have stored results the policy can check. */
const WINDOW_JOBS = ['drift', 'performance'] as const;
/** Windows named in a title or a command list before "and N more". */
const NAMED = 3;

/** What a pending window became this run. */
type Outcome = { window: string; how: string };

/** The jobs' windows the open incidents of these rules wait on (for the job to load their results). */
export function pendingWindowsOf(incidents: readonly Incident[]): { job: string; window: string }[] {
  return incidents
    .filter((i) => i.status === 'open' && (i.kind === 'job_failed' || i.kind === 'missing_result'))
    .flatMap((i) => pendingOf(i).map((p) => ({ job: i.subject, window: p.window })));
}

/** An incident's pending windows; one stored before the field existed waits on the window it named. */
function pendingOf(incident: Incident): PendingWindow[] {
  if (incident.pendingWindows) return incident.pendingWindows;
  const named = incident.last.summary.match(/\d{4}-\d{2}-\d{2}/g) ?? [incident.last.window];
  return [...new Set(named)].map((window) => ({
    window,
    message: incident.last.summary,
    since: incident.openedAt,
  }));
}

/** A window list for a title: the first few, then how many more. */
function listed(windows: readonly string[]): string {
  return windows.length <= NAMED
    ? windows.join(', ')
    : `${windows.slice(0, NAMED).join(', ')} and ${windows.length - NAMED} more`;
}

/** The error with its dates and numbers blanked: the same cause on another window compares equal. */
function causeOf(message: string): string {
  return message.replace(/\d{4}-\d{2}-\d{2}(T[\d:.]+Z?)?/g, 'D').replace(/\d+(\.\d+)?/g, 'N');
}

function fixLine(job: string, windows: readonly string[], rule: 'job_failed' | 'missing_result'): string {
  const first = windows[0] ?? '';
  if (!(WINDOW_JOBS as readonly string[]).includes(job))
    return `Fix the cause above; the next ${job} run that succeeds resolves this incident${job === 'slo' ? ' (it recounts the hours before it, as far back as slos[].recount)' : ''}. Until then its alerts are blind.`;
  const commands = windows
    .slice(0, NAMED)
    .map((w) => `driftwatch run --config <definition> --job ${job} --date ${w}`)
    .join('; ');
  const more = windows.length > NAMED ? ` (and the ${windows.length - NAMED} more windows)` : '';
  const what = rule === 'job_failed' ? 'Fix the cause above, then re-run' : 'Run';
  return `${what} each window: ${commands}${more}; on AWS invoke the model's monitor function with {"job":"${job}","date":"${first}"}. The incident resolves at the next alert run once every window listed has a result; a window that can never be computed (its data is gone) goes in alerts.unrecoverableWindows as {job: ${job}, window: ${first}, reason: ...}.`;
}

function observationOf(
  rule: Rule,
  job: string,
  pending: readonly PendingWindow[],
  level: AlertLevel,
): Observation {
  const windows = pending.map((p) => p.window);
  const newest = pending.at(-1) as PendingWindow;
  const failed = rule.kind === 'job_failed';
  const summary = failed
    ? `the ${job} job failed for ${windows.join(', ')}: ${newest.message}`
    : job === 'drift'
      ? `no drift result for ${windows.join(', ')}: the drift job did not run or the data is late`
      : `no matured ${job} result for ${windows.join(', ')}: the ${job} job did not run or the labels are late`;
  return {
    ruleId: rule.id,
    kind: rule.kind,
    subject: job,
    window: newest.window,
    level,
    value: pending.length,
    measure: failed ? 'failed windows' : 'missing windows',
    summary,
    title: `${failed ? `${job} job failed` : `missing ${job} result`} for ${listed(windows)}`,
    details: [
      ...(failed && pending.length > 1 ? pending.map((p) => `${p.window}: ${p.message}`) : []),
      fixLine(job, windows, failed ? 'job_failed' : 'missing_result'),
    ],
  };
}

export interface FailedWindowsContext {
  input: PolicyInput;
  settings: AlertSettings;
  /** The state's incidents, changed in place. */
  incidents: Incident[];
  /** Where a level goes for this model. */
  routeOf: (level: AlertLevel) => Route;
  out: Decision[];
}

/**
 * Decides the `job-failed` and `missing-result` incidents of this run (either rule may be absent or
 * disabled) and returns their evaluations. Job-failed first: its windows are not also missing.
 */
export function decideFailedWindows(
  ctx: FailedWindowsContext,
  rules: { jobFailed?: Rule | undefined; missing?: Rule | undefined },
): Evaluation[] {
  const { input, settings } = ctx;
  const now = input.now.toISOString();
  const unrecoverable = (job: string, window: string) =>
    settings.unrecoverableWindows.find((u) => u.job === job && u.window === window);
  const resultOf = (job: string, window: string): WindowResult | undefined => {
    if (job === 'drift') {
      const doc = input.drift.find((d) => d.window === window)?.result;
      if (doc) return { job, window, generatedAt: doc.generatedAt };
    }
    if (job === 'performance') {
      const doc = input.performance
        .filter((p) => p.window.start === window && p.status !== 'not_mature')
        .at(-1);
      if (doc) return { job, window, generatedAt: doc.generatedAt };
    }
    return input.windowResults?.find((r) => r.job === job && r.window === window);
  };
  /** How a window stopped waiting, or undefined while it still waits. */
  const settled = (job: string, window: string): string | undefined => {
    const off = unrecoverable(job, window);
    if (off) return `listed as unrecoverable: ${off.reason}`;
    const result = resultOf(job, window);
    if (result) return result.generatedAt ? `has a result (generated ${result.generatedAt})` : 'has a result';
    return undefined;
  };
  const evaluations: Evaluation[] = [];

  // job-failed: one incident per job, its failed windows pending until each has a result.
  const failedWindows = new Map<string, Set<string>>();
  const jobFailed = rules.jobFailed;
  if (jobFailed) {
    const failuresOf = new Map<string, PendingWindow[]>();
    for (const f of input.failures ?? []) {
      const list = failuresOf.get(f.job) ?? [];
      list.push({ window: f.window ?? input.window.start, message: f.message, since: now });
      failuresOf.set(f.job, list);
    }
    const subjects = new Set([
      ...failuresOf.keys(),
      ...ctx.incidents.filter((i) => i.ruleId === jobFailed.id && i.status === 'open').map((i) => i.subject),
    ]);
    for (const job of [...subjects].sort()) {
      const failing = failuresOf.get(job) ?? [];
      const failingNow = new Set(failing.map((f) => f.window));
      // The hourly jobs (slo, canary) have no window result to look for: their failed hours are
      // settled by the job running again (`recoveredJobs`); the next run recounts the missed hours.
      const checkable = (WINDOW_JOBS as readonly string[]).includes(job);
      const recovered = input.recoveredJobs?.includes(job) ? `the ${job} job ran again at ${now}` : undefined;
      const remaining = judgeWindows(ctx, jobFailed, job, 'critical', failing, (p) =>
        failingNow.has(p.window) ? undefined : checkable ? settled(job, p.window) : recovered,
      );
      if (remaining.length) failedWindows.set(job, new Set(remaining.map((p) => p.window)));
      if (remaining.length) evaluations.push(evaluationOf(jobFailed, job, remaining, 'critical'));
    }
  }

  const missing = rules.missing;
  if (missing) {
    const detected = missingWindows(input, settings, (job, window) =>
      Boolean(failedWindows.get(job)?.has(window) || unrecoverable(job, window)),
    );
    const subjects = new Set([
      ...detected.keys(),
      ...ctx.incidents.filter((i) => i.ruleId === missing.id && i.status === 'open').map((i) => i.subject),
    ]);
    for (const job of [...subjects].sort()) {
      const level: AlertLevel = job === 'drift' ? 'critical' : 'warning';
      const remaining = judgeWindows(ctx, missing, job, level, detected.get(job) ?? [], (p) =>
        failedWindows.get(job)?.has(p.window)
          ? 'the job ran and failed for it: see the job-failed incident'
          : settled(job, p.window),
      );
      if (remaining.length) evaluations.push(evaluationOf(missing, job, remaining, level));
    }
  }
  return evaluations;
}

function evaluationOf(rule: Rule, job: string, pending: PendingWindow[], level: AlertLevel): Evaluation {
  return {
    ruleId: rule.id,
    subject: job,
    level,
    firing: true,
    observation: observationOf(rule, job, pending, level),
  };
}

/**
 * One (rule, job): merges the windows seen now into the open incident's list, drops the settled
 * ones, and opens, notifies, reminds or resolves. Returns the windows still pending.
 */
function judgeWindows(
  ctx: FailedWindowsContext,
  rule: Rule,
  job: string,
  level: AlertLevel,
  seenNow: readonly PendingWindow[],
  settledHow: (p: PendingWindow) => string | undefined,
): PendingWindow[] {
  const { input, settings, incidents, out } = ctx;
  const runWindow = input.window.start;
  const mine = incidents.filter((i) => i.ruleId === rule.id && i.subject === job);
  const open = mine.find((i) => i.status === 'open');
  const prior = open ? pendingOf(open) : [];
  const merged = new Map(prior.map((p) => [p.window, p]));
  for (const p of seenNow) {
    const before = merged.get(p.window);
    merged.set(p.window, before ? { ...before, message: p.message } : p);
  }
  const settledNow: Outcome[] = [];
  const remaining: PendingWindow[] = [];
  for (const p of [...merged.values()].sort((a, b) => a.window.localeCompare(b.window))) {
    const how = settledHow(p);
    if (how) settledNow.push({ window: p.window, how });
    else remaining.push(p);
  }
  const added = remaining.filter((p) => !prior.some((q) => q.window === p.window));

  if (!open) {
    if (!remaining.length || !added.length) return remaining;
    // A replay of an older run opens nothing the latest incident of the rule already covered.
    const latest = mine.reduce<Incident | undefined>(
      (a, b) => (!a || b.openedWindow > a.openedWindow ? b : a),
      undefined,
    );
    if (
      !input.failures?.length &&
      latest &&
      runWindow <= (latest.resolvedWindow ?? latest.lastEvaluatedWindow)
    )
      return remaining;
    openIncident(ctx, rule, job, level, remaining);
    return remaining;
  }

  const replay = runWindow < open.lastEvaluatedWindow;
  if (!replay) open.lastEvaluatedWindow = runWindow;
  const observation = remaining.length ? observationOf(rule, job, remaining, level) : open.last;
  const decision = (type: Decision['type'], suffix: string, notify: boolean, current?: Observation) =>
    out.push({
      type,
      incident: structuredClone(open),
      notificationId: `${open.id}.${suffix}`,
      notify,
      observation: type === 'resolved' ? open.last : observation,
      ...(current ? { current } : {}),
      hints: [],
    });

  if (!remaining.length) {
    open.pendingWindows = [];
    open.status = 'resolved';
    open.resolvedWindow = replay ? open.lastEvaluatedWindow : runWindow;
    open.resolvedAt = input.now.toISOString();
    const current: Observation = {
      ...open.last,
      level: 'none',
      window: runWindow,
      summary: `every window it listed has a result now: ${settledNow.map((s) => `${s.window} ${s.how}`).join('; ')}`,
      details: [],
    };
    decision('resolved', 'resolved', open.lastNotifiedWindow !== undefined, current);
    return remaining;
  }

  open.pendingWindows = remaining;
  open.last = observation;
  open.notifiedValue = remaining.length;
  if (replay) return remaining;
  const notifies = open.route !== 'digest';
  // Another window failed with a cause the incident has not reported: one notice per new cause.
  const causes = new Set(prior.map((p) => causeOf(p.message)));
  const newCause =
    rule.kind === 'job_failed' ? added.find((p) => !causes.has(causeOf(p.message))) : undefined;
  if (newCause) {
    if (notifies) open.lastNotifiedWindow = runWindow;
    decision('worsened', `failed.${newCause.window}`, notifies);
    return remaining;
  }
  const reminderDays = durationDays(settings.reminderEvery);
  if (
    notifies &&
    open.lastNotifiedWindow !== undefined &&
    reminderDays > 0 &&
    gapDays(open.lastNotifiedWindow, runWindow) >= reminderDays
  ) {
    open.lastNotifiedWindow = runWindow;
    decision('reminder', `reminder.${runWindow}`, true);
  }
  return remaining;
}

function openIncident(
  ctx: FailedWindowsContext,
  rule: Rule,
  job: string,
  level: AlertLevel,
  pending: PendingWindow[],
): void {
  const { input, incidents, out } = ctx;
  const model = input.definition.model.id;
  const runWindow = input.window.start;
  const route = ctx.routeOf(level);
  const observation = observationOf(rule, job, pending, level);
  const first = pending[0] as PendingWindow;
  let id = incidentId(model, rule.id, job, runWindow);
  // Opened again in the run window of one that resolved (a failure after a same-morning recovery).
  if (incidents.some((i) => i.id === id))
    id = incidentId(model, rule.id, job, `${runWindow}@${input.now.toISOString()}`);
  const incident: Incident = {
    id,
    model,
    ruleId: rule.id,
    kind: rule.kind,
    subject: job,
    status: 'open',
    level,
    peakLevel: level,
    route,
    openedWindow: runWindow,
    openedAt: input.now.toISOString(),
    sinceWindow: first.window,
    firstSeenWindow: first.window,
    // A daily window's end; an hourly job's failed run is an instant already.
    firstSeenAt:
      first.window.length === 10 ? windowEndInstant(first.window, input.window.duration) : first.window,
    lastEvaluatedWindow: runWindow,
    ...(route !== 'digest' ? { lastNotifiedWindow: runWindow } : {}),
    last: observation,
    notifiedValue: pending.length,
    pendingWindows: pending,
  };
  incidents.push(incident);
  out.push({
    type: 'opened',
    incident: structuredClone(incident),
    notificationId: `${incident.id}.opened`,
    notify: route !== 'digest',
    observation,
    hints: [],
  });
}

/**
 * The due windows without a result, per job, among the last `lookbackWindows` run windows (a
 * missing window is found while it is recent; once found, the incident keeps it). `explained`
 * windows (a failed job's, an unrecoverable one) are left out.
 */
function missingWindows(
  input: PolicyInput,
  settings: AlertSettings,
  explained: (job: string, window: string) => boolean,
): Map<string, PendingWindow[]> {
  const out = new Map<string, PendingWindow[]>();
  if (!input.monitoringSince) return out;
  const since = input.monitoringSince;
  const now = input.now.getTime();
  const step = durationDays(input.window.duration);
  const lateMillis = durationDays(settings.lateAfter) * 86_400_000;
  const dueBy = (end: string, extraDays = 0) =>
    Date.parse(`${end}T00:00:00Z`) + extraDays * 86_400_000 + lateMillis;
  const starts = Array.from({ length: settings.lookbackWindows }, (_, k) =>
    shiftDate(input.window.start, -k * step),
  )
    .filter((s) => s >= since)
    .reverse();
  const pending = (job: string, windows: string[], message: string) => {
    const list = windows
      .filter((w) => !explained(job, w))
      .map((window) => ({ window, message, since: input.now.toISOString() }));
    if (list.length) out.set(job, list);
  };
  const driftByWindow = new Map(input.drift.map((d) => [d.window, d.result]));
  pending(
    'drift',
    starts.filter((s) => !driftByWindow.get(s) && now >= dueBy(shiftDate(s, step))),
    'no drift result: the drift job did not run or the data is late',
  );
  const labels = input.definition.labels;
  if (labels) {
    const delay = durationDays(labels.delay);
    const perfByWindow = new Map(input.performance.map((p) => [p.window.start, p]));
    pending(
      'performance',
      starts
        .map((s) => shiftDate(s, -Math.ceil(delay / step) * step))
        .filter((s) => s >= since)
        .filter((s) => {
          if (now < dueBy(shiftDate(s, step), delay)) return false;
          const doc = perfByWindow.get(s);
          return !doc || doc.status === 'not_mature';
        }),
      'no matured performance result: the performance job did not run or the labels are late',
    );
  }
  return out;
}

/** Days between two run windows, each a date (YYYY-MM-DD) or an instant (sub-day runs). */
function gapDays(a: string, b: string): number {
  const at = (w: string) => Date.parse(w.length === 10 ? `${w}T00:00:00Z` : w);
  return (at(b) - at(a)) / 86_400_000;
}
