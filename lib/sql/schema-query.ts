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
  // An object, list or map (a nested JSON log, a Parquet group): not a value driftwatch can bin.
  [/^(STRUCT|MAP|UNION|ROW|ARRAY)\s*[(<]|\[\d*\]$/i, 'nested'],
];

/** The family of an engine's column type (DuckDB or Trino spelling): number, string, boolean, time, nested. */
export function typeFamily(type: string): string {
  return TYPE_FAMILIES.find(([pattern]) => pattern.test(type.trim()))?.[1] ?? type.toLowerCase();
}

/** DuckDB types and the Hive type a Glue table declares for them (what Athena reads the file as). */
const HIVE_TYPES: [RegExp, (match: RegExpExecArray) => string][] = [
  [/^(VARCHAR|STRING|TEXT)$/i, () => 'string'],
  [/^(BIGINT|INT8|LONG)$/i, () => 'bigint'],
  [/^(INTEGER|INT4|INT|SIGNED)$/i, () => 'int'],
  [/^(SMALLINT|INT2|SHORT)$/i, () => 'smallint'],
  [/^(TINYINT|INT1)$/i, () => 'tinyint'],
  [/^(DOUBLE|FLOAT8)$/i, () => 'double'],
  [/^(FLOAT|FLOAT4|REAL)$/i, () => 'float'],
  [/^(BOOLEAN|BOOL)$/i, () => 'boolean'],
  [/^DATE$/i, () => 'date'],
  [/^TIMESTAMP(_MS|_S|_NS)?$/i, () => 'timestamp'],
  [/^DECIMAL\((\d+),\s*(\d+)\)$/i, (m) => `decimal(${m[1]},${m[2]})`],
];

/**
 * The Hive type (as a Glue column declares it) that matches a column of the given DuckDB type in a
 * Parquet, JSON or CSV log: Athena reads a Parquet INT32 only as int (or bigint), never as double,
 * so the Glue type must follow the file.
 * @throws Error naming the column and type when Athena has no matching type (unsigned integers,
 *   time zones, nested types): cast it in the log, or leave the column out of the definition
 * @example hiveTypeOf('age', 'INTEGER') // => 'int'
 */
export function hiveTypeOf(column: string, duckdbType: string): string {
  const type = duckdbType.trim();
  for (const [pattern, hive] of HIVE_TYPES) {
    const match = pattern.exec(type);
    if (match) return hive(match);
  }
  throw new Error(
    `column ${column} has type ${type}, which no Glue/Athena column type reads as driftwatch needs: write it as a signed integer, DOUBLE, VARCHAR, BOOLEAN, DATE or TIMESTAMP in the log`,
  );
}
