/**
 * The performance job for one window: the window's predictions joined with the labels that have
 * arrived, in ONE query that returns aggregates overall, per segment value and per model version;
 * exact metrics from those aggregates (lib/metrics); label coverage and maturity; the reference's
 * metrics for relative thresholds; operational metrics. Re-evaluations as labels keep arriving
 * keep the earlier result as a numbered revision.
 */

import { lateCoverage } from '../alerts/late-data.js';
import { EXACT_RANKING_MAX_ROWS, type MonitorDefinition } from '../config/schema.js';
import { type BinaryAggregates, binaryMetrics } from '../metrics/binary.js';
import { type Comparison, compareAccuracy, compareRocAuc } from '../metrics/compare.js';
import { LOWER_IS_BETTER } from '../metrics/direction.js';
import type { MetricValue } from '../metrics/metric-value.js';
import { type MulticlassAggregates, multiclassMetrics } from '../metrics/multiclass.js';
import { type RegressionAggregates, regressionMetrics } from '../metrics/regression.js';
import { columnsOfRows, type QueryEngine } from '../ports.js';
import type { DataSource } from '../sql/dialect.js';
import { quoteIdentifier } from '../sql/identifiers.js';
import { buildOperationalQuery } from '../sql/operational-query.js';
import {
  type BinaryPerformanceSpec,
  buildBinaryRowsQuery,
  buildPerformanceQuery,
  buildScoreLevelsQuery,
  chooseRanking,
  DEFAULT_GRID_LEVELS,
  type PerformanceQuerySpec,
} from '../sql/performance-query.js';
import {
  type PerformanceGroupResult,
  readBinaryGrid,
  readBinaryPerformance,
  readMulticlassPerformance,
  readRegressionPerformance,
} from '../sql/performance-rows.js';
import {
  buildPredictionChecksQuery,
  hashedChecksNeedExactRun,
  type PredictionChecksSpec,
  readPredictionChecks,
} from '../sql/prediction-checks-query.js';
import { loadPerformance } from './alerts.js';
import {
  describeColumns,
  MissingColumnError,
  predictionColumnsOfPerformance,
  requireColumns,
  taskColumns,
} from './column-check.js';
import { RESULT_SCHEMA_VERSION } from './drift-result.js';
import { attachRealized } from './estimate.js';
import { labelFileCheck, predictionFileCheck } from './file-check.js';
import { checkFindings, labelSamples } from './label-checks.js';
import type {
  LabelChecks,
  MetricMap,
  PerformanceGroup,
  PerformanceResult,
  SegmentPerformance,
  VersionComparison,
} from './performance-result.js';
import { lateHistoryLimit, nextRevision, recheckPlan, recheckWindows } from './revisions.js';
import { NULL_SEGMENT } from './scan-reader.js';
import { hasNoFiles, sourceFor } from './sources.js';
import type { JobDeps } from './types.js';
import {
  durationDays,
  lastCompleteWindow,
  maturedWindow,
  resultKeys,
  shiftDate,
  type Window,
  windowFor,
} from './windows.js';

/** The metric slices and default alert rules judge first. */
export function primaryMetric(definition: MonitorDefinition): string {
  if (definition.performance.primaryMetric) return definition.performance.primaryMetric;
  switch (definition.model.task) {
    case 'binary':
      return definition.predictions.scoreColumn ? 'rocAuc' : 'accuracy';
    case 'multiclass':
      return 'f1Macro';
    case 'regression':
      return 'rmse';
  }
}

type AnyAggregates = BinaryAggregates | MulticlassAggregates | RegressionAggregates;

