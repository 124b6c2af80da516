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
 * 3. The groupings are GROUPING SETS: `(keys)`, `(segment1, keys)`, ..., `(model_version, keys)`,
 *    and `grouping_id` = 0 overall, i for the i-th grouping column (`groupings` in the result
 *    says which). Ranks cannot be taken over grouping sets directly, so the rows are first
 *    aggregated per grouping set AND distinct score (`dw_levels`: positives and negatives at each
 *    score), then window functions partitioned by (grouping_id, group value) accumulate the counts
 *    over the ascending scores (`dw_ranked`). Every ranking aggregate is a sum over those score
 *    levels: the mid-rank of a level is (rows below) + (rows at the level + 1) / 2, a positive's
 *    DeLong placement is (negatives below) + (negatives at the level) / 2, and a level's share of
 *    average precision is (positives at it) x (positives at or above) / (rows at or above). So
 *    ranks are always within the group: per segment value they are within that segment.
 *
 * Every column name goes through quoteIdentifier and every number through quoteDouble; the window
 * dates and class labels are `?` parameters. Counts are DOUBLEs (exact up to 2^53), so no integer
 * division happens on Athena.
 *
 * @module
 */
import type { CompiledQuery } from '../ports.js';
import type { SqlDialect } from './dialect.js';
import { quoteDouble, quoteIdentifier } from './identifiers.js';

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
  /** The labels log's partition column; `dt` by default. */
  readonly labelPartitionColumn?: string;
}

/** Binary classification: label 0/1 (anything castable to DOUBLE: 0/1, booleans, '0'/'1'). */
export interface BinaryPerformanceSpec extends PerformanceQueryCommon {
  readonly task: 'binary';
  /** The probability of class 1. When absent, `predictionColumn` (0/1) is the score and no probability metric is computed. */
  readonly scoreColumn?: string;
  /** The logged 0/1 prediction; used only when there is no score column. */
  readonly predictionColumn?: string;
  /** prediction = score >= threshold; 0.5 by default. */
  readonly threshold?: number;
  /** Equal-width calibration bins on [0, 1]; 10 by default. */
  readonly calibrationBins?: number;
}

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

