/**
 * The performance query: joins a window's predictions with the labels log and returns, per
 * group (overall, each value of each segment column, each model version), the aggregates the
 * metric functions in lib/metrics need. One query, CTEs only; rows come back in kilobytes.
 *
 * Construction:
 * 1. `dw_labels`: the labels log reduced to one row per id (an id whose labels disagree keeps no
 *    label and is counted in `label_conflicts`).
 * 2. `dw_joined`: the window's predictions (`dt >= ? AND dt < ?`) LEFT JOINed to the labels on
 *    the id (both cast to VARCHAR), with the segment and model-version columns cast to VARCHAR.
 * 3. The groupings: `grouping_id` = 0 overall, i for the i-th grouping column (`groupings` in the
 *    result says which); regression and the multiclass coverage and confusion parts use GROUPING
 *    SETS `()`, `(segment1)`, ..., `(model_version)`.
 * 4. Ranking (binary with a probability score, and each multiclass one-vs-rest class): ranks
 *    cannot be taken over grouping sets, so each row is repeated once per grouping (`dw_x`: a
 *    CROSS JOIN with the grouping ids; the group value is the row's value of that grouping's
 *    column) and ranked within (grouping_id, group value[, class]) by window functions that only
 *    count rows, over two specs ordered by descending score (`dw_counted`): `rank()` and
 *    `count(*)` within the group, and the same within the group's rows of the same `dw_state`
 *    (1 positive, 0 negative; rows that are not evaluated get other states or a NULL score, so
 *    they never count for an evaluated row). Per row
 *    that gives (`dw_ranked`) `dw_e` = rows of the other class scored strictly above + half those
 *    tied (a negative's DeLong placement; N minus a positive's) and `dw_prec` = rows of its class
 *    at or above / rows at or above (the precision at a positive's score). So ranks are always
 *    within the group: per segment value they are within that segment. Ties count as halves, so
 *    the sums equal those over distinct score levels (mid-ranks, scikit-learn's step-wise average
 *    precision).
 * 5. `dw_parts`: plain sums of those terms per group (and class), state and, for binary, side of
 *    the threshold and calibration bin: a few rows per group. The final SELECT adds them up per
 *    group and derives U (= both placement sums), the rank sum U + P (P + 1) / 2 and the
 *    positives' squared placements N^2 P - 2 N sum(dw_e) + sum(dw_e^2) (see rankingSums). The
 *    terms are half-integers, so the sums are exact while they stay below 2^53 (sums of squared
 *    placements pass it from about a million rows; beyond, DOUBLE rounding, ~1e-16 relative).
 *    A binary spec without probability (the score is the logged 0/1 prediction) takes the other
 *    road to the same parts: the rows are first aggregated per grouping set AND distinct score
 *    (`dw_levels`, GROUPING SETS `(score)`, `(segment1, score)`, ...), two running sums give the
 *    positives and negatives at or above each level, and each level is split into the parts (see
 *    levelParts). With a handful of levels that is much cheaper than ranking every row; with
 *    mostly distinct scores ranking the rows is much cheaper (measurements in levelParts).
 *
 * Every column name goes through quoteIdentifier and every number through quoteDouble; the window
 * dates are `?` parameters (in WHERE clauses only: Athena allows execution parameters nowhere
 * else) and class labels, which stand in SELECT lists, are string literals from quoteString. Counts (BIGINT from count(*), rank() and the
 * window sums) are cast to DOUBLE before any division or product, so no integer division or
 * BIGINT overflow happens on Athena; DOUBLE counts are exact up to 2^53.
 *
 * @module
 */
import type { CompiledQuery } from '../ports.js';
import { isFalseText, isTrueText } from './boolean-text.js';
import { type SqlDialect, windowFilter } from './dialect.js';
import { quoteDouble, quoteIdentifier, quoteString } from './identifiers.js';
import { typeFamily } from './schema-query.js';

/** The log-loss clipping bound, 2^-52 (scikit-learn's). */
const LOG_LOSS_EPSILON = 2.220446049250313e-16;

/** What every performance query needs. */
export interface PerformanceQueryCommon {
  /** A short name for logs; defaults to `performance-<task>`. */
  readonly name?: string;
  /** FROM-clause relation of the prediction log (SqlDialect.relation(...), or a table name). */
  readonly predictionsRelation: string;
  /** FROM-clause relation of the labels log. */
  readonly labelsRelation: string;
  readonly predictionIdColumn: string;
  readonly labelIdColumn: string;
  readonly labelColumn: string;
  /**
   * The label column's type as the engine describes it (DESCRIBE / information_schema), when known.
   * Binary labels without a text mapping in a number or boolean column are read with one cast to
   * DOUBLE instead of through their text (the same 0/1 / invalid reading: a number's or a
   * boolean's text parses back to the same value; 10M labels: 1.4 s -> 0.6 s of CPU).
   */
  readonly labelColumnType?: string;
  /** The predictions' partition column the window filters on; `dt` by default. */
  readonly partitionColumn?: string;
  /** Columns of the prediction log to break the metrics down by. */
  readonly segmentColumns?: readonly string[];
  /** The prediction log's model-version column, to break the metrics down by version. */
  readonly modelVersionColumn?: string;
  /** The window: `partitionColumn >= from AND partitionColumn < to` (passed as parameters). */
  readonly window: { readonly from: string; readonly to: string };
  /**
   * Read only the labels in partitions `labelPartitionColumn >= labelsSince` (a parameter), to
   * prune a partitioned labels log on Athena. Omit to read the whole labels log; use a date no
   * later than the first date a label for this window can be written.
   */
  readonly labelsSince?: string;
  /**
   * Read only the labels in partitions `labelPartitionColumn < labelsUntil` (a parameter): the
   * day after the run's date, so a run as of a past date never sees labels that arrived later
   * (the labels log is partitioned by arrival date).
   */
  readonly labelsUntil?: string;
  /** The labels log's partition column; `dt` by default. */
  readonly labelPartitionColumn?: string;
}

/** Binary classification: label 0/1 (anything castable to DOUBLE: 0/1, booleans, '0'/'1'). */
export interface BinaryPerformanceSpec extends PerformanceQueryCommon {
  readonly task: 'binary';
  /**
   * Labels such as "yes"/"no": the value read as 1 (compared as text), and optionally the one read
   * as 0; without `negativeValue` every other non-null label is 0. Absent: labels are 0/1 as
   * numbers, text or booleans, and anything else is an invalid label (counted, not evaluated).
   */
  readonly labelMapping?: { readonly positiveValue: string; readonly negativeValue?: string };
  /** The probability of class 1. When absent, `predictionColumn` (0/1) is the score and no probability metric is computed. */
  readonly scoreColumn?: string;
  /** The logged 0/1 prediction; used only when there is no score column. */
  readonly predictionColumn?: string;
  /** prediction = score >= threshold; 0.5 by default. */
  readonly threshold?: number;
  /** Equal-width calibration bins on [0, 1]; 10 by default. */
  readonly calibrationBins?: number;
  /**
   * How scores are ranked: `rows` (default with a score column) ranks every row, fast whatever the
   * number of distinct scores; `levels` aggregates rows per distinct score first, faster when
   * scores repeat a lot (rounded scores). Same results; see {@link chooseRanking}.
   */
  readonly ranking?: 'rows' | 'levels' | 'grid';
  /**
   * With `ranking: 'grid'`: the cells scores are aggregated in. `levels`: `levels` equal-width
   * levels over [min, max] (the window's finite score range; scores outside are clamped to the end
   * levels); `scores`: one cell per distinct score (exact, for windows with few distinct scores).
   * Default: {@link DEFAULT_GRID_LEVELS} levels over [0, 1].
   */
  readonly grid?: GridCells;
  /**
   * A relation holding {@link buildBinaryRowsQuery}'s rows, staged by the engine; the query then
   * ranks from it instead of reading and joining the logs (and takes no parameters).
   */
  readonly stagedRowsRelation?: string;
}

