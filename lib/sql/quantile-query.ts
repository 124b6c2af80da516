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
    return `SELECT ${f} AS f, pos, v FROM (
  SELECT v, row_number() OVER (ORDER BY v) - 1 AS pos
  FROM (SELECT ${value} AS v FROM ${dialect.relation(spec.source)}${where}) AS c
  WHERE v IS NOT NULL AND ${dialect.isFinite('v')}
) AS o${f} WHERE pos IN (${wanted || '-1'})`;
  });
  return { name: 'reference-quantiles', sql: parts.join('\nUNION ALL\n'), parameters };
}
