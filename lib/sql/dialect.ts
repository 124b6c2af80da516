/**
 * Every difference between the SQL engines driftwatch runs on lives in one object per engine.
 * Builders in lib/sql render their text through a SqlDialect; nothing else knows which engine
 * it talks to. DuckDB runs locally and in the tests; Athena (Trino) runs on AWS.
 */
import { quoteDouble, quoteIdentifier, quoteString } from './identifiers.js';

/** Where a log lies and how it is stored. */
export interface DataSource {
  /** A folder (locally) or an S3 URI (on AWS). */
  readonly location: string;
  readonly format: 'parquet' | 'jsonl' | 'csv';
  /** The Glue table over the location, when the engine reads tables (Athena). */
  readonly table?: { readonly database: string; readonly name: string };
  /** True when the location is Hive-partitioned on `dt=` folders. */
  readonly partitioned: boolean;
  /**
   * The files to read, when an engine that reads files (DuckDB) resolved them for one job: the
   * files of the `dt` partitions in the job's date range, or every data file of an unpartitioned
   * log. Absent: the engine reads the location (Athena: the Glue table, pruned by `dt`).
   * Never empty when present: an empty range is the job's `no_data`, not a query.
   */
  readonly files?: readonly string[];
  /** The `dt` values `files` covers (partitioned logs), sorted. */
  readonly partitions?: readonly string[];
  /** Folders of a partitioned log that are not `dt=YYYY-MM-DD` partitions: ignored, reported. */
  readonly stray?: readonly string[];
  /**
   * Files in the range's partitions that are not of the format (another extension, or none, as
   * Firehose writes): not read locally (a Glue table would read them), so they are reported.
   */
  readonly unread?: readonly string[];
  /**
   * Column aliases (a feature's `column:` beside its `name:`): the relation also exposes the real
   * column `column` as `name`, so every query reads features by their names.
   */
  readonly aliases?: readonly { readonly name: string; readonly column: string }[];
}

/** Wraps a relation so that each alias's real column is also readable under its name. */
export function withAliases(relation: string, source: DataSource): string {
  const aliases = (source.aliases ?? []).filter((a) => a.name !== a.column);
  if (!aliases.length) return relation;
  const extra = aliases.map((a) => `${quoteIdentifier(a.column)} AS ${quoteIdentifier(a.name)}`);
  return `(SELECT *, ${extra.join(', ')} FROM ${relation})`;
}

/** A date range `[from, to)` of `dt` partitions (YYYY-MM-DD). */
export interface DateRange {
  readonly from: string;
  readonly to: string;
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
  /**
   * Median aggregate of a DOUBLE (the mean of the two middle values when the count is even).
   * Exact in DuckDB (`quantile_cont`); APPROXIMATE in Athena (`approx_percentile`, a
   * quantile digest with a small rank error): see `medianIsExact`.
   */
  median(expr: string): string;
  /** Whether `median` is exact (DuckDB) or approximate (Athena). */
  readonly medianIsExact: boolean;
  /** A percentile aggregate, `p` in (0, 1): exact in DuckDB, approximate in Athena, like `median`. */
  percentile(expr: string, p: number): string;
  /**
   * An aggregate returning, as JSON text, the counts of `expr` in the bins
   * `(-inf, e1), [e1, e2), ..., [ek, +inf)` of strictly increasing `edges`; read it back with
   * `readFineHistogram`. Used for the fine (1,000-bin) reference-quantile grid of KS and
   * Wasserstein on large windows.
   */
  fineHistogram(expr: string, edges: readonly number[]): string;
  /** An approximate count of distinct values (HyperLogLog in both engines), to choose a plan. */
  approxDistinct(expr: string): string;
  /**
   * A 64-bit hash of a VARCHAR expression (DuckDB's `hash`), where grouping by it is cheaper than by
   * the text: the prediction checks group ids by it first (see buildPredictionChecksQuery). Absent
   * (Athena): group by the text.
   */
  readonly idHash?: (expr: string) => string;
  /** A query listing a log's columns as rows `{ column_name, column_type }`. */
  describe(source: DataSource): { sql: string; parameters: string[] };
  /** Decodes `fineHistogram`'s JSON into `edges.length + 1` counts. */
  readFineHistogram(json: string | null, edges: readonly number[]): number[];
  /**
   * A TIMESTAMP expression (UTC) for the log's timestamp column `column`: DuckDB casts through
   * TIMESTAMPTZ to UTC (a TIMESTAMP column stays itself, ISO-8601 text is parsed honouring its
   * offset); Athena reads a Parquet log's column
   * as the Glue `timestamp` it is declared and parses a JSON-lines or CSV log's `string` column
   * with `from_iso8601_timestamp` (so that text must be ISO-8601, e.g. 2026-10-21T05:13:07Z).
   */
  eventTime(column: string, source: DataSource): string;
  /** Seconds since 1970-01-01T00:00:00Z of a TIMESTAMP expression, as a DOUBLE. */
  epochSeconds(expr: string): string;
}

