/**
 * The embedded QueryEngine: DuckDB in-process, reading local folders of Parquet, JSON lines or CSV.
 * Only the extensions DuckDB ships built in (parquet, json, icu) are used; nothing is downloaded.
 */
import { randomUUID } from 'node:crypto';
import { createReadStream, rmSync } from 'node:fs';
import { mkdir, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { createGunzip } from 'node:zlib';
import type { DuckDBConnection, DuckDBInstance, DuckDBValue } from '@duckdb/node-api';
import type {
  ColumnarResult,
  CompiledQuery,
  FileColumns,
  QueryEngine,
  QueryStats,
  Row,
  SqlValue,
} from '../ports.js';
import { CSV_DIALECT, type DataSource, type DateRange, duckdbDialect } from '../sql/dialect.js';
import { quoteString } from '../sql/identifiers.js';
import { resolveLocalFiles } from './local-files.js';

/** The DuckDB version driftwatch is tested with (package.json pins it). */
export const DUCKDB_PACKAGE = '@duckdb/node-api@1.5.5-r.5';

/**
 * DuckDB is loaded when an engine is created, not when this module is: the installed CLI's
 * `--help` and the commands that read no files work without it, and a CDK app that installs the
 * package for its constructs never installs it (it is in no dependency list of the package: an
 * optional peer dependency would be cleaner for npm, but jsii refuses a peer that is not a jsii module).
 */
async function loadDuckDb(): Promise<typeof import('@duckdb/node-api')> {
  try {
    return await import('@duckdb/node-api');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ERR_MODULE_NOT_FOUND' && String((error as Error).message).includes('@duckdb/node-api')) {
      throw new Error(
        `the local engine needs DuckDB, which is not installed: run \`npm install ${DUCKDB_PACKAGE}\` where driftwatch is installed (or \`npm install -g ${DUCKDB_PACKAGE}\` beside a global driftwatch; with npx: \`npx -p driftwatch -p ${DUCKDB_PACKAGE} driftwatch ...\`)`,
      );
    }
    throw error;
  }
}

/** At most this many CSV files of a failed query are re-read to find its bad row. */
const CSV_DIAGNOSIS_FILES = 50;

/** The header line of a CSV file (gzip or plain), or undefined when it cannot be read. */
async function csvHeader(file: string): Promise<string | undefined> {
  const input = createReadStream(file);
  const stream = /\.gz$/i.test(file) ? input.pipe(createGunzip()) : input;
  const lines = createInterface({ input: stream, crlfDelay: Number.POSITIVE_INFINITY });
  try {
    for await (const line of lines) return line;
    return undefined;
  } finally {
    lines.close();
    input.destroy();
  }
}

/**
 * The first row of a CSV file DuckDB rejects (line, text, reason) and how many rows it rejects, as
 * an error message. Reads every column as text with the header's names and no sniffing: the
 * sniffer itself fails on some bad rows (an unterminated quote), even with `ignore_errors`.
 */
async function csvRejects(connection: DuckDBConnection, file: string): Promise<string | undefined> {
  const header = await csvHeader(file);
  if (!header) return undefined;
  const names = header.split(',').map((name, i) => name.replace(/^"|"$/g, '') || `column${i}`);
  const columns = `{${names.map((n) => `${quoteString(n)}: 'VARCHAR'`).join(', ')}}`;
  await connection.run('DROP TABLE IF EXISTS reject_errors; DROP TABLE IF EXISTS reject_scans');
  await connection.run(
    `SELECT count(*) FROM read_csv(${quoteString(file)}, ${CSV_DIALECT}, header = true, auto_detect = false, columns = ${columns}, ignore_errors = true, store_rejects = true)`,
  );
  const reader = await connection.runAndReadAll(
    'SELECT line, csv_line, error_message, (SELECT count(DISTINCT line) FROM reject_errors) AS bad FROM reject_errors ORDER BY line LIMIT 1',
  );
  const row = reader.getRowObjectsJS()[0];
  if (!row) return undefined;
  const text = String(row.csv_line ?? '').split('\n')[0]!;
  const shown = text.length > 120 ? `${text.slice(0, 117)}...` : text;
  const bad = Number(row.bad);
  return `cannot read data file ${file}: line ${row.line} (${JSON.stringify(shown)}): ${row.error_message}${bad > 1 ? ` (${bad} bad rows in the file)` : ''}; fix or remove ${bad > 1 ? 'those rows' : 'that row'}, or remove the file`;
}

