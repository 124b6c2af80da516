/**
 * The monitor definition as plain readonly interfaces: the shape of the ModelMonitor construct's
 * props. The zod schema (schema.ts) stays the one validator (every value is checked at synth with
 * the field and the fix); these interfaces only describe it in a form jsii can carry to Python,
 * Java and .NET: no unions, intersections or inferred types. Values a schema restricts to a list
 * (task, kind, method, format) are strings here, and the allowed values are documented.
 * A definition loaded from YAML (`parseDefinition`) is assignable to MonitorDefinitionProps
 * (test/lib/config/props.test.ts keeps it so).
 */

/** The model being monitored. */
export interface ModelProps {
  /**
   * Lowercase letters, digits and dashes, 1 to 63 characters, starting with a letter (it names the
   * model's Athena tables, e.g. `credit-default` -> `credit_default_predictions`).
   */
  readonly id: string;
  /** 'binary', 'multiclass' or 'regression'. */
  readonly task: string;
  /** 1 (most critical) to 3. @default 2 */
  readonly tier?: number;
  /** @default - none */
  readonly description?: string;
}

/** Where the prediction log lies and which columns mean what. */
export interface PredictionLogProps {
  /** A folder path (local runs) or an s3:// URI (on AWS) holding `dt=YYYY-MM-DD/` folders. */
  readonly location: string;
  /** 'parquet', 'jsonl' or 'csv'. @default 'parquet' */
  readonly format?: string;
  /** The partition column; only 'dt' is supported. @default 'dt' */
  readonly partitionKey?: string;
  readonly idColumn: string;
  readonly timestampColumn: string;
  /** Binary: the probability of the positive class. @default - none */
  readonly scoreColumn?: string;
  /** The predicted label or value. @default - none */
  readonly predictionColumn?: string;
  /** Multiclass: one probability column per class label (label -> column). @default - none */
  readonly classScoreColumns?: { readonly [label: string]: string };
  /** @default - none */
  readonly modelVersionColumn?: string;
  /** @default - none */
  readonly latencyColumn?: string;
  /** @default - none */
  readonly errorColumn?: string;
  /** Predictions a window is expected to hold; a volume alert compares against it. @default - the reference's rate */
  readonly expectedRowsPerWindow?: number;
}

/** A warning and a critical threshold of one statistic. */
export interface ThresholdsProps {
  readonly warning: number;
  /** At least `warning`. */
  readonly critical: number;
}

/** One monitored feature. */
export interface FeatureProps {
  /** The feature's name in results (letters, digits and underscores, not starting with a digit). */
  readonly name: string;
  /**
   * The column as the files spell it, when that is not an identifier (`loan amount`); read quoted,
   * never pasted. @default - the name
   */
  readonly column?: string;
  /** 'numeric' or 'categorical'. */
  readonly kind: string;
  /**
   * 'auto', 'psi', 'kl', 'jensenshannon', 'wasserstein', 'hellinger', 'ks', 'chisquare', 'ztest'
   * or 'linf'. @default - drift.methods for the feature's kind
   */
  readonly method?: string;
  /** @default - drift.thresholds for the method */
  readonly thresholds?: ThresholdsProps;
}

/** Where the ground-truth labels lie. */
export interface LabelLogProps {
  readonly location: string;
  /** 'parquet', 'jsonl' or 'csv'. @default 'parquet' */
  readonly format?: string;
  /** Whether the labels log has `dt=` folders (by arrival date). @default true */
  readonly partitioned?: boolean;
  readonly idColumn: string;
  readonly labelColumn: string;
  /** How long labels take to arrive, an ISO-8601 duration such as P7D. */
  readonly delay: string;
  /** Binary: the label value (as text) meaning the positive class. @default - labels are 0/1 */
  readonly positiveValue?: string;
  /** Binary: the label value meaning the negative class. @default - every other value */
  readonly negativeValue?: string;
  /**
   * How long after maturing a window whose label coverage is below its usual (late labels) is
   * evaluated again by each scheduled performance run, an ISO-8601 duration; past it, a
   * `labels_missing` finding. @default 'P7D'
   */
  readonly recheckWithin?: string;
}

/** A late log of business outcomes, joined to predictions by id like labels. */
export interface OutcomeLogProps {
  readonly location: string;
  /** 'parquet', 'jsonl' or 'csv'. @default 'parquet' */
  readonly format?: string;
  /** Whether the log has `dt=` folders (by arrival date). @default true */
  readonly partitioned?: boolean;
  readonly idColumn: string;
  /** How long outcomes take to arrive, an ISO-8601 duration such as P14D. */
  readonly delay: string;
  /**
   * How long after maturing a window whose outcome KPIs were held (late outcomes) is recomputed
   * each morning, an ISO-8601 duration; past it, an `outcomes_missing` finding. @default 'P7D'
   */
  readonly recheckWithin?: string;
}

