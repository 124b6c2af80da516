/**
 * An Athena stand-in for the deployment replay: the handlers' own AthenaClient (mocked with
 * aws-sdk-client-mock, so every instance in the process) answers StartQueryExecution,
 * GetQueryExecution, GetQueryResults and StopQueryExecution by running the Trino text on DuckDB
 * over relations typed exactly as the Glue tables declare.
 *
 * Tables: for each Glue table over Parquet, the files under its location are downloaded from the
 * S3 server and read through a view `"<database>"."<table>"` that casts every declared column to
 * its declared type. Each file's Parquet physical type is checked against the declared type with
 * Athena's documented compatibility rules (`parquetCompatible`: INT32 reads as int or bigint, not
 * double; FLOAT as real or double; INT64 as bigint; BYTE_ARRAY strings as string/varchar; INT64
 * timestamps and INT96 as timestamp); a column the file cannot be read as becomes an expression
 * that fails with `HIVE_BAD_DATA` when a query reads a row of it, as Athena does. A declared column
 * missing from a file reads as NULL; a file column matches a declared one whatever its case
 * (`Revenue` is `revenue`), as Trino's Hive connector maps Parquet columns; partition keys come from
 * the `dt=` folders (strings, like the table's `dt`); the hidden column `"$path"` is each row's file
 * (`s3://bucket/key`), which the per-file column check groups by. Text tables (the results table)
 * are not served.
 *
 * Limits enforced (Athena's documentation):
 * - query text at most 262,144 bytes (StartQueryExecution fails with InvalidRequestException);
 * - execution parameters (`?`) only in a WHERE clause (the query FAILS otherwise), their count
 *   equal to the `?` count;
 * - the workgroup's BytesScannedCutoffPerQuery (the query FAILS when it would scan more).
 * DataScannedInBytes is approximated as the compressed size (parquet_metadata) of the declared
 * columns the query names, in the files of the partitions its `dt` bounds select (all files when it
 * has none); Athena's 10 MB minimum is the engine's business (athenaCostUsd).
 *
 * Trino-only functions, bridged by DuckDB macros (`installShim`) or text rewrites:
 * - `is_finite(x)` -> `isfinite(x)`
 * - `approx_distinct(x)` -> `approx_count_distinct(x)` (HyperLogLog in both)
 * - `approx_percentile(x, p)` -> `approx_quantile(x, p)` (approximate in both, not the same digest:
 *   the replay compares percentiles with a tolerance)
 * - `width_bucket(x, ARRAY[...])` -> count of bins <= x (Trino's semantics for an array of bins)
 * - `json_format(CAST(m AS JSON))` -> the JSON text of the map (`CAST(j AS VARCHAR)`)
 * - `to_unixtime(t)` -> `epoch(t)` (seconds since the epoch, a DOUBLE in both)
 * - `information_schema.columns` -> a table of the declared columns with Athena's type names
 *   (rewrite of the qualified name)
 * - Trino divides integers as integers: `SET integer_division = true`.
 * - `map_from_entries(slice(array_sort(map_entries(h), <comparator>), 1, k))`, the drift scan's
 *   top-k categories (count descending, then value), has no DuckDB equivalent for a comparator
 *   lambda: `rewriteTopCategories` turns exactly that construct, with exactly the comparator our
 *   builder writes, into DuckDB's list form of the same order (anything else is left to fail).
 *
 * Timing: a query succeeds at its first GetQueryExecution unless `runMillis` says it runs longer;
 * then it stays RUNNING until `Date.now()` (faked in the deadline test) passes its end, or until
 * StopQueryExecution cancels it.
 */