/**
 * The top-level column names of a Parquet schema as `parquet_schema` lists it (depth first: the
 * root, then each column followed by its nested fields).
 */
export function topLevelColumns(schema: readonly { name: string; children: number }[]): string[] {
  const names: string[] = [];
  // Index just past the subtree starting at `at`.
  const skip = (at: number): number => {
    let next = at + 1;
    for (let i = 0; i < (schema[at]?.children ?? 0); i++) next = skip(next);
    return next;
  };
  let at = 1;
  for (let i = 0; i < (schema[0]?.children ?? 0) && at < schema.length; i++) {
    names.push(schema[at]!.name);
    at = skip(at);
  }
  return names;
}

/** A query DuckDB refused or failed: names the query and DuckDB's reason. */
export class QueryFailedError extends Error {
  constructor(
    readonly queryName: string,
    readonly reason: string,
    options?: { cause?: unknown },
  ) {
    super(`query ${queryName} failed: ${reason}`, options);
    this.name = 'QueryFailedError';
  }
}

/** DuckDB's message reduced to one line a person can act on. */
export function explainDuckDbError(message: string): string {
  const noFiles = /No files found that match the pattern "([^"]+)"/.exec(message);
  if (noFiles) {
    return `no file matches ${noFiles[1]}: check the location in the monitor definition (relative paths start at the definition's folder)`;
  }
  const firstLine = message.split('\n')[0]!.trim();
  if (/Out of Memory Error/i.test(firstLine)) {
    return `${firstLine} (the window needs more memory than the local cap: set DRIFTWATCH_MEMORY_LIMIT, e.g. DRIFTWATCH_MEMORY_LIMIT=4GB)`;
  }
  // DuckDB names the file it could not read (quoted with ' or "): lead with it.
  const file = /\b[Ff]ile ['"]([^'"]+)['"]/.exec(firstLine)?.[1] ?? /GZIP[^:]*: (\S+)$/i.exec(firstLine)?.[1];
  if (file && /Invalid Input Error|IO Error|Conversion Error|parquet|magic bytes|JSON|CSV/i.test(firstLine)) {
    return `cannot read data file ${file}: ${firstLine} (an unreadable data file: re-write or remove it)`;
  }
  if (/parquet|magic bytes|Invalid Input Error/i.test(firstLine)) {
    return `${firstLine} (an unreadable data file: re-write or remove it)`;
  }
  return firstLine;
}

export interface DuckDbEngineOptions {
  /** Worker threads; defaults to DuckDB's choice (the core count). */
  threads?: number;
  /** A memory cap such as `1GB`; defaults to DuckDB's (80% of RAM). */
  memoryLimit?: string;
  /** Where DuckDB spills joins, aggregates and sorts that exceed the cap; DuckDB's default is `.tmp` in the working directory. */
  tempDirectory?: string;
}

/** The memory cap of local runs unless DRIFTWATCH_MEMORY_LIMIT says otherwise. */
export const DEFAULT_LOCAL_MEMORY_LIMIT = '512MB';

/**
 * The engine options of local runs (CLI, demo, benchmark): memory capped at
 * DRIFTWATCH_MEMORY_LIMIT (default 512MB: big windows spill to the OS temp folder instead of
 * growing with rows), threads from DRIFTWATCH_THREADS (default: every core).
 */
