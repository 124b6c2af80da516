/**
 * The drift scan: ONE pass over a window of the prediction log that returns what drift and data
 * quality need: row counts; per numeric column the present / parsable / finite counts, min, max,
 * mean, population std and the counts in the reference's bins and outside the reference's range
 * (one histogram aggregate); per categorical column the category counts (a JSON object; nulls
 * are the rows it does not count). Pure: text in, text out.
 *
 * Segments: by default the scan groups by the COMBINATION of segment values (one plain GROUP BY)
 * and the reader merges the combinations into the whole window and each segment value (counts,
 * histograms, min and max add up; mean and std merge exactly with Chan's parallel formula). That
 * aggregates every row once, where GROUPING SETS aggregate it once more per segment column; the
 * `sets` grouping is kept for many combinations (the job counts them first).
 */
import type { CompiledQuery } from '../ports.js';
import { CATEGORY_LIMIT } from '../stats/binning.js';
import { type DataSource, nextDouble, type SqlDialect, windowFilter } from './dialect.js';
import { quoteIdentifier } from './identifiers.js';

export interface NumericColumnSpec {
  column: string;
  /** Inner bin edges from the reference: bin i holds values v with edges[i-1] <= v < edges[i]. */
  edges: readonly number[];
  /** The reference's finite range, for the out-of-range share; omitted when unknown. */
  referenceMin?: number;
  referenceMax?: number;
  /**
   * A fine grid of reference quantiles (KS and Wasserstein on large windows), counted too. It is
   * the scan's dearest part (measured at 10M rows x 20 columns: a histogram on 1,012 bounds cost
   * 7.5x the bare scan's CPU time, on 12 bounds 2.9x): callers ask for it only where it is used.
   */
  fineEdges?: readonly number[];
  /**
   * False to leave out min and max (default true): the drift job uses a window's min and max only
   * with the fine grid (Wasserstein's range); at 10M rows x 20 columns they cost 2.2x the bare
   * scan's CPU time, more than mean and std (1.5x).
   */
  minMax?: boolean;
  /** True when the log stores the column as a number, so nothing can fail to parse (one count less). */
  numericType?: boolean;
}

export interface DriftScanSpec {
  source: DataSource;
  /** Restrict to `dt` in [from, to) (the window); omit to scan the whole source (a reference file). */
  window?: { from: string; to: string };
  numeric: readonly NumericColumnSpec[];
  categorical: readonly string[];
  segments: readonly string[];
  /**
   * `combinations` (default): one GROUP BY over all segment columns, merged by the reader.
   * `sets`: GROUPING SETS ((), (s1), (s2), ...), for segment columns with many combinations.
   */
  grouping?: 'combinations' | 'sets';
  /** Categories returned per categorical column and group; CATEGORY_LIMIT by default. */
  categoryLimit?: number;
}

/** The column aliases the scan returns, so the reader never guesses. */
export const driftAliases = {
  rows: 'n_rows',
  segmentFlag: (s: number) => `g${s}`,
  segmentValue: (s: number) => `s${s}`,
  numeric: (f: number) => ({
    present: `n${f}_present`,
    parsed: `n${f}_parsed`,
    valid: `n${f}_valid`,
    min: `n${f}_min`,
    max: `n${f}_max`,
    mean: `n${f}_mean`,
    std: `n${f}_std`,
    bins: `n${f}_bins`,
  }),
  categorical: (f: number) => ({ counts: `c${f}_counts`, present: `c${f}_present` }),
} as const;

/**
 * The boundaries one histogram counts for a numeric column: the reference's bin edges, its fine
 * grid when asked for, and its range, so `(-inf, min)` is "below the range", `[max+, inf)`
 * "above", and consecutive intervals add up to the reference bins and to the fine grid (one
 * aggregate for all three). Strictly increasing; `nextDouble(max)` makes "above" mean `> max`.
 */
export function scanBounds(feature: NumericColumnSpec): {
  bounds: number[];
  /** Index in `bounds` of the range's ends, when the range is known. */
  lowIndex?: number;
  highIndex?: number;
} {
  const points = new Set([...feature.edges, ...(feature.fineEdges ?? [])]);
  const range = feature.referenceMin !== undefined && feature.referenceMax !== undefined;
  const high = range ? nextDouble(feature.referenceMax!) : undefined;
  if (range) {
    points.add(feature.referenceMin!);
    points.add(high!);
  }
  const bounds = [...points].sort((a, b) => a - b);
  return range
    ? { bounds, lowIndex: bounds.indexOf(feature.referenceMin!), highIndex: bounds.indexOf(high!) }
    : { bounds };
}