import { randomUUID } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  AthenaClient,
  GetQueryExecutionCommand,
  type GetQueryExecutionCommandOutput,
  GetQueryResultsCommand,
  type GetQueryResultsCommandOutput,
  StartQueryExecutionCommand,
  StopQueryExecutionCommand,
} from '@aws-sdk/client-athena';
import { GetObjectCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import { type DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import { mockClient } from 'aws-sdk-client-mock';
import type { GlueTableSpec } from './deployment.js';

const TOP_START = 'map_from_entries(slice(array_sort(map_entries(';
const TOP_COMPARATOR =
  '), (dw_a, dw_b) -> CASE WHEN dw_a[2] > dw_b[2] THEN -1 WHEN dw_a[2] < dw_b[2] THEN 1 WHEN dw_a[1] < dw_b[1] THEN -1 WHEN dw_a[1] > dw_b[1] THEN 1 ELSE 0 END), 1, ';

/** The index just past the parenthesis that closes the one open before `from`. */
function closing(text: string, from: number): number {
  let depth = 1;
  let quoted = false;
  for (let i = from; i < text.length; i++) {
    const c = text[i]!;
    if (c === "'") quoted = !quoted;
    else if (!quoted && c === '(') depth++;
    else if (!quoted && c === ')' && --depth === 0) return i + 1;
  }
  throw new Error('stand-in: unbalanced parentheses in the top-categories construct');
}

/** Rewrites the drift scan's Trino top-k categories into DuckDB's list form (see the header). */
export function rewriteTopCategories(sql: string): string {
  let out = '';
  let at = 0;
  for (let start = sql.indexOf(TOP_START); start >= 0; start = sql.indexOf(TOP_START, at)) {
    const inner = start + TOP_START.length;
    const histogramEnd = closing(sql, inner) - 1; // the ')' closing map_entries(
    const histogram = sql.slice(inner, histogramEnd);
    if (!sql.startsWith(TOP_COMPARATOR, histogramEnd)) return sql; // not ours: leave it to fail
    const limitStart = histogramEnd + TOP_COMPARATOR.length;
    const limitEnd = sql.indexOf('))', limitStart);
    const limit = Number(sql.slice(limitStart, limitEnd));
    if (!Number.isInteger(limit)) return sql;
    out +=
      sql.slice(at, start) +
      `map_from_entries(list_transform(list_slice(list_sort(list_transform(map_entries(${rewriteTopCategories(histogram)}), dw_e -> {'n': -dw_e.value, 'k': dw_e.key})), 1, ${limit}), dw_e -> {'key': dw_e.k, 'value': -dw_e.n}))`;
    at = limitEnd + 2;
  }
  return out + sql.slice(at);
}

/** Athena's documented maximum query string length, in bytes. */
export const MAX_QUERY_BYTES = 262_144;

/** One query as the stand-in saw it. */
export interface StandInQuery {
  id: string;
  sql: string;
  bytes: number;
  parameters: string[];
  state: 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'CANCELLED';
  reason?: string;
  dataScannedInBytes: number;
  engineMillis: number;
  /** Date.now() at start, at the end (success or failure) and at a StopQueryExecution. */
  startedAt: number;
  endsAt: number;
  stoppedAt?: number;
  columns: { name: string; type: string }[];
  rows: (string | null)[][];
}

/** A request Athena refused before running anything (StartQueryExecution threw). */
export interface RefusedStart {
  bytes: number;
  error: string;
}

export interface StandInOptions {
  s3: S3Client;
  tables: readonly GlueTableSpec[];
  workDir: string;
  bytesScannedCutoff: number;
  /** How long a query runs (simulated, against Date.now()). @default 0 (done at the first poll) */
  runMillis?: (sql: string) => number;
  /** An injected failure: a reason makes the query FAIL with it (e.g. a HIVE_CURSOR_ERROR). */
  failWhen?: (sql: string) => string | undefined;
  threads?: number;
}

// ---------------------------------------------------------------------------------------------
// Types: Hive (Glue) declarations, Parquet files, DuckDB casts

/** The DuckDB type a Hive type is cast to. */
export function duckType(hive: string): string {
  const t = hive.toLowerCase().trim();
  if (t === 'string' || /^(var)?char\(\d+\)$/.test(t)) return 'VARCHAR';
  if (t === 'int' || t === 'integer') return 'INTEGER';
  const simple: Record<string, string> = {
    double: 'DOUBLE',
    float: 'FLOAT',
    bigint: 'BIGINT',
    smallint: 'SMALLINT',
    tinyint: 'TINYINT',
    boolean: 'BOOLEAN',
    timestamp: 'TIMESTAMP',
    date: 'DATE',
  };
  if (simple[t]) return simple[t];
  const decimal = /^decimal\((\d+),\s*(\d+)\)$/.exec(t);
  if (decimal) return `DECIMAL(${decimal[1]}, ${decimal[2]})`;
  throw new Error(`athena stand-in: no DuckDB type for the Hive type ${hive}`);
}

/** The type name Athena's information_schema.columns reports for a Hive type. */
function athenaTypeName(hive: string): string {
  const t = hive.toLowerCase().trim();
  if (t === 'string') return 'varchar';
  if (t === 'int') return 'integer';
  if (t === 'float') return 'real';
  if (t === 'timestamp') return 'timestamp(3)';
  return t;
}

/** A Parquet column as parquet_schema describes it. */
export interface ParquetColumn {
  physical: string;
  converted: string | null;
  logical: string | null;
}

/**
 * Whether Athena reads a Parquet column declared as `hive`: the documented conversions only
 * (INT32 -> int/bigint, FLOAT -> real/double, INT64 -> bigint, strings -> string/varchar/char,
 * INT64/INT96 timestamps -> timestamp, INT32 DATE -> date, DECIMAL -> decimal).
 */
export function parquetCompatible(hive: string, column: ParquetColumn): boolean {
  const t = hive.toLowerCase().trim();
  const { physical } = column;
  const converted = column.converted ?? '';
  const logical = column.logical ?? '';
  const isTimestamp = /TIMESTAMP/.test(converted) || /Timestamp/i.test(logical);
  const isDecimal = converted === 'DECIMAL' || /Decimal/i.test(logical);
  if (isDecimal) return t.startsWith('decimal');
  switch (physical) {
    case 'BOOLEAN':
      return t === 'boolean';
    case 'INT32':
      if (converted === 'DATE' || /Date/i.test(logical)) return t === 'date';
      if (converted === 'INT_8') return ['tinyint', 'smallint', 'int', 'integer', 'bigint'].includes(t);
      if (converted === 'INT_16') return ['smallint', 'int', 'integer', 'bigint'].includes(t);
      return ['int', 'integer', 'bigint'].includes(t);
    case 'INT64':
      if (isTimestamp) return t === 'timestamp';
      return t === 'bigint';
    case 'INT96':
      return t === 'timestamp';
    case 'FLOAT':
      return t === 'float' || t === 'real' || t === 'double';
    case 'DOUBLE':
      return t === 'double';
    case 'BYTE_ARRAY':
    case 'FIXED_LEN_BYTE_ARRAY':
      return t === 'string' || /^(var)?char/.test(t);
    default:
      return false;
  }
}

const quoteId = (name: string) => `"${name.replaceAll('"', '""')}"`;
const quoteLit = (text: string) => `'${text.replaceAll("'", "''")}'`;

// ---------------------------------------------------------------------------------------------
// Query text checks

/** Positions of `?` outside strings, quoted identifiers and comments, with the clause each is in. */
export function parameterClauses(sql: string): string[] {
  const CLAUSES = new Set([
    'SELECT',
    'FROM',
    'WHERE',
    'GROUP',
    'HAVING',
    'ORDER',
    'LIMIT',
    'OFFSET',
    'ON',
    'JOIN',
    'WINDOW',
    'UNION',
    'EXCEPT',
    'INTERSECT',
    'VALUES',
    'WITH',
  ]);
  const frames: (string | undefined)[] = [undefined];
  const found: string[] = [];
  let i = 0;
  while (i < sql.length) {
    const ch = sql[i]!;
    if (ch === "'" || ch === '"') {
      i++;
      while (i < sql.length) {
        if (sql[i] === ch && sql[i + 1] === ch) i += 2;
        else if (sql[i] === ch) break;
        else i++;
      }
      i++;
    } else if (ch === '-' && sql[i + 1] === '-') {
      while (i < sql.length && sql[i] !== '\n') i++;
    } else if (ch === '/' && sql[i + 1] === '*') {
      const end = sql.indexOf('*/', i + 2);
      i = end < 0 ? sql.length : end + 2;
    } else if (ch === '(') {
      frames.push(undefined);
      i++;
    } else if (ch === ')') {
      if (frames.length > 1) frames.pop();
      i++;
    } else if (ch === '?') {
      let clause: string | undefined;
      for (let f = frames.length - 1; f >= 0 && clause === undefined; f--) clause = frames[f];
      found.push(clause ?? '(none)');
      i++;
    } else if (/[A-Za-z_]/.test(ch)) {
      let j = i + 1;
      while (j < sql.length && /[A-Za-z0-9_]/.test(sql[j]!)) j++;
      const word = sql.slice(i, j).toUpperCase();
      if (CLAUSES.has(word)) frames[frames.length - 1] = word;
      i = j;
    } else {
      i++;
    }
  }
  return found;
}

/** Replaces each `?` (outside strings, identifiers and comments) with the next parameter's text. */
function substituteParameters(sql: string, parameters: readonly string[]): string {
  let out = '';
  let next = 0;
  let i = 0;
  while (i < sql.length) {
    const ch = sql[i]!;
    if (ch === "'" || ch === '"') {
      let j = i + 1;
      while (j < sql.length) {
        if (sql[j] === ch && sql[j + 1] === ch) j += 2;
        else if (sql[j] === ch) break;
        else j++;
      }
      out += sql.slice(i, j + 1);
      i = j + 1;
    } else if (ch === '?') {
      out += parameters[next++];
      i++;
    } else {
      out += ch;
      i++;
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// The stand-in

interface LocalFile {
  key: string;
  path: string;
  /** The `dt` partition value, for partitioned tables. */
  dt?: string;
  schema: Map<string, ParquetColumn>;
  columnBytes: Map<string, number>;
}

interface LocalTable {
  spec: GlueTableSpec;
  files: LocalFile[];
}

function athenaError(name: string, message: string, status = 400): Error {
  return Object.assign(new Error(message), {
    name,
    $fault: 'client',
    $metadata: { httpStatusCode: status },
  });
}

export class AthenaStandIn {
  readonly queries: StandInQuery[] = [];
  readonly refused: RefusedStart[] = [];
  readonly mock = mockClient(AthenaClient);
  private readonly byId = new Map<string, StandInQuery>();
  /** Start calls whose DuckDB work is still in progress (real time, not simulated). */
  private starting = 0;
  private readonly tables = new Map<string, LocalTable>();

  private constructor(
    private readonly options: StandInOptions,
    private readonly instance: DuckDBInstance,
    private readonly connection: DuckDBConnection,
  ) {}

  /** Downloads the tables' files, builds the typed views and installs the AthenaClient mock. */
  static async start(options: StandInOptions): Promise<AthenaStandIn> {
    const instance = await DuckDBInstance.create(':memory:', {
      threads: String(options.threads ?? 1),
      memory_limit: '512MB',
      autoinstall_known_extensions: 'false',
      autoload_known_extensions: 'false',
    });
    const connection = await instance.connect();
    const standIn = new AthenaStandIn(options, instance, connection);
    await standIn.installShim();
    await standIn.refreshTables();
    standIn.installMock();
    return standIn;
  }

  /** Lists the tables' locations again and rebuilds the views (call after new log files land). */
  async refreshTables(): Promise<void> {
    const catalogRows: string[] = [];
    for (const spec of this.options.tables) {
      const parquet = /parquet/i.test(spec.serde);
      if (!parquet) continue; // text tables (results) are not served
      const files = await this.download(spec);
      const table: LocalTable = { spec, files };
      this.tables.set(`${spec.database}.${spec.name}`, table);
      await this.run(`CREATE SCHEMA IF NOT EXISTS ${quoteId(spec.database)}`);
      await this.run(
        `CREATE OR REPLACE VIEW ${quoteId(spec.database)}.${quoteId(spec.name)} AS ${this.viewSql(table)}`,
      );
      [...spec.columns, ...spec.partitionKeys].forEach((c, i) => {
        catalogRows.push(
          `(${quoteLit(spec.database)}, ${quoteLit(spec.name)}, ${quoteLit(c.name)}, ${quoteLit(athenaTypeName(c.type))}, ${i + 1})`,
        );
      });
    }
    await this.run(
      `CREATE OR REPLACE TABLE athena_catalog.columns (table_schema VARCHAR, table_name VARCHAR, column_name VARCHAR, data_type VARCHAR, ordinal_position INTEGER)`,
    );
    if (catalogRows.length)
      await this.run(`INSERT INTO athena_catalog.columns VALUES ${catalogRows.join(', ')}`);
  }

  /** The files of one table, as Athena would see them (partition folders `dt=...` when partitioned). */
  filesOf(database: string, name: string): readonly LocalFile[] {
    return this.tables.get(`${database}.${name}`)?.files ?? [];
  }

  /** Queries still RUNNING (nobody stopped them). */
  running(): StandInQuery[] {
    return this.queries.filter((q) => this.stateOf(q) === 'RUNNING');
  }

  /**
   * True while a StartQueryExecution call is still computing its answer on DuckDB. A fake-clock
   * waiter must not move simulated time then: the handler is not waiting on a timer, the stand-in
   * is working, and advancing would make the query's simulated run time pass during real work.
   */
  busy(): boolean {
    return this.starting > 0;
  }

  /** Forgets what was recorded (queries, refusals); tables stay. */
  clearLog(): void {
    this.queries.length = 0;
    this.refused.length = 0;
  }

  async close(): Promise<void> {
    this.mock.restore();
    this.connection.closeSync();
    this.instance.closeSync();
  }

  private async run(sql: string): Promise<void> {
    await this.connection.run(sql);
  }

  private async installShim(): Promise<void> {
    await this.run('SET integer_division = true');
    await this.run('CREATE SCHEMA athena_catalog');
    await this.run('CREATE MACRO is_finite(x) AS isfinite(x)');
    await this.run('CREATE MACRO approx_distinct(x) AS approx_count_distinct(x)');
    await this.run('CREATE MACRO approx_percentile(x, p) AS approx_quantile(x, CAST(p AS FLOAT))');
    await this.run(
      'CREATE MACRO width_bucket(x, bins) AS CASE WHEN x IS NULL THEN NULL ELSE len(list_filter(bins, lambda b: b <= x)) END',
    );
    await this.run('CREATE MACRO json_format(j) AS CAST(j AS VARCHAR)');
    // Trino's seconds since the epoch of a timestamp (the slo query's sub-window index).
    await this.run('CREATE MACRO to_unixtime(t) AS epoch(t)');
  }

  private async download(spec: GlueTableSpec): Promise<LocalFile[]> {
    const match = /^s3:\/\/([^/]+)\/(.*)$/.exec(spec.location);
    if (!match) throw new Error(`athena stand-in: table ${spec.name} has location ${spec.location}`);
    const [, bucket, prefix] = match as unknown as [string, string, string];
    const partitioned = spec.partitionKeys.length > 0;
    const keys: string[] = [];
    let token: string | undefined;
    do {
      const page = await this.options.s3.send(
        new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }),
      );
      for (const object of page.Contents ?? []) if (object.Key) keys.push(object.Key);
      token = page.NextContinuationToken;
    } while (token);
    const files: LocalFile[] = [];
    for (const key of keys.sort()) {
      const rest = key.slice(prefix.length);
      const dt = /^dt=(\d{4}-\d{2}-\d{2})\/[^/]+$/.exec(rest)?.[1];
      // Partition projection reads only `dt=` folders; an unpartitioned table only its folder.
      if (partitioned ? !dt : rest.includes('/')) continue;
      const local = join(this.options.workDir, bucket, key);
      await mkdir(join(local, '..'), { recursive: true });
      const object = await this.options.s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
      await writeFile(local, await object.Body!.transformToByteArray());
      files.push({ key: `s3://${bucket}/${key}`, path: local, dt, ...(await this.describeFile(local)) });
    }
    return files;
  }

  private async describeFile(path: string): Promise<Pick<LocalFile, 'schema' | 'columnBytes'>> {
    const schema = new Map<string, ParquetColumn>();
    const schemaRows = await this.connection.runAndReadAll(
      `SELECT name, type, converted_type, logical_type FROM parquet_schema(${quoteLit(path)}) WHERE type IS NOT NULL`,
    );
    for (const [name, physical, converted, logical] of schemaRows.getRows()) {
      schema.set(String(name), {
        physical: String(physical),
        converted: converted === null ? null : String(converted),
        logical: logical === null ? null : String(logical),
      });
    }
    const columnBytes = new Map<string, number>();
    const bytesRows = await this.connection.runAndReadAll(
      `SELECT path_in_schema, CAST(sum(total_compressed_size) AS BIGINT) FROM parquet_metadata(${quoteLit(path)}) GROUP BY 1`,
    );
    for (const [name, bytes] of bytesRows.getRows()) columnBytes.set(String(name), Number(bytes));
    return { schema, columnBytes };
  }

  /** The typed relation of a table: one read per group of files sharing a Parquet schema. */
  private viewSql(table: LocalTable): string {
    const { spec } = table;
    const partitioned = spec.partitionKeys.length > 0;
    const groups = new Map<string, LocalFile[]>();
    for (const file of table.files) {
      const signature = JSON.stringify([...file.schema.entries()]);
      groups.set(signature, [...(groups.get(signature) ?? []), file]);
    }
    const emptyColumns = [
      ...spec.columns.map((c) => `CAST(NULL AS ${duckType(c.type)}) AS ${quoteId(c.name)}`),
      ...spec.partitionKeys.map((k) => `CAST(NULL AS VARCHAR) AS ${quoteId(k.name)}`),
      `CAST(NULL AS VARCHAR) AS ${quoteId('$path')}`,
    ];
    if (groups.size === 0) return `SELECT ${emptyColumns.join(', ')} WHERE false`;
    const parts = [...groups.values()].map((files) => {
      const first = files[0]!;
      // Athena (Trino's Hive connector) maps a Parquet column to a table column by name, ignoring case.
      const byLower = new Map(
        [...first.schema.entries()].map(([name, column]) => [name.toLowerCase(), column]),
      );
      const select = spec.columns.map((c) => {
        const type = duckType(c.type);
        const column = byLower.get(c.name.toLowerCase());
        if (!column) return `CAST(NULL AS ${type}) AS ${quoteId(c.name)}`;
        if (parquetCompatible(c.type, column))
          return `CAST(${quoteId(c.name)} AS ${type}) AS ${quoteId(c.name)}`;
        const message =
          `HIVE_BAD_DATA: Field ${c.name}'s type ${column.physical} in parquet file ${first.key} ` +
          `is incompatible with type ${c.type} defined in table schema`;
        // Depends on the row, so DuckDB cannot fold it away: it fails only when a row is read.
        return `CAST(error(concat(${quoteLit(message)}, left(CAST(${quoteId(c.name)} AS VARCHAR), 0))) AS ${type}) AS ${quoteId(c.name)}`;
      });
      for (const key of spec.partitionKeys)
        select.push(`CAST(${quoteId(key.name)} AS VARCHAR) AS ${quoteId(key.name)}`);
      // Athena's hidden "$path": the S3 URI of the row's file.
      select.push(
        `CASE filename ${files.map((f) => `WHEN ${quoteLit(f.path)} THEN ${quoteLit(f.key)}`).join(' ')} END AS ${quoteId('$path')}`,
      );
      const list = `[${files.map((f) => quoteLit(f.path)).join(', ')}]`;
      const hive = partitioned ? ', hive_partitioning = true, hive_types_autocast = false' : '';
      return `SELECT ${select.join(', ')} FROM read_parquet(${list}${hive}, filename = true)`;
    });
    return parts.join(' UNION ALL ');
  }

  private installMock(): void {
    this.mock.on(StartQueryExecutionCommand).callsFake(async (input) => {
      this.starting++;
      try {
        return await this.startQuery(input);
      } finally {
        this.starting--;
      }
    });
    this.mock
      .on(GetQueryExecutionCommand)
      .callsFake(async (input) => this.getExecution(input.QueryExecutionId));
    this.mock.on(GetQueryResultsCommand).callsFake(async (input) => this.getResults(input));
    this.mock.on(StopQueryExecutionCommand).callsFake(async (input) => {
      const query = this.byId.get(input.QueryExecutionId);
      if (!query)
        throw athenaError(
          'InvalidRequestException',
          `QueryExecution ${input.QueryExecutionId} was not found`,
        );
      if (this.stateOf(query) === 'RUNNING') {
        query.state = 'CANCELLED';
        query.stoppedAt = Date.now();
        query.reason = 'Query was cancelled by user';
      }
      return {};
    });
  }

  private stateOf(query: StandInQuery): StandInQuery['state'] {
    if (query.state === 'RUNNING' && Date.now() >= query.endsAt)
      query.state = query.reason ? 'FAILED' : 'SUCCEEDED';
    return query.state;
  }

  private async startQuery(input: {
    QueryString?: string;
    ExecutionParameters?: string[];
    WorkGroup?: string;
  }): Promise<{ QueryExecutionId: string }> {
    const sql = input.QueryString ?? '';
    const bytes = Buffer.byteLength(sql, 'utf8');
    if (bytes > MAX_QUERY_BYTES) {
      const error = `1 validation error detected: Value at 'queryString' failed to satisfy constraint: Member must have length less than or equal to ${MAX_QUERY_BYTES} (got ${bytes} bytes)`;
      this.refused.push({ bytes, error });
      throw athenaError('InvalidRequestException', error);
    }
    const parameters = input.ExecutionParameters ?? [];
    const id = randomUUID();
    const started = Date.now();
    const query: StandInQuery = {
      id,
      sql,
      bytes,
      parameters,
      state: 'RUNNING',
      dataScannedInBytes: 0,
      engineMillis: 0,
      startedAt: started,
      endsAt: started + (this.options.runMillis?.(sql) ?? 0),
      columns: [],
      rows: [],
    };
    this.queries.push(query);
    this.byId.set(id, query);
    const injected = this.options.failWhen?.(sql);
    if (injected) {
      query.reason = injected;
      return { QueryExecutionId: id };
    }
    const clauses = parameterClauses(sql);
    const outside = clauses.map((clause, i) => ({ clause, i })).filter((p) => p.clause !== 'WHERE');
    if (outside.length) {
      query.reason = `INVALID_PARAMETER_USAGE: execution parameters are allowed only in the WHERE clause; ${outside.length} of ${clauses.length} stand elsewhere (first: parameter ${outside[0]!.i + 1} in ${outside[0]!.clause})`;
      return { QueryExecutionId: id };
    }
    if (clauses.length !== parameters.length) {
      query.reason = `INVALID_PARAMETER_USAGE: the query has ${clauses.length} parameters but ${parameters.length} values were given`;
      return { QueryExecutionId: id };
    }
    const text = rewriteTopCategories(substituteParameters(sql, parameters)).replace(
      /\binformation_schema\.columns\b/gi,
      'athena_catalog.columns',
    );
    query.dataScannedInBytes = this.scannedBytes(text);
    if (query.dataScannedInBytes > this.options.bytesScannedCutoff) {
      query.reason = `Query cancelled! : Bytes scanned limit was exceeded (${query.dataScannedInBytes} > ${this.options.bytesScannedCutoff})`;
      return { QueryExecutionId: id };
    }
    const t0 = performance.now();
    try {
      const reader = await this.connection.runAndReadAll(text);
      query.columns = reader.columnNames().map((name, i) => ({
        name,
        type: athenaResultType(reader.columnTypes()[i]!.toString()),
      }));
      query.rows = reader.getRows().map((row) => row.map(toAthenaText));
    } catch (error) {
      const message = (error as Error).message;
      query.reason = message.includes('HIVE_BAD_DATA')
        ? message.slice(message.indexOf('HIVE_BAD_DATA')).split('\n')[0]!
        : `stand-in (DuckDB) failed: ${message.split('\n')[0]}`;
    }
    query.engineMillis = Math.round(performance.now() - t0);
    return { QueryExecutionId: id };
  }

  private getExecution(id: string | undefined): GetQueryExecutionCommandOutput {
    const query = id ? this.byId.get(id) : undefined;
    if (!query) throw athenaError('InvalidRequestException', `QueryExecution ${id} was not found`);
    const state = this.stateOf(query);
    return {
      $metadata: {},
      QueryExecution: {
        QueryExecutionId: query.id,
        Query: query.sql,
        StatementType: 'DML',
        Status: {
          State: state,
          ...(state === 'FAILED' || state === 'CANCELLED' ? { StateChangeReason: query.reason } : {}),
        },
        Statistics: {
          DataScannedInBytes: state === 'FAILED' ? 0 : query.dataScannedInBytes,
          EngineExecutionTimeInMillis: query.engineMillis,
        },
      },
    };
  }

  private getResults(input: {
    QueryExecutionId?: string;
    MaxResults?: number;
    NextToken?: string;
  }): GetQueryResultsCommandOutput {
    const query = input.QueryExecutionId ? this.byId.get(input.QueryExecutionId) : undefined;
    if (!query || this.stateOf(query) !== 'SUCCEEDED') {
      throw athenaError(
        'InvalidRequestException',
        `Query has not yet finished. Current state: ${query?.state}`,
      );
    }
    const max = Math.min(input.MaxResults ?? 1000, 1000);
    const offset = input.NextToken ? Number(input.NextToken) : 0;
    // The first page starts with the header row, like Athena's for a SELECT.
    const all = [query.columns.map((c) => c.name), ...query.rows];
    const page = all.slice(offset, offset + max);
    const next = offset + max < all.length ? String(offset + max) : undefined;
    return {
      $metadata: {},
      ResultSet: {
        ResultSetMetadata: {
          ColumnInfo: query.columns.map((c) => ({ Name: c.name, Label: c.name, Type: c.type })),
        },
        Rows: page.map((row) => ({ Data: row.map((v) => (v === null ? {} : { VarCharValue: v })) })),
      },
      ...(next ? { NextToken: next } : {}),
    };
  }

  /** Compressed bytes of the named columns in the selected partitions of every table the query reads. */
  private scannedBytes(sql: string): number {
    const windows = [...sql.matchAll(/"dt"\s*(>=|>|<=|<|=)\s*'(\d{4}-\d{2}-\d{2})'/g)].map((m) => ({
      op: m[1]!,
      value: m[2]!,
    }));
    let total = 0;
    for (const table of this.tables.values()) {
      const { database, name } = table.spec;
      const named = new RegExp(`"?${database}"?\\s*\\.\\s*"?${name}"?(?![A-Za-z0-9_])`);
      if (!named.test(sql)) continue;
      const columns = table.spec.columns
        .map((c) => c.name)
        .filter((c) => new RegExp(`(^|[^A-Za-z0-9_])"?${c}"?($|[^A-Za-z0-9_])`).test(sql));
      for (const file of table.files) {
        if (file.dt && windows.length && !windows.every((w) => compare(file.dt!, w.op, w.value))) continue;
        for (const c of columns) total += file.columnBytes.get(c) ?? 0;
      }
    }
    return total;
  }
}

function compare(a: string, op: string, b: string): boolean {
  switch (op) {
    case '>=':
      return a >= b;
    case '>':
      return a > b;
    case '<=':
      return a <= b;
    case '<':
      return a < b;
    default:
      return a === b;
  }
}

/** Athena's result column type for a DuckDB type. */
function athenaResultType(duck: string): string {
  const t = duck.toUpperCase();
  if (t === 'BIGINT' || t === 'HUGEINT' || t === 'UBIGINT') return 'bigint';
  if (t === 'INTEGER' || t === 'SMALLINT' || t === 'TINYINT') return 'integer';
  if (t === 'DOUBLE') return 'double';
  if (t === 'FLOAT') return 'real';
  if (t.startsWith('DECIMAL')) return 'decimal';
  if (t === 'BOOLEAN') return 'boolean';
  if (t.startsWith('TIMESTAMP')) return 'timestamp';
  if (t === 'DATE') return 'date';
  if (t === 'JSON') return 'json';
  return 'varchar';
}

/** A DuckDB value as Athena's VarCharValue text. */
function toAthenaText(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  if (typeof value === 'number') {
    if (Number.isNaN(value)) return 'NaN';
    return String(value);
  }
  if (typeof value === 'bigint' || typeof value === 'boolean') return String(value);
  if (typeof value === 'string') return value;
  return String(value);
}