export function localEngineOptions(env: NodeJS.ProcessEnv = process.env): DuckDbEngineOptions {
  const threads = env.DRIFTWATCH_THREADS ? Number(env.DRIFTWATCH_THREADS) : undefined;
  if (threads !== undefined && !(Number.isInteger(threads) && threads > 0)) {
    throw new Error(
      `DRIFTWATCH_THREADS=${env.DRIFTWATCH_THREADS} is not a positive integer: unset it or use e.g. 2`,
    );
  }
  const memoryLimit = env.DRIFTWATCH_MEMORY_LIMIT ?? DEFAULT_LOCAL_MEMORY_LIMIT;
  if (!/^\d+(\.\d+)?\s*(KB|MB|GB|TB|KiB|MiB|GiB|TiB)$/i.test(memoryLimit)) {
    throw new Error(`DRIFTWATCH_MEMORY_LIMIT=${memoryLimit} is not a size: use e.g. 512MB or 4GB`);
  }
  return {
    memoryLimit,
    // One folder per process: two DuckDB processes spilling into one folder could clash.
    tempDirectory: join(tmpdir(), SPILL_PARENT, String(process.pid)),
    ...(threads ? { threads } : {}),
  };
}

/**
 * The spill folders of this process's open engines, with how many engines use each (every local
 * engine of a process shares `<tmp>/driftwatch-duckdb/<pid>`): created (recursively: DuckDB
 * creates only the last level) before DuckDB needs them, removed when the last engine using one
 * closes, and on exit, SIGINT and SIGTERM.
 */
const spillFolders = new Map<string, number>();
let spillHandlersInstalled = false;

function removeSpillFoldersSync(): void {
  for (const folder of spillFolders.keys()) rmSync(folder, { recursive: true, force: true });
  spillFolders.clear();
}

function installSpillHandlers(): void {
  if (spillHandlersInstalled) return;
  spillHandlersInstalled = true;
  process.on('exit', removeSpillFoldersSync);
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    const onSignal = () => {
      // Another handler (e.g. a CLI that stops cleanly) owns the signal: it closes the engines or
      // exits, and the exit handler removes the folders. Alone, remove them and die of the signal
      // as if no handler were installed (exit status 130 / 143 in a shell).
      if (process.listenerCount(signal) > 1) return;
      removeSpillFoldersSync();
      process.removeListener(signal, onSignal);
      process.kill(process.pid, signal);
    };
    process.on(signal, onSignal);
  }
}

/** Removes `<parent>/<pid>` spill folders whose process is gone (killed before it could clean up). */
async function removeStaleSpillFolders(parent: string): Promise<void> {
  const names = await readdir(parent).catch(() => [] as string[]);
  for (const name of names) {
    if (!/^\d+$/.test(name) || Number(name) === process.pid) continue;
    try {
      process.kill(Number(name), 0);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ESRCH') {
        await rm(join(parent, name), { recursive: true, force: true });
      }
    }
  }
}

async function holdSpillFolder(folder: string): Promise<void> {
  await mkdir(folder, { recursive: true });
  spillFolders.set(folder, (spillFolders.get(folder) ?? 0) + 1);
  installSpillHandlers();
  if (basename(dirname(folder)) === SPILL_PARENT) await removeStaleSpillFolders(dirname(folder));
}

async function releaseSpillFolder(folder: string): Promise<void> {
  const users = (spillFolders.get(folder) ?? 1) - 1;
  if (users > 0) {
    spillFolders.set(folder, users);
    return;
  }
  spillFolders.delete(folder);
  await rm(folder, { recursive: true, force: true });
}

/** The folder under the OS temp folder that holds one spill folder per process. */
const SPILL_PARENT = 'driftwatch-duckdb';

function toSqlValue(value: DuckDBValue): SqlValue {
  if (
    value === null ||
    typeof value === 'string' ||
    typeof value === 'number' ||
    typeof value === 'boolean'
  ) {
    return value;
  }
  if (typeof value === 'bigint') return Number(value);
  // DECIMAL, DATE, TIMESTAMP and friends: their string form is exact and readable.
  const text = String(value);
  if (value.constructor?.name === 'DuckDBDecimalValue') return Number(text);
  return text;
}

