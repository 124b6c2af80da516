/**
 * The `alerts` section of a monitor definition: rule overrides, custom rules, routing by tier,
 * reminders, runbooks and the retraining-ticket rule. Every field is optional; `resolveAlertSettings`
 * fills the defaults, so a definition without an `alerts` section alerts with the built-in rules.
 */
import { z } from 'zod';

const isoDuration = z.string().regex(/^P(?:(\d+)W|(?:(\d+)D)?(?:T(?:(\d+)H)?)?)$/, {
  message: 'an ISO-8601 duration in weeks, days or hours, e.g. P7D, PT6H',
});

const ruleId = z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, {
  message: 'lowercase letters, digits and dashes, e.g. latency-p99',
});

/** Which way a value goes bad: `below` for ROC-AUC or coverage, `above` for latency or PSI. */
export const DIRECTIONS = ['above', 'below', 'auto'] as const;

export const ThresholdSchema = z.discriminatedUnion('type', [
  /** The drift job's own verdict (its per-feature thresholds and size-aware noise guard). */
  z.strictObject({ type: z.literal('verdict') }),
  /** Fixed levels on the value itself. */
  z.strictObject({ type: z.literal('static'), warning: z.number(), critical: z.number() }),
  /**
   * Levels on the distance from the baseline in the bad direction: points ("0.05 below") for bounded
   * metrics, a ratio ("0.10 = 10% worse") for metrics on an open scale (RMSE, MAE...), which `auto`
   * picks from the metric (lib/metrics/direction.ts).
   */
  z.strictObject({
    type: z.literal('relative'),
    warning: z.number().nonnegative(),
    critical: z.number().nonnegative(),
    scale: z.enum(['auto', 'points', 'ratio']).optional(),
  }),
  /** Learned from the value's own history: mean +/- k standard deviations over the last windows. */
  z.strictObject({
    type: z.literal('dynamic'),
    warningK: z.number().positive().default(3),
    criticalK: z.number().positive().default(4),
    /** Windows of history the mean and deviation are computed on. */
    windows: z.number().int().min(2).max(365).default(14),
    /** Observations needed before the threshold arms; below it the rule stays silent. */
    minHistory: z.number().int().min(2).default(7),
    /** A deviation smaller than this (absolute) never fires, whatever the history's spread. */
    minDelta: z.number().nonnegative().default(0),
  }),
]);

const ConfirmSchema = z
  .strictObject({
    /** Windows over the threshold among the last `windows` before the rule fires (M of N). */
    required: z.number().int().min(1),
    windows: z.number().int().min(1).max(30),
  })
  .refine((c) => c.required <= c.windows, {
    message: 'required must not exceed windows',
    path: ['required'],
  });

const LEVELS = ['warning', 'critical'] as const;

/** The ids of the built-in rules (lib/alerts/rules.ts), which `alerts.rules` may override. */
export const BUILT_IN_RULE_IDS = [
  'feature-drift',
  'segment-drift',
  'prediction-drift',
  'data-quality',
  'volume',
  'no-data',
  'performance',
  'estimated-performance',
  'slice-parity',
  'label-coverage',
  'latency',
  'error-rate',
  'missing-result',
  'job-failed',
] as const;
const ROUTES = ['page', 'alert', 'digest'] as const;

/** Overrides of one built-in rule; anything left out keeps the rule's default. */
export const RuleOverrideSchema = z.strictObject({
  enabled: z.boolean().optional(),
  threshold: ThresholdSchema.optional(),
  direction: z.enum(DIRECTIONS).optional(),
  /** The metric a performance-type rule watches. @default - the result's primary metric */
  metric: z.string().min(1).optional(),
  confirm: ConfirmSchema.optional(),
  /** Windows below the opening level before the incident resolves. */
  clearWindows: z.number().int().min(1).max(30).optional(),
  /** The lowest level that opens an incident (lower levels only show in hints and the digest). */
  openAt: z.enum(LEVELS).optional(),
  /** A runbook URL for this rule (overrides `runbookUrl`). */
  runbook: z.string().url().optional(),
});

/** A rule on any numeric value of a result document, addressed by a dotted path. */
export const CustomRuleSchema = z.strictObject({
  id: ruleId,
  source: z.enum(['drift', 'performance']),
  /** Dotted path in the result, e.g. `operational.latencyMs.p99`; `{primaryMetric}` is substituted. */
  path: z.string().min(1),
  /** For relative thresholds: the path of the reference value, e.g. `reference.metrics.{primaryMetric}`. */
  referencePath: z.string().min(1).optional(),
  description: z.string().optional(),
  direction: z.enum(DIRECTIONS).default('above'),
  threshold: ThresholdSchema,
  confirm: ConfirmSchema.optional(),
  clearWindows: z.number().int().min(1).max(30).optional(),
  openAt: z.enum(LEVELS).optional(),
  runbook: z.string().url().optional(),
});

