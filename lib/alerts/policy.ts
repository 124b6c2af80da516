/**
 * The alert policy: results + history + state in, decisions out. Pure: no I/O, no clock (`now` is
 * an input). The job (lib/jobs/alerts.ts) loads the inputs, stores the new state and publishes.
 *
 * Per (rule, subject) the policy reads the series of levels over the rule's recent windows:
 * - it FIRES when the current window is at the rule's opening level and M of the last N windows
 *   were (confirmation), and opens an incident unless one is open;
 * - an open incident RESOLVES once the last `clearWindows` windows are all below the opening level;
 * - while open it ESCALATES once when it turns critical, and is REMINDED at most every
 *   `reminderEvery`; otherwise nothing is sent.
 * Decisions are keyed deterministically (incident id = hash of model, rule, subject and opening
 * window; notification id = incident id + event), and a run for a window at or before the one an
 * incident was last evaluated in changes nothing: re-running a window, or the whole history,
 * never sends anything new.
 */

import type { MonitorDefinition } from '../config/schema.js';
import type { DriftResult } from '../jobs/drift-result.js';
import type { EstimatedResult } from '../jobs/estimate.js';
import type { KpiResult } from '../jobs/kpi-result.js';
import type { PerformanceResult } from '../jobs/performance-result.js';
import { daysBetween, durationDays, shiftDate, type Window, windowEndInstant } from '../jobs/windows.js';
import { median } from '../stats/median.js';
import { decideFailedWindows, type WindowResult } from './failed-windows.js';
import { incidentId } from './ids.js';
import { kpiRules, observeKpis } from './kpi-rules.js';
import { LATE_JUDGE_WINDOWS } from './late-data.js';
import {
  observeDrift,
  observeEstimated,
  observePerformance,
  type PerformanceBaseline,
  type WindowObservations,
} from './observe.js';
import { type Rule, resolveRules } from './rules.js';
import { type AlertSettings, type Route, resolveAlertSettings } from './settings.js';
import { meanAndStd } from './thresholds.js';
import { evaluateTicket, type TicketRequest } from './ticket-rule.js';
import {
  type AlertLevel,
  type AlertState,
  atLeast,
  type Decision,
  emptyState,
  type Hint,
  type Incident,
  type JobFailure,
  type LateJudged,
  LEVEL_RANK,
  type Level,
  type Observation,
  type StoredBaseline,
} from './types.js';

export interface PolicyInput {
  definition: MonitorDefinition;
  /** The run window. */
  window: Window;
  now: Date;
  /** Drift results of the run window and the windows before it, oldest first (undefined: none stored). */
  drift: readonly { window: string; result?: DriftResult | undefined }[];
  /** Performance results with a window start at or before the run window, oldest first. */
  performance: readonly PerformanceResult[];
  /** KPI results with a window start at or before the run window, oldest first. */
  kpi?: readonly KpiResult[];
  /** Estimated performance of the run window and the windows before it, oldest first. */
  estimated?: readonly EstimatedResult[];
  /** The first window with a stored drift result: earlier windows are not expected to have results. */
  monitoringSince?: string;
  failures?: readonly JobFailure[];
  /**
   * Results found for windows the open job-failed / missing-result incidents wait on that lie
   * before the loaded history (`pendingWindowsOf` names them); the history's own windows need none.
   */
  windowResults?: readonly WindowResult[];
  /** Hourly jobs (slo, canary) that ran again after failing: their job-failed incident resolves. */
  recoveredJobs?: readonly string[];
  state?: AlertState;
}

/** The current judgement of one (rule, subject), for the digest and the job's report. */
export interface Evaluation {
  ruleId: string;
  subject: string;
  level: Level;
  firing: boolean;
  observation?: Observation;
}

export interface PolicyOutput {
  state: AlertState;
  decisions: Decision[];
  evaluations: Evaluation[];
  ticket?: TicketRequest;
  /** Drift hints of the run window. */
  hints: Hint[];
}

/** Where a level goes for a model tier, unless the settings say otherwise. */
export const DEFAULT_ROUTING: Record<1 | 2 | 3, Record<AlertLevel, Route>> = {
  1: { critical: 'page', warning: 'alert' },
  2: { critical: 'alert', warning: 'alert' },
  3: { critical: 'alert', warning: 'digest' },
};

