/**
 * Alert messages: a subject under 100 characters (model, what, how bad), a plain-text body a
 * stakeholder reads in an email client (what changed, by how much, since when, where, what to do,
 * the runbook and the report), and attributes { model, severity, kind, route } for SNS filter
 * policies.
 */
import type { AlertMessage } from '../adapters/notifier.js';
import { fmt } from './observe.js';
import type { Rule } from './rules.js';
import { badDirectionOfMetric } from './thresholds.js';
import { type Decision, type Hint, LEVEL_RANK } from './types.js';

export const MAX_SUBJECT = 99;

const RULE_TITLES: Record<string, string> = {
  feature_drift: 'feature drift',
  segment_drift: 'segment drift',
  prediction_drift: 'prediction drift',
  data_quality: 'data quality',
  volume: 'volume drop',
  no_data: 'no data',
  performance: 'performance drop',
  slice_parity: 'slice parity',
  label_coverage: 'label coverage',
  operational: 'operational',
  metric: 'metric',
  kpi: 'KPI',
  estimated_performance: 'estimated performance',
  missing_result: 'missing result',
  job_failed: 'job failed',
  slo_burn: 'error budget burn',
};

/** A short title for an incident: `income drift`, `locale=es-US below overall`, `volume drop`. */
export function incidentTitle(kind: string, subject: string): string {
  switch (kind) {
    case 'feature_drift':
      return `${subject} drift`;
    case 'segment_drift':
      return `${subject.replace('@', ' drift in ')}`;
    case 'prediction_drift':
      return `${subject} (output) drift`;
    case 'slice_parity':
      return `${subject} below overall`;
    case 'performance':
      return `${subject} ${badDirectionOfMetric(subject) === 'above' ? 'rise' : 'drop'}`;
    case 'estimated_performance':
      return `${subject} drop (estimated, labels pending)`;
    case 'data_quality':
      return subject.startsWith('new_segment:')
        ? `new segment ${subject.slice('new_segment:'.length)}`
        : subject.replace(':', ' in ').replace('_', ' ');
    case 'missing_result':
      return `missing ${subject} result`;
    case 'job_failed':
      return `${subject} job failed`;
    case 'kpi':
      return `KPI ${subject} out of range`;
    case 'slo_burn':
      return `SLO ${subject.replace('@', ' for ')} burning its error budget`;
    case 'operational':
    case 'metric':
      return `${subject} out of range`;
    default:
      return RULE_TITLES[kind] ?? kind;
  }
}

/** Cuts a line to `max` characters on a word boundary, with an ellipsis. */
export function clip(text: string, max = MAX_SUBJECT): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  if (flat.length <= max) return flat;
  const cut = flat.slice(0, max - 3);
  const space = cut.lastIndexOf(' ');
  return `${(space > max / 2 ? cut.slice(0, space) : cut).trimEnd()}...`;
}

const EVENT_WORDS: Record<Decision['type'], string> = {
  opened: '',
  escalated: 'now critical: ',
  worsened: 'worse: ',
  reminder: 'still open: ',
  resolved: '',
};

/** What and how bad, without the model: the observation's title, or a generic title and value. */
export function decisionTitle(decision: Decision): string {
  const { incident, observation } = decision;
  if (decision.type === 'resolved') {
    const now = decision.current;
    const back =
      now?.value !== undefined && now.measure !== undefined && incident.kind === 'performance'
        ? `, back to ${fmt(now.value)}${now.baseline !== undefined ? ` (baseline ${fmt(now.baseline)})` : ''}`
        : '';
    // A KPI whose shifted level became its baseline: say so, it is not "back".
    const normal =
      incident.kind === 'kpi' && now?.level === 'none' && now.value !== undefined && now.title
        ? `: ${fmt(now.value)} is the new normal`
        : '';
    return `${incidentTitle(incident.kind, incident.subject)} resolved${back}${normal}`;
  }
  if (observation.title) return observation.title;
  const generic = incidentTitle(incident.kind, incident.subject);
  return observation.value !== undefined ? `${generic} (${measureText(decision)})` : generic;
}

/** `[CRITICAL] credit-default: income drift (PSI 0.31)`: one severity tag, model, what, how bad. */
export function alertSubject(decision: Decision): string {
  const { incident } = decision;
  const severity = decision.type === 'resolved' ? 'RESOLVED' : incident.level.toUpperCase();
  return clip(`[${severity}] ${incident.model}: ${EVENT_WORDS[decision.type]}${decisionTitle(decision)}`);
}

function measureText(decision: Decision): string {
  const o = decision.observation;
  const measure = o.measure ?? '';
  const name = /^(psi|kl|ks|wasserstein|hellinger|jensenshannon|chisquare|ztest|linf)$/.test(measure)
    ? measure.toUpperCase()
    : measure;
  return `${name} ${fmt(o.value ?? 0)}`.trim();
}

/**
 * Drift hints explain model-quality incidents; the hourly SLO job's incidents (rules `slo-burn:*`
 * and `slo-silence`) come from no drift scan and have none unless a caller adds them.
 */
