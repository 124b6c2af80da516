/**
 * The KPI query: ONE aggregate query per source (the prediction log, or the prediction log LEFT
 * JOINed with the outcomes log by id) that returns, per group (overall, each value of each segment
 * column, each model version: GROUPING SETS), the counts and sums every KPI of that source needs.
 *
 * Per KPI `i` the query returns `k<i>_n` (the rows of its population with a usable value) and
 * `k<i>_s` (the sum of the value: for `rate`, the rows whose column is true). The population is
 * the window's predictions, or only its positive decisions (score >= threshold, or a true
 * prediction column), narrowed by the KPI's `where`. `rate` = s / n, `mean` = s / n, `sum` = s.
 * A column is TRUE when it casts to the number 1 or reads `true` (booleans, 1/0, '1', 'true').
 *
 * Every identifier goes through quoteIdentifier; a `where` value is a quoted literal (quoteString,
 * quoteDouble, TRUE / FALSE) because it stands in the SELECT list (Athena accepts `?` parameters
 * only in WHERE); the window dates and the outcomes' arrival bounds are `?` parameters in WHERE
 * clauses. Never a user string pasted into SQL.
 * @module
 */
import type { CompiledQuery } from '../ports.js';
import { isFalseText, isTrueText } from './boolean-text.js';
import { type SqlDialect, windowFilter } from './dialect.js';
import { quoteDouble, quoteIdentifier, quoteString } from './identifiers.js';

export interface KpiQueryItem {
  readonly aggregate: 'rate' | 'mean' | 'sum';
  readonly column: string;
  readonly where?: {
    readonly column: string;
    readonly operator: '=' | '!=' | '<' | '<=' | '>' | '>=';
    readonly value: string | number | boolean;
  };
  readonly per: 'prediction' | 'positive_decision';
  /** rate: the text that reads as true (e.g. 'Y'); every other non-null value reads as false. */
  readonly trueValue?: string;
}

export interface KpiQuerySpec {
  readonly dialect: SqlDialect;
  /** FROM-clause relation of the prediction log. */
  readonly predictionsRelation: string;
  readonly predictionIdColumn: string;
  /** The window `[from, to)` of the predictions' `dt` partitions. */
  readonly window: { readonly from: string; readonly to: string };
  readonly segmentColumns?: readonly string[];
  readonly modelVersionColumn?: string;
  /** How a positive decision is read: a score at or above the threshold, else a true prediction column. */
  readonly decision?: {
    readonly scoreColumn?: string;
    readonly predictionColumn?: string;
    readonly threshold: number;
  };
  /** The KPIs of this source, in order (`k0`, `k1`, ...). */
  readonly kpis: readonly KpiQueryItem[];
  /** Outcome KPIs: the outcomes log joined by id (one row per id: the latest arrival). */
  readonly outcomes?: {
    readonly relation: string;
    readonly idColumn: string;
    /** Whether the log has `dt` partitions by arrival date. */
    readonly partitioned: boolean;
    /** Read only outcomes that had arrived before this date (`dt < ?`), like labelsUntil. */
    readonly until?: string;
    /**
     * Read only outcomes that arrived on or after this date (`dt >= ?`): the window's start, before
     * which none of its outcomes can arrive. Local runs already list only those partitions; on
     * Athena this bound is what prunes them (without it every partition since the projection's
     * start is read, more bytes each day).
     */
    readonly from?: string;
  };
}

/** The grouping columns of the result, in order: segments, then the model version. */
export function kpiGroupings(spec: Pick<KpiQuerySpec, 'segmentColumns' | 'modelVersionColumn'>): string[] {
  return [...(spec.segmentColumns ?? []), ...(spec.modelVersionColumn ? [spec.modelVersionColumn] : [])];
}

/** TRUE when `expr` is 1 or `true` (numbers, booleans and their text). */
function truthy(expr: string): string {
  return `(TRY_CAST(${expr} AS DOUBLE) = 1 OR ${isTrueText(`CAST(${expr} AS VARCHAR)`)})`;
}

/** TRUE when `expr` is 0 or `false` (numbers, booleans and their text). */
function falsy(expr: string): string {
  return `(TRY_CAST(${expr} AS DOUBLE) = 0 OR ${isFalseText(`CAST(${expr} AS VARCHAR)`)})`;
}

function whereExpr(where: NonNullable<KpiQueryItem['where']>, column: string): string {
  const { operator, value } = where;
  if (typeof value === 'boolean') {
    // Booleans compare as truth: `= true` holds for 1 / true, `!= true` for the other non-null values.
    const is = value === (operator === '=');
    return is ? truthy(column) : `(${column} IS NOT NULL AND NOT ${truthy(column)})`;
  }
  if (typeof value === 'number') return `TRY_CAST(${column} AS DOUBLE) ${operator} ${quoteDouble(value)}`;
  return `CAST(${column} AS VARCHAR) ${operator} ${quoteString(value)}`;
}