export class DuckDbQueryEngine implements QueryEngine {
  readonly dialect = duckdbDialect;
  private readonly totals: QueryStats = { bytesScanned: 0, engineMillis: 0, queries: 0 };
  private closed = false;

  private constructor(
    private readonly instance: DuckDBInstance,
    private readonly connection: DuckDBConnection,
    private readonly stageFolder?: string,
  ) {}

  static async create(options: DuckDbEngineOptions = {}): Promise<DuckDbQueryEngine> {
    const config: Record<string, string> = {
      autoinstall_known_extensions: 'false',
      autoload_known_extensions: 'false',
    };
    if (options.threads) config.threads = String(options.threads);
    if (options.memoryLimit) config.memory_limit = options.memoryLimit;
    if (options.tempDirectory) {
      config.temp_directory = options.tempDirectory;
      await holdSpillFolder(options.tempDirectory);
    }
    try {
      const { DuckDBInstance } = await loadDuckDb();
      const instance = await DuckDBInstance.create(':memory:', config);
      const connection = await instance.connect();
      // Event times are UTC (dialect.eventTime converts through TIMESTAMPTZ): a text timestamp
      // without an offset, or a TIMESTAMP column, reads as UTC whatever the machine's zone.
      await connection.run("SET TimeZone = 'UTC'");
      return new DuckDbQueryEngine(instance, connection, options.tempDirectory);
    } catch (error) {
      if (options.tempDirectory) await releaseSpillFolder(options.tempDirectory);
      throw error;
    }
  }

  async query(q: CompiledQuery): Promise<Row[]> {
    return this.timed(q, async () => {
      const reader = q.parameters.length
        ? await this.connection.runAndReadAll(q.sql, [...q.parameters])
        : await this.connection.runAndReadAll(q.sql);
      const names = reader.columnNames();
      return reader.getRows().map((values) => {
        const row: Row = {};
        values.forEach((value, i) => {
          row[names[i]!] = toSqlValue(value);
        });
        return row;
      });
    });
  }

  /** Runs a query and returns its columns (the values `query` gives, without a row object per row). */
  async queryColumns(q: CompiledQuery): Promise<ColumnarResult> {
    return this.timed(q, async () => {
      const reader = q.parameters.length
        ? await this.connection.runAndReadAll(q.sql, [...q.parameters])
        : await this.connection.runAndReadAll(q.sql);
      const names = reader.columnNames();
      const columns: Record<string, SqlValue[]> = {};
      reader.getColumns().forEach((values, i) => {
        columns[names[i]!] = values.map(toSqlValue);
      });
      return { rowCount: reader.currentRowCount, columns };
    });
  }

  /**
   * Writes a query's rows to a Parquet file in the spill folder (zstd) and returns a relation
   * reading it; `release` deletes the file. Staging lets a big job run as two queries, so no
   * pipeline holds a join's hash table and window sorts at once under the memory cap.
   */
  async stage(q: CompiledQuery): Promise<{ relation: string; release(): Promise<void> }> {
    const folder = this.stageFolder ?? tmpdir();
    await mkdir(folder, { recursive: true });
    const file = join(folder, `driftwatch-stage-${randomUUID()}.parquet`);
    const copy = `COPY (${q.sql}) TO ${quoteString(file)} (FORMAT parquet, COMPRESSION zstd)`;
    try {
      await this.timed(q, () =>
        q.parameters.length ? this.connection.run(copy, [...q.parameters]) : this.connection.run(copy),
      );
    } catch (error) {
      await rm(file, { force: true });
      throw error;
    }
    return { relation: `read_parquet(${quoteString(file)})`, release: () => rm(file, { force: true }) };
  }

  /** The files of a local log in a date range (lib/adapters/local-files.ts). */
  resolveFiles(source: DataSource, range?: DateRange): Promise<DataSource> {
    return resolveLocalFiles(source, range);
  }

