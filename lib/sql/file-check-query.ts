/**
 * Per-file column check for engines that read tables (Athena): the Glue table maps each file's
 * columns by name, so a column a file lacks reads as NULL in every row of that file and no error
 * is raised. The only trace is per file: a file with rows and no non-NULL value of the column.
 * Engines that read files (DuckDB) read each file's columns from metadata instead
 * (`QueryEngine.fileColumns`) and never run this query.
 */
import type { CompiledQuery } from '../ports.js';
import { type DataSource, type DateRange, type SqlDialect, windowFilter } from './dialect.js';
import { quoteIdentifier } from './identifiers.js';

/** Athena's hidden column: the S3 URI of the file a row came from. */
export const ATHENA_PATH_COLUMN = '$path';

/**
 * Rows `{ dw_file, dw_rows, dw_c0 .. dw_c<n-1> }`, one per file of the range in which at least one
 * of `columns` has no non-NULL value (`dw_c<i>` = count of non-NULL values of `columns[i]`); no
 * row when every file has a value of every column. Reads the table without the feature aliases
 * (`SELECT *` does not carry `"$path"` in Trino): `columns` are the files' real names.
 * @example buildFileColumnCountsQuery(outcomes, ['id', 'revenue'], { from: '2026-10-13', to: '2026-10-20' }, athenaDialect)
 *   // SELECT "$path" AS dw_file, count(*) AS dw_rows, count("id") AS dw_c0, count("revenue") AS dw_c1
 *   //   FROM "db"."outcomes" WHERE "dt" >= ? AND "dt" < ? GROUP BY "$path"
 *   //   HAVING count("id") = 0 OR count("revenue") = 0
 */
export function buildFileColumnCountsQuery(
  source: DataSource,
  columns: readonly string[],
  range: DateRange | undefined,
  dialect: SqlDialect,
): CompiledQuery {
  if (!columns.length) throw new Error('a file column check needs at least one column');
  const path = quoteIdentifier(ATHENA_PATH_COLUMN);
  const { aliases: _aliases, ...raw } = source;
  const counts = columns.map((c, i) => `count(${quoteIdentifier(c)}) AS dw_c${i}`);
  const { where, parameters } = windowFilter(source.partitioned ? range : undefined);
  const having = columns.map((c) => `count(${quoteIdentifier(c)}) = 0`).join(' OR ');
  return {
    name: 'file-columns',
    sql: `SELECT ${path} AS dw_file, count(*) AS dw_rows, ${counts.join(', ')} FROM ${dialect.relation(raw)}${where} GROUP BY ${path} HAVING ${having} ORDER BY ${path}`,
    parameters,
  };
}