/** Builds the query; rows: `g_<j>` (1 when grouping column j is rolled up), `grp_<j>`, `rows`, `k<i>_n`, `k<i>_s`. */
export function buildKpiQuery(spec: KpiQuerySpec): CompiledQuery {
  const q = quoteIdentifier;
  const groupings = kpiGroupings(spec);
  const parameters: string[] = [];
  const p = (c: string) => `p.${q(c)}`;
  const o = (c: string) => `o.${q(c)}`;
  const of = (c: string) => (spec.outcomes ? o(c) : p(c));

  const decisionExpr = spec.decision
    ? spec.decision.scoreColumn
      ? `TRY_CAST(${p(spec.decision.scoreColumn)} AS DOUBLE) >= ${quoteDouble(spec.decision.threshold)}`
      : spec.decision.predictionColumn
        ? truthy(p(spec.decision.predictionColumn))
        : 'FALSE'
    : 'FALSE';

  const columns: string[] = [];
  spec.kpis.forEach((k, i) => {
    const conditions = [
      ...(k.per === 'positive_decision' ? [`(${decisionExpr})`] : []),
      ...(k.where ? [`(${whereExpr(k.where, of(k.where.column))})`] : []),
    ];
    const col = of(k.column);
    const count = (cond: string, name: string) =>
      `CAST(count(CASE WHEN ${[...conditions, cond].join(' AND ')} THEN 1 END) AS DOUBLE) AS ${q(name)}`;
    // Besides n and s: the population's NULLs (`_z`) and its non-null values that are not usable
    // (`_x`: a rate's values neither true nor false, a mean's / sum's non-numbers).
    if (k.aggregate === 'rate') {
      const isTrue =
        k.trueValue !== undefined ? `CAST(${col} AS VARCHAR) = ${quoteString(k.trueValue)}` : truthy(col);
      const readable =
        k.trueValue !== undefined
          ? `${col} IS NOT NULL`
          : `${col} IS NOT NULL AND (${truthy(col)} OR ${falsy(col)})`;
      columns.push(
        count(readable, `k${i}_n`),
        count(`${readable} AND ${isTrue}`, `k${i}_s`),
        count(`${col} IS NOT NULL AND NOT COALESCE(${readable}, FALSE)`, `k${i}_x`),
        count(`${col} IS NULL`, `k${i}_z`),
      );
    } else {
      const value = `TRY_CAST(${col} AS DOUBLE)`;
      const finite = spec.dialect.isFinite(value);
      const usable = [...conditions, finite].join(' AND ');
      columns.push(
        `CAST(count(CASE WHEN ${usable} THEN 1 END) AS DOUBLE) AS ${q(`k${i}_n`)}`,
        `sum(CASE WHEN ${usable} THEN ${value} END) AS ${q(`k${i}_s`)}`,
        count(`${col} IS NOT NULL AND NOT COALESCE(${finite}, FALSE)`, `k${i}_x`),
        count(`${col} IS NULL`, `k${i}_z`),
      );
    }
  });

  const predictionsWhere = windowFilter(spec.window);
  // Grouping columns as VARCHAR under plain aliases, so grouping() reads a column (Trino's rule).
  const groupAliases = groupings.map((_, j) => `dw_g${j}`);
  const casts = groupings.map((c, j) => `, CAST(${q(c)} AS VARCHAR) AS ${q(groupAliases[j] as string)}`);
  const predictions = `(SELECT *${casts.join('')} FROM ${spec.predictionsRelation}${predictionsWhere.where}) p`;
  let from: string;
  if (spec.outcomes) {
    const out = spec.outcomes;
    const keep = [...new Set(spec.kpis.flatMap((k) => [k.column, ...(k.where ? [k.where.column] : [])]))];
    const order = out.partitioned
      ? `${q('dt')} DESC`
      : keep.map((c) => `CAST(${q(c)} AS VARCHAR)`).join(', ');
    const bounds = out.partitioned
      ? [
          ...(out.from ? [{ sql: `${q('dt')} >= ?`, value: out.from }] : []),
          ...(out.until ? [{ sql: `${q('dt')} < ?`, value: out.until }] : []),
        ]
      : [];
    const arrival = bounds.length ? ` WHERE ${bounds.map((b) => b.sql).join(' AND ')}` : '';
    // One outcome per id: the latest arrival (ties, and unpartitioned logs: the smallest values as text).
    const outcomes = `(SELECT CAST(${q(out.idColumn)} AS VARCHAR) AS ${q('dw_oid')}, ${keep.map(q).join(', ')}, row_number() OVER (PARTITION BY CAST(${q(out.idColumn)} AS VARCHAR) ORDER BY ${order}${out.partitioned ? `, ${keep.map((c) => `CAST(${q(c)} AS VARCHAR)`).join(', ')}` : ''}) AS ${q('dw_rn')} FROM ${out.relation}${arrival})`;
    // Parameters in the order their `?` appear: the window (predictions), then the arrival bounds.
    parameters.push(...predictionsWhere.parameters, ...bounds.map((b) => b.value));
    from = `${predictions} LEFT JOIN ${outcomes} o ON CAST(${p(spec.predictionIdColumn)} AS VARCHAR) = o.${q('dw_oid')} AND o.${q('dw_rn')} = 1`;
    columns.unshift(`CAST(count(o.${q('dw_oid')}) AS DOUBLE) AS ${q('outcome_rows')}`);
  } else {
    parameters.push(...predictionsWhere.parameters);
    from = predictions;
  }

  const groupExprs = groupAliases.map((a) => p(a));
  const select = [
    ...groupings.flatMap((_, j) => [
      `grouping(${groupExprs[j]}) AS ${q(`g_${j}`)}`,
      `${groupExprs[j]} AS ${q(`grp_${j}`)}`,
    ]),
    `CAST(count(*) AS DOUBLE) AS ${q('rows')}`,
    ...columns,
  ];
  const sets = ['()', ...groupExprs.map((e) => `(${e})`)].join(', ');
  const sql = `SELECT ${select.join(', ')} FROM ${from}${groupings.length ? ` GROUP BY GROUPING SETS (${sets})` : ''}`;
  return { sql, parameters, name: spec.outcomes ? 'kpi-outcomes' : 'kpi-predictions' };
}