/** A KPI's row filter: `column operator value`, never SQL. */
export interface KpiWhereProps {
  readonly column: string;
  /** '=', '!=', '<', '<=', '>' or '>='. */
  readonly operator: string;
  /** A string, number or boolean, compared as a quoted literal. */
  readonly value: string | number | boolean;
}

/** Bounds of a KPI. */
export interface KpiAbsoluteProps {
  /** @default - no lower bound */
  readonly min?: number;
  /** @default - no upper bound */
  readonly max?: number;
}

/** When a KPI alerts: give at least one. */
export interface KpiThresholdsProps {
  /** Share of movement in the bad direction from the KPI's own history median (warning; twice: critical). @default - none */
  readonly relative?: number;
  /** Outside these bounds the KPI is critical. @default - none */
  readonly absolute?: KpiAbsoluteProps;
}

/** One business KPI. */
export interface KpiProps {
  readonly name: string;
  /** 'rate', 'mean' or 'sum'. */
  readonly aggregate: string;
  readonly column: string;
  /** @default - every row */
  readonly where?: KpiWhereProps;
  /** 'prediction' or 'positive_decision'. @default 'prediction' */
  readonly per?: string;
  /** rate only: the text that reads as true (e.g. 'Y'). @default - 1 / true */
  readonly trueValue?: string;
  /** 'predictions' or 'outcomes'. @default 'predictions' */
  readonly source?: string;
  readonly thresholds: KpiThresholdsProps;
  /** 'higher_is_better' or 'lower_is_better'. */
  readonly direction: string;
}

/**
 * What windows are compared with. `type` 'dataset' (give `location`, optionally `format` and
 * `labelColumn`), 'range' (give `from` and `to`) or 'rolling' (give `windows`).
 */
export interface ReferenceProps {
  /** 'dataset', 'range' or 'rolling'. */
  readonly type: string;
  /** dataset: a folder or an s3:// URI. @default - none */
  readonly location?: string;
  /** dataset: 'parquet', 'jsonl' or 'csv'. @default 'parquet' */
  readonly format?: string;
  /** dataset: the label column, when the reference carries labels. @default - none */
  readonly labelColumn?: string;
  /** range: the first day, YYYY-MM-DD. @default - none */
  readonly from?: string;
  /** range: the last day, YYYY-MM-DD. @default - none */
  readonly to?: string;
  /** rolling: how many previous windows, 1 to 365. @default - none */
  readonly windows?: number;
}

/** The default method per feature kind. */
export interface DriftMethodsProps {
  /** @default 'psi' */
  readonly numeric?: string;
  /** @default 'psi' */
  readonly categorical?: string;
}

/** How drift is measured and judged. */
export interface DriftSettingsProps {
  /** Reference-quantile bins of numeric features, 2 to 100. @default 10 */
  readonly bins?: number;
  /** @default - psi for both kinds */
  readonly methods?: DriftMethodsProps;
  /** Thresholds per method name. @default - the built-in thresholds */
  readonly thresholds?: { readonly [method: string]: ThresholdsProps };
  /** A distance must also exceed what sampling noise produces. @default true */
  readonly sizeAware?: boolean;
  /** @default 0.01 */
  readonly alpha?: number;
  /** @default 100 */
  readonly minSampleSize?: number;
  /** A segment value with fewer rows is reported as too small. @default 200 */
  readonly minSegmentSize?: number;
}

/** How performance is measured. */
export interface PerformanceSettingsProps {
  /** Binary decision threshold: prediction = score >= threshold. @default 0.5 */
  readonly threshold?: number;
  /** The metric slices and alerts judge first. @default - rocAuc, f1Macro or rmse by task */
  readonly primaryMetric?: string;
  /** @default 100 */
  readonly minSegmentLabels?: number;
  /** Significance level of the version comparison. @default 0.05 */
  readonly alpha?: number;
  /**
   * Binary with a score: how ROC-AUC, average precision and the DeLong standard error are
   * computed: 'exact' (rank every row), 'grid' (a fine grid of score levels, error bound reported)
   * or 'auto' (exact up to exactRankingMaxRows predictions, grid above). @default 'auto'
   */
  readonly ranking?: string;
  /** With ranking 'auto', windows with more predictions take the grid path. @default 1000000 */
  readonly exactRankingMaxRows?: number;
}

/** Which version is the canary's candidate: give `version`, or `newest: true`. */
export interface CanaryCandidateProps {
  /** The candidate's value in the version column. @default - none */
  readonly version?: string;
  /** The version first seen most recently is the candidate. @default - none */
  readonly newest?: boolean;
}

