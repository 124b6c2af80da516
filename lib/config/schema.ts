/**
 * The monitor definition: what a team writes (YAML or JSON) to monitor one model. The same type
 * is the core of the CDK construct's props, so a definition that validates here deploys.
 */
import { z } from 'zod';
import { AlertSettingsSchema } from '../alerts/settings.js';
import { IDENTIFIER_PATTERN, isQuotableIdentifier } from '../sql/identifiers.js';

const column = z.string().regex(IDENTIFIER_PATTERN, {
  message: 'a column name of letters, digits and underscores, not starting with a digit',
});

// The id names the model's Glue tables (`-` becomes `_`: `credit-default_predictions`), and an
// Athena (Trino) name must not start with a digit: `2024-credit` would fail on AWS.
const modelId = z.string().regex(/^[a-z][a-z0-9-]{0,62}$/, {
  message:
    'lowercase letters, digits and dashes, 1 to 63 characters, starting with a letter (it names Athena tables, which cannot start with a digit: e.g. credit-2024)',
});

const isoDuration = z
  .string({
    // A YAML number (`delay: 7`) gets the format, not only "expected a string".
    error: (issue) =>
      issue.input === undefined
        ? undefined
        : `an ISO-8601 duration as text in weeks, days or hours, e.g. P7D (7 days), P2W, PT12H`,
  })
  .regex(/^P(?:(\d+)W|(?:(\d+)D)?(?:T(?:(\d+)H)?)?)$/, {
    message: 'an ISO-8601 duration in weeks, days or hours, e.g. P7D, P2W, PT12H',
  })
  .refine((v) => v !== 'P' && v !== 'PT', { message: 'a non-empty ISO-8601 duration such as P1D' });

const isoDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, { message: 'a date as YYYY-MM-DD' });

export const LOG_FORMATS = ['parquet', 'jsonl', 'csv'] as const;
export const TASKS = ['binary', 'multiclass', 'regression'] as const;
export const FEATURE_KINDS = ['numeric', 'categorical'] as const;
export const DRIFT_METHODS = [
  'auto',
  'psi',
  'kl',
  'jensenshannon',
  'wasserstein',
  'hellinger',
  'ks',
  'chisquare',
  'ztest',
  'linf',
] as const;

const thresholds = z
  .object({
    warning: z.number().nonnegative(),
    critical: z.number().nonnegative(),
  })
  .refine((t) => t.critical >= t.warning, {
    message: 'critical must be at least warning',
    path: ['critical'],
  });

const logLocation = z.string().min(1, { message: 'a folder path or an s3:// URI' });

export const PredictionLogSchema = z.strictObject({
  location: logLocation,
  format: z.enum(LOG_FORMATS).default('parquet'),
  partitionKey: z.literal('dt').default('dt'),
  idColumn: column,
  timestampColumn: column,
  scoreColumn: column.optional(),
  predictionColumn: column.optional(),
  /** Multiclass: one probability column per class label. */
  classScoreColumns: z.record(z.string(), column).optional(),
  modelVersionColumn: column.optional(),
  latencyColumn: column.optional(),
  errorColumn: column.optional(),
  /** Predictions a window is expected to hold; a volume alert compares against it. */
  expectedRowsPerWindow: z.number().int().positive().optional(),
});

/** A real column name as the files spell it (`loan amount`, `od280/od315`): quoted, never pasted. */
const realColumn = z.string().refine(isQuotableIdentifier, {
  message: 'the column as the files name it: 1 to 255 characters, no NUL or line break',
});

export const FeatureSchema = z.strictObject({
  /** The name results, alerts and reports use. */
  name: column,
  /** The column in the files when it is not a plain identifier (`loan amount`); default: `name`. */
  column: realColumn.optional(),
  kind: z.enum(FEATURE_KINDS),
  method: z.enum(DRIFT_METHODS).optional(),
  thresholds: thresholds.optional(),
});