/** How the grid path cuts scores into cells (see lib/metrics/grid.ts). */
export type GridCells =
  | { readonly kind: 'levels'; readonly levels: number; readonly min: number; readonly max: number }
  | { readonly kind: 'scores' };

/**
 * Equal-width levels of the grid path. The AUC bound is at most (sum of p_l n_l) / (2 P N): about
 * 1 / (2 x levels) = 5e-5 when scores spread over the range, below the DeLong standard error of
 * any window large enough to take this path (about 1.5e-4 at 10M rows, AUC 0.8, 30% positives).
 * Each group returns at most levels + calibration bins + 2 rows (10 pages of Athena results per
 * group); 100,000 levels would make that 100 pages per group for a bound 10 times smaller.
 */
export const DEFAULT_GRID_LEVELS = 10_000;

/** Multiclass classification: labels compared as VARCHAR. */
export interface MulticlassPerformanceSpec extends PerformanceQueryCommon {
  readonly task: 'multiclass';
  /** The logged predicted class. When absent, the prediction is the argmax of `classScoreColumns` (first max on ties). */
  readonly predictionColumn?: string;
  /** Class label -> probability column. Enables one-vs-rest ROC-AUC, average precision and log loss. */
  readonly classScoreColumns?: Readonly<Record<string, string>>;
}

/** Regression: label and prediction castable to DOUBLE. */
export interface RegressionPerformanceSpec extends PerformanceQueryCommon {
  readonly task: 'regression';
  readonly predictionColumn: string;
}

export type PerformanceQuerySpec =
  | BinaryPerformanceSpec
  | MulticlassPerformanceSpec
  | RegressionPerformanceSpec;

/** What a `grouping_id` in the result stands for. */
export interface PerformanceGrouping {
  readonly id: number;
  readonly kind: 'overall' | 'segment' | 'model_version';
  /** The column grouped by; `null` for overall. */
  readonly column: string | null;
}

/** The compiled query plus what is needed to read its rows back. */
export interface PerformanceQuery extends CompiledQuery {
  readonly task: PerformanceQuerySpec['task'];
  readonly groupings: readonly PerformanceGrouping[];
  /** Binary: the threshold and bins used; whether the score is a probability. */
  readonly threshold?: number;
  readonly calibrationBins?: number;
  readonly hasProbability?: boolean;
  /** Binary: the rows are grid cells (one per group, cell, calibration bin, side of the threshold). */
  readonly grid?: boolean;
  /** Multiclass: the classes with a probability column, in `class_index` order. */
  readonly probabilityClasses?: readonly string[];
  /** Regression: whether the dialect's median is exact. */
  readonly medianIsExact?: boolean;
}

/** Output column names (snake_case) of the binary query, besides the calibration bins. */
export const BINARY_COLUMNS = [
  'grouping_id',
  'group_value',
  'predictions',
  'labelled',
  'label_conflicts',
  'invalid_labels',
  'positives',
  'negatives',
  'tp',
  'fp',
  'tn',
  'fn',
  'log_loss_sum',
  'brier_sum',
  'positive_rank_sum',
  'average_precision_sum',
  'pos_placement_sum',
  'pos_placement_sum_sq',
  'neg_placement_sum',
  'neg_placement_sum_sq',
] as const;

/** The calibration-bin column names of bin k. */
export function calibrationColumns(k: number): { count: string; scoreSum: string; labelSum: string } {
  return { count: `cal_count_${k}`, scoreSum: `cal_score_sum_${k}`, labelSum: `cal_label_sum_${k}` };
}

class Parameters {
  readonly values: (string | number)[] = [];
  /** Appends a value and returns its placeholder: call in the order the text is assembled. */
  add(value: string | number): string {
    this.values.push(value);
    return '?';
  }
}

const ZERO = quoteDouble(0);
const ONE = quoteDouble(1);
const HALF = quoteDouble(0.5);

function groupingsOf(spec: PerformanceQueryCommon): PerformanceGrouping[] {
  const groupings: PerformanceGrouping[] = [{ id: 0, kind: 'overall', column: null }];
  const seen = new Set<string>();
  for (const column of spec.segmentColumns ?? []) {
    quoteIdentifier(column);
    if (seen.has(column) || column === spec.modelVersionColumn) continue;
    seen.add(column);
    groupings.push({ id: groupings.length, kind: 'segment', column });
  }
  if (spec.modelVersionColumn) {
    quoteIdentifier(spec.modelVersionColumn);
    groupings.push({ id: groupings.length, kind: 'model_version', column: spec.modelVersionColumn });
  }
  return groupings;
}

/** The internal alias of the i-th grouping column. */
const dim = (id: number) => `dw_g${id}`;

/** `GROUP BY` over the grouping sets, each extended by `keys`. */
function groupBy(dims: readonly string[], keys: readonly string[]): string {
  if (dims.length === 0) return keys.length ? `GROUP BY ${keys.join(', ')}` : '';
  const sets = [keys, ...dims.map((d) => [d, ...keys])].map((s) => `(${s.join(', ')})`);
  return `GROUP BY GROUPING SETS (${sets.join(', ')})`;
}

function groupingIdExpr(dims: readonly string[]): string {
  if (dims.length === 0) return '0';
  return `CASE ${dims.map((d, i) => `WHEN GROUPING(${d}) = 0 THEN ${i + 1}`).join(' ')} ELSE 0 END`;
}

function groupValueExpr(dims: readonly string[], dialect: SqlDialect): string {
  if (dims.length === 0) return dialect.toVarchar('NULL');
  return `CASE ${dims.map((d) => `WHEN GROUPING(${d}) = 0 THEN ${d}`).join(' ')} END`;
}

/** NULL-propagating clamp of a DOUBLE (greatest/least treat NULL differently in the two engines). */
function clamp(expr: string, lo: number, hi: number): string {
  return `CASE WHEN ${expr} < ${quoteDouble(lo)} THEN ${quoteDouble(lo)} WHEN ${expr} > ${quoteDouble(hi)} THEN ${quoteDouble(hi)} ELSE ${expr} END`;
}

/**
 * How a label is read. `DOUBLE` (regression): a finite number, else invalid. `VARCHAR`
 * (multiclass): any non-null value. `BINARY`: 0/1 (numbers, '0'/'1', booleans, 'true'/'false'), or
 * with a mapping, `positiveValue` is 1 and `negativeValue` 0 (without `negativeValue`, every other
 * non-null value is 0); anything else is an invalid label.
 */
/**
 * A class as text with numbers in one form: an integral number is its integer text, so labels
 * written 1.0 (a float column, or "1.0" in a CSV) and predictions 1 are the same class '1' (as text
 * they were '1.0' against '1', and every prediction counted wrong); anything else is its own text.
 */
export function classText(dialect: SqlDialect, expr: string): string {
  const n = `TRY_CAST(${expr} AS DOUBLE)`;
  return `CASE WHEN ${n} = floor(${n}) AND abs(${n}) < 1e15 THEN CAST(CAST(${n} AS BIGINT) AS VARCHAR) ELSE ${dialect.toVarchar(expr)} END`;
}

type LabelReading = 'DOUBLE' | 'VARCHAR' | 'BINARY';