/** Splits a metrics object into values and reasons; nested or count fields become `confusion`. */
export function toGroup(
  task: MonitorDefinition['model']['task'],
  result: PerformanceGroupResult<AnyAggregates>,
  options: { probabilityInvalid?: string } = {},
): PerformanceGroup {
  const metrics: MetricMap = {};
  const undefinedReasons: Record<string, string> = {};
  const take = (name: string, metric: MetricValue) => {
    metrics[name] = metric.value;
    if (metric.value === null) undefinedReasons[name] = metric.reason;
  };
  let confusion: unknown;
  let computation: Record<string, 'exact' | 'approximate'> | undefined;
  let errorBound: Record<string, number> | undefined;
  if (task === 'binary') {
    const m = binaryMetrics(result.aggregates as BinaryAggregates);
    const ranking = (result.aggregates as BinaryAggregates).ranking;
    if (ranking) {
      // The grid path: each ranking metric is exact or comes with its proven error bound.
      computation = {};
      for (const name of ['rocAuc', 'rocAucStandardError', 'averagePrecision'] as const) {
        const bound = ranking.errorBounds[name];
        computation[name] = bound > 0 && m[name].value !== null ? 'approximate' : 'exact';
        if (computation[name] === 'approximate') errorBound = { ...errorBound, [name]: bound };
      }
    }
    for (const name of [
      'accuracy',
      'precision',
      'recall',
      'f1',
      'balancedAccuracy',
      'rocAuc',
      'rocAucStandardError',
      'averagePrecision',
      'logLoss',
      'brier',
      'ece',
    ] as const) {
      take(name, m[name]);
    }
    if (options.probabilityInvalid) {
      // Scores outside [0, 1] are no probabilities: ranking metrics stand, these cannot.
      for (const name of ['logLoss', 'brier', 'ece']) {
        metrics[name] = null;
        undefinedReasons[name] = options.probabilityInvalid;
      }
    }
    confusion = m.confusion;
  } else if (task === 'multiclass') {
    const m = multiclassMetrics(result.aggregates as MulticlassAggregates);
    for (const name of [
      'accuracy',
      'precisionMacro',
      'recallMacro',
      'f1Macro',
      'precisionMicro',
      'recallMicro',
      'f1Micro',
      'precisionWeighted',
      'recallWeighted',
      'f1Weighted',
      'rocAucOvrMacro',
      'rocAucOvrWeighted',
      'averagePrecisionOvrMacro',
      'logLoss',
    ] as const) {
      take(name, m[name]);
    }
    for (const [label, c] of Object.entries(m.perClass)) {
      take(`precision[${label}]`, c.precision);
      take(`recall[${label}]`, c.recall);
      take(`f1[${label}]`, c.f1);
    }
    confusion = { labels: m.classes, matrix: m.confusionMatrix };
  } else {
    const m = regressionMetrics(result.aggregates as RegressionAggregates);
    for (const name of [
      'mae',
      'mse',
      'rmse',
      'mape',
      'r2',
      'meanError',
      'maxError',
      'medianAbsoluteError',
    ] as const) {
      take(name, m[name]);
    }
    metrics.mapeExcludedZeroTargets = m.mapeExcludedZeroTargets;
  }
  return {
    predictions: result.coverage.predictions,
    labelled: result.coverage.labelled,
    coverage: result.coverage.labelledShare ?? 0,
    metrics,
    undefined: undefinedReasons,
    ...(confusion !== undefined ? { confusion } : {}),
    ...(computation ? { computation } : {}),
    ...(errorBound ? { errorBound } : {}),
  };
}

function taskSpec(
  definition: MonitorDefinition,
): Pick<PerformanceQuerySpec, 'task'> & Record<string, unknown> {
  const p = definition.predictions;
  switch (definition.model.task) {
    case 'binary':
      return {
        task: 'binary',
        ...(p.scoreColumn ? { scoreColumn: p.scoreColumn } : {}),
        ...(p.predictionColumn ? { predictionColumn: p.predictionColumn } : {}),
        threshold: definition.performance.threshold,
      };
    case 'multiclass':
      return {
        task: 'multiclass',
        ...(p.predictionColumn ? { predictionColumn: p.predictionColumn } : {}),
        ...(p.classScoreColumns ? { classScoreColumns: p.classScoreColumns } : {}),
      };
    case 'regression':
      return { task: 'regression', predictionColumn: p.predictionColumn! };
  }
}

/**
 * Ranked windows above this many predictions are evaluated in two stages when the engine can
 * stage rows: 50M rows ran out of memory under the local 512MB cap in one query and took 265 s
 * at 0.82 GB peak RSS in two (BENCHMARKS.md).
 */
export const STAGE_ROWS = 5_000_000;

/** What the window's pre-query told about its scores: rows, approximate distinct scores, finite range. */
export interface ScoreSummary {
  readonly rows: number;
  readonly levels: number;
  readonly min?: number | null;
  readonly max?: number | null;
}

/** How the ranking metrics are computed (the definition's `performance.ranking` settings). */
export interface RankingSettings {
  readonly ranking: 'auto' | 'exact' | 'grid';
  readonly exactRankingMaxRows: number;
}

/**
 * The binary ranking plan for a window: the grid path when asked, or with `auto` above
 * `exactRankingMaxRows` predictions; then one cell per distinct score when there are at most
 * half as many (approximately counted) distinct scores as grid levels (exact whatever the
 * estimate's error: the reader checks every cell holds one score), else
 * {@link DEFAULT_GRID_LEVELS} equal-width levels over the window's score range. Otherwise the
 * exact path, by rows or by levels ({@link chooseRanking}).
 */
