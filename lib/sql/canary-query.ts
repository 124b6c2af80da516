/**
 * The canary's one query per window: per model version, the rows, the earliest event time, the
 * errored rows, the rows slower than the latency bound, the score histogram and, where labels have
 * arrived, the labelled and misclassified rows. Every name is quoted, every number ours is a
 * literal, and the only parameters (the window's days and instants, the labels' first day) stand in
 * WHERE clauses, as Athena requires.
 */

import type { CompiledQuery } from '../ports.js';
import { isFalseText, isTrueText } from './boolean-text.js';
import { type DataSource, type SqlDialect, type TimeRange, timeWindowFilter } from './dialect.js';
import { isErrorSql } from './error-flag.js';
import { quoteDouble, quoteIdentifier, quoteString } from './identifiers.js';

/** Bins of the score histogram ([0, 0.1) ... [0.9, 1]); kept equal to lib/alerts/canary.ts SCORE_BINS. */
export const CANARY_SCORE_BINS = 10;

export interface CanaryLabelsSpec {
  readonly source: DataSource;
  readonly idColumn: string;
  readonly labelColumn: string;
  /** The first `dt` of the labels log to read (labels arrive after their predictions). */
  readonly since?: string;
  /** Binary labels given as text: the positive value (and the negative one, else every other value). */
  readonly positiveValue?: string;
  readonly negativeValue?: string;
}

export interface CanaryQuerySpec {
  readonly source: DataSource;
  readonly window: TimeRange;
  readonly task: 'binary' | 'multiclass' | 'regression';
  readonly idColumn: string;
  readonly timestampColumn: string;
  readonly versionColumn: string;
  readonly errorColumn?: string;
  readonly latencyColumn?: string;
  readonly latencyBound?: number;
  /** Binary: the score column (histogram; predicted class = score >= threshold). */
  readonly scoreColumn?: string;
  readonly predictionColumn?: string;
  readonly threshold: number;
  readonly labels?: CanaryLabelsSpec;
}

/** 0/1 from a binary label or prediction: numbers, '0'/'1', booleans, true / false words (boolean-text.ts); else NULL. */
function binary01(text: string): string {
  const n = `CASE WHEN ${isTrueText(text)} THEN 1e0 WHEN ${isFalseText(text)} THEN 0e0 ELSE TRY_CAST(${text} AS DOUBLE) END`;
  return `CASE WHEN (${n}) IN (0e0, 1e0) THEN CAST(${n} AS BIGINT) END`;
}

/**
 * Rows: one per version, `{ version, rows, first_seen (epoch seconds), errors?, timed?, slow?,
 * labelled?, misclassified?, s0..s9? }`.
 */
export function buildCanaryQuery(spec: CanaryQuerySpec, dialect: SqlDialect): CompiledQuery {
  const q = quoteIdentifier;
  // Prediction columns are read unqualified: the labels subquery exposes only dw_id, dw_lo, dw_hi.
  const p = (column: string) => q(column);
  const time = dialect.eventTime(spec.timestampColumn, spec.source);
  const select = [
    `${dialect.toVarchar(p(spec.versionColumn))} AS version`,
    'count(*) AS rows',
    `min(${dialect.epochSeconds(time)}) AS first_seen`,
  ];
  if (spec.errorColumn) {
    // The one definition of an error row, shared with the SLO and operational queries.
    select.push(`count_if(${isErrorSql(spec.errorColumn, dialect)}) AS errors`);
  }
  if (spec.latencyColumn && spec.latencyBound !== undefined) {
    const latency = `TRY_CAST(${p(spec.latencyColumn)} AS DOUBLE)`;
    select.push(
      `count(${latency}) AS timed`,
      `count_if(${latency} > ${quoteDouble(spec.latencyBound)}) AS slow`,
    );
  }
  const score = spec.scoreColumn ? `TRY_CAST(${p(spec.scoreColumn)} AS DOUBLE)` : undefined;
  if (spec.task === 'binary' && score) {
    for (let i = 0; i < CANARY_SCORE_BINS; i++) {
      const lo = quoteDouble(i / CANARY_SCORE_BINS);
      const hi = quoteDouble((i + 1) / CANARY_SCORE_BINS);
      const upper = i === CANARY_SCORE_BINS - 1 ? `${score} <= ${hi}` : `${score} < ${hi}`;
      select.push(`count_if(${score} >= ${lo} AND ${upper}) AS s${i}`);
    }
  }
  const parameters: string[] = [];
  let join = '';
  const labels = spec.labels;
  if (labels && spec.task !== 'regression') {
    const raw = dialect.toVarchar(`l.${q(labels.labelColumn)}`);
    let label: string;
    if (spec.task === 'multiclass') label = raw;
    else if (labels.positiveValue !== undefined) {
      const negative =
        labels.negativeValue === undefined
          ? 'ELSE 0'
          : `WHEN ${raw} = ${quoteString(labels.negativeValue)} THEN 0`;
      label = `CASE WHEN ${raw} = ${quoteString(labels.positiveValue)} THEN 1 ${negative} END`;
    } else label = binary01(raw);
    const labelId = dialect.toVarchar(`l.${q(labels.idColumn)}`);
    const since = labels.since === undefined ? '' : ` AND l.${q('dt')} >= ?`;
    // One label per id: ids whose label rows disagree are left out (not labelled).
    join = `
LEFT JOIN (
  SELECT dw_id, min(dw_y) AS dw_lo, max(dw_y) AS dw_hi
  FROM (SELECT ${labelId} AS dw_id, ${label} AS dw_y FROM ${dialect.relation(labels.source)} AS l
    WHERE ${labelId} IS NOT NULL AND l.${q(labels.labelColumn)} IS NOT NULL${since}) AS dw_l0
  GROUP BY dw_id
) AS dw_l ON ${dialect.toVarchar(p(spec.idColumn))} = dw_l.dw_id`;
    if (labels.since !== undefined) parameters.push(labels.since);
    const predicted =
      spec.task === 'multiclass'
        ? dialect.toVarchar(p(spec.predictionColumn!))
        : score
          ? `CASE WHEN ${score} >= ${quoteDouble(spec.threshold)} THEN 1 WHEN ${score} < ${quoteDouble(spec.threshold)} THEN 0 END`
          : binary01(dialect.toVarchar(p(spec.predictionColumn!)));
    const usable = `dw_l.dw_lo IS NOT NULL AND dw_l.dw_lo = dw_l.dw_hi AND (${predicted}) IS NOT NULL`;
    select.push(
      `count_if(${usable}) AS labelled`,
      `count_if(${usable} AND (${predicted}) <> dw_l.dw_lo) AS misclassified`,
    );
  }
  const filter = timeWindowFilter(
    spec.window,
    { timestampColumn: spec.timestampColumn, source: spec.source },
    dialect,
  );
  return {
    name: 'canary',
    sql: `SELECT ${select.join(', ')}
FROM ${dialect.relation(spec.source)} AS dw_p${join}${filter.where} AND ${p(spec.versionColumn)} IS NOT NULL
GROUP BY ${dialect.toVarchar(p(spec.versionColumn))}`,
    parameters: [...parameters, ...filter.parameters],
  };
}
