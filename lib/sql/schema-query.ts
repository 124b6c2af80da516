/** The columns and types of a log, to check a definition against the data (schema drift). */
import type { CompiledQuery } from '../ports.js';
import type { DataSource, SqlDialect } from './dialect.js';

/** Rows: `{ column_name, column_type }`. */
export function buildDescribeQuery(source: DataSource, dialect: SqlDialect): CompiledQuery {
  return { name: 'describe', ...dialect.describe(source) };
}

const TYPE_FAMILIES: [RegExp, string][] = [
  [
    /^(TINYINT|SMALLINT|INTEGER|INT|BIGINT|HUGEINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT|DOUBLE|FLOAT|REAL|DECIMAL.*)$/i,
    'number',
  ],
  [/^(VARCHAR|STRING|CHAR.*|TEXT)$/i, 'string'],
  [/^BOOLEAN$/i, 'boolean'],
  [/^(DATE|TIMESTAMP.*|TIME.*)$/i, 'time'],
];

/** The family of an engine's column type (DuckDB or Trino spelling): number, string, boolean, time. */
export function typeFamily(type: string): string {
  return TYPE_FAMILIES.find(([pattern]) => pattern.test(type.trim()))?.[1] ?? type.toLowerCase();
}