function showsHints(incident: { ruleId: string }, hints: readonly Hint[]): boolean {
  return !incident.ruleId.startsWith('slo-') || hints.length > 0;
}

export function hintLines(hints: readonly Hint[]): string[] {
  const features = hints.filter((h) => !h.segment);
  const segments = hints.filter((h) => h.segment);
  const line = (h: Hint) =>
    `  - ${h.feature}${h.segment ? ` in ${h.segment.column}=${h.segment.value}` : ''}: ${h.method.toUpperCase()} ${fmt(h.statistic)} (${h.level})`;
  const out: string[] = [];
  out.push('Top drifting features in this window:', ...(features.length ? features.map(line) : ['  - none']));
  if (segments.length) out.push('Top drifting segments:', ...segments.map(line));
  return out;
}

export interface AlertContext {
  tier: 1 | 2 | 3;
  rule: Pick<Rule, 'description' | 'advice' | 'runbook' | 'confirm' | 'clearWindows'>;
  reportLink: string;
  windowDuration: string;
}

/** Renders one decision as an alert message. */
export function renderAlert(decision: Decision, context: AlertContext): AlertMessage {
  const { incident, observation } = decision;
  const severity = decision.type === 'resolved' ? 'resolved' : incident.level;
  const lines: string[] = [];
  const headline = {
    opened: `A new ${incident.level} incident opened for ${incident.model} (tier ${context.tier}).`,
    escalated: `The incident for ${incident.model} (tier ${context.tier}) is now critical.`,
    worsened: `The open ${incident.level} incident for ${incident.model} (tier ${context.tier}) got materially worse.`,
    reminder: `Reminder: this ${incident.level} incident for ${incident.model} (tier ${context.tier}) is still open.`,
    resolved:
      incident.kind === 'job_failed' || incident.kind === 'missing_result'
        ? 'Resolved: every window it listed has a result now (or is listed as unrecoverable).'
        : `Resolved: below the opening level for ${context.rule.clearWindows} window${context.rule.clearWindows === 1 ? '' : 's'}.`,
  }[decision.type];
  lines.push(headline, '');
  lines.push(`What: ${context.rule.description}.`);
  if (decision.type === 'resolved') {
    // The same measure and words as the opening message: the last window over the limit, then now.
    lines.push(`Last over the limit (window ${observation.window}): ${observation.summary}.`);
    if (decision.current) lines.push(`Now (window ${decision.current.window}): ${decision.current.summary}.`);
  } else {
    lines.push(`Observed: ${observation.summary}.`);
    if (observation.late) lines.push(`Arrived late: ${observation.late}.`);
  }
  if (
    decision.type !== 'resolved' &&
    observation.value !== undefined &&
    (observation.warning !== undefined || observation.critical !== undefined)
  ) {
    const limits = [
      observation.warning !== undefined ? `warning at ${fmt(observation.warning)}` : '',
      observation.critical !== undefined ? `critical at ${fmt(observation.critical)}` : '',
      observation.baseline !== undefined ? `baseline ${fmt(observation.baseline)}` : '',
    ].filter(Boolean);
    lines.push(`By how much: ${measureText(decision)}; ${limits.join(', ')}.`);
  }
  for (const detail of observation.details ?? []) lines.push(`  ${detail}`);
  const confirmed =
    decision.type !== 'opened'
      ? `, opened ${incident.openedWindow}`
      : observation.severe
        ? `, opened at once (${observation.severe})`
        : `, confirmed in ${context.rule.confirm.required} of the last ${context.rule.confirm.windows} windows`;
  lines.push(
    `Since: window ${incident.sinceWindow}${confirmed}${incident.resolvedWindow ? `, resolved ${incident.resolvedWindow}` : ''}.`,
  );
  lines.push(
    `Where: ${where(incident.kind, incident.subject)} (window ${observation.window}, ${context.windowDuration}).`,
  );
  lines.push('');
  if (showsHints(incident, decision.hints)) lines.push(...hintLines(decision.hints), '');
  if (decision.type !== 'resolved') lines.push(`What to do: ${context.rule.advice}.`);
  lines.push(`Runbook: ${context.rule.runbook}`);
  lines.push(`Report: ${context.reportLink}`);
  lines.push(
    `Incident: ${incident.id} (rule ${incident.ruleId}, severity ${incident.level}, route ${incident.route})`,
  );
  return {
    id: decision.notificationId,
    subject: alertSubject(decision),
    body: lines.join('\n'),
    attributes: {
      model: incident.model,
      severity,
      kind: incident.kind,
      route: incident.route,
      event: decision.type,
      incident: incident.id,
    },
  };
}

function where(kind: string, subject: string): string {
  if (kind === 'slice_parity') return `segment ${subject}`;
  if (kind === 'segment_drift') {
    const [feature, segment] = subject.split('@');
    return `feature ${feature} in segment ${segment}`;
  }
  if (kind === 'feature_drift') return `feature ${subject}, all rows`;
  if (kind === 'data_quality') return subject.replace(':', ' on ');
  return subject;
}

/** A subject with a "+N more" tail that survives clipping. */
function withMore(subject: string, more: number): string {
  if (more <= 0) return clip(subject);
  const tail = ` +${more} more`;
  return `${clip(subject, MAX_SUBJECT - tail.length)}${tail}`;
}