/** The label CTE and the joined CTE shared by every task. */
function baseCtes(
  spec: PerformanceQuerySpec,
  dialect: SqlDialect,
  params: Parameters,
  groupings: readonly PerformanceGrouping[],
  labelType: 'DOUBLE' | 'VARCHAR',
  taskColumns: (p: (column: string) => string) => string[],
): string {
  const q = quoteIdentifier;
  const label = (alias: string) =>
    labelType === 'DOUBLE'
      ? `TRY_CAST(${alias}.${q(spec.labelColumn)} AS DOUBLE)`
      : dialect.toVarchar(`${alias}.${q(spec.labelColumn)}`);
  const labelId = dialect.toVarchar(`l.${q(spec.labelIdColumn)}`);
  const predictionId = dialect.toVarchar(`p.${q(spec.predictionIdColumn)}`);
  const dims = groupings
    .filter((g) => g.column !== null)
    .map((g) => `${dialect.toVarchar(`p.${q(g.column!)}`)} AS ${dim(g.id)}`);
  // Parameters are added in the order their placeholders appear in the text.
  const labelsSince =
    spec.labelsSince === undefined
      ? ''
      : ` AND l.${q(spec.labelPartitionColumn ?? 'dt')} >= ${params.add(spec.labelsSince)}`;
  const selectList = [
    ...dims,
    'CASE WHEN l.dw_id IS NULL THEN 0 ELSE 1 END AS dw_has_label',
    'CASE WHEN l.dw_id IS NOT NULL AND l.dw_label_min <> l.dw_label_max THEN 1 ELSE 0 END AS dw_conflict',
    'CASE WHEN l.dw_label_min = l.dw_label_max THEN l.dw_label_min END AS dw_y',
    ...taskColumns((column) => `p.${q(column)}`),
  ];
  const partition = q(spec.partitionColumn ?? 'dt');
  const from = params.add(spec.window.from);
  const to = params.add(spec.window.to);
  return `dw_labels AS (
  SELECT ${labelId} AS dw_id, min(${label('l')}) AS dw_label_min, max(${label('l')}) AS dw_label_max
  FROM ${spec.labelsRelation} AS l
  WHERE ${labelId} IS NOT NULL AND ${label('l')} IS NOT NULL${labelsSince}
  GROUP BY ${labelId}
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
 * The score-level CTEs: `dw_levels` (per grouping set, extra keys and distinct score: positives,
 * negatives and the caller's extra sums) and `dw_ranked` (the counts accumulated below each level).
 * `source` must have the dims, `dw_s` (NULL when the row is not evaluated) and `dw_y` (1 or 0).
 */
function rankingCtes(
  source: string,
  dims: readonly string[],
  extraKeys: readonly string[],
  extraLevelSums: readonly string[],
  dialect: SqlDialect,
): string {
  const keys = [...extraKeys, 'dw_s'];
  const partition = ['dw_gid', 'dw_gval', ...extraKeys].join(', ');
  const levelSums = [
    `CAST(sum(CASE WHEN dw_s IS NOT NULL AND dw_y = ${ONE} THEN 1 ELSE 0 END) AS DOUBLE) AS dw_pos`,
    `CAST(sum(CASE WHEN dw_s IS NOT NULL AND dw_y = ${ZERO} THEN 1 ELSE 0 END) AS DOUBLE) AS dw_neg`,
    ...extraLevelSums,
  ];
  const cumulative = (column: string) =>
    `sum(${column}) OVER (PARTITION BY ${partition} ORDER BY dw_s ASC NULLS LAST ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) - ${column}`;
  return `dw_levels AS (
  SELECT ${groupingIdExpr(dims)} AS dw_gid, ${groupValueExpr(dims, dialect)} AS dw_gval, ${keys.join(', ')},
    ${levelSums.join(',\n    ')}
  FROM ${source}
  ${groupBy(dims, keys)}
),
dw_ranked AS (
  SELECT dw_levels.*,
    ${cumulative('dw_pos')} AS dw_pos_below,
    ${cumulative('dw_neg')} AS dw_neg_below,
    sum(dw_pos) OVER (PARTITION BY ${partition}) AS dw_pos_total,
    sum(dw_pos + dw_neg) OVER (PARTITION BY ${partition}) AS dw_n_total
  FROM dw_levels
)`;
}

/** The ranking sums over `dw_ranked` (one output row per group and extra keys). */
function rankingSums(): string[] {
  const posAbove = '(dw_pos_total - dw_pos_below - dw_pos)';
  const posPlacement = `(dw_neg_below + ${HALF} * dw_neg)`;
  const negPlacement = `(${posAbove} + ${HALF} * dw_pos)`;
  return [
    `sum(dw_pos) AS positives`,
    `sum(dw_neg) AS negatives`,
    `coalesce(sum(dw_pos * (dw_pos_below + dw_neg_below + (dw_pos + dw_neg + ${ONE}) * ${HALF})), ${ZERO}) AS positive_rank_sum`,
    `coalesce(sum(CASE WHEN dw_pos > ${ZERO} THEN dw_pos * (dw_pos_total - dw_pos_below) / (dw_n_total - dw_pos_below - dw_neg_below) ELSE ${ZERO} END), ${ZERO}) AS average_precision_sum`,
    `coalesce(sum(dw_pos * ${posPlacement}), ${ZERO}) AS pos_placement_sum`,
    `coalesce(sum(dw_pos * ${posPlacement} * ${posPlacement}), ${ZERO}) AS pos_placement_sum_sq`,
    `coalesce(sum(dw_neg * ${negPlacement}), ${ZERO}) AS neg_placement_sum`,
    `coalesce(sum(dw_neg * ${negPlacement} * ${negPlacement}), ${ZERO}) AS neg_placement_sum_sq`,
  ];
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
  const base = baseCtes(spec, dialect, params, groupings, 'DOUBLE', (p) => [
    `TRY_CAST(${p(scoreColumn)} AS DOUBLE) AS dw_score`,
  ]);
  const rows = `dw_rows AS (
  SELECT ${[...dims, 'dw_has_label', 'dw_conflict', 'dw_y'].join(', ')},
    CASE WHEN dw_y IN (${ZERO}, ${ONE}) AND ${dialect.isFinite('dw_score')} THEN dw_score END AS dw_s
  FROM dw_joined
)`;
  const ranking = rankingCtes(
    'dw_rows',
    dims,
    [],
    [
      'CAST(count(*) AS DOUBLE) AS dw_nrows',
      'CAST(sum(dw_has_label) AS DOUBLE) AS dw_labelled',
      'CAST(sum(dw_conflict) AS DOUBLE) AS dw_conflicts',
    ],
    dialect,
  );
  const thr = quoteDouble(threshold);
  const nullDouble = 'CAST(NULL AS DOUBLE)';
  const q = clamp('dw_s', LOG_LOSS_EPSILON, 1 - LOG_LOSS_EPSILON);
  const bin = `CASE WHEN dw_s IS NULL THEN NULL ELSE ${clamp(`floor(dw_s * ${quoteDouble(bins)})`, 0, bins - 1)} END`;
  const calibration: string[] = [];
  for (let k = 0; k < bins; k += 1) {
    const c = calibrationColumns(k);
    const inBin = `dw_bin = ${quoteDouble(k)}`;
    if (hasProbability) {
      calibration.push(
        `coalesce(sum(CASE WHEN ${inBin} THEN dw_pos + dw_neg ELSE ${ZERO} END), ${ZERO}) AS ${c.count}`,
        `coalesce(sum(CASE WHEN ${inBin} THEN (dw_pos + dw_neg) * dw_s ELSE ${ZERO} END), ${ZERO}) AS ${c.scoreSum}`,
        `coalesce(sum(CASE WHEN ${inBin} THEN dw_pos ELSE ${ZERO} END), ${ZERO}) AS ${c.labelSum}`,
      );
    } else {
      calibration.push(
        `${nullDouble} AS ${c.count}`,
        `${nullDouble} AS ${c.scoreSum}`,
        `${nullDouble} AS ${c.labelSum}`,
      );
    }
  }
  const sums = [
    'sum(dw_nrows) AS predictions',
    'sum(dw_labelled) AS labelled',
    'sum(dw_conflicts) AS label_conflicts',
    ...rankingSums(),
    `coalesce(sum(CASE WHEN dw_s >= ${thr} THEN dw_pos ELSE ${ZERO} END), ${ZERO}) AS tp`,
    `coalesce(sum(CASE WHEN dw_s >= ${thr} THEN dw_neg ELSE ${ZERO} END), ${ZERO}) AS fp`,
    `coalesce(sum(CASE WHEN dw_s < ${thr} THEN dw_neg ELSE ${ZERO} END), ${ZERO}) AS tn`,
    `coalesce(sum(CASE WHEN dw_s < ${thr} THEN dw_pos ELSE ${ZERO} END), ${ZERO}) AS fn`,
    hasProbability
      ? `coalesce(sum(-(dw_pos * ln(${q}) + dw_neg * ln(${ONE} - ${q}))), ${ZERO}) AS log_loss_sum`
      : `${nullDouble} AS log_loss_sum`,
    hasProbability
      ? `coalesce(sum(dw_pos * (dw_s - ${ONE}) * (dw_s - ${ONE}) + dw_neg * dw_s * dw_s), ${ZERO}) AS brier_sum`
      : `${nullDouble} AS brier_sum`,
    ...calibration,
  ];
  const sql = `WITH ${base},
${rows},
${ranking},
dw_binned AS (
  SELECT dw_ranked.*, ${bin} AS dw_bin
  FROM dw_ranked
)
SELECT dw_gid AS grouping_id, dw_gval AS group_value,
  ${sums.join(',\n  ')}
FROM dw_binned
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
      columns.push(`${dialect.toVarchar(p(spec.predictionColumn))} AS dw_pred`);
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
        return `WHEN ${beats} THEN ${params.add(classes[i]!)}`;
      });
      // The first max: class i wins when it is >= every later class and no earlier class won.
      columns.push(
        `CASE WHEN ${anyNull} THEN NULL ${whens.join(' ')} ELSE ${params.add(classes[k - 1]!)} END AS dw_pred`,
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
    const labelIndex = `CASE dw_y ${classes.map((c, i) => `WHEN ${params.add(c)} THEN ${i}`).join(' ')} END`;
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
    CASE WHEN r.dw_y_index = c.dw_class THEN ${ONE} ELSE ${ZERO} END AS dw_y,
    CASE WHEN r.dw_y_index = c.dw_class THEN -ln((CASE c.dw_class ${classes.map((_, i) => `WHEN ${i} THEN r.${qk(i)}`).join(' ')} END) / (${classes.map((_, i) => `r.${qk(i)}`).join(' + ')})) END AS dw_ll
  FROM dw_mrows AS r
  CROSS JOIN (VALUES ${classes.map((_, i) => `(${i})`).join(', ')}) AS c (dw_class)
)`);
    ctes.push(rankingCtes('dw_ovr', dims, ['dw_class'], ['sum(dw_ll) AS dw_ll_sum'], dialect));
    const sums = rankingSums();
    parts.push(`SELECT 'ovr' AS part, dw_gid AS grouping_id, dw_gval AS group_value,
  ${nullVarchar} AS label, ${nullVarchar} AS predicted, dw_class AS class_index, ${nullDouble} AS n,
  ${nullDouble} AS predictions, ${nullDouble} AS labelled, ${nullDouble} AS label_conflicts,
  ${sums.join(',\n  ')},
  coalesce(sum(dw_ll_sum), ${ZERO}) AS log_loss_sum
FROM dw_ranked
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
  SELECT ${[...dims, 'dw_has_label', 'dw_conflict'].join(', ')},
    CASE WHEN ${dialect.isFinite('dw_y')} AND ${dialect.isFinite('dw_pred')} THEN dw_pred - dw_y END AS dw_e,
    CASE WHEN ${dialect.isFinite('dw_y')} AND ${dialect.isFinite('dw_pred')} THEN dw_y END AS dw_t
  FROM dw_joined
)`;
  const z = ZERO;
  const sums = [
    'CAST(count(*) AS DOUBLE) AS predictions',
    'CAST(sum(dw_has_label) AS DOUBLE) AS labelled',
    'CAST(sum(dw_conflict) AS DOUBLE) AS label_conflicts',
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