/** The label CTE and the joined CTE shared by every task. */
function baseCtes(
  spec: PerformanceQuerySpec,
  dialect: SqlDialect,
  params: Parameters,
  groupings: readonly PerformanceGrouping[],
  labelType: LabelReading,
  taskColumns: (p: (column: string) => string) => string[],
): string {
  const q = quoteIdentifier;
  const labelId = dialect.toVarchar(`l.${q(spec.labelIdColumn)}`);
  const predictionId = dialect.toVarchar(`p.${q(spec.predictionIdColumn)}`);
  const dims = groupings
    .filter((g) => g.column !== null)
    .map((g) => `${dialect.toVarchar(`p.${q(g.column!)}`)} AS ${dim(g.id)}`);
  let value: string;
  let bad: string;
  const numericLabels =
    labelType === 'BINARY' &&
    !(spec.task === 'binary' && spec.labelMapping) &&
    spec.labelColumnType !== undefined &&
    ['number', 'boolean'].includes(typeFamily(spec.labelColumnType));
  if (labelType === 'DOUBLE') {
    value = `CASE WHEN ${dialect.isFinite('TRY_CAST(dw_raw AS DOUBLE)')} THEN TRY_CAST(dw_raw AS DOUBLE) END`;
    bad = `CASE WHEN ${dialect.isFinite('TRY_CAST(dw_raw AS DOUBLE)')} THEN 0 ELSE 1 END`;
  } else if (labelType === 'VARCHAR') {
    value = 'dw_raw';
    bad = '0';
  } else if (numericLabels) {
    // A number or boolean column: its value, cast once (true/false read as 1/0, as their text does).
    value = `CASE WHEN dw_raw IN (${ZERO}, ${ONE}) THEN dw_raw END`;
    bad = `CASE WHEN dw_raw IN (${ZERO}, ${ONE}) THEN 0 ELSE 1 END`;
  } else {
    // 0/1 as numbers, text or booleans. With a mapping the label rows are read below instead.
    const mapped = `CASE WHEN ${isTrueText('dw_raw')} THEN ${ONE} WHEN ${isFalseText('dw_raw')} THEN ${ZERO} ELSE TRY_CAST(dw_raw AS DOUBLE) END`;
    value = `CASE WHEN (${mapped}) IN (${ZERO}, ${ONE}) THEN ${mapped} END`;
    bad = `CASE WHEN (${mapped}) IN (${ZERO}, ${ONE}) THEN 0 ELSE 1 END`;
  }
  const raw =
    labelType === 'DOUBLE'
      ? `l.${q(spec.labelColumn)}`
      : numericLabels
        ? `TRY_CAST(l.${q(spec.labelColumn)} AS DOUBLE)`
        : labelType === 'VARCHAR'
          ? classText(dialect, `l.${q(spec.labelColumn)}`)
          : dialect.toVarchar(`l.${q(spec.labelColumn)}`);
  const labelsSince = (prefixed: boolean) =>
    spec.labelsSince === undefined
      ? ''
      : ` AND ${prefixed ? 'l.' : ''}${q(spec.labelPartitionColumn ?? 'dt')} >= ${params.add(spec.labelsSince)}` +
        (spec.labelsUntil === undefined
          ? ''
          : ` AND ${prefixed ? 'l.' : ''}${q(spec.labelPartitionColumn ?? 'dt')} < ${params.add(spec.labelsUntil)}`);
  // Parameters are added in the order their placeholders appear in the text.
  let labelRows: string;
  const mapping = labelType === 'BINARY' && spec.task === 'binary' ? spec.labelMapping : undefined;
  if (mapping) {
    // Literals, not parameters: Athena takes execution parameters in WHERE clauses only.
    const positive = quoteString(mapping.positiveValue);
    const negative = mapping.negativeValue === undefined ? undefined : quoteString(mapping.negativeValue);
    const m = `CASE WHEN dw_raw = ${positive} THEN 1 ${negative === undefined ? 'ELSE 0' : `WHEN dw_raw = ${negative} THEN 0`} END`;
    labelRows = `SELECT dw_id, CASE WHEN dw_mi IS NOT NULL THEN CAST(dw_mi AS DOUBLE) END AS dw_v, CASE WHEN dw_mi IS NULL THEN 1 ELSE 0 END AS dw_bad
    FROM (SELECT dw_id, ${m} AS dw_mi
      FROM (SELECT ${labelId} AS dw_id, ${raw} AS dw_raw FROM ${spec.labelsRelation} AS l
        WHERE ${labelId} IS NOT NULL AND l.${q(spec.labelColumn)} IS NOT NULL${labelsSince(true)}) AS dw_l0) AS dw_l1`;
  } else {
    labelRows = `SELECT dw_id, ${value} AS dw_v, ${bad} AS dw_bad
    FROM (SELECT ${labelId} AS dw_id, ${raw} AS dw_raw FROM ${spec.labelsRelation} AS l
      WHERE ${labelId} IS NOT NULL AND l.${q(spec.labelColumn)} IS NOT NULL${labelsSince(true)}) AS dw_l0`;
  }
  // A usable label: every label row of the id valid and all equal. An id with an invalid label row
  // is an invalid label; valid rows that disagree are a conflict. Neither is labelled.
  // Binary labels are packed into one small code per id (0 / 1 the label, 2 a conflict, 3 invalid):
  // the join's build side holds the id and one integer instead of two doubles and a flag, which
  // keeps more of a large window's labels in memory under the local cap.
  const packed = labelType === 'BINARY';
  const usable = packed
    ? 'l.dw_code IN (0, 1)'
    : 'l.dw_id IS NOT NULL AND l.dw_bad = 0 AND l.dw_label_min = l.dw_label_max';
  const selectList = [
    ...dims,
    `CASE WHEN ${usable} THEN 1 ELSE 0 END AS dw_has_label`,
    packed
      ? 'CASE WHEN l.dw_code = 2 THEN 1 ELSE 0 END AS dw_conflict'
      : 'CASE WHEN l.dw_id IS NOT NULL AND l.dw_bad = 0 AND l.dw_label_min <> l.dw_label_max THEN 1 ELSE 0 END AS dw_conflict',
    packed
      ? 'CASE WHEN l.dw_code = 3 THEN 1 ELSE 0 END AS dw_invalid_label'
      : 'CASE WHEN l.dw_id IS NOT NULL AND l.dw_bad = 1 THEN 1 ELSE 0 END AS dw_invalid_label',
    packed
      ? `CASE WHEN ${usable} THEN CAST(l.dw_code AS DOUBLE) END AS dw_y`
      : `CASE WHEN ${usable} THEN l.dw_label_min END AS dw_y`,
    ...taskColumns((column) => `p.${q(column)}`),
  ];
  const partition = q(spec.partitionColumn ?? 'dt');
  const from = params.add(spec.window.from);
  const to = params.add(spec.window.to);
  const labelAggregates = packed
    ? `CASE WHEN max(dw_bad) = 1 THEN 3 WHEN min(dw_v) <> max(dw_v) THEN 2 WHEN min(dw_v) = ${ONE} THEN 1 ELSE 0 END AS dw_code`
    : 'min(dw_v) AS dw_label_min, max(dw_v) AS dw_label_max, max(dw_bad) AS dw_bad';
  return `dw_labels AS (
  SELECT dw_id, ${labelAggregates}
  FROM (
    ${labelRows}
  ) AS dw_lv
  GROUP BY dw_id
),
dw_joined AS (
  SELECT
    ${selectList.join(',\n    ')}
  FROM ${spec.predictionsRelation} AS p
  LEFT JOIN dw_labels AS l ON ${predictionId} = l.dw_id
  WHERE p.${partition} >= ${from} AND p.${partition} < ${to}
)`;
}

/**
 * The ranking CTEs. `dw_x` repeats each row of `source` once per grouping (`dw_gid`; `dw_gval` is
 * the row's value of that grouping's column, NULL for overall). `dw_counted` adds four window
 * functions that only count rows (no running sum, which DuckDB evaluates much more slowly), over
 * two specs that order by descending score: `rank()` and `count(*)` (default RANGE frame: ties
 * included) within the group, and the same within the group's rows of the same `dw_state`.
 * `dw_ranked` derives, per row:
 * - `dw_e` = (rows of the other class scored strictly above) + (those tied with it) / 2: for a
 *   negative, its DeLong placement (positives above + half the positives tied); for a positive, N
 *   minus its placement (negatives below + half the negatives tied);
 * - `dw_prec` = (rows of its class at or above) / (rows at or above): for a positive, the
 *   precision at its score.
 * The ORDER BY on `source` changes no result: it is a physical hint. DuckDB keeps the order
 * through the CROSS JOIN, and its window sort is much faster on input already ordered by score
 * (measured: 28 s -> 18 s at 10M rows); Trino drops an ORDER BY in a subquery without LIMIT.
 * `source` must have the dims, the extra keys, `dw_s` (NULL when the row is not evaluated) and
 * `dw_state` (1 / 0 for an evaluated positive / negative; any other value otherwise: those rows
 * are ranked apart, and after every evaluated row of the group), plus `passThrough`.
 */