export const LabelLogSchema = z.strictObject({
  location: logLocation,
  format: z.enum(LOG_FORMATS).default('parquet'),
  partitioned: z.boolean().default(true),
  idColumn: column,
  labelColumn: column,
  delay: isoDuration,
  /**
   * Binary: the label value (compared as text) that means the positive class, for labels such as
   * "yes"/"no". Without it labels must be 0/1 (numbers, text or booleans).
   */
  positiveValue: z.string().min(1).optional(),
  /** Binary: the value that means the negative class; without it every other label is negative. */
  negativeValue: z.string().min(1).optional(),
  /**
   * How long after its labels matured a window whose label coverage is below its usual (late
   * labels) is evaluated again by each scheduled performance run; past it, a `labels_missing`
   * finding. Whole days.
   */
  recheckWithin: isoDuration.default('P7D'),
});

/** A late log of business outcomes (revenue, conversion), joined to predictions by id like labels. */
export const OutcomeLogSchema = z.strictObject({
  location: logLocation,
  format: z.enum(LOG_FORMATS).default('parquet'),
  /** `dt=` folders by ARRIVAL date (a window reads the outcomes that had arrived by the run). */
  partitioned: z.boolean().default(true),
  idColumn: column,
  /** How long outcomes take to arrive: outcome KPIs of a window run once it is this old. */
  delay: isoDuration,
  /**
   * How long after its outcomes matured a window whose outcome KPIs were held (coverage below
   * its usual) is recomputed each morning; past it, an `outcomes_missing` finding. Whole days.
   */
  recheckWithin: isoDuration.default('P7D'),
});

export const KPI_AGGREGATES = ['rate', 'mean', 'sum'] as const;
export const KPI_OPERATORS = ['=', '!=', '<', '<=', '>', '>='] as const;
export const KPI_PER = ['prediction', 'positive_decision'] as const;
export const KPI_SOURCES = ['predictions', 'outcomes'] as const;
export const KPI_DIRECTIONS = ['higher_is_better', 'lower_is_better'] as const;

/** A row filter, structured (never SQL): the value is compared as a quoted literal. */
export const KpiWhereSchema = z.strictObject({
  column,
  operator: z.enum(KPI_OPERATORS),
  value: z.union([
    z.string(),
    z.number().refine(Number.isFinite, { message: 'a finite number' }),
    z.boolean(),
  ]),
});

export const KpiSchema = z.strictObject({
  /** The KPI's name in results, alerts (rule `kpi:<name>`) and reports. */
  name: column,
  /** rate: the share of rows whose column is true (1, true); mean / sum of a numeric column. */
  aggregate: z.enum(KPI_AGGREGATES),
  /** The column aggregated, in the log `source` names (outcome columns in the outcomes log). */
  column,
  /** Only rows where `column operator value` holds (a column of the same log as `column`). */
  where: KpiWhereSchema.optional(),
  /** Every prediction, or only the positive decisions (binary: score >= performance.threshold). */
  per: z.enum(KPI_PER).default('prediction'),
  /** rate: the text that reads as true (e.g. 'Y'); every other non-null value is false. Default: 1 / true. */
  trueValue: z.string().min(1).optional(),
  source: z.enum(KPI_SOURCES).default('predictions'),
  thresholds: z
    .strictObject({
      /** The share the KPI may move in its bad direction from its own history median (warning; 2x: critical). */
      relative: z.number().gt(0).optional(),
      /** Bounds outside which the KPI is critical. */
      absolute: z
        .strictObject({ min: z.number().optional(), max: z.number().optional() })
        .refine((a) => a.min === undefined || a.max === undefined || a.min <= a.max, {
          message: 'min must not be above max',
          path: ['max'],
        })
        .optional(),
    })
    .refine((t) => t.relative !== undefined || t.absolute !== undefined, {
      message: 'at least one of relative or absolute',
    }),
  direction: z.enum(KPI_DIRECTIONS),
});

export const ReferenceSchema = z.discriminatedUnion('type', [
  z.strictObject({
    type: z.literal('dataset'),
    location: logLocation,
    format: z.enum(LOG_FORMATS).default('parquet'),
    /** The label column in the reference file, when it carries labels. */
    labelColumn: column.optional(),
  }),
  z
    .strictObject({ type: z.literal('range'), from: isoDate, to: isoDate })
    .refine((r) => r.from <= r.to, { message: 'from must not be after to', path: ['to'] }),
  z.strictObject({ type: z.literal('rolling'), windows: z.number().int().min(1).max(365) }),
]);