export function routeFor(settings: AlertSettings, tier: 1 | 2 | 3, level: AlertLevel): Route {
  const override = settings.routing[`tier${tier}`];
  return (override ?? DEFAULT_ROUTING[tier])[level];
}

/** Rules about windows without a result, decided by decideFailedWindows (lib/alerts/failed-windows.ts). */
const WINDOW_RULE_KINDS: ReadonlySet<string> = new Set(['job_failed', 'missing_result']);

/** Resolved incidents kept per model, newest first; older ones are dropped from the state. */
const RESOLVED_KEPT = 200;

interface Series {
  /** Oldest first; each window the rule could evaluate. */
  windows: WindowObservations[];
}

/** What the policy concluded for one (rule, subject) in this run; `decide` turns it into decisions. */
export interface Judgement {
  rule: Rule;
  subject: string;
  current: Level;
  firing: boolean;
  clear: boolean;
  sinceWindow: string;
  /** The earliest window of the unbroken run at warning or above that ends in the latest window. */
  firstSeenWindow: string;
  observation?: Observation;
  /** The observation of the latest window (also below warning, for "worse" and resolve messages). */
  latestObservation?: Observation;
  hints: Hint[];
  /** Where each level goes, when the rule fixes it (SLO burn: critical pages); default: the tier's routing. */
  routeOf?: (level: AlertLevel) => Route;
}

function judge(rule: Rule, subject: string, series: Series, hintsFor: (window: string) => Hint[]): Judgement {
  const windows = series.windows.filter((w) => w.applicable.has(rule.id));
  const levelAt = (w: WindowObservations) =>
    w.observations.find((o) => o.ruleId === rule.id && o.subject === subject)?.level ?? 'none';
  const observationAt = (w: WindowObservations) =>
    w.observations.find((o) => o.ruleId === rule.id && o.subject === subject);
  const latest = windows.at(-1);
  const current: Level = latest ? levelAt(latest) : 'none';
  const latestObservation = latest ? observationAt(latest) : undefined;
  const recent = windows.slice(-rule.confirm.windows);
  const over = recent.filter((w) => atLeast(levelAt(w), rule.openAt));
  // A severe window (far beyond critical, highly significant, a data-quality finding) needs no confirmation.
  const severe = atLeast(current, rule.openAt) && latestObservation?.severe !== undefined;
  const firing = atLeast(current, rule.openAt) && (over.length >= rule.confirm.required || severe);
  const tail = windows.slice(-rule.clearWindows);
  const clear =
    tail.length >= rule.clearWindows &&
    tail.every((w) => !atLeast(levelAt(w), rule.openAt) && !observationAt(w)?.holding);
  // The observation to report: the latest one at or above warning.
  const withObservation = [...windows].reverse().find((w) => levelAt(w) !== 'none');
  const observation = withObservation?.observations.find(
    (o) => o.ruleId === rule.id && o.subject === subject,
  );
  const sinceWindow = over[0]?.window ?? latest?.window ?? '';
  // Walk back from the latest window while the rule saw the subject at warning or above.
  let firstSeenWindow = sinceWindow;
  for (let k = windows.length - 1; k >= 0; k--) {
    const w = windows[k] as WindowObservations;
    if (levelAt(w) === 'none') break;
    firstSeenWindow = w.window;
  }
  if (sinceWindow && firstSeenWindow > sinceWindow) firstSeenWindow = sinceWindow;
  return {
    rule,
    subject,
    current,
    firing,
    clear,
    sinceWindow,
    firstSeenWindow,
    ...(observation ? { observation } : {}),
    ...(latestObservation ? { latestObservation } : {}),
    hints: hintsFor(latest?.window ?? ''),
  };
}