/**
 * The filter on a log's `dt` partitions for a window `[from, to)`, same in every dialect: a
 * ` WHERE` clause with `?` placeholders and their parameters, or nothing when there is no window.
 */
export function windowFilter(
  window: { from: string; to: string } | undefined,
  column = 'dt',
): { where: string; parameters: string[] } {
  if (!window) return { where: '', parameters: [] };
  const c = quoteIdentifier(column);
  return { where: ` WHERE ${c} >= ? AND ${c} < ?`, parameters: [window.from, window.to] };
}

/** A time range `[start, end)` between UTC instants written `YYYY-MM-DDTHH:MM:SSZ`. */
export interface TimeRange {
  readonly start: string;
  readonly end: string;
}

/** An instant `YYYY-MM-DDTHH:MM:SSZ` as the `YYYY-MM-DD HH:MM:SS` text both engines cast to TIMESTAMP. */
function timestampText(instant: string, field: string): string {
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/.test(instant) || Number.isNaN(Date.parse(instant))) {
    throw new Error(`${field} ${JSON.stringify(instant)} is not a UTC timestamp: use YYYY-MM-DDTHH:MM:SSZ`);
  }
  return `${instant.slice(0, 10)} ${instant.slice(11, 19)}`;
}

/** The `dt` days a time range touches, `[day of start, day after its last instant)`. */
export function touchedDays(range: TimeRange): DateRange {
  const from = Date.parse(range.start);
  const last = Math.max(from, Date.parse(range.end) - 1);
  const next = new Date(last);
  next.setUTCDate(next.getUTCDate() + 1);
  return { from: range.start.slice(0, 10), to: next.toISOString().slice(0, 10) };
}

/**
 * The filter of a sub-day window (or any time range) `[start, end)`: the `dt` partitions of every
 * day the range touches (partition pruning, as `windowFilter`), AND the event time
 * (`dialect.eventTime` of `timestampColumn`) within the range. A ` WHERE` clause whose four values
 * are `?` parameters (Athena accepts parameters only in WHERE): the two days, then the two instants
 * as `YYYY-MM-DD HH:MM:SS` text cast to TIMESTAMP in the SQL.
 * @example timeWindowFilter({ start: '2026-10-21T23:00:00Z', end: '2026-10-22T01:00:00Z' }, ...)
 *   // parameters ['2026-10-21', '2026-10-23', '2026-10-21 23:00:00', '2026-10-22 01:00:00']
 */
export function timeWindowFilter(
  range: TimeRange,
  spec: { timestampColumn: string; source: DataSource; partitionColumn?: string },
  dialect: SqlDialect,
): { where: string; parameters: string[]; days: DateRange } {
  const start = timestampText(range.start, 'window start');
  const end = timestampText(range.end, 'window end');
  if (range.end <= range.start) {
    throw new Error(`window end ${range.end} must be after its start ${range.start}`);
  }
  const days = touchedDays(range);
  const dt = quoteIdentifier(spec.partitionColumn ?? 'dt');
  const time = dialect.eventTime(spec.timestampColumn, spec.source);
  return {
    where: ` WHERE ${dt} >= ? AND ${dt} < ? AND ${time} >= CAST(? AS TIMESTAMP) AND ${time} < CAST(? AS TIMESTAMP)`,
    parameters: [days.from, days.to, start, end],
    days,
  };
}

/**
 * The 0-based index of the sub-window of `windowSeconds` that an event time falls in, counted from
 * `startEpochSeconds` (the range's start): a BIGINT expression for a GROUP BY. Numbers are literals
 * (they are ours, not the user's), since Athena refuses parameters outside WHERE.
 */