export function rankingPlan(
  summary: ScoreSummary,
  settings: RankingSettings = { ranking: 'auto', exactRankingMaxRows: EXACT_RANKING_MAX_ROWS },
): Pick<BinaryPerformanceSpec, 'ranking' | 'grid'> {
  const grid =
    settings.ranking === 'grid' ||
    (settings.ranking === 'auto' && summary.rows > settings.exactRankingMaxRows);
  if (!grid) return { ranking: chooseRanking(summary.rows, summary.levels) };
  if (summary.levels * 2 <= DEFAULT_GRID_LEVELS) return { ranking: 'grid', grid: { kind: 'scores' } };
  const min = summary.min ?? 0;
  const max = summary.max ?? 1;
  return {
    ranking: 'grid',
    grid: {
      kind: 'levels',
      levels: DEFAULT_GRID_LEVELS,
      min: Number.isFinite(min) ? min : 0,
      max: Number.isFinite(max) && max >= min ? max : Math.max(min, 1),
    },
  };
}

export async function evaluate(
  engine: QueryEngine,
  spec: PerformanceQuerySpec,
  known?: ScoreSummary,
  settings?: RankingSettings,
): Promise<PerformanceGroupResult<AnyAggregates>[]> {
  let windowRows = known?.rows ?? 0;
  if (spec.task === 'binary' && spec.scoreColumn && !spec.ranking && known) {
    spec = { ...spec, ...rankingPlan(known, settings) };
  } else if (spec.task === 'binary' && spec.scoreColumn && !spec.ranking) {
    // Rounded scores repeat: rank their levels rather than every row (chooseRanking).
    const [row] = await engine.query(buildScoreLevelsQuery(spec, engine.dialect));
    windowRows = Number(row?.n ?? 0);
    spec = {
      ...spec,
      ...rankingPlan(
        {
          rows: windowRows,
          levels: Number(row?.levels ?? 0),
          min: row?.score_min === null || row?.score_min === undefined ? null : Number(row.score_min),
          max: row?.score_max === null || row?.score_max === undefined ? null : Number(row.score_max),
        },
        settings,
      ),
    };
  }
  // Large ranked windows run in two stages where the engine can stage rows (DuckDB under a
  // memory cap): the read and the join, then the ranking from the staged file.
  let staged: { relation: string; release(): Promise<void> } | undefined;
  if (spec.task === 'binary' && spec.ranking === 'rows' && engine.stage && windowRows > STAGE_ROWS) {
    staged = await engine.stage(buildBinaryRowsQuery(spec, engine.dialect));
    spec = { ...spec, stagedRowsRelation: staged.relation };
  }
  const query = buildPerformanceQuery(spec, engine.dialect);
  if (query.grid) {
    // Up to levels + bins + 2 cells per group (70,000 rows at 10,000 levels, 7 groups): read by column.
    const result = engine.queryColumns
      ? await engine.queryColumns(query)
      : columnsOfRows(await engine.query(query));
    return readBinaryGrid(result, query);
  }
  const rows = await engine.query(query).finally(() => staged?.release());
  switch (spec.task) {
    case 'binary':
      return readBinaryPerformance(rows, query);
    case 'multiclass':
      return readMulticlassPerformance(rows, query);
    case 'regression':
      return readRegressionPerformance(rows, query);
  }
}

/** A labelled reference as a relation the performance queries can join with itself. */
/**
 * The query-spec fields that join the labelled reference with itself: each row with its own label
 * (by `predictions.idColumn`, or a staged row number), the reference given a constant `dt` of
 * 1970-01-01 (the window the queries filter on), labels mapped as the window's are.
 */
export interface LabelledReference {
  readonly predictionsRelation: string;
  readonly labelsRelation: string;
  readonly predictionIdColumn: string;
  readonly labelIdColumn: string;
  readonly labelColumn: string;
  readonly window: { readonly from: string; readonly to: string };
  readonly labelMapping?: { positiveValue: string; negativeValue?: string };
}

/**
 * Runs `use` on the labelled reference (a dataset with `reference.labelColumn`), or returns
 * undefined when the definition has none. Without `predictions.idColumn` in the reference, rows
 * are numbered once in a staged file where the engine can stage (DuckDB), else refused.
 */