export const DriftSettingsSchema = z.strictObject({
  bins: z.number().int().min(2).max(100).default(10),
  methods: z
    .strictObject({
      numeric: z.enum(DRIFT_METHODS).default('psi'),
      categorical: z.enum(DRIFT_METHODS).default('psi'),
    })
    .prefault({}),
  thresholds: z.partialRecord(z.enum(DRIFT_METHODS), thresholds).default({}),
  /** Size-aware verdicts: a distance must also exceed what sampling noise produces. */
  sizeAware: z.boolean().default(true),
  alpha: z.number().gt(0).lt(1).default(0.01),
  minSampleSize: z.number().int().min(1).default(100),
  /** A segment value with fewer rows than this is reported as too small. */
  minSegmentSize: z.number().int().min(1).default(200),
});

/** The metrics each task computes (a primary metric must be one of its task's). */
export const TASK_METRICS = {
  binary: [
    'rocAuc',
    'accuracy',
    'f1',
    'precision',
    'recall',
    'balancedAccuracy',
    'averagePrecision',
    'logLoss',
    'brier',
    'ece',
  ],
  multiclass: ['accuracy', 'f1Macro', 'f1Weighted', 'rocAucOvrMacro', 'logLoss'],
  regression: ['mae', 'rmse', 'mape', 'r2'],
} as const;

type TaskMetric = (typeof TASK_METRICS)[keyof typeof TASK_METRICS][number];

export const PERFORMANCE_METRICS = [...new Set(Object.values(TASK_METRICS).flat())] as [
  TaskMetric,
  ...TaskMetric[],
];

/**
 * The default of `performance.exactRankingMaxRows`: above it the exact path's window sorts cost
 * several times the grid's CPU time while the grid's AUC bound (about 5e-5) is well below the
 * DeLong standard error (BENCHMARKS.md / docs/ARCHITECTURE.md "The grid path").
 */
export const EXACT_RANKING_MAX_ROWS = 1_000_000;

export const PerformanceSettingsSchema = z.strictObject({
  /** Binary decision threshold: prediction = score >= threshold. */
  threshold: z.number().gt(0).lt(1).default(0.5),
  /** The metric slices and alerts judge first; default by task (rocAuc, f1Macro, rmse). */
  primaryMetric: z.enum(PERFORMANCE_METRICS).optional(),
  /** A segment (or model version) with fewer labelled rows is reported as too small. */
  minSegmentLabels: z.number().int().min(1).default(100),
  /** Significance level of the version comparison. */
  alpha: z.number().gt(0).lt(1).default(0.05),
  /**
   * Binary with a score: how ROC-AUC, average precision and the DeLong standard error are computed.
   * `exact` ranks every row (window sorts); `grid` aggregates scores on a fine grid of levels in one
   * GROUP BY (no sort) and reports each metric's proven error bound (exact when every level holds
   * one distinct score); `auto` is exact up to `exactRankingMaxRows` predictions, grid above.
   */
  ranking: z.enum(['auto', 'exact', 'grid']).default('auto'),
  /** With `ranking: auto`, windows with more predictions than this take the grid path. */
  exactRankingMaxRows: z.number().int().min(0).default(EXACT_RANKING_MAX_ROWS),
});

/** Canary windows: whole hours that divide a day (PT1H, PT2H, ... PT24H or P1D). */
const canaryWindow = isoDuration;

/**
 * A canary: a candidate model version serving beside the incumbent, judged every window by a
 * sequential test (lib/alerts/canary.ts). The version column is `predictions.modelVersionColumn`.
 */