function rankingCtes(
  source: string,
  dims: readonly string[],
  extraKeys: readonly string[],
  passThrough: readonly string[],
  dialect: SqlDialect,
): string {
  const gval =
    dims.length === 0
      ? dialect.toVarchar('NULL')
      : `CASE dw_c.dw_gid ${dims.map((d, i) => `WHEN ${i + 1} THEN dw_r.${d}`).join(' ')} END`;
  const gids = [0, ...dims.map((_, i) => i + 1)].map((i) => `(${i})`).join(', ');
  const partition = ['dw_gid', 'dw_gval', ...extraKeys].join(', ');
  const byGroup = `OVER (PARTITION BY ${partition} ORDER BY dw_s DESC NULLS LAST)`;
  const byClass = `OVER (PARTITION BY ${partition}, dw_state ORDER BY dw_s DESC NULLS LAST)`;
  const columns = [...extraKeys, 'dw_s', 'dw_state', ...passThrough];
  return `dw_x AS (
  SELECT dw_c.dw_gid, ${gval} AS dw_gval, ${columns.map((c) => `dw_r.${c}`).join(', ')}
  FROM (SELECT * FROM ${source} ORDER BY dw_s DESC NULLS LAST) AS dw_r
  CROSS JOIN (VALUES ${gids}) AS dw_c (dw_gid)
),
dw_counted AS (
  SELECT dw_x.*,
    rank() ${byGroup} AS dw_rank,
    count(*) ${byGroup} AS dw_ge,
    rank() ${byClass} AS dw_class_rank,
    count(*) ${byClass} AS dw_class_ge
  FROM dw_x
),
dw_ranked AS (
  SELECT dw_gid, dw_gval, ${columns.join(', ')},
    CAST(dw_ge - dw_class_ge + dw_rank - dw_class_rank AS DOUBLE) * ${HALF} AS dw_e,
    CAST(dw_class_ge AS DOUBLE) / CAST(dw_ge AS DOUBLE) AS dw_prec
  FROM dw_counted
)`;
}

/**
 * The sums of `dw_ranked` that the final step needs, per the caller's keys and `dw_state`: the row
 * count `dw_k` and the sums of `dw_e`, its square and `dw_prec`.
 */
const RANKING_PARTS = [
  'CAST(count(*) AS DOUBLE) AS dw_k',
  'sum(dw_e) AS dw_e',
  'sum(dw_e * dw_e) AS dw_e_sq',
  'sum(dw_prec) AS dw_prec',
];

/** The sum over a group's parts of `column` where `dw_state` is `state` (0 when there is none). */
function ofState(state: 0 | 1, column: string): string {
  return `coalesce(sum(CASE WHEN dw_state = ${state} THEN ${column} END), ${ZERO})`;
}

/**
 * The ranking aggregates of a group, from its parts (see {@link RANKING_PARTS}). Every term is a
 * half-integer, so the sums are exact while they stay below 2^53. U, the sum of the negatives' placements, equals
 * the sum of the positives' (both count the correctly ordered positive-negative pairs, ties as
 * half); the positives' mid-rank sum is U + P (P + 1) / 2 (their ranks among the positives alone
 * sum to P (P + 1) / 2); a positive's placement is N - dw_e, so the sum of their squares is
 * N^2 P - 2 N sum(dw_e) + sum(dw_e^2); a positive adds the precision at its score to the average
 * precision sum (the same as positives-at-the-score x precision, summed over the scores).
 */
function rankingSums(): string[] {
  const p = ofState(1, 'dw_k');
  const n = ofState(0, 'dw_k');
  const u = ofState(0, 'dw_e');
  return [
    `${p} AS positives`,
    `${n} AS negatives`,
    `${u} + ${p} * (${p} + ${ONE}) * ${HALF} AS positive_rank_sum`,
    `${ofState(1, 'dw_prec')} AS average_precision_sum`,
    `${u} AS pos_placement_sum`,
    `${n} * ${n} * ${p} - ${quoteDouble(2)} * ${n} * ${ofState(1, 'dw_e')} + ${ofState(1, 'dw_e_sq')} AS pos_placement_sum_sq`,
    `${u} AS neg_placement_sum`,
    `${ofState(0, 'dw_e_sq')} AS neg_placement_sum_sq`,
  ];
}

/**
 * `dw_parts` of a binary spec without probability (the score is the logged 0/1 prediction), from
 * score levels instead of ranked rows: with a handful of distinct scores, aggregating first makes
 * the windows run over a few rows per group instead of every row (measured at 10M rows with two
 * distinct scores: 4 s with levels, 22 s with ranked rows; with all scores distinct it is the
 * other way round, 39 s with levels, 19 s ranked). `dw_levels` has one row per grouping set and
 * distinct score, with the rows of each `dw_state`; two running sums (one window spec, descending
 * score) give the positives and negatives at or above each level. Each level is then split by
 * state into the parts the ranked rows would sum to: a negative's `dw_e` is (positives above) +
 * (positives at the level) / 2, a positive's is (negatives above) + (negatives at the level) / 2,
 * and a positive's `dw_prec` is the precision at its level.
 */
function levelParts(
  dims: readonly string[],
  threshold: string,
  dialect: SqlDialect,
  probability?: { bin: string; clamped: string },
): string {
  const count = (state: number) => `count(CASE WHEN dw_state = ${state} THEN 1 END) AS dw_n${state}`;
  const window = `OVER (PARTITION BY dw_gid, dw_gval ORDER BY dw_s DESC NULLS LAST ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)`;
  const pos = 'CAST(dw_n1 AS DOUBLE)';
  const neg = 'CAST(dw_n0 AS DOUBLE)';
  const posE = `(dw_neg_ge - ${HALF} * ${neg})`;
  const negE = `(dw_pos_ge - ${HALF} * ${pos})`;
  const byState = (whenPositive: string, whenNegative: string) =>
    `CASE dw_c.dw_state WHEN 1 THEN ${whenPositive} WHEN 0 THEN ${whenNegative} END`;
  return `dw_levels AS (
  SELECT ${groupingIdExpr(dims)} AS dw_gid, ${groupValueExpr(dims, dialect)} AS dw_gval, dw_s,
    ${[0, 1, 2, 3, 4, 5].map(count).join(', ')}
  FROM dw_rows
  ${groupBy(dims, ['dw_s'])}
),
dw_level_ranked AS (
  SELECT dw_levels.*,
    CAST(sum(dw_n1) ${window} AS DOUBLE) AS dw_pos_ge,
    CAST(sum(dw_n0) ${window} AS DOUBLE) AS dw_neg_ge
  FROM dw_levels
),
dw_level_states AS (
  SELECT dw_gid, dw_gval, dw_c.dw_state, dw_s >= ${threshold} AS dw_above,
    CAST(CASE dw_c.dw_state WHEN 0 THEN dw_n0 WHEN 1 THEN dw_n1 WHEN 2 THEN dw_n2 WHEN 3 THEN dw_n3 WHEN 4 THEN dw_n4 ELSE dw_n5 END AS DOUBLE) AS dw_k,
    ${byState(`${pos} * ${posE}`, `${neg} * ${negE}`)} AS dw_e,
    ${byState(`${pos} * ${posE} * ${posE}`, `${neg} * ${negE} * ${negE}`)} AS dw_e_sq,
    CASE WHEN dw_c.dw_state = 1 AND dw_n1 > 0 THEN ${pos} * dw_pos_ge / (dw_pos_ge + dw_neg_ge) END AS dw_prec${
      probability
        ? `,
    ${probability.bin} AS dw_bin,
    ${byState(`-${pos} * ln(${probability.clamped})`, `-${neg} * ln(${ONE} - ${probability.clamped})`)} AS dw_ll,
    ${byState(`${pos} * (dw_s - ${ONE}) * (dw_s - ${ONE})`, `${neg} * dw_s * dw_s`)} AS dw_brier,
    ${byState(`${pos} * dw_s`, `${neg} * dw_s`)} AS dw_score_sum`
        : ''
    }
  FROM dw_level_ranked
  CROSS JOIN (VALUES (0), (1), (2), (3), (4), (5)) AS dw_c (dw_state)
),
dw_parts AS (
  SELECT dw_gid, dw_gval, dw_state, dw_above${probability ? ', dw_bin' : ''},
    sum(dw_k) AS dw_k, sum(dw_e) AS dw_e, sum(dw_e_sq) AS dw_e_sq, sum(dw_prec) AS dw_prec${
      probability ? ', sum(dw_ll) AS dw_ll, sum(dw_brier) AS dw_brier, sum(dw_score_sum) AS dw_score_sum' : ''
    }
  FROM dw_level_states
  GROUP BY dw_gid, dw_gval, dw_state, dw_above${probability ? ', dw_bin' : ''}
)`;
}

