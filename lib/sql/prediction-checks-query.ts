/**
 * The prediction checks of a performance window, in ONE query over the window's id and score
 * columns: duplicate and missing prediction ids (exact, from a GROUP BY on the id, which DuckDB
 * spills to disk under its memory cap), and, for a score that must be a probability (a binary
 * score column) or a number (a regression prediction), the rows whose score is missing or not
 * finite, below 0 or above 1, the finite range, and the approximate number of distinct scores
 * (which also picks the binary ranking, see chooseRanking).
 *
 * The label checks (labels outside the task's classes, conflicting labels) come from the
 * performance query itself (`invalid_labels`, `label_conflicts`): they need the labels join.
 *
 * @module
 */
import type { CompiledQuery } from '../ports.js';
import { type DataSource, type SqlDialect, windowFilter } from './dialect.js';
import { quoteDouble, quoteIdentifier } from './identifiers.js';

export interface PredictionChecksSpec {
  /** FROM-clause relation of the prediction log. */
  readonly predictionsRelation: string;
  readonly idColumn: string;
  /** The window: `partitionColumn >= from AND partitionColumn < to`. */
  readonly window: { readonly from: string; readonly to: string };
  readonly partitionColumn?: string;
  /** The score column to check, if any. */
  readonly scoreColumn?: string;
  /** Whether the score must lie in [0, 1] (a probability). */
  readonly probability?: boolean;
  /**
   * Group the ids by their 64-bit hash (where the dialect has `idHash`) instead of their text: 10M
   * ids 2.9 s -> 2.4 s of CPU. Rows, NULL ids and "no id repeats" stay exact (equal ids hash
   * equally, so an id seen twice makes a hash seen twice), but two ids may share a hash: when the
   * hashed query reports any duplicate, run it again without `hashIds` for the exact counts
   * ({@link hashedChecksNeedExactRun}).
   */
  readonly hashIds?: boolean;
}

/** What the checks query returns, as numbers. */
export interface PredictionChecks {
  /** Rows in the window. */
  readonly rows: number;
  /** Rows whose prediction id is NULL (they can never meet a label). */
  readonly nullIds: number;
  /** Rows beyond the first of each id that occurs more than once. */
  readonly duplicateRows: number;
  /** Ids that occur more than once. */
  readonly duplicatedIds: number;
  /** Rows whose score is missing, not a number, NaN or infinite (0 without a score column). */
  readonly invalidScores: number;
  /** Rows whose finite score is below 0 / above 1 (0 unless `probability`). */
  readonly scoresBelowZero: number;
  readonly scoresAboveOne: number;
  /** The finite scores' range; `null` when there is none. */
  readonly scoreMin: number | null;
  readonly scoreMax: number | null;
  /** Approximate distinct finite scores. */
  readonly scoreLevels: number;
}

/**
 * Builds the checks query.
 * @example
 * buildPredictionChecksQuery({ predictionsRelation: 'p', idColumn: 'id', scoreColumn: 'score',
 *   probability: true, window: { from: '2026-01-01', to: '2026-01-02' } }, duckdbDialect).parameters
 * // => ['2026-01-01', '2026-01-02']
 */