export async function withLabelledReference<T>(
  deps: JobDeps,
  use: (reference: LabelledReference) => Promise<T>,
): Promise<T | undefined> {
  const { definition, engine } = deps;
  const ref = definition.reference;
  if (ref.type !== 'dataset' || !ref.labelColumn || !deps.sources.reference) return undefined;
  const source = await sourceFor(deps, deps.sources.reference, undefined, {
    what: 'reference',
    columns: [['reference.labelColumn', ref.labelColumn], ...taskColumns(definition)],
  });
  const columns = await describeColumns(engine, source);
  requireColumns(
    columns,
    [['reference.labelColumn', ref.labelColumn], ...taskColumns(definition)],
    'the reference',
    source,
  );
  // The reference file has no dt partition: give it one, so the same query serves.
  let relation = `(SELECT *, '1970-01-01' AS ${quoteIdentifier('dt')} FROM ${engine.dialect.relation(source)})`;
  let idColumn = definition.predictions.idColumn;
  let staged: { relation: string; release(): Promise<void> } | undefined;
  if (columns && !columns.has(idColumn.toLowerCase())) {
    // Each reference row is labelled by its own label column: without an id column, number the
    // rows once in a staged file (both sides of the join read the same numbering).
    if (!engine.stage) {
      throw new MissingColumnError(
        `the reference ${source.location} has no predictions.idColumn ${JSON.stringify(idColumn)}: on this engine the reference's metrics (reference.labelColumn) join its rows by that id; add the column or remove reference.labelColumn`,
      );
    }
    idColumn = 'dw_reference_row';
    staged = await engine.stage({
      name: 'reference-rows',
      sql: `SELECT *, CAST(row_number() OVER () AS VARCHAR) AS ${idColumn} FROM ${relation} AS r`,
      parameters: [],
    });
    relation = staged.relation;
  }
  try {
    const labelMapping = labelMappingOf(definition);
    return await use({
      predictionsRelation: relation,
      labelsRelation: relation,
      predictionIdColumn: idColumn,
      labelIdColumn: idColumn,
      labelColumn: ref.labelColumn,
      window: { from: '1970-01-01', to: '1970-01-02' },
      ...(labelMapping ? { labelMapping } : {}),
    });
  } finally {
    await staged?.release();
  }
}

/**
 * The text-label mapping of a binary model (labels.positiveValue / negativeValue), or undefined.
 * Applied to the window's labels AND the labelled reference's (coded the same way).
 */
export function labelMappingOf(
  definition: MonitorDefinition,
): { positiveValue: string; negativeValue?: string } | undefined {
  const labels = definition.labels;
  if (definition.model.task !== 'binary' || labels?.positiveValue === undefined) return undefined;
  return {
    positiveValue: labels.positiveValue,
    ...(labels.negativeValue === undefined ? {} : { negativeValue: labels.negativeValue }),
  };
}

/** The reference's metrics, when the reference is a labelled dataset holding the id column (labels mapped as the window's are). */
async function referencePerformance(deps: JobDeps): Promise<PerformanceGroup | undefined> {
  const { definition, engine } = deps;
  return withLabelledReference(deps, async (ref) => {
    const groups = await evaluate(
      engine,
      {
        ...taskSpec(definition),
        ...ref,
        name: 'reference-performance',
      } as PerformanceQuerySpec,
      undefined,
      definition.performance,
    );
    const overall = groups.find((g) => g.group.kind === 'overall');
    return overall ? toGroup(definition.model.task, overall) : undefined;
  });
}

/** The labels relation; no label file in the range reads as no labels (an empty relation). */
export function labelsRelation(
  engine: QueryEngine,
  labels: DataSource,
  columns: { idColumn: string; labelColumn: string },
): string {
  if (!hasNoFiles(labels)) return engine.dialect.relation(labels);
  const empty = [columns.idColumn, columns.labelColumn, 'dt'].map(
    (c) => `CAST(NULL AS VARCHAR) AS ${quoteIdentifier(c)}`,
  );
  return `(SELECT ${empty.join(', ')} WHERE false)`;
}

/** The date a window's labels have all arrived: its end plus the label delay. */
export function maturityDate(definition: MonitorDefinition, window: Window): string {
  const delay = definition.labels ? Math.ceil(durationDays(definition.labels.delay)) : 0;
  return shiftDate(window.end, delay);
}

function gapOf(segment: MetricMap, overall: MetricMap): Record<string, number | null> {
  const gap: Record<string, number | null> = {};
  for (const [name, value] of Object.entries(segment)) {
    const base = overall[name];
    gap[name] = value === null || base === null || base === undefined ? null : value - base;
  }
  return gap;
}

function compareVersions(
  definition: MonitorDefinition,
  versions: PerformanceGroupResult<AnyAggregates>[],
): VersionComparison | undefined {
  if (definition.model.task !== 'binary' || versions.length < 2) return undefined;
  const sorted = [...versions].sort((a, b) => b.coverage.labelled - a.coverage.labelled);
  const incumbent = sorted[0]!;
  const candidate = sorted[1]!;
  const alpha = definition.performance.alpha;
  const metrics: Comparison[] = [
    compareAccuracy(
      candidate.aggregates as BinaryAggregates,
      incumbent.aggregates as BinaryAggregates,
      alpha,
    ),
  ];
  if (definition.predictions.scoreColumn) {
    metrics.push(
      compareRocAuc(
        candidate.aggregates as BinaryAggregates,
        incumbent.aggregates as BinaryAggregates,
        alpha,
      ),
    );
  }
  return {
    incumbent: incumbent.group.value ?? NULL_SEGMENT,
    candidate: candidate.group.value ?? NULL_SEGMENT,
    metrics,
  };
}

