/**
 * SLO burn-rate incidents through the policy's own machinery (`decide` in policy.ts): one incident
 * per SLO and subject (the whole model, or one model version), rule `slo-burn:<name>`, ids hashed
 * from (model, rule, subject, opening window) as every incident, so re-running a window sends
 * nothing twice. It opens when a burn-rate rule fires (a page rule: critical, routed to `page`;
 * only the ticket rule: warning, routed to `alert`), escalates when a page rule joins a ticket, and
 * resolves on the first run where no rule fires (the short windows make that soon after the burn
 * stops). Pure: no I/O, no clock.
 */
import type { MonitorDefinition, SloDefinition } from '../config/schema.js';
import type { TimeWindow } from '../jobs/windows.js';
import type { BurnEvaluation, Silence } from './burn-rate.js';
import { fmt } from './observe.js';
import { decide, type Judgement, pruneResolved } from './policy.js';
import type { Rule } from './rules.js';
import { type AlertSettings, resolveAlertSettings } from './settings.js';
import { type AlertState, type Decision, emptyState, type Observation } from './types.js';

export const SLO_RULE_PREFIX = 'slo-burn:';

/** The rule of one SLO (not configurable through `alerts.rules`: the burn-rate table is the policy). */
export function sloRule(slo: SloDefinition, settings: AlertSettings, model: string): Rule {
  const id = `${SLO_RULE_PREFIX}${slo.name}`;
  return {
    id,
    kind: 'slo_burn',
    source: 'run',
    enabled: true,
    threshold: { type: 'verdict' },
    direction: 'above',
    confirm: { required: 1, windows: 1 },
    clearWindows: 1,
    openAt: 'warning',
    runbook: settings.runbookUrl
      .replaceAll('{rule}', 'slo-burn')
      .replaceAll('{kind}', 'slo_burn')
      .replaceAll('{model}', model),
    description: `the SLO ${slo.name} (${sliText(slo)}, target ${Number((slo.target * 100).toPrecision(6))}% over ${slo.period}) is spending its error budget faster than the burn-rate rules allow`,
    advice:
      'find what changed in the burning window (a deployment, a model version, a dependency, traffic); roll back or shed load to stop the burn, then look at the budget left',
  };
}

export const SILENCE_RULE_ID = 'slo-silence';
/** The subject of the silence incident: the model's prediction log as the SLOs count it. */
export const SILENCE_SUBJECT = 'prediction log';

/**
 * The silence rule: no event at all in the last hour where the same hour of earlier days usually
 * had at least SILENCE_MIN_USUAL (lib/alerts/burn-rate.ts). A warning (routed to `alert`): a stopped
 * service and a stopped log look the same from here, and the burn rates cannot see either.
 */
export function silenceRule(settings: AlertSettings, model: string): Rule {
  return {
    id: SILENCE_RULE_ID,
    kind: 'no_data',
    source: 'run',
    enabled: true,
    threshold: { type: 'verdict' },
    direction: 'above',
    confirm: { required: 1, windows: 1 },
    clearWindows: 1,
    openAt: 'warning',
    runbook: settings.runbookUrl
      .replaceAll('{rule}', SILENCE_RULE_ID)
      .replaceAll('{kind}', 'no_data')
      .replaceAll('{model}', model),
    description:
      'the prediction log has no event at all in the last hour, where the same hour of earlier days usually had many: the SLOs see no bad events, so their budgets look healthy',
    advice:
      'check that the model is serving (its endpoint, its traffic) and that its prediction log is still written to the configured location (the delivery stream, the bucket policy, the partition path)',
  };
}