/**
 * Counts on the coarser `edges` (a subset of `bounds`) from counts on `bounds`: both count
 * `(-inf, b1), [b1, b2), ..., [bk, inf)`.
 */
export function regroupCounts(
  bounds: readonly number[],
  counts: readonly number[],
  edges: readonly number[],
): number[] {
  const out = new Array<number>(edges.length + 1).fill(0);
  let bin = 0;
  counts.forEach((count, j) => {
    // Interval j starts at bounds[j - 1]; its coarse bin is the number of edges <= that start.
    while (j > 0 && bin < edges.length && edges[bin]! <= bounds[j - 1]!) bin += 1;
    out[bin]! += count;
  });
  return out;
}

/**
 * The `limit` most frequent entries of a histogram map (count descending, then value), as a map.
 * DuckDB sorts the entries as (negated count, value) structs; Trino sorts with a comparator.
 */
function topCategories(histogram: string, dialect: SqlDialect, limit: number): string {
  if (!Number.isInteger(limit) || limit < 1)
    throw new RangeError(`category limit must be a positive integer, got ${limit}`);
  if (dialect.name === 'duckdb') {
    return `map_from_entries(list_transform(list_slice(list_sort(list_transform(map_entries(${histogram}), dw_e -> {'n': -dw_e.value, 'k': dw_e.key})), 1, ${limit}), dw_e -> {'key': dw_e.k, 'value': -dw_e.n}))`;
  }
  // Trino: sort the entries with a comparator on (count, key). The lambda may use only its own
  // arguments: Trino refuses an aggregation (the histogram) inside a lambda.
  return `map_from_entries(slice(array_sort(map_entries(${histogram}), (dw_a, dw_b) -> CASE WHEN dw_a[2] > dw_b[2] THEN -1 WHEN dw_a[2] < dw_b[2] THEN 1 WHEN dw_a[1] < dw_b[1] THEN -1 WHEN dw_a[1] > dw_b[1] THEN 1 ELSE 0 END), 1, ${limit}))`;
}

/** Builds the drift scan for a dialect. Bin edges are rendered as DOUBLE literals, never strings. */
export function buildDriftScan(spec: DriftScanSpec, dialect: SqlDialect): CompiledQuery {
  const select: string[] = [`count(*) AS ${driftAliases.rows}`];
  const read: string[] = [];
  const finite: string[] = [];

  spec.numeric.forEach((feature, f) => {
    const a = driftAliases.numeric(f);
    const raw = quoteIdentifier(feature.column);
    const value = `v${f}`;
    const x = `x${f}`;
    if (feature.numericType) {
      read.push(`CAST(${raw} AS DOUBLE) AS ${value}`);
      select.push(`count(${value}) AS ${a.present}`);
    } else {
      read.push(`${raw} AS r${f}`, `TRY_CAST(${raw} AS DOUBLE) AS ${value}`);
      select.push(`count(r${f}) AS ${a.present}`, `count(${value}) AS ${a.parsed}`);
    }
    // The finite value, computed once below the aggregates (NaN and infinities become NULL).
    finite.push(`CASE WHEN ${dialect.isFinite(value)} THEN ${value} END AS ${x}`);
    const { bounds } = scanBounds(feature);
    if (feature.minMax !== false) select.push(`min(${x}) AS ${a.min}`, `max(${x}) AS ${a.max}`);
    // avg and stddev_pop, not sum and sum of squares: the same CPU time in DuckDB (measured at 10M
    // rows x 20 columns: 1.50x and 1.51x the bare scan) and no cancellation.
    select.push(`avg(${x}) AS ${a.mean}`, `${dialect.stddevPop(x)} AS ${a.std}`);
    // Bins, fine grid and range in one aggregate (histogram on bounds in DuckDB, width_bucket in
    // Trino), where one count_if per bin cost 4x the scan. Its total is the finite count, so
    // that needs no aggregate of its own.
    if (bounds.length) select.push(`${dialect.fineHistogram(x, bounds)} AS ${a.bins}`);
    else select.push(`count(${x}) AS ${a.valid}`);
  });

  spec.categorical.forEach((column, f) => {
    const value = `k${f}`;
    const a = driftAliases.categorical(f);
    read.push(`${dialect.toVarchar(quoteIdentifier(column))} AS ${value}`);
    // At most CATEGORY_LIMIT categories per group leave the engine (the most frequent, ties by
    // value) plus the non-null count, so the rest is an exact "other" total: 500,000 distinct
    // values gave 277 MB of JSON per window before.
    select.push(
      `${dialect.mapToJson(topCategories(`histogram(${value})`, dialect, spec.categoryLimit ?? CATEGORY_LIMIT))} AS ${a.counts}`,
      `count(${value}) AS ${a.present}`,
    );
  });

  const sets = spec.grouping === 'sets';
  spec.segments.forEach((column, s) => {
    const value = `seg${s}`;
    read.push(`${dialect.toVarchar(quoteIdentifier(column))} AS ${value}`);
    if (sets) select.push(`grouping(${value}) AS ${driftAliases.segmentFlag(s)}`);
    select.push(`${value} AS ${driftAliases.segmentValue(s)}`);
  });

  const { where, parameters } = windowFilter(spec.window);
  const segmentKeys = spec.segments.map((_, s) => `seg${s}`);
  const groupBy = !segmentKeys.length
    ? ''
    : sets
      ? `\nGROUP BY GROUPING SETS ((), ${segmentKeys.map((k) => `(${k})`).join(', ')})`
      : `\nGROUP BY ${segmentKeys.join(', ')}`;
  const readList = read.length ? read.join(',\n      ') : '1 AS one';
  const finiteList = finite.length ? `,\n    ${finite.join(',\n    ')}` : '';
  const sql = `SELECT\n  ${select.join(',\n  ')}\nFROM (\n  SELECT r.*${finiteList}\n  FROM (\n    SELECT\n      ${readList}\n    FROM ${dialect.relation(spec.source)}${where}\n  ) AS r\n) AS w${groupBy}`;
  return { name: 'drift-scan', sql, parameters };
}