/** The label column's described type, for the query's cheaper reading of numeric labels. */
function labelColumnTypeOf(
  columns: Map<string, { name: string; type: string }> | undefined,
  labelColumn: string,
): { labelColumnType?: string } {
  const type = columns?.get(labelColumn.toLowerCase())?.type;
  return type === undefined ? {} : { labelColumnType: type };
}

/** How a late-labels recheck runs the performance job (`recheckLateLabels`). */
export interface LabelRecheck {
  /**
   * The run evaluating the window again, as the morning's alert step names it (the last complete
   * window, `lastCompleteWindow`): stored as `recheckRun`.
   */
  run: string;
  /** The window's last recheck: a coverage still below the usual is marked `labelsMissing`. */
  last: boolean;
  /** The performance results of the windows before it, oldest first (the usual coverage). */
  previous: readonly PerformanceResult[];
}

/** Runs the performance job for the window starting on `date` (again, for a `recheck`). */
export async function runPerformance(
  deps: JobDeps,
  date: string,
  recheck?: LabelRecheck,
): Promise<{ result: PerformanceResult; key: string }> {
  const { definition, engine } = deps;
  if (!definition.labels || !deps.sources.labels) {
    throw new Error(
      `model ${definition.model.id} has no labels log: add a labels section to the definition to evaluate performance`,
    );
  }
  const window = windowFor(definition, date);
  const today = deps.clock.now().toISOString().slice(0, 10);
  const matureOn = maturityDate(definition, window);
  const mature = today >= matureOn;
  const primary = primaryMetric(definition);
  const p = definition.predictions;
  // Only the window's prediction partitions, and the label partitions that had arrived by the run
  // date (labels are partitioned by arrival): a later run sees more labels, never an earlier one.
  const range = { from: window.start, to: window.end };
  const predictions = await sourceFor(deps, deps.sources.predictions, range, predictionFileCheck(definition));
  const labels = await sourceFor(
    deps,
    deps.sources.labels,
    deps.sources.labels.partitioned ? { from: window.start, to: shiftDate(today, 1) } : undefined,
    labelFileCheck(definition),
  );
  const empty = hasNoFiles(predictions);
  // Every column the job reads, checked before the scan (one DESCRIBE per source).
  requireColumns(
    await describeColumns(engine, predictions),
    predictionColumnsOfPerformance(definition),
    'the prediction log',
    predictions,
  );
  const labelColumns = await describeColumns(engine, labels);
  requireColumns(
    labelColumns,
    [
      ['labels.idColumn', definition.labels.idColumn],
      ['labels.labelColumn', definition.labels.labelColumn],
    ],
    'the labels log',
    labels,
  );

  // The prediction checks (ids, scores) in one small query over the window; for a binary score it
  // also counts the distinct scores that pick the ranking, so it replaces that pre-query.
  const predictionsRelation = empty ? '' : engine.dialect.relation(predictions);
  const checkedScore =
    definition.model.task === 'binary'
      ? p.scoreColumn
      : definition.model.task === 'regression'
        ? p.predictionColumn
        : undefined;
  const checksSpec: PredictionChecksSpec = {
    predictionsRelation,
    idColumn: p.idColumn,
    window: { from: window.start, to: window.end },
    ...(checkedScore ? { scoreColumn: checkedScore } : {}),
    probability: definition.model.task === 'binary' && p.scoreColumn !== undefined,
    hashIds: true,
  };
  const runChecks = async (spec: PredictionChecksSpec) =>
    readPredictionChecks((await engine.query(buildPredictionChecksQuery(spec, engine.dialect)))[0]);
  let checks = empty ? readPredictionChecks(undefined) : await runChecks(checksSpec);
  // A repeated hash: a repeated id or two ids sharing a hash; count by text for the exact numbers.
  if (!empty && hashedChecksNeedExactRun(checksSpec, engine.dialect, checks)) {
    checks = await runChecks({ ...checksSpec, hashIds: false });
  }
  const labelMapping =
    definition.labels.positiveValue === undefined
      ? undefined
      : {
          positiveValue: definition.labels.positiveValue,
          ...(definition.labels.negativeValue === undefined
            ? {}
            : { negativeValue: definition.labels.negativeValue }),
        };
  const groups = empty
    ? []
    : await evaluate(
        engine,
        {
          ...taskSpec(definition),
          ...(labelMapping && definition.model.task === 'binary' ? { labelMapping } : {}),
          predictionsRelation,
          labelsRelation: labelsRelation(engine, labels, definition.labels),
          predictionIdColumn: p.idColumn,
          labelIdColumn: definition.labels.idColumn,
          labelColumn: definition.labels.labelColumn,
          ...labelColumnTypeOf(labelColumns, definition.labels.labelColumn),
          segmentColumns: definition.segments,
          ...(p.modelVersionColumn ? { modelVersionColumn: p.modelVersionColumn } : {}),
          window: { from: window.start, to: window.end },
          // Labels that had arrived by the run's date (its clock), partitioned by arrival date: a run
          // as of a past date sees the labels as they were then (also on Athena, by partition).
          ...(deps.sources.labels.partitioned
            ? { labelsSince: window.start, labelsUntil: shiftDate(today, 1) }
            : {}),
        } as PerformanceQuerySpec,
        definition.model.task === 'binary' && p.scoreColumn
          ? { rows: checks.rows, levels: checks.scoreLevels, min: checks.scoreMin, max: checks.scoreMax }
          : undefined,
        definition.performance,
      );

  const task = definition.model.task;
  const overallRaw = groups.find((g) => g.group.kind === 'overall');
  const labelChecks: LabelChecks = {
    invalidLabels: overallRaw?.coverage.invalidLabels ?? 0,
    conflictingLabels: overallRaw?.coverage.labelConflicts ?? 0,
    invalidScores: checks.invalidScores,
    scoresOutOfRange: checks.scoresBelowZero + checks.scoresAboveOne,
    duplicateIds: checks.duplicatedIds,
    duplicateRows: checks.duplicateRows,
    nullIds: checks.nullIds,
  };
  const samples =
    labelChecks.invalidLabels > 0
      ? await labelSamples(engine, definition, labels, window, shiftDate(today, 1))
      : [];
  const findings = checkFindings(
    definition,
    labelChecks,
    checks,
    overallRaw?.coverage.predictions ?? 0,
    samples,
  );
  const outOfRange = findings.find((f) => f.kind === 'scores_out_of_range');
  const groupOptions = outOfRange ? { probabilityInvalid: outOfRange.message } : {};
  const overall: PerformanceGroup = overallRaw
    ? toGroup(task, overallRaw, groupOptions)
    : { predictions: 0, labelled: 0, coverage: 0, metrics: {}, undefined: {} };
  const minLabels = definition.performance.minSegmentLabels;
  const segments: SegmentPerformance[] = groups
    .filter((g) => g.group.kind === 'segment')
    .map((g) => {
      const group = toGroup(task, g, groupOptions);
      return {
        column: g.group.column!,
        value: g.group.value ?? NULL_SEGMENT,
        tooSmall: g.coverage.evaluated < minLabels,
        ...group,
        gap: gapOf(group.metrics, overall.metrics),
      };
    })
    .sort(
      (a, b) =>
        definition.segments.indexOf(a.column) - definition.segments.indexOf(b.column) ||
        a.value.localeCompare(b.value),
    );
  const versionGroups = groups.filter((g) => g.group.kind === 'model_version');
  const versions = versionGroups
    .map((g) => ({ version: g.group.value ?? NULL_SEGMENT, ...toGroup(task, g, groupOptions) }))
    .sort((a, b) => a.version.localeCompare(b.version));

  const sign = LOWER_IS_BETTER.has(primary) ? -1 : 1;
  const worst = segments
    .filter(
      (s) => !s.tooSmall && typeof s.gap[primary] === 'number' && typeof s.metrics[primary] === 'number',
    )
    .sort((a, b) => sign * (a.gap[primary] as number) - sign * (b.gap[primary] as number))[0];

  const operationalRows = empty
    ? []
    : await engine.query(
        buildOperationalQuery(
          {
            source: predictions,
            window: { from: window.start, to: window.end },
            ...(p.latencyColumn ? { latencyColumn: p.latencyColumn } : {}),
            ...(p.errorColumn ? { errorColumn: p.errorColumn } : {}),
          },
          engine.dialect,
        ),
      );
  const op = operationalRows[0] ?? {};
  const volume = Number(op.volume ?? 0);
  const reference = await referencePerformance(deps);

  const status: PerformanceResult['status'] =
    overall.predictions === 0
      ? 'no_data'
      : !mature
        ? 'not_mature'
        : overall.labelled === 0
          ? 'no_labels'
          : 'ok';
  const key = resultKeys.result(definition.model.id, 'performance', window);
  const previous = await deps.store.getJson<PerformanceResult>(key);
  // A manual re-run of a window reported labels_missing keeps the mark while no more labels came.
  const missing: Pick<PerformanceResult, 'labelsMissing'> = recheck?.last
    ? labelsMissingOf(overall, status, recheck.previous, today)
    : !recheck && previous?.labelsMissing && overall.labelled <= previous.overall.labelled
      ? { labelsMissing: previous.labelsMissing }
      : {};
  // Same labels as before: a re-run replaces the result. More labels, or the window now reported
  // labels_missing (a verdict the alert policy judges): keep the old one.
  const revision = await nextRevision(
    deps.store,
    key,
    previous,
    (p) =>
      p.overall.labelled !== overall.labelled ||
      p.status !== status ||
      (p.labelsMissing === undefined) !== (missing.labelsMissing === undefined),
  );
  // A manual run (`run --job performance --date D`, the labels_missing fix) that evaluates a window
  // again after its scheduled morning, on other labels, is a late result like a recheck: stamped
  // with this morning's run so the alert policy judges it once. A first evaluation (a backfill) and
  // a re-run on the same labels are not (nothing new to judge).
  const run = lastCompleteWindow(deps);
  const recheckRun =
    recheck?.run ??
    (previous !== undefined &&
    revision !== (previous.revision ?? 1) &&
    window.start < maturedWindow(definition, deps.clock.now())
      ? run
      : undefined);
  const comparison = compareVersions(
    definition,
    versionGroups.filter((g) => g.coverage.evaluated >= minLabels),
  );
  const stats = engine.stats();
  const result: PerformanceResult = {
    schemaVersion: RESULT_SCHEMA_VERSION,
    kind: 'performance',
    model: definition.model.id,
    task,
    window,
    generatedAt: deps.clock.now().toISOString(),
    revision,
    ...(recheckRun !== undefined ? { recheckRun } : {}),
    ...missing,
    status,
    maturity: { labelDelay: definition.labels.delay, matureOn, mature },
    primaryMetric: primary,
    overall,
    labelChecks,
    findings,
    ...(reference ? { reference } : {}),
    segments,
    ...(worst
      ? {
          worstSegment: {
            column: worst.column,
            value: worst.value,
            metric: primary,
            metricValue: worst.metrics[primary] as number,
            gap: worst.gap[primary] as number,
          },
        }
      : {}),
    versions,
    ...(comparison ? { comparison } : {}),
    operational: {
      volume,
      ...(p.latencyColumn
        ? { latencyMs: { p50: numOrNull(op.p50), p95: numOrNull(op.p95), p99: numOrNull(op.p99) } }
        : {}),
      ...(p.errorColumn ? { errorRate: volume ? Number(op.errors ?? 0) / volume : null } : {}),
    },
    engine: {
      name: engine.dialect.name,
      queries: stats.queries,
      bytesScanned: stats.bytesScanned,
      millis: Math.round(stats.engineMillis),
    },
  };
  await deps.store.putJson(key, result);
  // A matured window that was estimated gets its realized values beside the estimate.
  if (status === 'ok') await attachRealized(deps, result, shiftDate(today, 1));
  return { result, key };
}