/** What a run saw for silence, as the alert messages read it. */
export function silenceObservation(silence: Silence, window: TimeWindow): Observation {
  const usual = silence.usual === null ? 'no usual count yet' : `usually ${fmt(silence.usual)} at this hour`;
  const title = silence.observed
    ? `${fmt(silence.observed)} events in the last ${silence.span} (${usual})`
    : `no events in the last ${silence.span} (${usual})`;
  return {
    ruleId: SILENCE_RULE_ID,
    kind: 'no_data',
    subject: SILENCE_SUBJECT,
    window: window.start,
    level: silence.silent ? 'warning' : 'none',
    value: silence.observed,
    measure: `events over ${silence.span}`,
    title,
    summary: silence.silent
      ? `${title}: the median of the same ${silence.span} on the ${silence.days} earlier days; the SLOs' burn rates read 0 while nothing is logged`
      : title,
    details: [],
    badDirection: 'below',
  };
}

/** `62.5% of the P30D budget left`, or `the P30D budget overspent by 23%`. */
export function budgetText(b: { remaining: number; period: string }): string {
  return b.remaining >= 0
    ? `${pct(b.remaining)} of the ${b.period} budget left`
    : `the ${b.period} budget overspent by ${pct(-b.remaining)}`;
}

function pct(share: number): string {
  return `${Number((share * 100).toPrecision(share < 0.01 ? 2 : 4))}%`;
}

/** `latency <= 100 ms`, `no error`, `status in [ok, cached]`. */
export function sliText(slo: SloDefinition): string {
  const sli = slo.sli;
  switch (sli.kind) {
    case 'latency':
      return `latency <= ${sli.thresholdMs} ms`;
    case 'errors':
      return 'no error';
    case 'condition': {
      const v = sli.good.value;
      const value = v === undefined ? '' : ` ${Array.isArray(v) ? `[${v.join(', ')}]` : String(v)}`;
      return `${sli.good.column} ${sli.good.operator}${value}`;
    }
  }
}

/** One SLO's burn for one subject (`<name>` for the model, `<name>@<version column>=<v>` for a version). */
export interface SloSubjectEvaluation {
  slo: SloDefinition;
  subject: string;
  evaluation: BurnEvaluation;
}

/** What a run saw for one SLO subject, as the alert messages read it. */
export function sloObservation(e: SloSubjectEvaluation, window: TimeWindow): Observation {
  const { evaluation, slo } = e;
  const firing = evaluation.rules.filter((r) => r.firing);
  // The rule to report: the firing one with the highest long-window burn, else the fastest rule.
  const top =
    [...firing].sort((a, b) => b.long.burnRate - a.long.burnRate)[0] ??
    (evaluation.rules[0] as (typeof evaluation.rules)[0]);
  const b = evaluation.budget;
  const title =
    evaluation.level === 'none'
      ? `SLO ${e.subject} burn ${fmt(top.long.burnRate)}x over ${top.long.duration}`
      : `SLO ${e.subject} burning ${fmt(top.long.burnRate)}x over ${top.long.duration} (${evaluation.level === 'critical' ? 'fast' : 'slow'} burn)`;
  return {
    ruleId: `${SLO_RULE_PREFIX}${slo.name}`,
    kind: 'slo_burn',
    subject: e.subject,
    window: window.start,
    level: evaluation.level,
    value: top.long.burnRate,
    warning: top.burnRate,
    measure: `burn rate over ${top.long.duration}`,
    title,
    summary: `${title}: ${fmt(top.long.bad)} bad of ${fmt(top.long.total)} events (${sliText(slo)}); ${budgetText(b)}`,
    details: [
      ...evaluation.rules.map(
        (r) =>
          `${r.firing ? 'FIRING' : 'ok'}: ${r.severity === 'critical' ? 'page' : 'ticket'} at ${fmt(r.burnRate)}x over ${r.longWindow} and ${r.shortWindow}: ${fmt(r.long.burnRate)}x over ${r.long.duration}, ${fmt(r.short.burnRate)}x over ${r.short.duration}`,
      ),
      `error budget: ${pct(1 - slo.target)} of events; ${fmt(b.bad)} bad of ${fmt(b.total)} since ${b.start} (${pct(b.consumed)} of the budget spent, ${pct(b.remaining)} left)`,
    ],
    ...(evaluation.level === 'critical' ? { severe: 'a page burn rate over both its windows' } : {}),
    worseStep: top.burnRate,
    badDirection: 'above',
  };
}

