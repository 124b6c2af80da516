/** Operational metrics of a window from the prediction log: volume, latency percentiles, error rate. */
import type { CompiledQuery } from '../ports.js';
import { type DataSource, type SqlDialect, windowFilter } from './dialect.js';
import { isErrorSql } from './error-flag.js';
import { quoteIdentifier } from './identifiers.js';

/** Rows: one, `{ volume, p50, p95, p99, errors }` (latency and errors only when their columns are given). */
export function buildOperationalQuery(
  spec: {
    source: DataSource;
    window: { from: string; to: string };
    latencyColumn?: string;
    /** A column that is an error flag (lib/sql/error-flag.ts: NULL, false, numeric zero, '' are no error). */
    errorColumn?: string;
  },
  dialect: SqlDialect,
): CompiledQuery {
  const select = ['count(*) AS volume'];
  if (spec.latencyColumn) {
    const latency = `TRY_CAST(${quoteIdentifier(spec.latencyColumn)} AS DOUBLE)`;
    select.push(
      `${dialect.percentile(latency, 0.5)} AS p50`,
      `${dialect.percentile(latency, 0.95)} AS p95`,
      `${dialect.percentile(latency, 0.99)} AS p99`,
    );
  }
  if (spec.errorColumn) {
    select.push(`count_if(${isErrorSql(spec.errorColumn, dialect)}) AS errors`);
  }
  const { where, parameters } = windowFilter(spec.window);
  return {
    name: 'operational',
    sql: `SELECT ${select.join(', ')} FROM ${dialect.relation(spec.source)}${where}`,
    parameters,
  };
}
