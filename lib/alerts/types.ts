/** The alert policy's vocabulary: levels, rules, observations, incidents and decisions. */
import type { Route } from './settings.js';

export type Level = 'none' | 'warning' | 'critical';
export type AlertLevel = Exclude<Level, 'none'>;

export const LEVEL_RANK: Record<Level, number> = { none: 0, warning: 1, critical: 2 };

export function maxLevel(...levels: Level[]): Level {
  return levels.reduce<Level>((a, b) => (LEVEL_RANK[b] > LEVEL_RANK[a] ? b : a), 'none');
}

export function atLeast(level: Level, floor: Level): boolean {
  return LEVEL_RANK[level] >= LEVEL_RANK[floor];
}

export const RULE_KINDS = [
  'feature_drift',
  'segment_drift',
  'prediction_drift',
  'data_quality',
  'volume',
  'no_data',
  'performance',
  'slice_parity',
  'estimated_performance',
  'label_coverage',
  'operational',
  'metric',
  'kpi',
  'missing_result',
  'job_failed',
  'slo_burn',
] as const;
export type RuleKind = (typeof RULE_KINDS)[number];

/** A root-cause hint: a drifting feature or segment in the same window, with its statistic. */
export interface Hint {
  feature: string;
  segment?: { column: string; value: string };
  method: string;
  statistic: number;
  level: Level;
}

/** What one rule saw for one subject in one window. */
export interface Observation {
  ruleId: string;
  kind: RuleKind;
  /** Stable key of what the rule is about: `income`, `locale=es-US`, `income@region=west`, `drift`. */
  subject: string;
  /** The window the evidence comes from (a performance rule sees matured windows, days back). */
  window: string;
  level: Level;
  /** The observed value, and the thresholds it was compared with, when numeric. */
  value?: number;
  warning?: number;
  critical?: number;
  /** The reference (or history) value a relative or dynamic threshold was built on. */
  baseline?: number;
  /** The metric or statistic name: `psi`, `rocAuc`, `volume ratio`. */
  measure?: string;
  /** One line: what was seen. */
  summary: string;
  /** A short title for subjects, when the rule's generic one is not specific enough. */
  title?: string;
  /** Extra lines for the alert body (segments, categories, merged signals). */
  details?: string[];
  /**
   * Why this window opens at once, without the M-of-N confirmation (a change far beyond the
   * critical level, a highly significant one, or a data-quality finding).
   */
  severe?: string;
  /**
   * Below the opening level but not yet back to the clearing level (hysteresis): an open incident
   * does not resolve on such a window.
   */
  holding?: boolean;
  /**
   * Set when a late window (its data came after its scheduled morning) opens the incident: how far
   * behind the run it is and why it is judged now (the message's "Arrived late:" line).
   */
  late?: string;
  /** How much further the value must move in the bad direction before an open incident re-notifies. */
  worseStep?: number;
  /** The direction in which `value` goes bad (for `worseStep`). */
  badDirection?: 'above' | 'below';
}

/** One incident per (model, rule, subject) at a time; resolved incidents are kept as history. */
export interface Incident {
  id: string;
  model: string;
  ruleId: string;
  kind: RuleKind;
  subject: string;
  status: 'open' | 'resolved';
  level: AlertLevel;
  /** The highest level reached while open. */
  peakLevel: AlertLevel;
  route: Route;
  /** The run window the incident opened in. */
  openedWindow: string;
  openedAt: string;
  /** The first window over the threshold among those that confirmed it. */
  sinceWindow: string;
  /**
   * The first window showing the problem: the earliest window of the unbroken run of windows at
   * warning or above that led to the opening (an evidence window: for performance rules a matured
   * window, days before the run window). MTTD counts from its end. Incidents stored before this
   * field existed lack it (`sinceWindow` stands in).
   */
  firstSeenWindow?: string;
  /** When the first window showing the problem ended (ISO-8601): its data was complete then. */
  firstSeenAt?: string;
  /** The last run window that evaluated it (replays of older windows leave it alone). */
  lastEvaluatedWindow: string;
  /** The last run window a message went out for it (opening, escalation, reminder). */
  lastNotifiedWindow?: string;
  resolvedWindow?: string;
  resolvedAt?: string;
  /** The latest observation over the threshold. */
  last: Observation;
  /** The value the last notification reported (opening, escalation, "worse"). */
  notifiedValue?: number;
  /**
   * `job-failed` and `missing-result`: the windows still without a result, oldest first. The
   * incident stays open until each has one (or is listed in `alerts.unrecoverableWindows`).
   */
  pendingWindows?: PendingWindow[];
}

/** A window a `job-failed` or `missing-result` incident waits on. */
export interface PendingWindow {
  window: string;
  /** The job's error (job-failed) or what is missing (missing-result). */
  message: string;
  /** When the failure was reported or the window was first found missing (ISO-8601). */
  since: string;
}

/** A performance baseline the policy fixed once (the first matured windows' median). */
export interface StoredBaseline {
  metric: string;
  value: number;
  /** The median of the windows' standard errors, when the results carry them. */
  standardError?: number;
  /** The windows' sample standard deviation (the metric's window-to-window noise). */
  spread?: number;
  windows: string[];
}

/** Alert state of one model, stored at `<model>/alerts/state.json`. */
export interface AlertState {
  schemaVersion: 1;
  model: string;
  incidents: Incident[];
  /** The run window a retraining ticket was last requested in (replays before it request none). */
  lastTicketWindow?: string;
  /** Performance baselines per metric, fixed from the first matured windows (see performanceBaseline). */
  baselines?: Record<string, StoredBaseline>;
  /**
   * Late results already judged, per series: what makes a window computed again out of schedule
   * (`recheckRun`: a recheck, or a manual re-run with other data) "not yet judged" is the absence of
   * its (window, revision) here, so a retry or replay judges nothing twice and a new revision of
   * the same window is judged once more (lib/alerts/policy.ts `decideLateWindows`).
   */
  lateJudged?: { kpi?: LateJudged; performance?: LateJudged };
  /**
   * Before `lateJudged`: the run window through which late KPI windows were judged. Read once (a
   * late result rechecked at or before it counts as judged), then dropped.
   */
  kpiRechecksJudgedThrough?: string;
  /** The same for performance windows (legacy, see `kpiRechecksJudgedThrough`). */
  performanceRechecksJudgedThrough?: string;
}

/** The late results of one series the alert policy has judged. */
export interface LateJudged {
  /** The latest run window that judged late results: an older run (a replay) judges none. */
  through: string;
  /**
   * Per window start: the revision judged and the latest `recheckRun` seen with it. Forgotten once
   * that run is LATE_JUDGE_WINDOWS behind the run window (results rechecked earlier are not judged).
   */
  windows: Record<string, { revision: number; run: string }>;
}

export type DecisionType = 'opened' | 'escalated' | 'worsened' | 'reminder' | 'resolved';

/** What the policy decided for one incident in this run. */
export interface Decision {
  type: DecisionType;
  incident: Incident;
  /** Deterministic: the same decision on a re-run has the same id, so the Notifier drops it. */
  notificationId: string;
  /** False for digest-only incidents (tier 3 warnings by default): state changes, nothing is sent. */
  notify: boolean;
  observation: Observation;
  /** For `resolved`: what the latest window saw (below the opening level). */
  current?: Observation;
  hints: Hint[];
}

/** A job failure the caller passes in (the drift job threw, the performance job timed out). */
export interface JobFailure {
  job: string;
  window?: string;
  message: string;
}

export function emptyState(model: string): AlertState {
  return { schemaVersion: 1, model, incidents: [] };
}
