/**
 * Alert messages: a subject under 100 characters (model, what, how bad), a plain-text body a
 * stakeholder reads in an email client (what changed, by how much, since when, where, what to do,
 * the runbook and the report), and attributes { model, severity, kind, route } for SNS filter
 * policies.
 */
import type { AlertMessage } from '../adapters/notifier.js';
import { fmt } from './observe.js';
import type { Rule } from './rules.js';
import type { Decision, Hint } from './types.js';

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
  missing_result: 'missing result',
  job_failed: 'job failed',
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
      return `${subject} drop`;
    case 'data_quality':
      return subject.replace(':', ' in ').replace('_', ' ');
    case 'missing_result':
      return `missing ${subject} result`;
    case 'job_failed':
      return `${subject} job failed`;
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
  escalated: 'escalated: ',
  reminder: 'still open: ',
  resolved: 'resolved: ',
};

export function alertSubject(decision: Decision): string {
  const { incident } = decision;
  const severity = decision.type === 'resolved' ? 'RESOLVED' : incident.level.toUpperCase();
  const what =
    decision.observation.title ?? incident.last.title ?? incidentTitle(incident.kind, incident.subject);
  const value =
    decision.type !== 'resolved' && decision.observation.value !== undefined
      ? ` (${measureText(decision)})`
      : '';
  return clip(`[${severity}] ${incident.model}: ${EVENT_WORDS[decision.type]}${what}${value}`);
}

function measureText(decision: Decision): string {
  const o = decision.observation;
  const measure = o.measure ?? '';
  const name = /^(psi|kl|ks|wasserstein|hellinger|jensenshannon|chisquare|ztest|linf)$/.test(measure)
    ? measure.toUpperCase()
    : measure;
  return `${name} ${fmt(o.value ?? 0)}`.trim();
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
    reminder: `Reminder: this ${incident.level} incident for ${incident.model} (tier ${context.tier}) is still open.`,
    resolved: `Resolved: the condition has cleared for ${context.rule.clearWindows} window${context.rule.clearWindows === 1 ? '' : 's'}.`,
  }[decision.type];
  lines.push(headline, '');
  lines.push(`What: ${context.rule.description}.`);
  lines.push(`Observed: ${observation.summary}.`);
  if (
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
  lines.push(
    `Since: window ${incident.sinceWindow}${decision.type === 'opened' ? `, confirmed in ${context.rule.confirm.required} of the last ${context.rule.confirm.windows} windows` : `, opened ${incident.openedWindow}`}${incident.resolvedWindow ? `, resolved ${incident.resolvedWindow}` : ''}.`,
  );
  lines.push(
    `Where: ${where(incident.kind, incident.subject)} (window ${observation.window}, ${context.windowDuration}).`,
  );
  lines.push('');
  lines.push(...hintLines(decision.hints));
  lines.push('');
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