/** The labels, joined and `dw_rows` CTEs of a binary spec: one row per prediction, its groups, score and state. */
function binaryRowsCtes(
  spec: BinaryPerformanceSpec,
  dialect: SqlDialect,
  params: Parameters,
  groupings: readonly PerformanceGrouping[],
  dims: readonly string[],
  scoreColumn: string,
): string {
  const base = baseCtes(spec, dialect, params, groupings, 'BINARY', (p) => [
    `TRY_CAST(${p(scoreColumn)} AS DOUBLE) AS dw_score`,
  ]);
  const evaluated = `dw_y IN (${ZERO}, ${ONE}) AND ${dialect.isFinite('dw_score')}`;
  // dw_state: 1 / 0 an evaluated positive / negative; 2 labelled but not evaluated (the score is
  // missing or not finite), 3 conflicting labels, 4 no label, 5 an invalid label (not 0/1).
  return `${base},
dw_rows AS (
  SELECT ${dims.join(', ')}${dims.length ? ',' : ''}
    CASE WHEN ${evaluated} THEN dw_score END AS dw_s,
    CASE WHEN ${evaluated} THEN CASE WHEN dw_y = ${ONE} THEN 1 ELSE 0 END WHEN dw_conflict = 1 THEN 3 WHEN dw_invalid_label = 1 THEN 5 WHEN dw_has_label = 1 THEN 2 ELSE 4 END AS dw_state
  FROM dw_joined
)`;
}

/**
 * The rows a binary query ranks (groups, score, state: about 30 bytes a row), for engines that
 * can stage them: ranking from a staged file lets no pipeline hold the join's hash table and the
 * window sorts at once, which is what runs out of memory on very large windows under a memory cap
 * (50M rows under 512MB: BENCHMARKS.md). Pass the staged relation as `stagedRowsRelation`.
 */
export function buildBinaryRowsQuery(spec: BinaryPerformanceSpec, dialect: SqlDialect): CompiledQuery {
  const scoreColumn = spec.scoreColumn ?? spec.predictionColumn;
  if (!scoreColumn) throw new Error('a binary performance query needs a score column or a prediction column');
  const params = new Parameters();
  const groupings = groupingsOf(spec);
  const dims = groupings.filter((g) => g.column !== null).map((g) => dim(g.id));
  return {
    name: 'performance-rows',
    sql: `WITH ${binaryRowsCtes(spec, dialect, params, groupings, dims, scoreColumn)}\nSELECT * FROM dw_rows`,
    parameters: params.values,
  };
}

function buildBinary(spec: BinaryPerformanceSpec, dialect: SqlDialect): PerformanceQuery {
  const scoreColumn = spec.scoreColumn ?? spec.predictionColumn;
  if (!scoreColumn) throw new Error('a binary performance query needs a score column or a prediction column');
  const hasProbability = spec.scoreColumn !== undefined;
  const threshold = spec.threshold ?? 0.5;
  const bins = spec.calibrationBins ?? 10;
  if (!Number.isInteger(bins) || bins < 1 || bins > 100)
    throw new RangeError(`calibration bins must be 1..100, got ${bins}`);
  const params = new Parameters();
  const groupings = groupingsOf(spec);
  const dims = groupings.filter((g) => g.column !== null).map((g) => dim(g.id));
  // A staged relation replaces the read and the join (see buildBinaryRowsQuery): no parameters.
  const rows = spec.stagedRowsRelation
    ? `dw_rows AS (SELECT * FROM ${spec.stagedRowsRelation})`
    : binaryRowsCtes(spec, dialect, params, groupings, dims, scoreColumn);
  const thr = quoteDouble(threshold);
  const nullDouble = 'CAST(NULL AS DOUBLE)';
  const q = clamp('dw_s', LOG_LOSS_EPSILON, 1 - LOG_LOSS_EPSILON);
  const bin = `CASE WHEN dw_s IS NULL THEN NULL ELSE ${clamp(`floor(dw_s * ${quoteDouble(bins)})`, 0, bins - 1)} END`;
  // dw_parts: plain sums per group, state, side of the threshold and (with a probability)
  // calibration bin: a few rows per group, which the final step adds up per group.
  const partKeys = ['dw_gid', 'dw_gval', 'dw_state', 'dw_above', 'dw_bin'];
  const partSums = [
    ...RANKING_PARTS,
    `sum(-ln(CASE WHEN dw_state = 1 THEN ${q} ELSE ${ONE} - ${q} END)) AS dw_ll`,
    'sum((dw_s - dw_state) * (dw_s - dw_state)) AS dw_brier',
    'sum(dw_s) AS dw_score_sum',
  ];
  const calibration: string[] = [];
  for (let k = 0; k < bins; k += 1) {
    const c = calibrationColumns(k);
    const inBin = `dw_bin = ${quoteDouble(k)}`;
    if (hasProbability) {
      calibration.push(
        `coalesce(sum(CASE WHEN ${inBin} AND dw_state IN (0, 1) THEN dw_k END), ${ZERO}) AS ${c.count}`,
        `coalesce(sum(CASE WHEN ${inBin} THEN dw_score_sum END), ${ZERO}) AS ${c.scoreSum}`,
        `coalesce(sum(CASE WHEN ${inBin} AND dw_state = 1 THEN dw_k END), ${ZERO}) AS ${c.labelSum}`,
      );
    } else {
      calibration.push(
        `${nullDouble} AS ${c.count}`,
        `${nullDouble} AS ${c.scoreSum}`,
        `${nullDouble} AS ${c.labelSum}`,
      );
    }
  }
  const confusion = (above: boolean, state: 0 | 1) =>
    `coalesce(sum(CASE WHEN ${above ? '' : 'NOT '}dw_above AND dw_state = ${state} THEN dw_k END), ${ZERO})`;
  const sums = [
    'sum(dw_k) AS predictions',
    `coalesce(sum(CASE WHEN dw_state IN (0, 1, 2) THEN dw_k END), ${ZERO}) AS labelled`,
    `coalesce(sum(CASE WHEN dw_state = 3 THEN dw_k END), ${ZERO}) AS label_conflicts`,
    `coalesce(sum(CASE WHEN dw_state = 5 THEN dw_k END), ${ZERO}) AS invalid_labels`,
    ...rankingSums(),
    `${confusion(true, 1)} AS tp`,
    `${confusion(true, 0)} AS fp`,
    `${confusion(false, 0)} AS tn`,
    `${confusion(false, 1)} AS fn`,
    hasProbability ? `coalesce(sum(dw_ll), ${ZERO}) AS log_loss_sum` : `${nullDouble} AS log_loss_sum`,
    hasProbability ? `coalesce(sum(dw_brier), ${ZERO}) AS brier_sum` : `${nullDouble} AS brier_sum`,
    ...calibration,
  ];
  if (spec.ranking === 'grid' && hasProbability) {
    return buildBinaryGrid(spec, rows, dims, groupings, params, threshold, bins, bin, q, dialect);
  }
  const parts =
    hasProbability && spec.ranking !== 'levels'
      ? `${rankingCtes('dw_rows', dims, [], [], dialect)},
dw_binned AS (
  SELECT dw_ranked.*, dw_s >= ${thr} AS dw_above, ${bin} AS dw_bin
  FROM dw_ranked
),
dw_parts AS (
  SELECT ${partKeys.join(', ')},
    ${partSums.join(',\n    ')}
  FROM dw_binned
  GROUP BY ${partKeys.join(', ')}
)`
      : levelParts(dims, thr, dialect, hasProbability ? { bin, clamped: q } : undefined);
  const sql = `WITH ${rows},
${parts}
SELECT dw_gid AS grouping_id, dw_gval AS group_value,
  ${sums.join(',\n  ')}
FROM dw_parts
GROUP BY dw_gid, dw_gval
ORDER BY grouping_id, group_value`;
  return {
    name: spec.name ?? 'performance-binary',
    sql,
    parameters: params.values,
    task: 'binary',
    groupings,
    threshold,
    calibrationBins: bins,
    hasProbability,
  };
}

