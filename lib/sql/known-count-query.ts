/**
 * How many of a window's rows hold one of the given categories of a column (as the drift scan's
 * text). The drift scan returns a window's top CATEGORY_LIMIT categories and an "other" total; a
 * category the reference knows may sit in that tail, so the new-category share needs this count
 * of the known categories the window did not list. The values are execution parameters in the
 * WHERE clause (never pasted into the text; Athena takes parameters there).
 */
import type { CompiledQuery } from '../ports.js';
import { type DataSource, type SqlDialect, windowFilter } from './dialect.js';
import { quoteIdentifier } from './identifiers.js';

/** Rows: one `{ c }`. `values` must not be empty. */
export function buildKnownCountQuery(
  spec: {
    source: DataSource;
    window?: { from: string; to: string };
    column: string;
    values: readonly string[];
  },
  dialect: SqlDialect,
): CompiledQuery {
  if (!spec.values.length) throw new Error('buildKnownCountQuery: no values to count');
  const { where, parameters } = windowFilter(spec.window);
  const sql = `SELECT count(*) AS c FROM (
  SELECT ${dialect.toVarchar(quoteIdentifier(spec.column))} AS v FROM ${dialect.relation(spec.source)}${where}
) AS w
WHERE v IN (${spec.values.map(() => '?').join(', ')})`;
  return { name: 'known-category-count', sql, parameters: [...parameters, ...spec.values] };
}
