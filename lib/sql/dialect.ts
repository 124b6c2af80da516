/**
 * Every difference between the SQL engines driftwatch runs on lives in one object per engine.
 * Builders in lib/sql render their text through a SqlDialect; nothing else knows which engine
 * it talks to. DuckDB runs locally and in the tests; Athena (Trino) runs on AWS.
 */
import { quoteIdentifier, quoteString } from './identifiers.js';

/** Where a log lies and how it is stored. */
export interface DataSource {
  /** A folder (locally) or an S3 URI (on AWS). */
  readonly location: string;
  readonly format: 'parquet' | 'jsonl' | 'csv';
  /** The Glue table over the location, when the engine reads tables (Athena). */
  readonly table?: { readonly database: string; readonly name: string };
  /** True when the location is Hive-partitioned on `dt=` folders. */
  readonly partitioned: boolean;
}

export interface SqlDialect {
  readonly name: 'duckdb' | 'athena';
  /** The FROM-clause relation that reads a log. */
  relation(source: DataSource): string;
  /** A boolean expression: `expr` (a DOUBLE) is neither NaN nor infinite. */
  isFinite(expr: string): string;
  /** A VARCHAR expression holding a JSON object from an aggregate map (e.g. `histogram(x)`). */
  mapToJson(mapExpr: string): string;
  /** An expression that casts to VARCHAR. */
  toVarchar(expr: string): string;
  /** Population standard deviation aggregate. */
  stddevPop(expr: string): string;
}

function globFor(source: DataSource): string {
  const base = source.location.replace(/\/+$/, '');
  const ext = source.format === 'jsonl' ? '{json,jsonl,ndjson}' : source.format;
  if (/\.(parquet|csv|jsonl?|ndjson)$/i.test(base)) return base;
  return source.partitioned ? `${base}/**/*.${ext}` : `${base}/*.${ext}`;
}

export const duckdbDialect: SqlDialect = {
  name: 'duckdb',
  relation(source) {
    const path = quoteString(globFor(source));
    const hive = source.partitioned ? ', hive_partitioning = true, hive_types_autocast = false' : '';
    switch (source.format) {
      case 'parquet':
        return `read_parquet(${path}${hive}, union_by_name = true)`;
      case 'csv':
        return `read_csv(${path}${hive}, union_by_name = true, header = true)`;
      case 'jsonl':
        return `read_json(${path}${hive}, format = 'newline_delimited', union_by_name = true)`;
    }
  },
  isFinite: (expr) => `isfinite(${expr})`,
  mapToJson: (expr) => `CAST(to_json(${expr}) AS VARCHAR)`,
  toVarchar: (expr) => `CAST(${expr} AS VARCHAR)`,
  stddevPop: (expr) => `stddev_pop(${expr})`,
};

export const athenaDialect: SqlDialect = {
  name: 'athena',
  relation(source) {
    if (!source.table) {
      throw new Error(`athena reads logs through Glue tables: no table is configured for ${source.location}`);
    }
    return `${quoteIdentifier(source.table.database)}.${quoteIdentifier(source.table.name)}`;
  },
  isFinite: (expr) => `is_finite(${expr})`,
  mapToJson: (expr) => `json_format(CAST(${expr} AS JSON))`,
  toVarchar: (expr) => `CAST(${expr} AS VARCHAR)`,
  stddevPop: (expr) => `stddev_pop(${expr})`,
};