/**
 * The grid path of a binary spec with a probability (lib/metrics/grid.ts): ONE GROUP BY over the
 * grouping sets, keyed by the score's cell, calibration bin and side of the threshold, with no
 * window function and no repetition of rows per grouping. Each key is a non-decreasing function
 * of the score (floor of an affine map with a positive scale, clamped; or the score itself), so
 * the (cell, bin, above) tuples order the scores, and a tuple whose min and max score agree is an
 * exact tie. Rows that are not evaluated (dw_s NULL) fall in one NULL cell per group, which carries
 * the coverage counts. The reader (readBinaryPerformance) sums the rest per group in TypeScript.
 */
function buildBinaryGrid(
  spec: BinaryPerformanceSpec,
  rows: string,
  dims: readonly string[],
  groupings: readonly PerformanceGrouping[],
  params: Parameters,
  threshold: number,
  bins: number,
  bin: string,
  clamped: string,
  dialect: SqlDialect,
): PerformanceQuery {
  const grid = spec.grid ?? { kind: 'levels', levels: DEFAULT_GRID_LEVELS, min: 0, max: 1 };
  const thr = quoteDouble(threshold);
  const above = (score: string) => `CASE WHEN ${score} >= ${thr} THEN 1 ELSE 0 END`;
  // One numeric key per row, non-decreasing in the score: the score itself (`scores`), or
  // (level x bins + calibration bin) x 2 + side of the threshold (`levels`; an integer below
  // 2^53, so exact in DOUBLE), whose order is the lexicographic order of (level, bin, side).
  // The outer query recovers the bin and the side from the key.
  let key: string;
  let binOfKey: string;
  let aboveOfKey: string;
  if (grid.kind === 'levels') {
    const { levels, min, max } = grid;
    if (!Number.isInteger(levels) || levels < 1 || levels > 10_000_000)
      throw new RangeError(`grid levels must be 1..10000000, got ${levels}`);
    if (!Number.isFinite(min) || !Number.isFinite(max) || max < min)
      throw new RangeError(`grid range must be finite with min <= max, got [${min}, ${max}]`);
    const scale = max > min ? levels / (max - min) : 0;
    const scaled = scale > 0 && Number.isFinite(scale) ? scale : 0;
    const level = clamp(`floor((dw_s - ${quoteDouble(min)}) * ${quoteDouble(scaled)})`, 0, levels - 1);
    const binRaw = clamp(`floor(dw_s * ${quoteDouble(bins)})`, 0, bins - 1);
    key = `CASE WHEN dw_s IS NULL THEN NULL ELSE (${level} * ${quoteDouble(bins)} + ${binRaw}) * ${quoteDouble(2)} + ${above('dw_s')} END`;
    const half = 'floor(dw_key / 2.0E0)';
    aboveOfKey = `dw_key - 2.0E0 * ${half}`;
    binOfKey = `${half} - ${quoteDouble(bins)} * floor(${half} / ${quoteDouble(bins)})`;
  } else {
    key = 'dw_s';
    binOfKey = bin.replaceAll('dw_s', 'dw_key');
    aboveOfKey = above('dw_key');
  }
  const state = (k: number) => `coalesce(sum(CASE WHEN dw_state = ${k} THEN dw_n END), ${ZERO})`;
  // Two aggregations, no window: every row once into (segment combination, state, key; grouped by
  // ordinal, as Trino groups by no alias), then those few rows into the grouping sets. Aggregating
  // the rows once per grouping set instead (GROUPING SETS over the rows) cost about twice the CPU
  // at 1M rows with 3 segments.
  const sql = `WITH ${rows},
dw_cells AS (
  SELECT ${[...dims, 'dw_state'].join(', ')},
    ${key} AS dw_key,
    CAST(count(*) AS DOUBLE) AS dw_n,
    min(dw_s) AS dw_min,
    max(dw_s) AS dw_max,
    sum(dw_s) AS dw_sum,
    sum(-ln(CASE WHEN dw_state = 1 THEN ${clamped} ELSE ${ONE} - ${clamped} END)) AS dw_ll,
    sum((dw_s - dw_state) * (dw_s - dw_state)) AS dw_brier
  FROM dw_rows
  GROUP BY ${Array.from({ length: dims.length + 2 }, (_, i) => i + 1).join(', ')}
)
SELECT ${groupingIdExpr(dims)} AS grouping_id, ${groupValueExpr(dims, dialect)} AS group_value,
  dw_key AS cell, ${binOfKey} AS cal_bin, ${aboveOfKey} AS above,
  sum(dw_n) AS predictions,
  coalesce(sum(CASE WHEN dw_state IN (0, 1, 2) THEN dw_n END), ${ZERO}) AS labelled,
  ${state(3)} AS label_conflicts,
  ${state(5)} AS invalid_labels,
  ${state(1)} AS positives,
  ${state(0)} AS negatives,
  min(dw_min) AS score_min,
  max(dw_max) AS score_max,
  coalesce(sum(dw_sum), ${ZERO}) AS score_sum,
  coalesce(sum(dw_ll), ${ZERO}) AS log_loss_sum,
  coalesce(sum(dw_brier), ${ZERO}) AS brier_sum
FROM dw_cells
${groupBy(dims, ['dw_key'])}`;
  return {
    name: spec.name ?? 'performance-binary-grid',
    sql,
    parameters: params.values,
    task: 'binary',
    groupings,
    threshold,
    calibrationBins: bins,
    hasProbability: true,
    grid: true,
  };
}