export const CanarySettingsSchema = z.strictObject({
  /** Which version is the candidate: a fixed value, or the version first seen most recently. */
  candidate: z
    .union([
      z.strictObject({ version: z.string().min(1).max(200) }),
      z.strictObject({ newest: z.literal(true) }),
    ])
    .default({ newest: true }),
  /** The canary's window; runs judge the last complete one. */
  window: canaryWindow.default('PT1H'),
  /** Rows each arm needs before a promote. */
  minimumRows: z.number().int().min(1).default(1000),
  /** Windows with candidate rows needed before a promote. */
  minimumWindows: z.number().int().min(1).default(2),
  /** After this long without a decision (from the candidate's first window) the verdict is inconclusive. */
  maximumDuration: isoDuration.default('P1D'),
  /** The chance of rolling back a candidate that is not worse, over the whole canary (split over the guardrails). */
  falseRollbackRate: z.number().gt(0).lt(0.5).default(0.05),
  /** A prediction slower than this (in the latency column's unit) counts against the latency guardrail. */
  latencyBound: z.number().positive().optional(),
  /** Labelled rows each arm needs before the performance guardrail is judged. */
  minimumLabels: z.number().int().min(1).default(100),
  /** How much worse the candidate may be and still be promoted (absolute differences of shares). */
  margins: z
    .strictObject({
      errorRate: z.number().gt(0).lt(1).default(0.005),
      latencyOverBound: z.number().gt(0).lt(1).default(0.02),
      misclassification: z.number().gt(0).lt(1).default(0.02),
      /** PSI between the arms' score distributions above which a promote is held back. */
      scoreShift: z.number().positive().default(0.25),
    })
    .prefault({}),
});

/** Operators of an SLO condition on one logged column (`value` is compared as a parameter-free quoted literal). */
export const SLO_OPERATORS = [
  '<',
  '<=',
  '>',
  '>=',
  '=',
  '!=',
  'in',
  'not in',
  'is null',
  'is not null',
] as const;
/** Sub-day windows an SLO's events are counted in (they divide an hour, so the 5m to 6h burn windows are whole). */
export const SLO_WINDOWS = ['PT5M', 'PT10M', 'PT15M', 'PT30M', 'PT1H'] as const;
export const SLO_PERIODS = ['P28D', 'P30D'] as const;
/** How far back each SLO run recounts (rows that land late, e.g. a backfill after a logging outage). */
export const SLO_RECOUNTS = ['PT1H', 'PT2H', 'PT3H', 'PT6H', 'PT12H', 'P1D'] as const;

const literal = z.union([
  z.number().refine(Number.isFinite, { message: 'a finite number' }),
  z.string(),
  z.boolean(),
]);

/**
 * A good event as a condition on one logged column: `{ column: status, operator: '=', value: ok }`,
 * `{ column: confidence, operator: '>=', value: 0.2 }`, `{ column: code, operator: in, value: [200, 204] }`.
 * Not SQL: the column is quoted and the value rendered as a literal by lib/sql.
 */
export const SloConditionSchema = z
  .strictObject({
    column,
    operator: z.enum(SLO_OPERATORS),
    value: z.union([literal, z.array(z.union([z.number(), z.string()])).min(1)]).optional(),
  })
  .superRefine((c, ctx) => {
    const list = c.operator === 'in' || c.operator === 'not in';
    const none = c.operator === 'is null' || c.operator === 'is not null';
    if (none && c.value !== undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['value'],
        message: `no value with operator '${c.operator}' (remove value)`,
      });
    } else if (list && !Array.isArray(c.value)) {
      ctx.addIssue({
        code: 'custom',
        path: ['value'],
        message: `a list of values with operator '${c.operator}', e.g. [200, 204]`,
      });
    } else if (!none && !list && (c.value === undefined || Array.isArray(c.value))) {
      ctx.addIssue({
        code: 'custom',
        path: ['value'],
        message: `one number, string or boolean to compare with '${c.operator}'`,
      });
    } else if (['<', '<=', '>', '>='].includes(c.operator) && typeof c.value === 'boolean') {
      ctx.addIssue({
        code: 'custom',
        path: ['value'],
        message: `a number or string to order with '${c.operator}', not a boolean`,
      });
    }
  });