/** Evaluates every rule for the run window and decides what to open, escalate, remind and resolve. */
export function evaluatePolicy(input: PolicyInput): PolicyOutput {
  const definition = input.definition;
  const model = definition.model.id;
  const settings = resolveAlertSettings(definition.alerts);
  const state: AlertState = structuredClone(input.state ?? emptyState(model));
  if (!settings.enabled) return { state, decisions: [], evaluations: [], hints: [] };
  const rules = [
    ...resolveRules(settings, model),
    ...kpiRules(definition.kpis ?? [], settings, model),
  ].filter((r) => r.enabled);
  const runWindow = input.window.start;

  const driftHistory = input.drift.filter((d) => d.window <= runWindow);
  // Features whose drift incident is open: the run window's segment drift of them is theirs.
  const openFeatureIncidents = new Set(
    state.incidents.filter((i) => i.status === 'open' && i.kind === 'feature_drift').map((i) => i.subject),
  );
  const driftSeries: WindowObservations[] = driftHistory.map((d, i) =>
    observeDrift(
      d.result,
      d.window,
      rules,
      settings.falseDiscoveryRate,
      driftHistory.slice(0, i).map((x) => x.result),
      d.window === runWindow ? openFeatureIncidents : undefined,
    ),
  );
  const performance = latestPerWindow(input.performance.filter((p) => p.window.start <= runWindow));
  const baselineFor = performanceBaselines(definition, settings, state, performance);
  const perfSeries = performance.map((p, i) =>
    observePerformance(p, rules, performance.slice(0, i), { baselineFor }),
  );
  const kpiResults = [...(input.kpi ?? [])]
    .filter((k) => k.window.start <= runWindow)
    .sort((a, b) => a.window.start.localeCompare(b.window.start));
  const kpiSeries = kpiResults.map((k, i) =>
    observeKpis(k, rules, definition.kpis ?? [], kpiResults.slice(0, i)),
  );
  const estimatedSeries = (input.estimated ?? [])
    .filter((e) => e.window.start <= runWindow)
    .map((e) => observeEstimated(e, rules));
  const seriesOf = (rule: Rule): WindowObservations[] =>
    rule.source === 'drift'
      ? driftSeries
      : rule.source === 'performance'
        ? perfSeries
        : rule.source === 'kpi'
          ? kpiSeries
          : rule.source === 'estimated'
            ? estimatedSeries
            : [];
  const hintsByWindow = new Map(driftSeries.map((w) => [w.window, w.hints]));
  const runHints = hintsByWindow.get(runWindow) ?? [];
  const hintsFor = (window: string) => hintsByWindow.get(window) ?? runHints;

  const judgements: Judgement[] = [];
  for (const rule of rules) {
    if (WINDOW_RULE_KINDS.has(rule.kind)) continue; // decideFailedWindows

    const series: Series = { windows: seriesOf(rule) };
    const subjects = new Set<string>();
    // The rule's last windows it could evaluate: an outcome KPI's latest windows are not mature
    // (not applicable), so its subjects come from the windows whose outcomes matured.
    const evaluable = series.windows.filter((w) => w.applicable.has(rule.id));
    for (const w of evaluable.slice(-Math.max(rule.confirm.windows, rule.clearWindows))) {
      for (const o of w.observations) if (o.ruleId === rule.id) subjects.add(o.subject);
    }
    for (const i of state.incidents) if (i.ruleId === rule.id && i.status === 'open') subjects.add(i.subject);
    for (const subject of [...subjects].sort()) judgements.push(judge(rule, subject, series, hintsFor));
  }

  // A slice explains a moderate overall drop: the overall performance incident waits for critical.
  // A slice at its opening level counts even before its own confirmation (so a severe overall
  // warning does not page first for what is one segment's failure).
  const sliceFiring =
    judgements.some(
      (j) => j.rule.kind === 'slice_parity' && (j.firing || atLeast(j.current, j.rule.openAt)),
    ) || state.incidents.some((i) => i.kind === 'slice_parity' && i.status === 'open');
  for (const j of judgements) {
    if (j.rule.kind === 'performance' && sliceFiring && j.current !== 'critical') {
      j.firing = false;
    }
  }

  const decisions: Decision[] = [];
  for (const j of judgements) decide(j, state, input, settings, decisions);
  // Windows without a result (a failed or a missing job run): one incident per job, open until each has one.
  const windowEvaluations = decideFailedWindows(
    {
      input,
      settings,
      incidents: state.incidents,
      routeOf: (level) => routeFor(settings, definition.model.tier, level),
      out: decisions,
    },
    {
      jobFailed: rules.find((r) => r.kind === 'job_failed'),
      missing: rules.find((r) => r.kind === 'missing_result'),
    },
  );
  // Windows computed again for late data, each judged once at its own place.
  decideLateWindows(
    input,
    settings,
    state,
    { source: 'kpi', rules: rules.filter((r) => r.source === 'kpi'), results: kpiResults, series: kpiSeries },
    hintsFor,
    decisions,
  );
  decideLateWindows(
    input,
    settings,
    state,
    {
      source: 'performance',
      rules: rules.filter((r) => r.source === 'performance'),
      results: performance,
      series: perfSeries,
    },
    hintsFor,
    decisions,
  );
  pruneResolved(state);

  const ticket = evaluateTicket({
    definition,
    settings,
    runWindow,
    driftSeries,
    perfJudgement: judgements.find(
      (j) => j.rule.kind === 'performance' && j.firing && j.current === 'critical',
    ),
    state,
    hints: runHints,
  });
  if (ticket) state.lastTicketWindow = runWindow;

  return {
    state,
    decisions,
    evaluations: [
      ...judgements.map((j) => ({
        ruleId: j.rule.id,
        subject: j.subject,
        level: j.current,
        firing: j.firing,
        ...(j.observation ? { observation: j.observation } : {}),
      })),
      ...windowEvaluations,
    ],
    ...(ticket ? { ticket } : {}),
    hints: runHints,
  };
}