function buildMulticlass(spec: MulticlassPerformanceSpec, dialect: SqlDialect): PerformanceQuery {
  const classes = Object.keys(spec.classScoreColumns ?? {});
  const scoreColumns = classes.map((c) => spec.classScoreColumns![c]!);
  if (!spec.predictionColumn && classes.length === 0) {
    throw new Error('a multiclass performance query needs a prediction column or class probability columns');
  }
  const params = new Parameters();
  const groupings = groupingsOf(spec);
  const dims = groupings.filter((g) => g.column !== null).map((g) => dim(g.id));
  const k = classes.length;
  const pk = (i: number) => `dw_p${i}`;
  const base = baseCtes(spec, dialect, params, groupings, 'VARCHAR', (p) => {
    const columns = scoreColumns.map((c, i) => `TRY_CAST(${p(c)} AS DOUBLE) AS ${pk(i)}`);
    if (spec.predictionColumn) {
      columns.push(`${classText(dialect, p(spec.predictionColumn))} AS dw_pred`);
    } else {
      // argmax, the first class on ties; NULL when a probability is missing.
      const probability = (i: number) => `TRY_CAST(${p(scoreColumns[i]!)} AS DOUBLE)`;
      const anyNull = classes.map((_, i) => `${probability(i)} IS NULL`).join(' OR ');
      const whens = classes.slice(0, -1).map((_, i) => {
        const beats = classes
          .map((_, j) => j)
          .filter((j) => j > i)
          .map((j) => `${probability(i)} >= ${probability(j)}`)
          .join(' AND ');
        return `WHEN ${beats} THEN ${quoteString(classes[i]!)}`;
      });
      // The first max: class i wins when it is >= every later class and no earlier class won.
      columns.push(
        `CASE WHEN ${anyNull} THEN NULL ${whens.join(' ')} ELSE ${quoteString(classes[k - 1]!)} END AS dw_pred`,
      );
    }
    return columns;
  });
  const parts: string[] = [];
  const ctes: string[] = [base];
  const nullDouble = 'CAST(NULL AS DOUBLE)';
  const nullVarchar = 'CAST(NULL AS VARCHAR)';
  const nullInt = 'CAST(NULL AS INTEGER)';
  const gid = groupingIdExpr(dims);
  const gval = groupValueExpr(dims, dialect);
  const rankingNulls = [
    'positives',
    'negatives',
    'positive_rank_sum',
    'average_precision_sum',
    'pos_placement_sum',
    'pos_placement_sum_sq',
    'neg_placement_sum',
    'neg_placement_sum_sq',
    'log_loss_sum',
  ].map((c) => `${nullDouble} AS ${c}`);
  parts.push(`SELECT 'coverage' AS part, ${gid} AS grouping_id, ${gval} AS group_value,
  ${nullVarchar} AS label, ${nullVarchar} AS predicted, ${nullInt} AS class_index, ${nullDouble} AS n,
  CAST(count(*) AS DOUBLE) AS predictions, CAST(sum(dw_has_label) AS DOUBLE) AS labelled,
  CAST(sum(dw_conflict) AS DOUBLE) AS label_conflicts,
  ${rankingNulls.join(', ')}
FROM dw_joined
${groupBy(dims, [])}`);
  parts.push(`SELECT 'confusion' AS part, ${gid} AS grouping_id, ${gval} AS group_value,
  dw_y AS label, dw_pred AS predicted, ${nullInt} AS class_index, CAST(count(*) AS DOUBLE) AS n,
  ${nullDouble} AS predictions, ${nullDouble} AS labelled, ${nullDouble} AS label_conflicts,
  ${rankingNulls.join(', ')}
FROM dw_joined
WHERE dw_y IS NOT NULL AND dw_pred IS NOT NULL
${groupBy(dims, ['dw_y', 'dw_pred'])}`);
  if (k > 0) {
    const qk = (i: number) => `dw_q${i}`;
    const finite = classes.map((_, i) => dialect.isFinite(pk(i))).join(' AND ');
    const labelIndex = `CASE dw_y ${classes.map((c, i) => `WHEN ${quoteString(c)} THEN ${i}`).join(' ')} END`;
    ctes.push(`dw_mrows AS (
  SELECT ${[...dims, 'dw_y', ...classes.map((_, i) => pk(i))].join(', ')},
    ${classes.map((_, i) => `${clamp(pk(i), LOG_LOSS_EPSILON, 1 - LOG_LOSS_EPSILON)} AS ${qk(i)}`).join(',\n    ')},
    ${labelIndex} AS dw_y_index
  FROM dw_joined
  WHERE dw_y IS NOT NULL AND ${finite}
),
dw_ovr AS (
  SELECT ${dims.map((d) => `r.${d}`).join(', ')}${dims.length ? ', ' : ''}c.dw_class,
    CASE c.dw_class ${classes.map((_, i) => `WHEN ${i} THEN r.${pk(i)}`).join(' ')} END AS dw_s,
    CASE WHEN r.dw_y_index = c.dw_class THEN 1 ELSE 0 END AS dw_state,
    CASE WHEN r.dw_y_index = c.dw_class THEN -ln((CASE c.dw_class ${classes.map((_, i) => `WHEN ${i} THEN r.${qk(i)}`).join(' ')} END) / (${classes.map((_, i) => `r.${qk(i)}`).join(' + ')})) END AS dw_ll
  FROM dw_mrows AS r
  CROSS JOIN (VALUES ${classes.map((_, i) => `(${i})`).join(', ')}) AS c (dw_class)
)`);
    ctes.push(rankingCtes('dw_ovr', dims, ['dw_class'], ['dw_ll'], dialect));
    ctes.push(`dw_parts AS (
  SELECT dw_gid, dw_gval, dw_class, dw_state,
    ${[...RANKING_PARTS, 'sum(dw_ll) AS dw_ll'].join(',\n    ')}
  FROM dw_ranked
  GROUP BY dw_gid, dw_gval, dw_class, dw_state
)`);
    const sums = rankingSums();
    parts.push(`SELECT 'ovr' AS part, dw_gid AS grouping_id, dw_gval AS group_value,
  ${nullVarchar} AS label, ${nullVarchar} AS predicted, dw_class AS class_index, ${nullDouble} AS n,
  ${nullDouble} AS predictions, ${nullDouble} AS labelled, ${nullDouble} AS label_conflicts,
  ${sums.join(',\n  ')},
  coalesce(sum(dw_ll), ${ZERO}) AS log_loss_sum
FROM dw_parts
GROUP BY dw_gid, dw_gval, dw_class`);
  }
  const sql = `WITH ${ctes.join(',\n')}
${parts.join('\nUNION ALL\n')}`;
  return {
    name: spec.name ?? 'performance-multiclass',
    sql,
    parameters: params.values,
    task: 'multiclass',
    groupings,
    probabilityClasses: classes,
  };
}

function buildRegression(spec: RegressionPerformanceSpec, dialect: SqlDialect): PerformanceQuery {
  const params = new Parameters();
  const groupings = groupingsOf(spec);
  const dims = groupings.filter((g) => g.column !== null).map((g) => dim(g.id));
  const base = baseCtes(spec, dialect, params, groupings, 'DOUBLE', (p) => [
    `TRY_CAST(${p(spec.predictionColumn)} AS DOUBLE) AS dw_pred`,
  ]);
  const rows = `dw_rows AS (
  SELECT ${[...dims, 'dw_has_label', 'dw_conflict', 'dw_invalid_label'].join(', ')},
    CASE WHEN ${dialect.isFinite('dw_y')} AND ${dialect.isFinite('dw_pred')} THEN dw_pred - dw_y END AS dw_e,
    CASE WHEN ${dialect.isFinite('dw_y')} AND ${dialect.isFinite('dw_pred')} THEN dw_y END AS dw_t
  FROM dw_joined
)`;
  const z = ZERO;
  const sums = [
    'CAST(count(*) AS DOUBLE) AS predictions',
    'CAST(sum(dw_has_label) AS DOUBLE) AS labelled',
    'CAST(sum(dw_conflict) AS DOUBLE) AS label_conflicts',
    'CAST(sum(dw_invalid_label) AS DOUBLE) AS invalid_labels',
    'CAST(count(dw_e) AS DOUBLE) AS n',
    `coalesce(sum(abs(dw_e)), ${z}) AS abs_error_sum`,
    `coalesce(sum(dw_e * dw_e), ${z}) AS squared_error_sum`,
    `coalesce(sum(dw_e), ${z}) AS error_sum`,
    `coalesce(sum(dw_t), ${z}) AS target_sum`,
    `coalesce(sum(dw_t * dw_t), ${z}) AS target_squares_sum`,
    `var_pop(dw_t) * count(dw_t) AS target_ss`,
    'max(abs(dw_e)) AS max_abs_error',
    `coalesce(sum(CASE WHEN dw_t <> ${z} THEN abs(dw_e) / abs(dw_t) END), ${z}) AS ape_sum`,
    `CAST(sum(CASE WHEN dw_t = ${z} THEN 1 ELSE 0 END) AS DOUBLE) AS zero_targets`,
    `coalesce(sum(CASE WHEN dw_t = ${z} THEN abs(dw_e) END), ${z}) AS zero_target_abs_error_sum`,
    `${dialect.median('abs(dw_e)')} AS median_abs_error`,
  ];
  const sql = `WITH ${base},
${rows}
SELECT ${groupingIdExpr(dims)} AS grouping_id, ${groupValueExpr(dims, dialect)} AS group_value,
  ${sums.join(',\n  ')}
FROM dw_rows
${groupBy(dims, [])}`;
  return {
    name: spec.name ?? 'performance-regression',
    sql,
    parameters: params.values,
    task: 'regression',
    groupings,
    medianIsExact: dialect.medianIsExact,
  };
}