/** Which rows a KPI group covers. */
export type KpiGroup =
  | { readonly kind: 'overall' }
  | { readonly kind: 'segment'; readonly column: string; readonly value: string }
  | { readonly kind: 'version'; readonly value: string };

/** One KPI's aggregate in one group: `n` rows with a usable value, their sum `s`, and the KPI's value. */
export interface KpiCell {
  readonly n: number;
  readonly s: number;
  /** rate / mean: s / n (null when n is 0); sum: s (0 when no row qualifies). */
  readonly value: number | null;
  /** Rows of the population whose column is NULL. */
  readonly nulls: number;
  /** Rows of the population whose non-null value is not usable (a rate: neither true nor false). */
  readonly unreadable: number;
}

export interface KpiGroupRow {
  readonly group: KpiGroup;
  /** Predictions in the group. */
  readonly rows: number;
  /** Predictions with an outcome joined (outcome source only). */
  readonly outcomeRows?: number;
  /** One cell per KPI of the query, in order. */
  readonly cells: readonly KpiCell[];
}

const num = (v: unknown): number =>
  typeof v === 'number' ? v : v === null || v === undefined ? 0 : Number(v);

/** Reads the query's rows back into groups (overall first, then segments and versions). */
export function readKpiRows(
  rows: readonly Record<string, unknown>[],
  spec: Pick<KpiQuerySpec, 'segmentColumns' | 'modelVersionColumn' | 'kpis' | 'outcomes'>,
): KpiGroupRow[] {
  const groupings = kpiGroupings(spec);
  const segments = spec.segmentColumns ?? [];
  const out: KpiGroupRow[] = [];
  for (const row of rows) {
    const rolled = groupings.map((_, j) => num(row[`g_${j}`]) === 1);
    const j = rolled.indexOf(false);
    let group: KpiGroup;
    if (j < 0) group = { kind: 'overall' };
    else {
      const value =
        row[`grp_${j}`] === null || row[`grp_${j}`] === undefined ? '(null)' : String(row[`grp_${j}`]);
      group =
        j < segments.length
          ? { kind: 'segment', column: segments[j] as string, value }
          : { kind: 'version', value };
    }
    const cells = spec.kpis.map((k, i): KpiCell => {
      const n = num(row[`k${i}_n`]);
      const s = num(row[`k${i}_s`]);
      const value = k.aggregate === 'sum' ? s : n > 0 ? s / n : null;
      return { n, s, value, nulls: num(row[`k${i}_z`]), unreadable: num(row[`k${i}_x`]) };
    });
    out.push({
      group,
      rows: num(row.rows),
      ...(spec.outcomes ? { outcomeRows: num(row.outcome_rows) } : {}),
      cells,
    });
  }
  const rank = (g: KpiGroup) => (g.kind === 'overall' ? 0 : g.kind === 'segment' ? 1 : 2);
  const label = (g: KpiGroup) =>
    g.kind === 'segment' ? `${g.column}=${g.value}` : g.kind === 'version' ? g.value : '';
  return out.sort((a, b) => rank(a.group) - rank(b.group) || label(a.group).localeCompare(label(b.group)));
}