/** Where each kind ranks as a suspected cause: inputs before the outputs they explain. */
const CAUSE_RANK: Record<string, number> = {
  job_failed: 0,
  missing_result: 1,
  no_data: 2,
  volume: 3,
  data_quality: 4,
  feature_drift: 5,
  segment_drift: 6,
  prediction_drift: 7,
  slice_parity: 8,
  performance: 9,
  label_coverage: 10,
  operational: 11,
  metric: 12,
  kpi: 13,
  slo_burn: 14,
};

/** How far past its warning level an observation is (statistic / warning threshold), for ranking. */
function strength(d: Decision): number {
  const o = d.observation;
  if (o.value === undefined || o.warning === undefined) return 0;
  const base = o.baseline ?? 0;
  const span = Math.abs(o.warning - base);
  return span > 0 ? Math.abs(o.value - base) / span : 0;
}

/**
 * Ranks the decisions of one run, top suspected cause first: a pipeline or data problem before
 * input drift, input drift before the output and performance it explains; within a kind, critical
 * before warning, then the strongest (distance over its warning level).
 */
export function rankDecisions(decisions: readonly Decision[]): Decision[] {
  return [...decisions].sort(
    (a, b) =>
      (CAUSE_RANK[a.incident.kind] ?? 99) - (CAUSE_RANK[b.incident.kind] ?? 99) ||
      LEVEL_RANK[b.incident.level] - LEVEL_RANK[a.incident.level] ||
      strength(b) - strength(a) ||
      a.incident.subject.localeCompare(b.incident.subject),
  );
}

/**
 * One message for several decisions of one model and run window (one page per cause). Openings,
 * escalations, "worse" notices and reminders go together; resolutions go together in their own
 * message. The id is a hash of the decisions' own notification ids, so a re-run of the same
 * decisions is dropped by the Notifier like a single one.
 */
export function renderGroup(
  decisions: readonly Decision[],
  context: (d: Decision) => AlertContext,
  groupId: string,
): AlertMessage {
  const ranked = rankDecisions(decisions);
  const top = ranked[0];
  if (!top) throw new Error('renderGroup needs at least one decision');
  const resolved = ranked.every((d) => d.type === 'resolved');
  const worst = ranked.reduce(
    (a, d) => (LEVEL_RANK[d.incident.level] > LEVEL_RANK[a] ? d.incident.level : a),
    top.incident.level,
  );
  const severity = resolved ? 'resolved' : worst;
  const model = top.incident.model;
  const first = context(top);
  const window = top.observation.window;
  const others = ranked.length - 1;
  const subject = resolved
    ? clip(
        `[RESOLVED] ${model}: ${ranked.length} incidents resolved (${ranked.map((d) => incidentTitle(d.incident.kind, d.incident.subject)).join(', ')})`,
      )
    : withMore(
        `[${severity.toUpperCase()}] ${model}: ${ranked.every((d) => d.type === top.type) ? EVENT_WORDS[top.type] : ''}${decisionTitle(top)}`,
        others,
      );
  const lines: string[] = [];
  lines.push(
    resolved
      ? `${ranked.length} incidents of ${model} (tier ${first.tier}) resolved in this run.`
      : `${ranked.length} findings for ${model} (tier ${first.tier}) in one run: one notification, ranked, top suspected cause first.`,
    '',
  );
  ranked.forEach((d, i) => {
    const words = {
      opened: 'new',
      escalated: 'now critical',
      worsened: 'worse',
      reminder: 'still open',
      resolved: 'resolved',
    }[d.type];
    lines.push(
      `${i + 1}. [${d.type === 'resolved' ? 'resolved' : d.incident.level}, ${words}] ${decisionTitle(d)}`,
    );
    lines.push(
      `   ${d.type === 'resolved' ? `last over the limit: ${d.observation.summary}` : d.observation.summary}`,
    );
    if (d.type === 'opened' && d.observation.severe) lines.push(`   opened at once: ${d.observation.severe}`);
    lines.push(
      `   incident ${d.incident.id} (rule ${d.incident.ruleId}, since ${d.incident.sinceWindow}, runbook ${context(d).rule.runbook})`,
    );
  });
  lines.push('');
  if (!resolved) {
    if (showsHints(top.incident, top.hints)) lines.push(...hintLines(top.hints), '');
    lines.push(`What to do first: ${first.rule.advice}.`);
  }
  lines.push(`Report: ${first.reportLink}`);
  lines.push(
    `Window: ${window} (${first.windowDuration}). Each incident stays tracked and resolves on its own.`,
  );
  const routes = ranked.map((d) => d.incident.route);
  return {
    id: groupId,
    subject,
    body: lines.join('\n'),
    attributes: {
      model,
      severity,
      kind: top.incident.kind,
      route: routes.includes('page') ? 'page' : routes.includes('alert') ? 'alert' : 'digest',
      event: resolved ? 'resolved' : 'grouped',
      incident: top.incident.id,
      incidents: ranked.map((d) => d.incident.id).join(','),
    },
  };
}