const RouteByLevelSchema = z.strictObject({ critical: z.enum(ROUTES), warning: z.enum(ROUTES) });

export const AlertSettingsSchema = z.strictObject({
  enabled: z.boolean().default(true),
  /** Runbook link pattern; `{rule}`, `{model}` and `{kind}` are substituted. */
  runbookUrl: z
    .string()
    .min(1)
    .default('https://github.com/driftwatch/driftwatch/blob/main/docs/runbooks.md#{rule}'),
  /** An open incident is re-sent at most this often while it stays open. */
  reminderEvery: isoDuration.default('P7D'),
  /** Default confirmation for rules that do not set their own. */
  confirm: ConfirmSchema.default({ required: 2, windows: 3 }),
  /** Default windows below the opening level before an incident resolves. */
  clearWindows: z.number().int().min(1).max(30).default(2),
  /** Benjamini-Hochberg false discovery rate across a window's drift tests (features x segments). */
  falseDiscoveryRate: z.number().gt(0).lt(1).default(0.05),
  /**
   * What the performance rule compares a matured window with. `reference`: the reference's own
   * metrics; `first-windows`: the median of the first `windows` matured windows (their spread is the
   * metric's noise, which relative levels stay 3 / 5 standard deviations above; kept in the alert
   * state once computed); `auto`: first-windows when the reference is a dataset (a training file's
   * in-sample metrics are optimistic), else the reference.
   */
  performanceBaseline: z
    .strictObject({
      source: z.enum(['auto', 'reference', 'first-windows']).default('auto'),
      windows: z.number().int().min(1).max(30).default(7),
    })
    .prefault({}),
  /** A missing result becomes an alert this long after it was due. */
  lateAfter: isoDuration.default('PT6H'),
  /** Past windows checked for missing results on every run. */
  lookbackWindows: z.number().int().min(1).max(30).default(3),
  /**
   * Windows a job can never compute (their data is gone), each with the job and the reason: a
   * `job-failed` or `missing-result` incident stops waiting for them (it resolves once every other
   * window it lists has a result) and they are not reported missing again.
   */
  unrecoverableWindows: z
    .array(
      z.strictObject({
        job: z.enum(['drift', 'performance']),
        window: z.string().regex(/^\d{4}-\d{2}-\d{2}$/, { message: 'a window start as YYYY-MM-DD' }),
        reason: z.string().min(1),
      }),
    )
    .default([]),
  /** The features that matter most (retraining tickets, hints first). @default - every feature */
  topFeatures: z.array(z.string()).optional(),
  /** Where each severity goes per model tier: `page`, `alert` (email) or `digest` only. */
  routing: z
    .strictObject({
      tier1: RouteByLevelSchema.optional(),
      tier2: RouteByLevelSchema.optional(),
      tier3: RouteByLevelSchema.optional(),
    })
    .default({}),
  rules: z.partialRecord(z.enum(BUILT_IN_RULE_IDS), RuleOverrideSchema).default({}),
  custom: z
    .array(CustomRuleSchema)
    .default([])
    .refine((rules) => rules.every((r) => !(BUILT_IN_RULE_IDS as readonly string[]).includes(r.id)), {
      message: 'a custom rule id must differ from the built-in rule ids',
    }),
  tickets: z
    .strictObject({
      enabled: z.boolean().default(true),
      /** Consecutive drift windows with a top feature at critical that raise a ticket. */
      driftWindows: z.number().int().min(1).max(30).default(3),
      /** A confirmed critical performance incident raises a ticket. */
      onPerformance: z.boolean().default(true),
    })
    .prefault({}),
});

export type AlertSettingsInput = z.input<typeof AlertSettingsSchema>;
export type AlertSettings = z.output<typeof AlertSettingsSchema>;
export type Threshold = z.output<typeof ThresholdSchema>;
export type RuleOverride = z.output<typeof RuleOverrideSchema>;
export type CustomRule = z.output<typeof CustomRuleSchema>;
export type Route = (typeof ROUTES)[number];
export type Direction = (typeof DIRECTIONS)[number];

/** The settings with every default filled in (an absent section gives the defaults). */
export function resolveAlertSettings(input: AlertSettingsInput | AlertSettings | undefined): AlertSettings {
  return AlertSettingsSchema.parse(input ?? {});
}
