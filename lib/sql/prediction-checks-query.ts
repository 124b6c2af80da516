/**
 * The prediction checks of a performance window, in ONE small query over the window's id and
 * score columns: duplicate and missing prediction ids (exact, from a GROUP BY on the id, which
 * DuckDB spills to disk under its memory cap), and, for a score that must be a probability (a
 * binary score column) or a number (a regression prediction), the rows whose score is missing or
 * not finite, below 0 or above 1, the finite range, and the approximate number of distinct scores
 * (which also picks the binary ranking, see chooseRanking).
 *
 * The label checks (labels outside the task's classes, conflicting labels) come from the
 * performance query itself (`invalid_labels`, `label_conflicts`): they need the labels join.
 *
 * @module
 */
import type { CompiledQuery } from '../ports.js';
import { type SqlDialect, windowFilter } from './dialect.js';
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
  /** Approximate distinct finite scores (over the ids' first score). */
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
  const { where, parameters } = windowFilter(spec.window, spec.partitionColumn ?? 'dt');
  const zero = quoteDouble(0);
  const one = quoteDouble(1);
  const inner = [`${dialect.toVarchar(id)} AS dw_id`, 'count(*) AS dw_n'];
  const outer = [
    'CAST(coalesce(sum(dw_n), 0) AS DOUBLE) AS n',
    'CAST(coalesce(sum(CASE WHEN dw_id IS NULL THEN dw_n ELSE 0 END), 0) AS DOUBLE) AS null_ids',
    'CAST(coalesce(sum(CASE WHEN dw_id IS NOT NULL AND dw_n > 1 THEN dw_n - 1 ELSE 0 END), 0) AS DOUBLE) AS duplicate_rows',
    'CAST(count(CASE WHEN dw_id IS NOT NULL AND dw_n > 1 THEN 1 END) AS DOUBLE) AS duplicated_ids',
  ];
  if (spec.scoreColumn) {
    const score = `TRY_CAST(${quoteIdentifier(spec.scoreColumn)} AS DOUBLE)`;
    const finite = `${score} IS NOT NULL AND ${dialect.isFinite(score)}`;
    inner.push(
      `count(CASE WHEN NOT (${finite}) OR ${score} IS NULL THEN 1 END) AS dw_bad`,
      `count(CASE WHEN ${finite} AND ${score} < ${zero} THEN 1 END) AS dw_low`,
      `count(CASE WHEN ${finite} AND ${score} > ${one} THEN 1 END) AS dw_high`,
      `min(CASE WHEN ${finite} THEN ${score} END) AS dw_min`,
      `max(CASE WHEN ${finite} THEN ${score} END) AS dw_max`,
    );
    outer.push(
      'CAST(coalesce(sum(dw_bad), 0) AS DOUBLE) AS invalid_scores',
      spec.probability
        ? 'CAST(coalesce(sum(dw_low), 0) AS DOUBLE) AS scores_below_zero'
        : `${zero} AS scores_below_zero`,
      spec.probability
        ? 'CAST(coalesce(sum(dw_high), 0) AS DOUBLE) AS scores_above_one'
        : `${zero} AS scores_above_one`,
      'min(dw_min) AS score_min',
      'max(dw_max) AS score_max',
      `CAST(${dialect.approxDistinct('dw_min')} AS DOUBLE) AS score_levels`,
    );
  }
  return {
    name: 'prediction-checks',
    sql: `SELECT ${outer.join(',\n  ')}
FROM (
  SELECT ${inner.join(',\n    ')}
  FROM ${spec.predictionsRelation}${where}
  GROUP BY ${dialect.toVarchar(id)}
) AS dw_ids`,
    parameters,
  };
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