/**
 * Late windows: a window whose data arrived late (KPI outcomes, performance labels) and that its
 * job computed again out of schedule (`recheckRun`: the run window of the morning it was computed,
 * set by a scheduled recheck and by a manual re-run that found other data) is judged as of its own
 * place in its series, the windows after it left out, since the run judges only the latest window
 * and a late window lies behind it.
 *
 * Once per (window, revision): the state's `lateJudged` of the series records what was judged, so
 * the first alert step at or after the recheck judges it (even when the morning of the recheck ran
 * no alert step, up to LATE_JUDGE_WINDOWS later), a retry of a step or of the job (same data, same
 * revision) judges nothing again, an older run (a replay, before `through`) judges nothing, and a
 * new revision of the window (more data landed, or a manual re-run after `*_missing`) is judged
 * once more.
 * - no incident of the rule and subject open: it opens one, whose since / first-seen window is the
 *   late window (MTTD counts from its end), unless the latest incident already covers this run;
 *   its message says the window arrived late, how far behind the run it is and why it is judged now;
 * - one open: no second incident and no message; its first-seen window moves back to the late
 *   window when every window judged between them was at warning or above (the same problem, seen
 *   earlier than the incident knew);
 * - a performance rule below critical is held back while a slice explains it, as in `decide`: a
 *   slice rule firing or at its opening level at the late window's place, or a slice incident open.
 */