export interface SloPolicyInput {
  definition: MonitorDefinition;
  /** The run's window (the last complete sub-window). */
  window: TimeWindow;
  now: Date;
  evaluations: readonly SloSubjectEvaluation[];
  /** Silence of the prediction log over the last hour (absent: not judged this run). */
  silence?: Silence;
  state?: AlertState;
}

/** Every rule of the slo job, by rule id: one per SLO (`slo-burn:<name>`) and the silence rule. */
export function sloRules(definition: MonitorDefinition, settings: AlertSettings): Map<string, Rule> {
  const model = definition.model.id;
  const rules = [
    ...definition.slos.map((slo) => sloRule(slo, settings, model)),
    silenceRule(settings, model),
  ];
  return new Map(rules.map((r) => [r.id, r]));
}

/** The judgement of one subject this run: the run that first sees it is its first sign. */
function runJudgement(
  rule: Rule,
  subject: string,
  observation: Observation,
  window: TimeWindow,
  routeOf: Judgement['routeOf'],
): Judgement {
  const firing = observation.level !== 'none';
  return {
    rule,
    subject,
    current: observation.level,
    firing,
    clear: !firing,
    sinceWindow: window.start,
    firstSeenWindow: window.start,
    ...(firing ? { observation } : {}),
    latestObservation: observation,
    hints: [],
    routeOf,
  };
}

/** Decides the run's SLO incidents; other rules' incidents in the state are left alone. */
export function evaluateSloPolicy(input: SloPolicyInput): { state: AlertState; decisions: Decision[] } {
  const model = input.definition.model.id;
  const settings = resolveAlertSettings(input.definition.alerts);
  const state: AlertState = structuredClone(input.state ?? emptyState(model));
  if (!settings.enabled) return { state, decisions: [] };
  const rules = sloRules(input.definition, settings);
  const judgements: Judgement[] = [];
  const seen = new Set<string>();
  for (const e of input.evaluations) {
    const rule = rules.get(`${SLO_RULE_PREFIX}${e.slo.name}`);
    if (!rule) continue;
    seen.add(`${rule.id}\u0000${e.subject}`);
    // Burn rates judge their own look-back windows; the run that first sees the burn is the first sign.
    judgements.push(
      runJudgement(rule, e.subject, sloObservation(e, input.window), input.window, (level) =>
        level === 'critical' ? 'page' : 'alert',
      ),
    );
  }
  if (input.silence) {
    const rule = rules.get(SILENCE_RULE_ID) as Rule;
    seen.add(`${rule.id}\u0000${SILENCE_SUBJECT}`);
    judgements.push(
      runJudgement(
        rule,
        SILENCE_SUBJECT,
        silenceObservation(input.silence, input.window),
        input.window,
        () => 'alert',
      ),
    );
  }
  // An open incident whose subject saw no events this run (a version that stopped serving) has
  // nothing burning: it resolves.
  for (const incident of state.incidents) {
    // (Silence is judged only by runs that evaluate it: without it, its incident is left as it is.)
    const rule =
      incident.ruleId === SILENCE_RULE_ID && !input.silence ? undefined : rules.get(incident.ruleId);
    if (!rule || incident.status !== 'open' || seen.has(`${rule.id}\u0000${incident.subject}`)) continue;
    judgements.push({
      rule,
      subject: incident.subject,
      current: 'none',
      firing: false,
      clear: true,
      sinceWindow: incident.sinceWindow,
      firstSeenWindow: incident.firstSeenWindow ?? incident.sinceWindow,
      hints: [],
    });
  }
  const decisions: Decision[] = [];
  const policyInput = {
    definition: input.definition,
    window: input.window,
    now: input.now,
    drift: [],
    performance: [],
  };
  for (const j of judgements) decide(j, state, policyInput, settings, decisions);
  pruneResolved(state);
  return { state, decisions };
}