export function buildPredictionChecksQuery(spec: PredictionChecksSpec, dialect: SqlDialect): CompiledQuery {
  const id = quoteIdentifier(spec.idColumn);
  const text = dialect.toVarchar(id);
  const key =
    spec.hashIds && dialect.idHash
      ? `CASE WHEN ${id} IS NULL THEN NULL ELSE ${dialect.idHash(text)} END`
      : text;
  const { where, parameters } = windowFilter(spec.window, spec.partitionColumn ?? 'dt');
  const zero = quoteDouble(0);
  const one = quoteDouble(1);
  // Two aggregates, each over its own read of the window (the columns are read twice, which is
  // cheap; one GROUP BY carrying the score aggregates per id cost 50% more CPU at 10M rows).
  const ids = `SELECT
    CAST(coalesce(sum(dw_n), 0) AS DOUBLE) AS n,
    CAST(coalesce(sum(CASE WHEN dw_id IS NULL THEN dw_n ELSE 0 END), 0) AS DOUBLE) AS null_ids,
    CAST(coalesce(sum(CASE WHEN dw_id IS NOT NULL AND dw_n > 1 THEN dw_n - 1 ELSE 0 END), 0) AS DOUBLE) AS duplicate_rows,
    CAST(count(CASE WHEN dw_id IS NOT NULL AND dw_n > 1 THEN 1 END) AS DOUBLE) AS duplicated_ids
  FROM (SELECT ${key} AS dw_id, count(*) AS dw_n FROM ${spec.predictionsRelation}${where} GROUP BY ${key}) AS dw_g`;
  if (!spec.scoreColumn) {
    return { name: 'prediction-checks', sql: `SELECT * FROM (${ids}) AS dw_ids`, parameters };
  }
  const score = `TRY_CAST(${quoteIdentifier(spec.scoreColumn)} AS DOUBLE)`;
  const finite = `dw_s IS NOT NULL AND ${dialect.isFinite('dw_s')}`;
  const scores = `SELECT
    CAST(count(CASE WHEN NOT (${finite}) OR dw_s IS NULL THEN 1 END) AS DOUBLE) AS invalid_scores,
    ${spec.probability ? `CAST(count(CASE WHEN ${finite} AND dw_s < ${zero} THEN 1 END) AS DOUBLE)` : zero} AS scores_below_zero,
    ${spec.probability ? `CAST(count(CASE WHEN ${finite} AND dw_s > ${one} THEN 1 END) AS DOUBLE)` : zero} AS scores_above_one,
    min(CASE WHEN ${finite} THEN dw_s END) AS score_min,
    max(CASE WHEN ${finite} THEN dw_s END) AS score_max,
    CAST(${dialect.approxDistinct(`CASE WHEN ${finite} THEN dw_s END`)} AS DOUBLE) AS score_levels
  FROM (SELECT ${score} AS dw_s FROM ${spec.predictionsRelation}${where}) AS dw_r`;
  return {
    name: 'prediction-checks',
    sql: `SELECT * FROM (${ids}) AS dw_ids CROSS JOIN (${scores}) AS dw_scores`,
    parameters: [...parameters, ...parameters],
  };
}

/**
 * Whether checks read from a query built with `hashIds` must be counted again by text: only when
 * the dialect hashed and some hash repeated (a repeated id, or two ids sharing a hash).
 */
export function hashedChecksNeedExactRun(
  spec: PredictionChecksSpec,
  dialect: SqlDialect,
  checks: PredictionChecks,
): boolean {
  return spec.hashIds === true && dialect.idHash !== undefined && checks.duplicatedIds > 0;
}

/** Reads the checks query's one row. */
export function readPredictionChecks(row: Readonly<Record<string, unknown>> | undefined): PredictionChecks {
  const n = (key: string) => {
    const v = row?.[key];
    return v === null || v === undefined ? 0 : Number(v);
  };
  const orNull = (key: string) => {
    const v = row?.[key];
    return v === null || v === undefined ? null : Number(v);
  };
  return {
    rows: n('n'),
    nullIds: n('null_ids'),
    duplicateRows: n('duplicate_rows'),
    duplicatedIds: n('duplicated_ids'),
    invalidScores: n('invalid_scores'),
    scoresBelowZero: n('scores_below_zero'),
    scoresAboveOne: n('scores_above_one'),
    scoreMin: orNull('score_min'),
    scoreMax: orNull('score_max'),
    scoreLevels: n('score_levels'),
  };
}

/**
 * The 50 most frequent non-null values of the labels log's label column, as text with their counts:
 * partitioned, only the partitions from the window's start up to `until` (exclusive), the labels
 * the run can see. The caller keeps the invalid ones as samples for the `invalid_labels` finding.
 */
export function buildLabelSamplesQuery(
  spec: { labels: DataSource; labelColumn: string; window: { start: string }; until: string },
  dialect: SqlDialect,
): CompiledQuery {
  const label = quoteIdentifier(spec.labelColumn);
  const text = dialect.toVarchar(label);
  const dt = quoteIdentifier('dt');
  const since = spec.labels.partitioned ? ` AND ${dt} >= ? AND ${dt} < ?` : '';
  return {
    name: 'label-samples',
    sql: `SELECT ${text} AS v, count(*) AS n FROM ${dialect.relation(spec.labels)}
WHERE ${label} IS NOT NULL${since}
GROUP BY ${text} ORDER BY n DESC LIMIT 50`,
    parameters: spec.labels.partitioned ? [spec.window.start, spec.until] : [],
  };
}