function decideLateWindows(
  input: PolicyInput,
  settings: AlertSettings,
  state: AlertState,
  late: {
    source: 'kpi' | 'performance';
    rules: readonly Rule[];
    results: readonly { window: Window; revision?: number; recheckRun?: string }[];
    series: readonly WindowObservations[];
  },
  hintsFor: (window: string) => Hint[],
  out: Decision[],
): void {
  const { rules, results, series, source } = late;
  const runWindow = input.window.start;
  const step = durationDays(input.window.duration);
  const legacyKey = source === 'kpi' ? 'kpiRechecksJudgedThrough' : 'performanceRechecksJudgedThrough';
  const legacy = state[legacyKey];
  const judged: LateJudged = state.lateJudged?.[source] ?? {
    through: legacy ?? shiftDate(runWindow, -step),
    windows: {},
  };
  if (runWindow < judged.through) return; // a replay of an older run
  const oldest = shiftDate(runWindow, -LATE_JUDGE_WINDOWS * step);
  const due: number[] = [];
  results.forEach((r, i) => {
    const run = r.recheckRun;
    if (run === undefined || run > runWindow || run <= oldest) return;
    const revision = r.revision ?? 1;
    const seen = judged.windows[r.window.start];
    // Judged before `lateJudged` existed (the legacy mark covers it): recorded, not judged again.
    const before = !seen && legacy !== undefined && run <= legacy;
    if ((seen && seen.revision === revision) || before) {
      judged.windows[r.window.start] = { revision, run: seen && seen.run > run ? seen.run : run };
      return;
    }
    judged.windows[r.window.start] = { revision, run };
    due.push(i);
  });
  judged.through = runWindow > judged.through ? runWindow : judged.through;
  for (const [w, j] of Object.entries(judged.windows)) if (j.run <= oldest) delete judged.windows[w];
  if (results.length || Object.keys(judged.windows).length) {
    state.lateJudged = { ...state.lateJudged, [source]: judged };
  }
  delete state[legacyKey];
  if (!due.length) return;
  const sliceRules = rules.filter((r) => r.kind === 'slice_parity');
  const sliceOpen = state.incidents.some((x) => x.kind === 'slice_parity' && x.status === 'open');
  for (const i of due) {
    const w = series[i] as WindowObservations;
    const upTo = { windows: series.slice(0, i + 1) };
    const sliceExplains =
      sliceOpen ||
      sliceRules.some((rule) =>
        w.observations
          .filter((o) => o.ruleId === rule.id)
          .some((o) => {
            const j = judge(rule, o.subject, upTo, hintsFor);
            return j.firing || atLeast(j.current, rule.openAt);
          }),
      );
    for (const rule of rules) {
      if (!w.applicable.has(rule.id)) continue;
      for (const subject of new Set(
        w.observations.filter((o) => o.ruleId === rule.id).map((o) => o.subject),
      )) {
        const j = judge(rule, subject, upTo, hintsFor);
        if (!j.firing || !j.observation) continue;
        if (rule.kind === 'performance' && sliceExplains && j.current !== 'critical') continue;
        const open = state.incidents.find(
          (x) => x.ruleId === rule.id && x.subject === subject && x.status === 'open',
        );
        if (!open) {
          const recheckRun = (results[i] as { recheckRun: string }).recheckRun;
          j.observation = { ...j.observation, late: lateNote(source, w.window, recheckRun, runWindow) };
          openIncident(j, state, input, settings, out);
          continue;
        }
        const firstSeen = open.firstSeenWindow ?? open.sinceWindow;
        const between = series
          .slice(i + 1)
          .filter((x) => x.applicable.has(rule.id) && x.window < firstSeen)
          .map(
            (x) => x.observations.find((o) => o.ruleId === rule.id && o.subject === subject)?.level ?? 'none',
          );
        if (j.firstSeenWindow < firstSeen && between.every((level) => level !== 'none')) {
          open.firstSeenWindow = j.firstSeenWindow;
          open.firstSeenAt = windowEndInstant(j.firstSeenWindow, input.window.duration);
        }
      }
    }
  }
}

/** The "arrived late" line of a late window's message: how old the window is and why it is judged now. */
function lateNote(
  source: 'kpi' | 'performance',
  window: string,
  recheckRun: string,
  runWindow: string,
): string {
  const behind = windowGapDays(window, runWindow);
  const data = source === 'kpi' ? 'outcomes' : 'labels';
  return `window ${window} is ${Number(behind.toFixed(2))} days behind this run's window ${runWindow}; its ${data} were late, so it was computed again on the run of ${recheckRun} and is judged now, once, at its own place (the windows after it are not part of this verdict)`;
}

/**
 * The performance baseline per metric. `reference`: the reference's metrics (in each result).
 * `first-windows` (the default `auto` when the reference is a dataset, whose in-sample metrics are
 * optimistic): the median of the first N matured windows, fixed in the state once N exist, so it
 * does not move as history rolls out of the loaded range; until then relative rules wait.
 */
