/**
 * The built-in alert rules and their defaults, merged with a definition's overrides. The defaults
 * are tuned so that on stable data nothing fires (see the false-alert test) and on the demo exactly
 * the injected problems open one incident each.
 */
import type { AlertSettings, CustomRule, Direction, Threshold } from './settings.js';
import type { AlertLevel, RuleKind } from './types.js';

export interface Rule {
  id: string;
  kind: RuleKind;
  source: 'drift' | 'performance' | 'estimated' | 'run' | 'kpi';
  enabled: boolean;
  threshold: Threshold;
  direction: Direction;
  /** The metric a performance rule watches; undefined: the result's primary metric. */
  metric?: string;
  /** For custom rules: the dotted path of the value and of its reference. */
  path?: string;
  referencePath?: string;
  confirm: { required: number; windows: number };
  clearWindows: number;
  openAt: AlertLevel;
  runbook: string;
  /**
   * The levels used instead of `threshold` when the watched metric is ratio-scaled (RMSE, MAE...)
   * and the definition does not override the threshold: fractions of the baseline.
   */
  ratioThreshold?: { warning: number; critical: number };
  /** One line for the alert body: what to do first. */
  advice: string;
  description: string;
}

type BuiltIn = Omit<Rule, 'enabled' | 'runbook' | 'confirm' | 'clearWindows'> & {
  confirm?: Rule['confirm'];
  clearWindows?: number;
  /** Off unless `alerts.rules.<id>.enabled: true`. */
  offByDefault?: true;
};

const IMMEDIATE = { required: 1, windows: 1 };

/** The built-in rules; `confirm`/`clearWindows` left out take the settings' defaults (2 of 3, 2). */
export const BUILT_IN_RULES: readonly BuiltIn[] = [
  {
    id: 'feature-drift',
    kind: 'feature_drift',
    source: 'drift',
    threshold: { type: 'verdict' },
    direction: 'above',
    openAt: 'warning',
    description:
      'a feature distribution drifted from the reference (the drift verdict), or gained unseen categories or out-of-range values',
    advice:
      'check whether the change is real (a population or upstream change) or a pipeline bug; if real, assess the model on recent labels and plan retraining',
  },
  {
    id: 'segment-drift',
    kind: 'segment_drift',
    source: 'drift',
    threshold: { type: 'verdict' },
    direction: 'above',
    openAt: 'warning',
    description:
      'a feature drifted in one segment while its overall distribution did not (significant after Benjamini-Hochberg)',
    advice:
      'look at what changed for this segment (a new channel, a campaign, a partner feed) and at its performance',
  },
  {
    id: 'prediction-drift',
    kind: 'prediction_drift',
    source: 'drift',
    threshold: { type: 'verdict' },
    direction: 'above',
    // Opens at warning: a clear score shift is the earliest sign of changed decisions. A benign
    // mix change is grouped with its drifting features into one notification, not a page of its own.
    openAt: 'warning',
    description: 'the distribution of the model output drifted from the reference',
    advice:
      'compare with the drifting features; without labels yet, a large score shift is the earliest sign of degraded decisions',
  },
  {
    id: 'data-quality',
    kind: 'data_quality',
    source: 'drift',
    threshold: { type: 'verdict' },
    direction: 'above',
    openAt: 'warning',
    confirm: IMMEDIATE,
    description:
      'a data-quality check failed (missing values, unparsable values, a missing column, a type change)',
    advice: 'this is usually a pipeline bug: find the producing job or schema change and fix or roll it back',
  },
  {
    id: 'volume',
    kind: 'volume',
    source: 'drift',
    threshold: { type: 'static', warning: 0.5, critical: 0.25 },
    direction: 'below',
    openAt: 'warning',
    confirm: IMMEDIATE,
    clearWindows: 1,
    description: 'the window holds far fewer predictions than expected',
    advice: 'check the serving fleet, the logging pipeline and upstream traffic for an outage',
  },
  {
    id: 'no-data',
    kind: 'no_data',
    source: 'drift',
    threshold: { type: 'verdict' },
    direction: 'above',
    openAt: 'warning',
    confirm: IMMEDIATE,
    clearWindows: 1,
    description: 'the window holds no predictions at all',
    advice:
      'check that the model is serving and that its prediction log is written to the configured location',
  },
  {
    id: 'performance',
    kind: 'performance',
    source: 'performance',
    // Bounded metrics: 0.05 / 0.10 points worse than the baseline. Ratio-scaled ones (RMSE...):
    // 5% / 15% worse. Either way never closer than 3 / 5 window-to-window standard deviations
    // (NOISE_K): a noisy metric is held to its own noise, a steady one to the floor.
    threshold: { type: 'relative', warning: 0.05, critical: 0.1 },
    ratioThreshold: { warning: 0.05, critical: 0.15 },
    direction: 'auto',
    openAt: 'warning',
    description: 'the model metric got worse than its baseline (on matured labels)',
    advice: 'find the drifting features and segments below, check label quality, and plan retraining',
  },
  {
    // Off by default: an estimate is only as good as the calibration (README: when estimation is
    // not valid). Judged on the band's optimistic end, so noise alone does not open it.
    id: 'estimated-performance',
    kind: 'estimated_performance',
    source: 'estimated',
    offByDefault: true,
    // Points below the estimate of the reference itself (same method, same calibration).
    threshold: { type: 'relative', warning: 0.05, critical: 0.1 },
    direction: 'below',
    openAt: 'warning',
    description:
      'the performance ESTIMATED from scores (before labels) fell below the reference by more than the allowed drop, beyond its band',
    advice:
      'find the drifting features and segments below; the labels will confirm or refute it once they mature (the estimate assumes the score-to-outcome relation did not change)',
  },
  {
    id: 'slice-parity',
    kind: 'slice_parity',
    source: 'performance',
    // On the gap to the overall metric, in the bad direction: 0.10 worse is a warning, 0.20 critical.
    threshold: { type: 'static', warning: 0.1, critical: 0.2 },
    // Ratio-scaled metrics: a segment 20% / 40% worse than overall (errors differ by segment routinely).
    ratioThreshold: { warning: 0.2, critical: 0.4 },
    direction: 'auto',
    openAt: 'warning',
    description: 'a segment performs worse than the model overall by more than the allowed gap',
    advice:
      'check the segment for a population change, a data issue specific to it, or label drift; consider a segment-specific fix or retraining',
  },
  {
    id: 'label-coverage',
    kind: 'label_coverage',
    source: 'performance',
    threshold: { type: 'static', warning: 0.5, critical: 0.2 },
    direction: 'below',
    openAt: 'warning',
    description: 'few predictions received their ground-truth label after the label delay',
    advice: 'check the labels pipeline and the join key; without labels the performance rules are blind',
  },
  {
    id: 'latency',
    kind: 'operational',
    source: 'performance',
    metric: 'latencyMs.p95',
    threshold: { type: 'dynamic', warningK: 3, criticalK: 5, windows: 14, minHistory: 7, minDelta: 0 },
    direction: 'above',
    openAt: 'warning',
    description: 'the p95 prediction latency rose above its usual range',
    advice: 'check the serving fleet (scaling, a new model version, a slow dependency)',
  },
  {
    id: 'error-rate',
    kind: 'operational',
    source: 'performance',
    metric: 'errorRate',
    threshold: { type: 'static', warning: 0.01, critical: 0.05 },
    direction: 'above',
    openAt: 'warning',
    description: 'the share of failed predictions rose',
    advice: 'check the serving logs for the failing requests',
  },
  {
    id: 'missing-result',
    kind: 'missing_result',
    source: 'run',
    threshold: { type: 'verdict' },
    direction: 'above',
    openAt: 'warning',
    confirm: IMMEDIATE,
    clearWindows: 1,
    description: 'a window has no result although it is due: the job did not run or the data is late',
    advice: 'check the job schedule and its logs, then backfill the window (driftwatch backfill)',
  },
  {
    id: 'job-failed',
    kind: 'job_failed',
    source: 'run',
    threshold: { type: 'verdict' },
    direction: 'above',
    openAt: 'warning',
    confirm: IMMEDIATE,
    clearWindows: 1,
    description: 'a monitoring job failed',
    advice:
      'read the error above (it names the file) and the job logs; fix the cause and re-run each window listed (the command is above)',
  },
];