/** A window's label coverage as the late-labels rule reads it (no_labels: 0); undefined when not judged. */
function labelCoverageOf(r: Pick<PerformanceResult, 'status' | 'overall'>): number | undefined {
  return r.status === 'ok' ? r.overall.coverage : r.status === 'no_labels' ? 0 : undefined;
}

/** The earlier windows' label coverages, oldest first. */
function earlierCoverages(previous: readonly PerformanceResult[]): number[] {
  return previous.map(labelCoverageOf).filter((c): c is number => c !== undefined);
}

function labelsMissingOf(
  overall: PerformanceGroup,
  status: PerformanceResult['status'],
  previous: readonly PerformanceResult[],
  today: string,
): Pick<PerformanceResult, 'labelsMissing'> {
  const coverage = labelCoverageOf({ status, overall });
  const earlier = earlierCoverages(previous);
  const late = coverage === undefined || !earlier.length ? undefined : lateCoverage(coverage, earlier);
  return late
    ? {
        labelsMissing: {
          usualCoverage: late.usualCoverage,
          neededCoverage: late.neededCoverage,
          lastRecheck: today,
        },
      }
    : {};
}

/**
 * The windows whose late labels the scheduled performance run for the matured window `matured`
 * evaluates again, oldest first: those that matured on the `labels.recheckWithin` mornings before
 * (whole windows; the oldest is each window's last recheck). Empty without labels.
 */