/**
 * Builds the one query that returns a window's performance aggregates per group.
 * @example
 * const q = buildPerformanceQuery({
 *   task: 'binary', predictionsRelation: 'predictions', labelsRelation: 'labels',
 *   predictionIdColumn: 'id', labelIdColumn: 'id', labelColumn: 'label', scoreColumn: 'score',
 *   segmentColumns: ['region'], modelVersionColumn: 'model_version',
 *   window: { from: '2026-01-20', to: '2026-01-21' },
 * }, duckdbDialect);
 * q.parameters // => ['2026-01-20', '2026-01-21']
 * readBinaryPerformance(await engine.query(q), q) // per group: coverage + BinaryAggregates
 */
export function buildPerformanceQuery(spec: PerformanceQuerySpec, dialect: SqlDialect): PerformanceQuery {
  for (const column of [
    spec.predictionIdColumn,
    spec.labelIdColumn,
    spec.labelColumn,
    spec.partitionColumn ?? 'dt',
  ]) {
    quoteIdentifier(column);
  }
  switch (spec.task) {
    case 'binary':
      return buildBinary(spec, dialect);
    case 'multiclass':
      return buildMulticlass(spec, dialect);
    case 'regression':
      return buildRegression(spec, dialect);
  }
}

/**
 * A cheap pre-query for binary specs with a score column: rows, (approximately) distinct scores
 * and the finite score range in the window, for {@link chooseRanking} and the grid path's levels.
 */
export function buildScoreLevelsQuery(spec: BinaryPerformanceSpec, dialect: SqlDialect): CompiledQuery {
  const score = quoteIdentifier(spec.scoreColumn ?? spec.predictionColumn ?? '');
  const { where, parameters } = windowFilter(spec.window, spec.partitionColumn);
  const finite = dialect.isFinite(`TRY_CAST(${score} AS DOUBLE)`);
  return {
    name: 'score-levels',
    sql: `SELECT count(*) AS n, ${dialect.approxDistinct(`TRY_CAST(${score} AS DOUBLE)`)} AS levels, min(CASE WHEN ${finite} THEN TRY_CAST(${score} AS DOUBLE) END) AS score_min, max(CASE WHEN ${finite} THEN TRY_CAST(${score} AS DOUBLE) END) AS score_max FROM ${spec.predictionsRelation}${where}`,
    parameters,
  };
}

/**
 * Ranks from score levels when a level holds 4 rows or more on average (rounded or calibrated
 * scores), else every row: ranked rows cost the same per row whatever the ties, while levels cost
 * per level but need running sums, several times dearer than ranks in DuckDB (measured at 10M
 * rows: two distinct scores, 4 s with levels and 22 s ranked; all distinct, 39 s and 19 s).
 */
export function chooseRanking(rows: number, levels: number): 'rows' | 'levels' {
  return levels * 4 <= rows ? 'levels' : 'rows';
}

/** The score grid query's spec: a binary spec with a probability score and the grid's cell count. */
export interface ScoreGridSpec extends BinaryPerformanceSpec {
  readonly scoreColumn: string;
  /** Equal-width cells on [0, 1]: cell k holds floor(score x cells) = k (a score of 1 in the last). */
  readonly cells: number;
}

/** The compiled score grid query and what is needed to read it back. */
export interface ScoreGridQuery extends CompiledQuery {
  readonly groupings: readonly PerformanceGrouping[];
  readonly cells: number;
  readonly threshold: number;
}

/**
 * Rows per group (overall, each segment column, the model version), score cell and side of the
 * threshold, with how many of them have a usable label and how many of those are positive: what
 * performance estimation (lib/metrics/estimation.ts) reads, for the calibration (on the labelled
 * reference), the estimate (on a window; the labels relation may be empty) and the check once a
 * window's labels arrive. The labels are read and joined exactly as the performance query does
 * (the same CTEs); scores outside [0, 1], missing or not finite are counted in cell -1 (read back as
 * the group's `invalidScores`), so a group's predictions are all counted. One GROUP BY over
 * grouping sets: at most cells x 2 rows per group value leave the engine (a few thousand).
 * @example
 * buildScoreGridQuery({ task: 'binary', scoreColumn: 'score', cells: 1000, ... }, duckdbDialect).parameters
 * // => the window dates (and the labels' date range when given)
 */
export function buildScoreGridQuery(spec: ScoreGridSpec, dialect: SqlDialect): ScoreGridQuery {
  for (const column of [spec.predictionIdColumn, spec.labelIdColumn, spec.labelColumn, spec.scoreColumn]) {
    quoteIdentifier(column);
  }
  if (!Number.isInteger(spec.cells) || spec.cells < 1 || spec.cells > 100_000)
    throw new RangeError(`score grid cells must be 1..100000, got ${spec.cells}`);
  const threshold = spec.threshold ?? 0.5;
  const params = new Parameters();
  const groupings = groupingsOf(spec);
  const dims = groupings.filter((g) => g.column !== null).map((g) => dim(g.id));
  const base = baseCtes(spec, dialect, params, groupings, 'BINARY', (p) => [
    `TRY_CAST(${p(spec.scoreColumn)} AS DOUBLE) AS dw_score`,
  ]);
  const cells = quoteDouble(spec.cells);
  const keys = ['dw_cell', 'dw_above'];
  // NULL, NaN and values outside [0, 1] fail this (NaN compares false with <= 1 in both engines).
  const valid = `dw_score >= ${ZERO} AND dw_score <= ${ONE}`;
  const sql = `WITH ${base},
dw_cells AS (
  SELECT ${dims.map((d) => `${d}, `).join('')}
    CASE WHEN ${valid} THEN CAST(floor(CASE WHEN dw_score >= ${ONE} THEN ${quoteDouble(spec.cells - 1)} ELSE dw_score * ${cells} END) AS INTEGER) ELSE -1 END AS dw_cell,
    CASE WHEN ${valid} AND dw_score >= ${quoteDouble(threshold)} THEN 1 ELSE 0 END AS dw_above,
    CASE WHEN dw_has_label = 1 THEN 1 ELSE 0 END AS dw_lab,
    CASE WHEN dw_has_label = 1 AND dw_y = ${ONE} THEN 1 ELSE 0 END AS dw_pos
  FROM dw_joined
)
SELECT ${groupingIdExpr(dims)} AS grouping_id, ${groupValueExpr(dims, dialect)} AS group_value,
  dw_cell AS cell, dw_above AS above,
  count(*) AS n, sum(dw_lab) AS labelled, sum(dw_pos) AS positives
FROM dw_cells
${groupBy(dims, keys)}`;
  return {
    name: spec.name ?? 'score-grid',
    sql,
    parameters: params.values,
    groupings,
    cells: spec.cells,
    threshold,
  };
}