/** How much worse the candidate may be and still be promoted. */
export interface CanaryMarginsProps {
  /** Error share, absolute. @default 0.005 */
  readonly errorRate?: number;
  /** Share of predictions slower than latencyBound, absolute. @default 0.02 */
  readonly latencyOverBound?: number;
  /** Misclassified share of labelled rows, absolute. @default 0.02 */
  readonly misclassification?: number;
  /** PSI between the arms' score distributions above which a promote is held back. @default 0.25 */
  readonly scoreShift?: number;
}

/** A canary judged every window (see the README's canary section). */
export interface CanarySettingsProps {
  /** @default - { newest: true } */
  readonly candidate?: CanaryCandidateProps;
  /** The canary window, whole hours dividing a day. @default 'PT1H' */
  readonly window?: string;
  /** Rows each arm needs before a promote. @default 1000 */
  readonly minimumRows?: number;
  /** Windows with candidate rows before a promote. @default 2 */
  readonly minimumWindows?: number;
  /** ISO-8601 duration after which an undecided canary is inconclusive. @default 'P1D' */
  readonly maximumDuration?: string;
  /** Chance of rolling back a candidate that is not worse. @default 0.05 */
  readonly falseRollbackRate?: number;
  /** Latency above this counts against the latency guardrail. @default - no latency guardrail */
  readonly latencyBound?: number;
  /** Labelled rows per arm before the performance guardrail is judged. @default 100 */
  readonly minimumLabels?: number;
  /** @default - see CanaryMarginsProps */
  readonly margins?: CanaryMarginsProps;
}

/** A good event as a condition on one logged column (not SQL: quoted and rendered by driftwatch). */
export interface SloConditionProps {
  readonly column: string;
  /** '<', '<=', '>', '>=', '=', '!=', 'in', 'not in', 'is null' or 'is not null'. */
  readonly operator: string;
  /**
   * A number, string or boolean; a list for 'in' and 'not in'; none for the null tests.
   * @default - none
   */
  // biome-ignore lint/suspicious/noExplicitAny: jsii maps `any` to a JSON value in every language.
  readonly value?: any;
}

/** What counts as a good event. `kind` 'latency' (give `thresholdMs`), 'errors' or 'condition' (give `good`). */
export interface SliProps {
  /** 'latency', 'errors' or 'condition'. */
  readonly kind: string;
  /** latency: good when `predictions.latencyColumn` is at most this. @default - none */
  readonly thresholdMs?: number;
  /** condition: the per-row condition of a good event. @default - none */
  readonly good?: SloConditionProps;
}

/** A service-level objective over the prediction log. */
export interface SloProps {
  /** Lowercase letters, digits and dashes; alerts are `slo-burn:<name>`. */
  readonly name: string;
  /** @default - none */
  readonly description?: string;
  readonly sli: SliProps;
  /** The promised share of good events, between 0 and 1 (e.g. 0.999). */
  readonly target: number;
  /** 'P28D' or 'P30D'. @default 'P30D' */
  readonly period?: string;
  /** 'PT5M', 'PT10M', 'PT15M', 'PT30M' or 'PT1H'. @default 'PT1H' */
  readonly window?: string;
  /** Also one budget per model version (needs predictions.modelVersionColumn). @default false */
  readonly perVersion?: boolean;
  /** How far back each run recounts late rows: 'PT1H', 'PT2H', 'PT3H', 'PT6H', 'PT12H' or 'P1D'. @default 'PT6H' */
  readonly recount?: string;
}

/** A monitor definition: the fields of the YAML file, as construct props. */
export interface MonitorDefinitionProps {
  /** @default 1 */
  readonly schemaVersion?: number;
  readonly model: ModelProps;
  readonly predictions: PredictionLogProps;
  /** At least one. */
  readonly features: FeatureProps[];
  /** Columns whose values are monitored separately. @default - none */
  readonly segments?: string[];
  /** @default - no labels: drift and data quality only */
  readonly labels?: LabelLogProps;
  /** @default - none: only prediction-log KPIs */
  readonly outcomes?: OutcomeLogProps;
  /** Business KPIs. @default - none */
  readonly kpis?: KpiProps[];
  readonly reference: ReferenceProps;
  /** The window, an ISO-8601 duration. @default 'P1D' */
  readonly window?: string;
  /** @default - see DriftSettingsProps */
  readonly drift?: DriftSettingsProps;
  /** @default - see PerformanceSettingsProps */
  readonly performance?: PerformanceSettingsProps;
  /**
   * Alert rules, routing, reminders and retraining tickets, as in the YAML's `alerts:` (see the
   * README), validated at synth. @default - the built-in rules
   */
  // biome-ignore lint/suspicious/noExplicitAny: jsii maps `any` to a JSON value in every language.
  readonly alerts?: { readonly [key: string]: any };
  /** A canary of a candidate model version. @default - no canary */
  readonly canary?: CanarySettingsProps;
  /** Service-level objectives (error budgets, burn-rate alerts). @default - none */
  readonly slos?: SloProps[];
}