function performanceBaselines(
  definition: MonitorDefinition,
  settings: AlertSettings,
  state: AlertState,
  performance: readonly PerformanceResult[],
): (metric: string) => PerformanceBaseline {
  const { source, windows: need } = settings.performanceBaseline;
  const useWindows =
    source === 'first-windows' || (source === 'auto' && definition.reference.type === 'dataset');
  if (!useWindows) return () => ({ kind: 'reference' });
  return (metric) => {
    const stored = state.baselines?.[metric];
    if (stored) return { kind: 'windows', ...stored };
    const matured = performance.filter((p) => {
      const v = p.status === 'ok' ? p.overall.metrics[metric] : undefined;
      return typeof v === 'number' && Number.isFinite(v);
    });
    if (matured.length < need) return { kind: 'pending', have: matured.length, need };
    const first = matured.slice(0, need);
    const ses = first.flatMap((p) => {
      const se = p.overall.metrics[`${metric}StandardError`];
      return typeof se === 'number' && Number.isFinite(se) ? [se] : [];
    });
    const baseline: StoredBaseline = {
      metric,
      value: median(first.map((p) => p.overall.metrics[metric] as number)),
      ...(ses.length === first.length ? { standardError: median(ses) } : {}),
      ...(first.length >= 3
        ? { spread: meanAndStd(first.map((p) => p.overall.metrics[metric] as number)).std }
        : {}),
      windows: first.map((p) => p.window.start),
    };
    state.baselines = { ...(state.baselines ?? {}), [metric]: baseline };
    return { kind: 'windows', ...baseline };
  };
}

/** Keeps the latest revision per window, sorted by window start. */
function latestPerWindow(results: readonly PerformanceResult[]): PerformanceResult[] {
  const byWindow = new Map<string, PerformanceResult>();
  for (const r of results) {
    const seen = byWindow.get(r.window.start);
    if (!seen || r.revision >= seen.revision) byWindow.set(r.window.start, r);
  }
  return [...byWindow.values()].sort((a, b) => a.window.start.localeCompare(b.window.start));
}

/**
 * Opens, escalates, reminds or resolves the incident of one judgement, in place in `state`, and
 * appends its decisions. Exported for policies with their own judgements (SLO burn rates).
 */
export function decide(
  j: Judgement,
  state: AlertState,
  input: PolicyInput,
  settings: AlertSettings,
  out: Decision[],
): void {
  const tier = input.definition.model.tier;
  const runWindow = input.window.start;
  const mine = state.incidents.filter((i) => i.ruleId === j.rule.id && i.subject === j.subject);
  const latest = mine.reduce<Incident | undefined>(
    (a, b) => (!a || b.openedWindow > a.openedWindow ? b : a),
    undefined,
  );
  const decision = (type: Decision['type'], incident: Incident, suffix: string, notify: boolean) => {
    const observation =
      (type === 'worsened' ? j.latestObservation : undefined) ?? j.observation ?? incident.last;
    out.push({
      type,
      incident: structuredClone(incident),
      notificationId: `${incident.id}.${suffix}`,
      notify,
      observation,
      hints: j.hints,
    });
  };

  if (latest?.status === 'open') {
    if (runWindow < latest.lastEvaluatedWindow) return; // a replay of an older window
    latest.lastEvaluatedWindow = runWindow;
    if (j.observation && atLeast(j.observation.level, j.rule.openAt)) latest.last = j.observation;
    const notified = latest.lastNotifiedWindow !== undefined;
    // Never resolved in the run that opened it (a late KPI window opens behind clear later windows).
    if (j.clear && runWindow > latest.openedWindow) {
      latest.status = 'resolved';
      latest.resolvedWindow = runWindow;
      latest.resolvedAt = input.now.toISOString();
      out.push({
        type: 'resolved',
        incident: structuredClone(latest),
        notificationId: `${latest.id}.resolved`,
        notify: notified,
        observation: latest.last,
        // What the latest window saw (below the opening level), for "back to ..." in the message.
        ...(j.latestObservation ? { current: j.latestObservation } : {}),
        hints: j.hints,
      });
      return;
    }
    const now = j.latestObservation;
    if (j.current === 'critical' && latest.level === 'warning') {
      latest.level = 'critical';
      latest.peakLevel = 'critical';
      latest.route = j.routeOf?.('critical') ?? routeFor(settings, tier, 'critical');
      const notify = latest.route !== 'digest';
      if (notify) {
        latest.lastNotifiedWindow = runWindow;
        if (now?.value !== undefined) latest.notifiedValue = now.value;
      }
      decision('escalated', latest, 'escalated', notify);
      return;
    }
    // Materially worse than what was last sent (one more warning distance in the bad direction).
    if (
      now &&
      atLeast(now.level, j.rule.openAt) &&
      now.value !== undefined &&
      now.worseStep !== undefined &&
      now.worseStep > 0 &&
      latest.notifiedValue !== undefined &&
      latest.route !== 'digest'
    ) {
      const sign = now.badDirection === 'below' ? -1 : 1;
      if (sign * (now.value - latest.notifiedValue) >= now.worseStep) {
        latest.notifiedValue = now.value;
        latest.lastNotifiedWindow = runWindow;
        decision('worsened', latest, `worsened.${runWindow}`, true);
        return;
      }
    }
    const reminderDays = durationDays(settings.reminderEvery);
    if (
      notified &&
      latest.route !== 'digest' &&
      reminderDays > 0 &&
      windowGapDays(latest.lastNotifiedWindow ?? runWindow, runWindow) >= reminderDays
    ) {
      latest.lastNotifiedWindow = runWindow;
      decision('reminder', latest, `reminder.${runWindow}`, true);
    }
    return;
  }

  if (!j.firing || !j.observation) return;
  openIncident(j, state, input, settings, out);
}

/** Opens the incident of a firing judgement (none of its rule and subject is open). */
function openIncident(
  j: Judgement,
  state: AlertState,
  input: PolicyInput,
  settings: AlertSettings,
  out: Decision[],
): void {
  if (!j.observation) return;
  const model = input.definition.model.id;
  const tier = input.definition.model.tier;
  const runWindow = input.window.start;
  const latest = state.incidents
    .filter((i) => i.ruleId === j.rule.id && i.subject === j.subject)
    .reduce<Incident | undefined>((a, b) => (!a || b.openedWindow > a.openedWindow ? b : a), undefined);
  // Replays: a window already covered by the latest incident (or evaluated after it) opens nothing.
  if (latest && runWindow <= (latest.resolvedWindow ?? latest.lastEvaluatedWindow)) return;
  const level: AlertLevel = j.current === 'critical' ? 'critical' : 'warning';
  const route = j.routeOf?.(level) ?? routeFor(settings, tier, level);
  const incident: Incident = {
    id: incidentId(model, j.rule.id, j.subject, runWindow),
    model,
    ruleId: j.rule.id,
    kind: j.rule.kind,
    subject: j.subject,
    status: 'open',
    level,
    peakLevel: level,
    route,
    openedWindow: runWindow,
    openedAt: input.now.toISOString(),
    sinceWindow: j.sinceWindow,
    firstSeenWindow: j.firstSeenWindow,
    firstSeenAt: windowEndInstant(j.firstSeenWindow, input.window.duration),
    lastEvaluatedWindow: runWindow,
    ...(route !== 'digest' ? { lastNotifiedWindow: runWindow } : {}),
    last: j.observation,
    ...(j.observation.value !== undefined ? { notifiedValue: j.observation.value } : {}),
  };
  state.incidents.push(incident);
  out.push({
    type: 'opened',
    incident: structuredClone(incident),
    notificationId: `${incident.id}.opened`,
    notify: route !== 'digest',
    observation: j.observation,
    hints: j.hints,
  });
}

/** Days between two run windows, each a date (YYYY-MM-DD) or an instant (sub-day runs). */
function windowGapDays(a: string, b: string): number {
  if (a.length === 10 && b.length === 10) return daysBetween(a, b);
  const at = (w: string) => Date.parse(w.length === 10 ? `${w}T00:00:00Z` : w);
  return (at(b) - at(a)) / 86_400_000;
}

export function pruneResolved(state: AlertState): void {
  const resolved = state.incidents
    .filter((i) => i.status === 'resolved')
    .sort((a, b) => (b.resolvedWindow ?? '').localeCompare(a.resolvedWindow ?? ''));
  if (resolved.length <= RESOLVED_KEPT) return;
  const drop = new Set(resolved.slice(RESOLVED_KEPT).map((i) => i.id));
  state.incidents = state.incidents.filter((i) => !drop.has(i.id));
}

/** The level rank, exported for sorting in messages and the digest. */
export function levelRank(level: Level): number {
  return LEVEL_RANK[level];
}
