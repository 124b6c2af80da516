/**
 * The ports between the domain (lib/jobs, lib/alerts) and the outside world.
 * Adapters in lib/adapters implement them: DuckDB and a folder locally, Athena, S3, SNS and
 * EventBridge on AWS. Ports are small and every method is documented.
 */
import type { DataSource, DateRange, SqlDialect } from './sql/dialect.js';

/** A scalar as it comes back from a query: BIGINT and DECIMAL are converted to number. */
export type SqlValue = string | number | boolean | null;

/** A row returned by a query, keyed by column alias. */
export type Row = Record<string, SqlValue>;

/**
 * A result as columns: each output column's values in row order, all `rowCount` long. What a
 * reader of many result rows (the grid path's cells) takes instead of row objects.
 */
export interface ColumnarResult {
  readonly rowCount: number;
  readonly columns: Readonly<Record<string, readonly SqlValue[]>>;
}

/** Rows turned into columns (for engines without `queryColumns`); every row's keys, in first-seen order. */
export function columnsOfRows(rows: readonly Row[]): ColumnarResult {
  const columns: Record<string, SqlValue[]> = {};
  rows.forEach((row, i) => {
    for (const [name, value] of Object.entries(row)) {
      let column = columns[name];
      if (!column) {
        column = new Array<SqlValue>(rows.length).fill(null);
        columns[name] = column;
      }
      column[i] = value;
    }
  });
  return { rowCount: rows.length, columns };
}

/** SQL text plus positional parameters for its `?` placeholders (strings and numbers only). */
export interface CompiledQuery {
  readonly sql: string;
  readonly parameters: readonly (string | number)[];
  /** A short name for logs, metrics and error messages, e.g. `drift-scan`. */
  readonly name: string;
}

/** What a query cost: filled by engines that know (Athena), zero elsewhere. */
export interface QueryStats {
  bytesScanned: number;
  engineMillis: number;
  queries: number;
}

/** Runs read-only SQL against prediction and label logs. */
/** One data file and its top-level column names, as the file spells them. */
export interface FileColumns {
  readonly file: string;
  readonly columns: readonly string[];
}

export interface QueryEngine {
  /** The dialect this engine speaks; builders render SQL through it. */
  readonly dialect: SqlDialect;
  /** Runs one query and returns every row (results are aggregates: kilobytes, not the log). */
  query(q: CompiledQuery, opts?: { signal?: AbortSignal }): Promise<Row[]>;
  /**
   * Optional: runs one query and returns its result by column (same values as `query`), without
   * building an object per row: cheaper for results of many rows (measured on the grid path's
   * 70,000 x 16 result: row objects 0.3-0.7 s of CPU, columns 0.1 s). Callers fall back to
   * `columnsOfRows(await query(q))` where an engine lacks it.
   */
  queryColumns?(q: CompiledQuery, opts?: { signal?: AbortSignal }): Promise<ColumnarResult>;
  /**
   * Optional: writes a query's rows to engine-local temporary storage and returns a FROM-clause
   * relation reading them, plus a release that deletes them. Engines that spill to disk under a
   * memory cap (DuckDB) offer it so a big job can run in stages; Athena needs no staging.
   */
  stage?(q: CompiledQuery): Promise<{ relation: string; release(): Promise<void> }>;
  /**
   * Optional, for engines that read files (DuckDB): the source narrowed to exactly the files of
   * the `dt` partitions in `range` (every partition without one; every data file of an
   * unpartitioned log), with the partitions covered and the stray folders ignored. `files` may be
   * empty (nothing in the range). Engines that read tables (Athena) leave it out: the Glue table
   * and the `dt` filter prune there.
   */
  resolveFiles?(source: DataSource, range?: DateRange): Promise<DataSource>;
  /**
   * Optional, for engines that read files (DuckDB): the top-level columns of each of a resolved
   * source's `files`, as the file spells them, from metadata only (Parquet footers, the CSV
   * header, the keys of the sampled JSON rows). Engines that read tables (Athena) leave it out:
   * lib/jobs/file-check.ts then asks the table per file (`"$path"`).
   */
  fileColumns?(source: DataSource): Promise<FileColumns[]>;
  /** Totals for the queries run so far by this engine instance. */
  stats(): QueryStats;
  /** Releases connections; the engine is unusable afterwards. */
  close(): Promise<void>;
}

/**
 * Stores result documents and state under deterministic keys (a folder locally, S3 on AWS).
 * Keys are `/`-separated relative paths such as `credit-default/drift/dt=2026-01-21/P1D.json`.
 */
export interface ResultStore {
  /** Writes (replaces) a JSON document. */
  putJson(key: string, doc: unknown): Promise<void>;
  /** Reads a JSON document, or `undefined` when the key does not exist. */
  getJson<T = unknown>(key: string): Promise<T | undefined>;
  /** Creates a JSON document only if the key does not exist yet; returns false when it did. */
  createJson(key: string, doc: unknown): Promise<boolean>;
  /** Writes a text object (an HTML report, a digest). */
  putText(key: string, text: string, contentType: string): Promise<void>;
  /** Lists the keys under a prefix, sorted. */
  list(prefix: string): Promise<string[]>;
  /** A link a person can open for a key (file:// locally, an https console or presigned URL on AWS). */
  linkFor(key: string): string;
}

/** The time, injected so jobs and policies are deterministic in tests. */
export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };
