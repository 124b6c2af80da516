/**
 * The finite values of one numeric column with their counts, in ascending order: what exact KS
 * and Wasserstein need, and never more rows than the distinct values of the window.
 */
import type { CompiledQuery } from '../ports.js';
import { type DataSource, type SqlDialect, windowFilter } from './dialect.js';
import { quoteIdentifier } from './identifiers.js';

/** Rows: `{ v, c }` sorted by v. */
export function buildValueCountsQuery(
  spec: { source: DataSource; window?: { from: string; to: string }; column: string },
  dialect: SqlDialect,
): CompiledQuery {
  const { where, parameters } = windowFilter(spec.window);
  const sql = `SELECT v, count(*) AS c FROM (
  SELECT TRY_CAST(${quoteIdentifier(spec.column)} AS DOUBLE) AS v FROM ${dialect.relation(spec.source)}${where}
) AS w
WHERE v IS NOT NULL AND ${dialect.isFinite('v')}
GROUP BY v
ORDER BY v`;
  return { name: 'value-counts', sql, parameters };
}
