/**
 * The drift scan: ONE pass over a window of the prediction log that returns, overall and per
 * value of every segment column, what drift and data quality need: row counts; per numeric
 * column the present / invalid / infinite counts, min, max, mean, population std, the counts in
 * the reference's bins and outside the reference's range; per categorical column the category
 * counts (a JSON object) and nulls. Pure: text in, text out.
 */
import type { CompiledQuery } from '../ports.js';
import type { DataSource, SqlDialect } from './dialect.js';
import { quoteDouble, quoteIdentifier } from './identifiers.js';

export interface NumericColumnSpec {
  column: string;
  /** Inner bin edges from the reference: bin i holds values v with edges[i-1] <= v < edges[i]. */
  edges: readonly number[];
  /** The reference's finite range, for the out-of-range share; omitted when unknown. */
  referenceMin?: number;
  referenceMax?: number;
  /** A fine grid of reference quantiles (KS and Wasserstein on large windows), counted too. */
  fineEdges?: readonly number[];
}

export interface DriftScanSpec {
  source: DataSource;
  /** Restrict to `dt` in [from, to) (the window); omit to scan the whole source (a reference file). */
  window?: { from: string; to: string };
  numeric: readonly NumericColumnSpec[];
  categorical: readonly string[];
  segments: readonly string[];
}

/** The column aliases the scan returns, so the reader never guesses. */
export const driftAliases = {
  rows: 'n_rows',
  segmentFlag: (s: number) => `g${s}`,
  segmentValue: (s: number) => `s${s}`,
  numeric: (f: number) => ({
    present: `n${f}_present`,
    valid: `n${f}_valid`,
    invalid: `n${f}_invalid`,
    infinite: `n${f}_inf`,
    min: `n${f}_min`,
    max: `n${f}_max`,
    mean: `n${f}_mean`,
    std: `n${f}_std`,
    below: `n${f}_below`,
    above: `n${f}_above`,
    bins: `n${f}_bins`,
    fine: `n${f}_fine`,
  }),
  categorical: (f: number) => ({ counts: `c${f}_counts`, nulls: `c${f}_nulls` }),
} as const;

/** Builds the drift scan for a dialect. Bin edges are rendered as DOUBLE literals, never strings. */
export function buildDriftScan(spec: DriftScanSpec, dialect: SqlDialect): CompiledQuery {
  const select: string[] = [`count(*) AS ${driftAliases.rows}`];
  const inner: string[] = [];

  spec.numeric.forEach((feature, f) => {
    const a = driftAliases.numeric(f);
    const raw = quoteIdentifier(feature.column);
    const value = `v${f}`;
    inner.push(`${raw} AS r${f}`, `TRY_CAST(${raw} AS DOUBLE) AS ${value}`);
    const finite = `${value} IS NOT NULL AND ${dialect.isFinite(value)}`;
    select.push(
      `count(r${f}) AS ${a.present}`,
      `count_if(${finite}) AS ${a.valid}`,
      `count_if(r${f} IS NOT NULL AND ${value} IS NULL) AS ${a.invalid}`,
      `count_if(${value} IS NOT NULL AND NOT ${dialect.isFinite(value)}) AS ${a.infinite}`,
      `min(CASE WHEN ${finite} THEN ${value} END) AS ${a.min}`,
      `max(CASE WHEN ${finite} THEN ${value} END) AS ${a.max}`,
      `avg(CASE WHEN ${finite} THEN ${value} END) AS ${a.mean}`,
      `${dialect.stddevPop(`CASE WHEN ${finite} THEN ${value} END`)} AS ${a.std}`,
    );
    if (feature.referenceMin !== undefined && feature.referenceMax !== undefined) {
      select.push(
        `count_if(${finite} AND ${value} < ${quoteDouble(feature.referenceMin)}) AS ${a.below}`,
        `count_if(${finite} AND ${value} > ${quoteDouble(feature.referenceMax)}) AS ${a.above}`,
      );
    }
    // Counts per reference bin in one aggregate (histogram on bounds in DuckDB, width_bucket in
    // Trino): as fast as a plain sum, where one count_if per bin cost 4x the scan.
    if (feature.edges.length) {
      select.push(
        `${dialect.fineHistogram(`CASE WHEN ${finite} THEN ${value} END`, feature.edges)} AS ${a.bins}`,
      );
    }
    if (feature.fineEdges?.length) {
      select.push(
        `${dialect.fineHistogram(`CASE WHEN ${finite} THEN ${value} END`, feature.fineEdges)} AS ${a.fine}`,
      );
    }
  });

  spec.categorical.forEach((column, f) => {
    const a = driftAliases.categorical(f);
    const value = `k${f}`;
    inner.push(`${dialect.toVarchar(quoteIdentifier(column))} AS ${value}`);
    select.push(
      `${dialect.mapToJson(`histogram(${value})`)} AS ${a.counts}`,
      `count_if(${value} IS NULL) AS ${a.nulls}`,
    );
  });

  spec.segments.forEach((column, s) => {
    const value = `seg${s}`;
    inner.push(`${dialect.toVarchar(quoteIdentifier(column))} AS ${value}`);
    select.push(
      `grouping(${value}) AS ${driftAliases.segmentFlag(s)}`,
      `${value} AS ${driftAliases.segmentValue(s)}`,
    );
  });

  const parameters: string[] = [];
  let where = '';
  if (spec.window) {
    where = `\n  WHERE ${quoteIdentifier('dt')} >= ? AND ${quoteIdentifier('dt')} < ?`;
    parameters.push(spec.window.from, spec.window.to);
  }
  const groupBy = spec.segments.length
    ? `\nGROUP BY GROUPING SETS ((), ${spec.segments.map((_, s) => `(seg${s})`).join(', ')})`
    : '';
  const innerList = inner.length ? inner.join(',\n    ') : '1 AS one';
  const sql = `SELECT\n  ${select.join(',\n  ')}\nFROM (\n  SELECT\n    ${innerList}\n  FROM ${dialect.relation(spec.source)}${where}\n) AS w${groupBy}`;
  return { name: 'drift-scan', sql, parameters };
}