  /**
   * Each file's top-level columns from metadata: one `parquet_schema` over all Parquet files (the
   * footers only: no row is read), one DESCRIBE per CSV file (its header; the sniffer reads a
   * sample) or JSON-lines file (the keys of the sampled rows). Counted in `stats()` like queries.
   */
  async fileColumns(source: DataSource): Promise<FileColumns[]> {
    // A 0-byte file holds no row and no column (an empty part file of a writer): nothing to check;
    // as CSV DuckDB would describe it as `column0`, and it reads as no rows.
    const sizes = await Promise.all(
      (source.files ?? []).map((file) =>
        stat(file).then(
          (s) => s.size,
          () => undefined,
        ),
      ),
    );
    const files = (source.files ?? []).filter((_, i) => sizes[i] !== 0);
    if (!files.length) return [];
    if (source.format === 'parquet') {
      const q = {
        name: 'file-columns',
        sql: `SELECT file_name, name, num_children FROM parquet_schema([${files.map(quoteString).join(', ')}])`,
        parameters: [],
      };
      const rows = await this.query(q);
      const byFile = new Map<string, { name: string; children: number }[]>();
      for (const row of rows) {
        const file = String(row.file_name);
        const list = byFile.get(file) ?? [];
        list.push({ name: String(row.name), children: Number(row.num_children ?? 0) });
        byFile.set(file, list);
      }
      return files.map((file) => ({ file, columns: topLevelColumns(byFile.get(file) ?? []) }));
    }
    const out: FileColumns[] = [];
    for (const file of files) {
      const reader =
        source.format === 'csv'
          ? `read_csv(${quoteString(file)}, header = true, ${CSV_DIALECT})`
          : `read_json(${quoteString(file)}, format = 'newline_delimited')`;
      const rows = await this.query({
        name: 'file-columns',
        sql: `DESCRIBE SELECT * FROM ${reader}`,
        parameters: [],
      });
      out.push({ file, columns: rows.map((r) => String(r.column_name)) });
    }
    return out;
  }

  /** Runs a statement for a named query: counted and timed in `stats()`, failures as QueryFailedError. */
  private async timed<T>(q: CompiledQuery, run: () => Promise<T>): Promise<T> {
    const name = q.name;
    const started = performance.now();
    try {
      return await run();
    } catch (error) {
      const message = (error as Error).message;
      const rejected = await this.firstRejectedCsvRow(message, q.sql);
      throw new QueryFailedError(name, rejected ?? explainDuckDbError(message), { cause: error });
    } finally {
      this.totals.queries += 1;
      this.totals.engineMillis += performance.now() - started;
    }
  }

  /**
   * A CSV file DuckDB could not parse: reads it again, on a connection of its own, with its bad rows
   * rejected instead of fatal, and names the first one (line, text, reason) and how many there
   * are, so the error points at the row to fix rather than at the sniffer. Undefined when the
   * message names no CSV file or the diagnosis finds no rejected row.
   */
  private async firstRejectedCsvRow(message: string, sql: string): Promise<string | undefined> {
    if (!/CSV|sniffing file/i.test(message)) return undefined;
    const named = /\b[Ff]ile ['"]([^'"]+)['"]/.exec(message.split('\n')[0]!)?.[1];
    // With union_by_name DuckDB may name no file ("sniffing file \"\""): try the query's CSV files.
    const candidates = named
      ? [named]
      : [...sql.matchAll(/'((?:[^']|'')+\.csv(?:\.gz)?)'/gi)].map((m) => m[1]!.replaceAll("''", "'"));
    const connection = await this.instance.connect();
    try {
      for (const file of [...new Set(candidates)].slice(0, CSV_DIAGNOSIS_FILES)) {
        const found = await csvRejects(connection, file).catch(() => undefined);
        if (found) return found;
      }
      return undefined;
    } finally {
      connection.closeSync();
    }
  }

  /** Runs a statement that writes (used by the demo generator and tests, never by jobs). */
  async execute(sql: string): Promise<void> {
    await this.connection.run(sql);
  }

  stats(): QueryStats {
    return { ...this.totals };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.connection.closeSync();
    this.instance.closeSync();
    if (this.stageFolder) await releaseSpillFolder(this.stageFolder);
  }
}
