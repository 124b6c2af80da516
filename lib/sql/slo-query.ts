/**
 * Good and total events per sub-window (and per model version) for SLOs: ONE GROUP BY over a time
 * range, reading only the SLI columns, the timestamp, `dt` and the version column. Every SLO of a
 * model that counts in the same sub-window shares the query (one `count_if` per SLO), so an hourly
 * run is one minimum-billed Athena query.
 */
import type { SloCondition, SloDefinition } from '../config/schema.js';
import type { CompiledQuery, Row } from '../ports.js';
import { isFalseText, isTrueText } from './boolean-text.js';
import {
  type DataSource,
  type SqlDialect,
  subWindowIndex,
  type TimeRange,
  timeWindowFilter,
} from './dialect.js';
import { noErrorSql } from './error-flag.js';
import { quoteDouble, quoteIdentifier, quoteString } from './identifiers.js';

export interface SloCountsSpec {
  source: DataSource;
  timestampColumn: string;
  /** `[start, end)`, a whole number of sub-windows. */
  range: TimeRange;
  /** The sub-window, in seconds (300 for PT5M, 3600 for PT1H). */
  windowSeconds: number;
  /** Group by this column too (per-version budgets). */
  versionColumn?: string;
  latencyColumn?: string;
  errorColumn?: string;
  slos: readonly Pick<SloDefinition, 'name' | 'sli'>[];
}

/** A number as a DOUBLE literal, a string as a quoted literal. */
function literal(value: number | string): string {
  return typeof value === 'number' ? quoteDouble(value) : quoteString(value);
}

/**
 * The SQL boolean of a condition: numbers compare with the column read as DOUBLE (TRY_CAST: text
 * that is no number is unknown), strings and booleans with the column read as text (booleans as
 * `true` / `false`). Unknown (NULL) is not good.
 */
export function conditionSql(condition: SloCondition, dialect: SqlDialect): string {
  const column = quoteIdentifier(condition.column);
  const asNumber = `TRY_CAST(${column} AS DOUBLE)`;
  const asText = dialect.toVarchar(column);
  const { operator, value } = condition;
  switch (operator) {
    case 'is null':
      return `${column} IS NULL`;
    case 'is not null':
      return `${column} IS NOT NULL`;
    case 'in':
    case 'not in': {
      const values = Array.isArray(value) ? value : [];
      const numbers = values.filter((v): v is number => typeof v === 'number');
      const strings = values.filter((v): v is string => typeof v === 'string');
      const parts = [
        ...(numbers.length ? [`${asNumber} IN (${numbers.map(literal).join(', ')})`] : []),
        ...(strings.length ? [`${asText} IN (${strings.map(literal).join(', ')})`] : []),
      ];
      const any = parts.length > 1 ? `(${parts.join(' OR ')})` : (parts[0] as string);
      return operator === 'in' ? any : `NOT ${any}`;
    }
    default: {
      if (typeof value === 'boolean')
        return `${operator === '!=' ? 'NOT ' : ''}(${value ? isTrueText(asText) : isFalseText(asText)})`;
      if (typeof value === 'number')
        return `${asNumber} ${operator === '!=' ? '<>' : operator} ${literal(value)}`;
      if (typeof value === 'string')
        return `${asText} ${operator === '!=' ? '<>' : operator} ${literal(value)}`;
      throw new Error(`SLO condition on ${condition.column}: operator ${operator} needs one value`);
    }
  }
}

/** The SQL boolean "this row is a good event" of an SLI. */
export function goodEventSql(
  sli: SloDefinition['sli'],
  columns: { latencyColumn?: string | undefined; errorColumn?: string | undefined },
  dialect: SqlDialect,
): string {
  switch (sli.kind) {
    case 'latency': {
      if (!columns.latencyColumn) throw new Error('a latency SLI needs predictions.latencyColumn');
      // A negative latency (a clock step, or -1 for "not measured") is invalid: bad, as a missing one.
      return `TRY_CAST(${quoteIdentifier(columns.latencyColumn)} AS DOUBLE) BETWEEN 0 AND ${quoteDouble(sli.thresholdMs)}`;
    }
    case 'errors': {
      if (!columns.errorColumn) throw new Error('an errors SLI needs predictions.errorColumn');
      // The one error test (lib/sql/error-flag.ts), shared with the operational query.
      return noErrorSql(columns.errorColumn, dialect);
    }
    case 'condition':
      return conditionSql(sli.good, dialect);
  }
}

/**
 * Rows `{ w, v?, total, good_0, good_1, ... }`: `w` the 0-based sub-window from the range's start,
 * `v` the version (text, NULL when the row has none), `good_i` the good events of `slos[i]`.
 */
export function buildSloCountsQuery(spec: SloCountsSpec, dialect: SqlDialect): CompiledQuery {
  if (!spec.slos.length) throw new Error('buildSloCountsQuery needs at least one SLO');
  const time = dialect.eventTime(spec.timestampColumn, spec.source);
  const filter = timeWindowFilter(
    spec.range,
    { timestampColumn: spec.timestampColumn, source: spec.source },
    dialect,
  );
  const start = Date.parse(spec.range.start) / 1000;
  const select = [`${subWindowIndex(dialect, time, start, spec.windowSeconds)} AS w`];
  if (spec.versionColumn) select.push(`${dialect.toVarchar(quoteIdentifier(spec.versionColumn))} AS v`);
  select.push('count(*) AS total');
  spec.slos.forEach((slo, i) => {
    select.push(`count_if(${goodEventSql(slo.sli, spec, dialect)}) AS good_${i}`);
  });
  return {
    name: 'slo-counts',
    sql: `SELECT ${select.join(', ')} FROM ${dialect.relation(spec.source)}${filter.where} GROUP BY ${spec.versionColumn ? '1, 2' : '1'}`,
    parameters: filter.parameters,
  };
}

/** One row of `buildSloCountsQuery`, read back: the sub-window's start (epoch ms) and counts per SLO. */
export interface SloCountsRow {
  start: number;
  version: string | null;
  total: number;
  good: number[];
}

export function readSloCounts(
  rows: readonly Row[],
  spec: Pick<SloCountsSpec, 'range' | 'windowSeconds' | 'slos'>,
): SloCountsRow[] {
  const start = Date.parse(spec.range.start);
  return rows
    .map((r) => ({
      start: start + Number(r.w) * spec.windowSeconds * 1000,
      version: r.v === undefined || r.v === null ? null : String(r.v),
      total: Number(r.total),
      good: spec.slos.map((_, i) => Number(r[`good_${i}`] ?? 0)),
    }))
    .sort((a, b) => a.start - b.start || String(a.version).localeCompare(String(b.version)));
}