export function labelsRecheckWindows(definition: MonitorDefinition, matured: string): string[] {
  if (!definition.labels) return [];
  return recheckWindows(definition, matured, definition.labels.recheckWithin);
}

/**
 * Evaluates again every window that still owes its final verdict, in the look-back
 * (`labelsRecheckWindows`) or overdue (OVERDUE_RECHECKS windows before it, whose last recheck
 * failed or did not run: `recheckPlan`, shared with the KPI step): a window whose label coverage
 * is below LATE_COVERAGE_SHARE x its usual (`lateCoverage`, lib/alerts/late-data.ts, the rule the
 * KPI step applies to late outcomes), or one never evaluated as matured although a window before
 * it was (its maturing run failed or did not run). One performance query set per such window,
 * none when every window's coverage is usual. A window already marked `labelsMissing`, without an
 * earlier evaluated window (before monitoring started; no usual coverage yet) is skipped. Every
 * owed window is tried; a failure leaves it owed (the next morning retries) and is thrown after
 * the others, naming the window, so the job still reports it. Returns the windows evaluated again.
 */
export async function recheckLateLabels(deps: JobDeps, matured: string): Promise<string[]> {
  const { definition } = deps;
  if (!definition.labels || !deps.sources.labels) return [];
  const plan = recheckPlan(definition, matured, definition.labels.recheckWithin);
  if (!plan.length) return [];
  const history = await loadPerformance(
    deps.store,
    definition,
    definition.window,
    (plan.at(-1) as { start: string }).start,
    lateHistoryLimit(definition, definition.labels.recheckWithin, 0),
  );
  const run = lastCompleteWindow(deps);
  const rechecked: string[] = [];
  const failures: string[] = [];
  let firstError: unknown;
  for (const { start, last } of plan) {
    const at = history.findIndex((r) => r.window.start === start);
    const stored = history[at];
    const before = at >= 0 ? at : history.findIndex((r) => r.window.start > start);
    const previous = history.slice(0, before >= 0 ? before : history.length);
    if (stored?.labelsMissing) continue;
    // Missed: not evaluated as matured, although an earlier window was (its maturing run failed).
    const missed = stored ? !stored.maturity.mature : previous.length > 0;
    if (!missed) {
      if (!stored) continue;
      const coverage = labelCoverageOf(stored);
      // Without an earlier window there is no usual coverage to be late against (a feed that labels
      // 80% of predictions would otherwise be rechecked, then reported, from its first window).
      const earlier = earlierCoverages(previous);
      if (coverage === undefined || !earlier.length || !lateCoverage(coverage, earlier)) continue;
    }
    try {
      const out = await runPerformance(deps, start, { run, last, previous });
      if (at >= 0) history[at] = out.result;
      else history.splice(previous.length, 0, out.result);
      rechecked.push(start);
    } catch (error) {
      failures.push(start);
      firstError ??= error;
    }
  }
  if (failures.length) {
    const message = firstError instanceof Error ? firstError.message : String(firstError);
    throw new Error(
      `late labels: evaluating window ${failures.join(', ')} again failed (it stays owed: the next scheduled run retries it): ${message}`,
      { cause: firstError },
    );
  }
  return rechecked;
}