export function subWindowIndex(
  dialect: SqlDialect,
  timeExpr: string,
  startEpochSeconds: number,
  windowSeconds: number,
): string {
  if (!Number.isInteger(startEpochSeconds) || !Number.isInteger(windowSeconds) || windowSeconds <= 0) {
    throw new Error(`sub-window bounds must be whole seconds: ${startEpochSeconds}, ${windowSeconds}`);
  }
  return `CAST(floor((${dialect.epochSeconds(timeExpr)} - ${startEpochSeconds}) / ${windowSeconds}) AS BIGINT)`;
}

/** The largest double below `x` (x finite): `v < x` exactly when `v <= previousDouble(x)`. */
export function previousDouble(x: number): number {
  if (x === 0) return -Number.MIN_VALUE;
  const buffer = new DataView(new ArrayBuffer(8));
  buffer.setFloat64(0, x);
  const bits = buffer.getBigUint64(0);
  buffer.setBigUint64(0, x > 0 ? bits - 1n : bits + 1n);
  return buffer.getFloat64(0);
}

/** The smallest double above `x` (x finite): `v > x` exactly when `v >= nextDouble(x)`. */
export function nextDouble(x: number): number {
  return -previousDouble(-x);
}

function parseCounts(json: string | null): Record<string, number> {
  return json ? (JSON.parse(json) as Record<string, number>) : {};
}

/**
 * What DuckDB reads: the resolved file list when there is one (the normal path of the jobs), a
 * single file, or a glob over the location (only for callers that did not resolve files; DuckDB's
 * glob has no `{a,b}` alternatives, so a JSON-lines folder reads `*.jsonl` only).
 */
function pathsFor(source: DataSource): string {
  if (source.files) {
    if (source.files.length === 0) {
      throw new Error(
        `no data file to read under ${source.location}: an empty range is no_data, not a query`,
      );
    }
    return `[${source.files.map(quoteString).join(', ')}]`;
  }
  const base = source.location.replace(/\/+$/, '');
  const ext = source.format;
  if (/\.(parquet|pq|csv|jsonl?|ndjson)(\.gz)?$/i.test(base)) return quoteString(base);
  return quoteString(source.partitioned ? `${base}/**/*.${ext}` : `${base}/*.${ext}`);
}

/**
 * What `csv` means: comma-separated with double quotes, as the Glue table's OpenCSVSerde reads it
 * on AWS (infra/glue-tables.ts). Left to DuckDB's sniffer, one row with an extra field made it
 * pick `|` as the delimiter, read the whole file as one column and report every feature as a
 * missing column; pinned, such a row is an error that names the file and the line.
 */
/**
 * The types DuckDB's CSV sniffer may pick: its defaults without BOOLEAN. A yes/no (or t/f) column
 * was BOOLEAN in a file of only those words and VARCHAR in a file with one other value, so the
 * same answers read 'true' in the reference and 'yes' in a window (every row a new category);
 * as text they read the same everywhere, as on Athena, and lib/sql/boolean-text.ts gives the
 * words their 0/1 meaning where a flag is read.
 */
export const CSV_TYPES = `auto_type_candidates = ['BIGINT', 'DOUBLE', 'TIME', 'DATE', 'TIMESTAMP', 'TIMESTAMPTZ', 'VARCHAR']`;

export const CSV_DIALECT = `delim = ',', quote = '"'`;