/** Above this many combinations of segment values, the job asks for `sets` grouping. */
export const MAX_SEGMENT_COMBINATIONS = 1024;

/** Counts the combinations of segment values in a window (run before a scan with 2+ segment columns). */
export function buildSegmentCombinationsQuery(
  spec: Pick<DriftScanSpec, 'source' | 'window' | 'segments'>,
  dialect: SqlDialect,
): CompiledQuery {
  const keys = spec.segments.map((column) => dialect.toVarchar(quoteIdentifier(column)));
  const { where, parameters } = windowFilter(spec.window);
  const sql = `SELECT count(*) AS combinations FROM (SELECT ${keys.join(', ')} FROM ${dialect.relation(spec.source)}${where} GROUP BY ${keys.join(', ')}) AS c`;
  return { name: 'segment-combinations', sql, parameters };
}

/**
 * Splits a drift scan into scans of column groups (numeric, then categorical, in order) whose
 * rendered text stays within `maxBytes` (UTF-8), for an engine that limits query text (Athena:
 * 262,144 bytes; each numeric column with a 1,000-edge fine grid adds about 23 KB). Every part reads
 * the same window and segment columns, so its groups line up with the others'; one spec when the
 * whole scan fits. Athena bills the columns each query reads: the feature columns are read once in
 * all, the segment columns once per part.
 * @throws Error when one column's scan alone exceeds the budget
 */
export function splitDriftScan(spec: DriftScanSpec, dialect: SqlDialect, maxBytes: number): DriftScanSpec[] {
  const size = (s: DriftScanSpec) => new TextEncoder().encode(buildDriftScan(s, dialect).sql).length;
  if (size(spec) <= maxBytes) return [spec];
  type Item = { numeric: NumericColumnSpec } | { categorical: string };
  const items: Item[] = [
    ...spec.numeric.map((numeric) => ({ numeric })),
    ...spec.categorical.map((categorical) => ({ categorical })),
  ];
  const partOf = (group: Item[]): DriftScanSpec => ({
    ...spec,
    numeric: group.flatMap((i) => ('numeric' in i ? [i.numeric] : [])),
    categorical: group.flatMap((i) => ('categorical' in i ? [i.categorical] : [])),
  });
  const parts: DriftScanSpec[] = [];
  let current: Item[] = [];
  for (const item of items) {
    if (current.length && size(partOf([...current, item])) > maxBytes) {
      parts.push(partOf(current));
      current = [];
    }
    current.push(item);
    if (current.length === 1 && size(partOf(current)) > maxBytes) {
      const name = 'numeric' in item ? item.numeric.column : item.categorical;
      throw new Error(
        `the drift scan of column ${name} alone is over ${maxBytes} bytes of SQL: use fewer bins or a method without the fine grid (psi) for it`,
      );
    }
  }
  if (current.length) parts.push(partOf(current));
  return parts;
}