function runbookFor(pattern: string, id: string, kind: string, model: string, explicit?: string): string {
  return (explicit ?? pattern)
    .replaceAll('{rule}', id)
    .replaceAll('{kind}', kind)
    .replaceAll('{model}', model);
}

function customRule(rule: CustomRule, settings: AlertSettings, model: string): Rule {
  return {
    id: rule.id,
    kind: 'metric',
    source: rule.source,
    enabled: true,
    threshold: rule.threshold,
    direction: rule.direction,
    path: rule.path,
    ...(rule.referencePath ? { referencePath: rule.referencePath } : {}),
    confirm: rule.confirm ?? settings.confirm,
    clearWindows: rule.clearWindows ?? settings.clearWindows,
    openAt: rule.openAt ?? 'warning',
    runbook: runbookFor(settings.runbookUrl, rule.id, 'metric', model, rule.runbook),
    advice: 'see the runbook for this rule',
    description: rule.description ?? `${rule.path} crossed its threshold`,
  };
}

/** The rules in force for a model: built-ins with overrides applied, then custom rules. */
export function resolveRules(settings: AlertSettings, model: string): Rule[] {
  const rules = BUILT_IN_RULES.map(({ ratioThreshold, offByDefault, ...rule }): Rule => {
    const override = settings.rules[rule.id as keyof AlertSettings['rules']] ?? {};
    return {
      ...rule,
      enabled: override.enabled ?? !offByDefault,
      threshold: override.threshold ?? rule.threshold,
      // An overridden threshold applies as given (its `scale` says points or ratio).
      ...(ratioThreshold && !override.threshold ? { ratioThreshold } : {}),
      direction: override.direction ?? rule.direction,
      ...(override.metric ? { metric: override.metric } : {}),
      confirm: override.confirm ?? rule.confirm ?? settings.confirm,
      clearWindows: override.clearWindows ?? rule.clearWindows ?? settings.clearWindows,
      openAt: override.openAt ?? rule.openAt,
      runbook: runbookFor(settings.runbookUrl, rule.id, rule.kind, model, override.runbook),
    };
  });
  const ids = new Set(rules.map((r) => r.id));
  for (const custom of settings.custom) {
    if (ids.has(custom.id))
      throw new Error(
        `alerts.custom: rule id ${custom.id} is already used by a built-in rule: pick another id`,
      );
    ids.add(custom.id);
    rules.push(customRule(custom, settings, model));
  }
  return rules;
}
