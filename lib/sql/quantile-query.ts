/**
 * Exact reference quantiles without pulling the reference into the process: the engine numbers
 * each column's finite values in order and returns only the order statistics the bin edges need
 * (two per edge). Works the same in DuckDB and Athena (row_number is exact in both, where
 * approx_percentile is not).
 */
import type { CompiledQuery } from '../ports.js';
import { type DataSource, type SqlDialect, windowFilter } from './dialect.js';
import { quoteIdentifier } from './identifiers.js';

export interface OrderStatisticsSpec {
  source: DataSource;
  window?: { from: string; to: string };
  /** Per column, the 0-based positions wanted in the ascending order of its finite values. */
  columns: readonly { column: string; positions: readonly number[] }[];
  /** Added to each column's index in the `f` the rows carry (a part of a split query). @default 0 */
  firstIndex?: number;
}

/** Rows: `{ f: <index into columns>, pos, v }`. */
export function buildOrderStatisticsQuery(spec: OrderStatisticsSpec, dialect: SqlDialect): CompiledQuery {
  const parameters: string[] = [];
  const parts = spec.columns.map(({ column, positions }, f) => {
    for (const p of positions) {
      if (!Number.isSafeInteger(p) || p < 0)
        throw new Error(`order statistic position ${p} is not a natural number`);
    }
    const value = `TRY_CAST(${quoteIdentifier(column)} AS DOUBLE)`;
    const window = windowFilter(spec.window);
    const where = window.where;
    parameters.push(...window.parameters);
    const wanted = [...new Set(positions)].sort((a, b) => a - b).join(', ');
    return `SELECT ${(spec.firstIndex ?? 0) + f} AS f, pos, v FROM (
  SELECT v, row_number() OVER (ORDER BY v) - 1 AS pos
  FROM (SELECT ${value} AS v FROM ${dialect.relation(spec.source)}${where}) AS c
  WHERE v IS NOT NULL AND ${dialect.isFinite('v')}
) AS o${f} WHERE pos IN (${wanted || '-1'})`;
  });
  return { name: 'reference-quantiles', sql: parts.join('\nUNION ALL\n'), parameters };
}

/**
 * The order-statistics query split by columns so that each part's text stays within `maxBytes`
 * (Athena refuses more than 262,144 bytes; with the 1,000-edge fine grid a column asks for up to
 * 2,000 positions, about 14 KB, so 25 columns of a 50,000-row reference make 344 KB). Rows keep
 * `f` as the index into `spec.columns`, so the parts' rows are simply concatenated.
 */
export function buildOrderStatisticsQueries(
  spec: OrderStatisticsSpec,
  dialect: SqlDialect,
  maxBytes: number,
): CompiledQuery[] {
  const size = (q: CompiledQuery) => new TextEncoder().encode(q.sql).length;
  const whole = buildOrderStatisticsQuery(spec, dialect);
  if (size(whole) <= maxBytes) return [whole];
  const queries: CompiledQuery[] = [];
  let first = 0;
  while (first < spec.columns.length) {
    let end = first + 1;
    const part = (to: number) =>
      buildOrderStatisticsQuery(
        { ...spec, columns: spec.columns.slice(first, to), firstIndex: first },
        dialect,
      );
    if (size(part(end)) > maxBytes) {
      throw new Error(
        `the order statistics of column ${spec.columns[first]!.column} alone are over ${maxBytes} bytes of SQL: use fewer bins`,
      );
    }
    while (end < spec.columns.length && size(part(end + 1)) <= maxBytes) end += 1;
    queries.push(part(end));
    first = end;
  }
  return queries;
}