export const duckdbDialect: SqlDialect = {
  name: 'duckdb',
  relation(source) {
    const path = pathsFor(source);
    const hive = source.partitioned ? ', hive_partitioning = true, hive_types_autocast = false' : '';
    switch (source.format) {
      case 'parquet':
        return withAliases(`read_parquet(${path}${hive}, union_by_name = true)`, source);
      case 'csv':
        return withAliases(
          `read_csv(${path}${hive}, union_by_name = true, header = true, ${CSV_DIALECT}, ${CSV_TYPES})`,
          source,
        );
      case 'jsonl':
        return withAliases(
          `read_json(${path}${hive}, format = 'newline_delimited', union_by_name = true)`,
          source,
        );
    }
  },
  isFinite: (expr) => `isfinite(${expr})`,
  mapToJson: (expr) => `CAST(to_json(${expr}) AS VARCHAR)`,
  toVarchar: (expr) => `CAST(${expr} AS VARCHAR)`,
  stddevPop: (expr) => `stddev_pop(${expr})`,
  median: (expr) => `quantile_cont(${expr}, 5e-1)`,
  medianIsExact: true,
  percentile: (expr, p) => `quantile_cont(${expr}, ${quoteDouble(p)})`,
  approxDistinct: (expr) => `approx_count_distinct(${expr})`,
  idHash: (expr) => `hash(${expr})`,
  describe: (source) => ({ sql: `DESCRIBE SELECT * FROM ${duckdbDialect.relation(source)}`, parameters: [] }),
  // DuckDB's histogram(x, bounds) counts (b[i-1], b[i]] and a last "inf" bucket; bounds just
  // below each edge turn that into [e[i-1], e[i]). Keys print as shortest round-trip doubles.
  fineHistogram: (expr, edges) =>
    `CAST(to_json(histogram(${expr}, [${edges.map((e) => quoteDouble(previousDouble(e))).join(', ')}])) AS VARCHAR)`,
  readFineHistogram(json, edges) {
    const index = new Map(edges.map((e, i) => [previousDouble(e), i]));
    const counts = new Array<number>(edges.length + 1).fill(0);
    for (const [key, count] of Object.entries(parseCounts(json))) {
      const bin = key === 'inf' ? edges.length : index.get(Number(key));
      if (bin === undefined) throw new Error(`fine histogram bucket ${key} matches no edge`);
      counts[bin]! += count;
    }
    return counts;
  },
  // Through TIMESTAMPTZ, then UTC: ISO text with an offset ('02:30+02:00') lands on its instant
  // (00:30Z) as Athena's from_iso8601_timestamp puts it (a plain CAST AS TIMESTAMP drops the
  // offset); text without one and TIMESTAMP columns read as UTC (the engine's session zone).
  eventTime: (column) => `timezone('UTC', CAST(${quoteIdentifier(column)} AS TIMESTAMPTZ))`,
  epochSeconds: (expr) => `epoch(${expr})`,
};

export const athenaDialect: SqlDialect = {
  name: 'athena',
  relation(source) {
    if (!source.table) {
      throw new Error(`athena reads logs through Glue tables: no table is configured for ${source.location}`);
    }
    return withAliases(
      `${quoteIdentifier(source.table.database)}.${quoteIdentifier(source.table.name)}`,
      source,
    );
  },
  isFinite: (expr) => `is_finite(${expr})`,
  mapToJson: (expr) => `json_format(CAST(${expr} AS JSON))`,
  toVarchar: (expr) => `CAST(${expr} AS VARCHAR)`,
  stddevPop: (expr) => `stddev_pop(${expr})`,
  median: (expr) => `approx_percentile(${expr}, 5e-1)`,
  medianIsExact: false,
  percentile: (expr, p) => `approx_percentile(${expr}, ${quoteDouble(p)})`,
  approxDistinct: (expr) => `approx_distinct(${expr})`,
  describe(source) {
    if (!source.table) throw new Error(`no Glue table is configured for ${source.location}`);
    return {
      sql: 'SELECT column_name, data_type AS column_type FROM information_schema.columns WHERE table_schema = ? AND table_name = ?',
      parameters: [source.table.database, source.table.name],
    };
  },
  // width_bucket(x, bins) is 0 below bins[1], i for bins[i] <= x < bins[i+1]: our bins exactly.
  fineHistogram: (expr, edges) =>
    `json_format(CAST(histogram(width_bucket(${expr}, ARRAY[${edges.map(quoteDouble).join(', ')}])) AS JSON))`,
  readFineHistogram(json, edges) {
    const counts = new Array<number>(edges.length + 1).fill(0);
    for (const [key, count] of Object.entries(parseCounts(json))) {
      const bin = Number(key);
      if (!Number.isInteger(bin) || bin < 0 || bin > edges.length)
        throw new Error(`fine histogram bucket ${key} is out of range`);
      counts[bin]! += count;
    }
    return counts;
  },
  eventTime: (column, source) =>
    source.format === 'parquet'
      ? quoteIdentifier(column)
      : `from_iso8601_timestamp(${quoteIdentifier(column)})`,
  epochSeconds: (expr) => `to_unixtime(${expr})`,
};