export const SliSchema = z.discriminatedUnion('kind', [
  /** Good: `predictions.latencyColumn` between 0 and `thresholdMs` (negative is bad). */
  z.strictObject({ kind: z.literal('latency'), thresholdMs: z.number().positive() }),
  /** Good: `predictions.errorColumn` null, false, numeric zero, '', '0' or 'false' (lib/sql/error-flag.ts). */
  z.strictObject({ kind: z.literal('errors') }),
  /** Good: the condition holds (a row where it is unknown, e.g. a null column, is bad). */
  z.strictObject({ kind: z.literal('condition'), good: SloConditionSchema }),
]);

export const SloSchema = z.strictObject({
  /** Names the SLO in results, alerts (`slo-burn:<name>`) and the report. */
  name: z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, {
    message: 'lowercase letters, digits and dashes, e.g. latency-100ms',
  }),
  description: z.string().optional(),
  sli: SliSchema,
  /** The share of good events the SLO promises, e.g. 0.999; the error budget is 1 - target. */
  target: z.number().gt(0, { message: 'a share between 0 and 1, e.g. 0.999' }).lt(1, {
    message: 'a share below 1 (an SLO of 100% has no error budget), e.g. 0.999',
  }),
  /** The rolling period the budget is spent over. */
  period: z.enum(SLO_PERIODS).default('P30D'),
  /** The sub-window events are counted in (the burn-rate windows are whole multiples of it, or rounded up to it). */
  window: z.enum(SLO_WINDOWS).default('PT1H'),
  /** One budget per model version (`predictions.modelVersionColumn`) besides the whole model. */
  perVersion: z.boolean().default(false),
  /**
   * Each run recounts this much before the ledger's end, so rows that arrive late (a backfill after
   * a logging outage) are counted; SLOs counted in the same `window` share the longest.
   */
  recount: z.enum(SLO_RECOUNTS).default('PT6H'),
});

export const MonitorDefinitionSchema = z.strictObject({
  schemaVersion: z.literal(1).default(1),
  model: z.strictObject({
    id: modelId,
    task: z.enum(TASKS),
    tier: z.union([z.literal(1), z.literal(2), z.literal(3)]).default(2),
    description: z.string().optional(),
  }),
  predictions: PredictionLogSchema,
  features: z.array(FeatureSchema).min(1, { message: 'at least one feature to monitor' }),
  segments: z.array(column).default([]),
  labels: LabelLogSchema.optional(),
  /** A late log of business outcomes joined by id, for KPIs with `source: outcomes`. */
  outcomes: OutcomeLogSchema.optional(),
  /** Business KPIs computed per window, segment and model version (lib/sql/kpi-query.ts). */
  kpis: z.array(KpiSchema).default([]),
  reference: ReferenceSchema,
  window: isoDuration.default('P1D'),
  drift: DriftSettingsSchema.prefault({}),
  performance: PerformanceSettingsSchema.prefault({}),
  /** Alert rules, routing, reminders and retraining tickets (lib/alerts/settings.ts); defaults apply when absent. */
  alerts: AlertSettingsSchema.optional(),
  /** A canary judged every (hourly) window: promote, hold, roll back or inconclusive. */
  canary: CanarySettingsSchema.optional(),
  /** Service-level objectives: error budgets and burn-rate alerts over sub-day windows (lib/jobs/slo.ts). */
  slos: z.array(SloSchema).default([]),
});

/** A monitor definition as written (defaults optional). */
export type MonitorDefinitionInput = z.input<typeof MonitorDefinitionSchema>;
/** A validated monitor definition with every default filled in. */
export type MonitorDefinition = z.output<typeof MonitorDefinitionSchema>;
export type FeatureDefinition = z.output<typeof FeatureSchema>;
export type DriftSettings = z.output<typeof DriftSettingsSchema>;
export type PerformanceSettings = z.output<typeof PerformanceSettingsSchema>;
export type KpiDefinition = z.output<typeof KpiSchema>;
export type CanarySettings = z.output<typeof CanarySettingsSchema>;
export type SloDefinition = z.output<typeof SloSchema>;
export type SloCondition = z.output<typeof SloConditionSchema>;
export type DriftMethodName = (typeof DRIFT_METHODS)[number];