/**
 * The scheduled performance run (the morning's Lambda invocation without a date, the backtest and
 * the demo): the window whose labels matured that morning, then the windows that still owe a
 * verdict (`recheckLateLabels`: late labels, missed or overdue windows), each isolated: a failure
 * of one does not stop the others and is thrown after them, so the job still reports it.
 * A manual run for a date (`driftwatch run --job performance --date D`) evaluates that window only.
 */
export async function runScheduledPerformance(
  deps: JobDeps,
  matured: string,
): Promise<{ result: PerformanceResult; key: string; rechecked: string[] }> {
  // Each window reads its own labels: a bad file in the matured window's partitions does not stop
  // the late windows (and the reverse); the matured window's failure is thrown after them.
  let out: { result: PerformanceResult; key: string } | undefined;
  let failure: unknown;
  try {
    out = await runPerformance(deps, matured);
  } catch (error) {
    failure = error;
  }
  let rechecked: string[] = [];
  try {
    rechecked = await recheckLateLabels(deps, matured);
  } catch (error) {
    if (out) throw error;
    deps.log?.('late labels: evaluating windows again failed too', {
      error: error instanceof Error ? error.message : String(error),
    });
  }
  if (!out) throw failure;
  if (rechecked.length) deps.log?.('evaluated windows with late labels again', { windows: rechecked });
  return { ...out, rechecked };
}

function numOrNull(value: unknown): number | null {
  return value === null || value === undefined ? null : Number(value);
}

/** Where an earlier evaluation of a window is kept (lib/jobs/revisions.ts, shared with the KPI job). */
export { revisionKey } from './revisions.js';
