/**
 * The AWS QueryEngine: Amazon Athena through a workgroup. Each query is started with its `?`
 * parameters rendered as SQL literals (Athena's ExecutionParameters), polled with exponential
 * backoff, read page by page and converted to plain values using the result set's column types.
 * A query past its time limit (or aborted) is stopped so it stops costing money.
 */
import { randomUUID } from 'node:crypto';
import {
  AthenaClient,
  type ColumnInfo,
  GetQueryExecutionCommand,
  type GetQueryExecutionCommandOutput,
  GetQueryResultsCommand,
  type GetQueryResultsCommandOutput,
  StartQueryExecutionCommand,
  StopQueryExecutionCommand,
} from '@aws-sdk/client-athena';
import type { CompiledQuery, QueryEngine, QueryStats, Row, SqlValue } from '../ports.js';
import { athenaQueryProblems } from '../sql/athena-limits.js';
import { athenaDialect } from '../sql/dialect.js';
import { quoteDouble, quoteString } from '../sql/identifiers.js';
import { AthenaQueryFailedError, AthenaQueryTimeoutError, JobDeadlineError } from './errors.js';
import { type RetryOptions, withRetry } from './retry.js';

/** Athena's list price: USD 5 per TB scanned (TB = 2^40 bytes), rounded up to the MB, 10 MB minimum per query. */
export const ATHENA_USD_PER_TB = 5;
const BYTES_PER_TB = 2 ** 40;
const BYTES_PER_MB = 2 ** 20;
const MINIMUM_BILLED_BYTES = 10 * BYTES_PER_MB;

/** Query statistics plus what Athena billed for them. */
export interface AthenaQueryStats extends QueryStats {
  /** Estimated charge in USD at the list price (see {@link athenaCostUsd}). */
  costUsd: number;
}

export interface AthenaEngineOptions {
  /** The workgroup queries run in; its enforced settings choose the result location and encryption. */
  workGroup: string;
  /** The default database for unqualified names. @default - none: driftwatch qualifies every table */
  database?: string;
  /** The data catalog. @default 'AwsDataCatalog' */
  catalog?: string;
  /** A client to use (tests inject aws-sdk-client-mock here). @default - a new AthenaClient */
  client?: AthenaClient;
  /** The longest one query may run before it is stopped, in milliseconds. @default 600_000 */
  timeoutMillis?: number;
  /**
   * The job's deadline, in the milliseconds of `now` (epoch by default), shared by every query of
   * this engine: a query still running then is stopped and {@link JobDeadlineError} thrown, and no
   * query starts after it. The Lambda handler sets it from the context's remaining time minus a
   * margin for publishing the failure. @default - none (only `timeoutMillis` per query)
   */
  deadline?: number;
  /** The first wait between two status polls, in milliseconds; it doubles up to `pollMaxMillis`. @default 250 */
  pollInitialMillis?: number;
  /** The longest wait between two status polls. @default 5000 */
  pollMaxMillis?: number;
  /** Retries of throttled and 5xx calls. @default - 6 attempts, 200 ms doubling, with jitter */
  retry?: Partial<RetryOptions>;
  /** Waits; injected in tests. @default - setTimeout */
  sleep?: (millis: number, signal?: AbortSignal) => Promise<void>;
  /** The clock for timeouts, in milliseconds; injected in tests. @default Date.now */
  now?: () => number;
}

/** The charge for one query that scanned `bytesScanned` bytes. */
export function athenaCostUsd(bytesScanned: number): number {
  const billed = Math.max(MINIMUM_BILLED_BYTES, Math.ceil(bytesScanned / BYTES_PER_MB) * BYTES_PER_MB);
  return (billed / BYTES_PER_TB) * ATHENA_USD_PER_TB;
}

/**
 * Renders a parameter as the SQL literal Athena substitutes for its `?`: strings single-quoted,
 * integers as integers, other numbers as DOUBLE literals.
 */
export function renderAthenaParameter(value: string | number): string {
  if (typeof value === 'string') return quoteString(value);
  return Number.isSafeInteger(value) ? String(value) : quoteDouble(value);
}

const NUMERIC_TYPES = new Set([
  'tinyint',
  'smallint',
  'integer',
  'int',
  'bigint',
  'double',
  'real',
  'float',
  'decimal',
]);

/** Converts one cell from Athena's text form using its column type. */
export function convertAthenaValue(text: string | undefined, type: string | undefined): SqlValue {
  if (text === undefined) return null;
  const base = (type ?? 'varchar').toLowerCase().replace(/\(.*$/, '');
  if (NUMERIC_TYPES.has(base)) return Number(text);
  if (base === 'boolean') return text === 'true';
  return text;
}

const defaultSleep = (millis: number, signal?: AbortSignal): Promise<void> =>
  new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, millis);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });

export class AthenaQueryEngine implements QueryEngine {
  readonly dialect = athenaDialect;
  private readonly client: AthenaClient;
  private readonly totals: AthenaQueryStats = { bytesScanned: 0, engineMillis: 0, queries: 0, costUsd: 0 };
  private readonly sleep: (millis: number, signal?: AbortSignal) => Promise<void>;
  private readonly now: () => number;
  private readonly retry: Partial<RetryOptions>;

  constructor(private readonly options: AthenaEngineOptions) {
    // The SDK's own retries are turned off: withRetry bounds every call, so attempts do not multiply.
    this.client = options.client ?? new AthenaClient({ maxAttempts: 1 });
    this.sleep = options.sleep ?? defaultSleep;
    this.now = options.now ?? Date.now;
    this.retry = { sleep: this.sleep, ...options.retry };
  }

  async query(q: CompiledQuery, opts: { signal?: AbortSignal } = {}): Promise<Row[]> {
    // Athena's documented limits, checked before anything is started or billed, with a clear reason.
    const problems = athenaQueryProblems(q.name, q.sql);
    if (problems.length) throw new Error(`${problems.join('; ')} (nothing was sent to Athena)`);
    const deadline = this.options.deadline;
    if (deadline !== undefined && this.now() >= deadline) throw new JobDeadlineError(q.name);
    const id = await this.start(q);
    const execution = await this.waitFor(id, q, opts.signal);
    return this.readResults(id, execution);
  }

  stats(): AthenaQueryStats {
    return { ...this.totals };
  }

  async close(): Promise<void> {
    if (!this.options.client) this.client.destroy();
  }

  private async start(q: CompiledQuery): Promise<string> {
    // One token for every retry of this start: Athena runs the query once even if a retry repeats it.
    const token = randomUUID();
    const context =
      this.options.database || this.options.catalog
        ? { Database: this.options.database, Catalog: this.options.catalog }
        : undefined;
    const out = await withRetry(
      () =>
        this.client.send(
          new StartQueryExecutionCommand({
            QueryString: q.sql,
            WorkGroup: this.options.workGroup,
            ClientRequestToken: token,
            ...(q.parameters.length ? { ExecutionParameters: q.parameters.map(renderAthenaParameter) } : {}),
            ...(context ? { QueryExecutionContext: context } : {}),
          }),
        ),
      this.retry,
    );
    if (!out.QueryExecutionId) throw new Error(`athena returned no query id for ${q.name}`);
    return out.QueryExecutionId;
  }

  private async waitFor(
    id: string,
    q: CompiledQuery,
    signal: AbortSignal | undefined,
  ): Promise<NonNullable<GetQueryExecutionCommandOutput['QueryExecution']>> {
    const started = this.now();
    const timeout = this.options.timeoutMillis ?? 600_000;
    const deadline = this.options.deadline ?? Number.POSITIVE_INFINITY;
    // The query's own limit or the job's deadline, whichever comes first.
    const limit = Math.min(started + timeout, deadline);
    let delay = this.options.pollInitialMillis ?? 250;
    const maxDelay = this.options.pollMaxMillis ?? 5000;
    for (;;) {
      const out = await withRetry(
        () => this.client.send(new GetQueryExecutionCommand({ QueryExecutionId: id })),
        this.retry,
      );
      const execution = out.QueryExecution ?? {};
      const state = execution.Status?.State;
      if (state === 'SUCCEEDED' || state === 'FAILED' || state === 'CANCELLED') {
        this.record(execution, state);
        if (state === 'SUCCEEDED') return execution;
        const reason =
          execution.Status?.StateChangeReason ??
          execution.Status?.AthenaError?.ErrorMessage ??
          'no reason given';
        throw new AthenaQueryFailedError(id, q.name, state, reason);
      }
      const now = this.now();
      if (signal?.aborted || now >= limit) {
        await this.stop(id, execution);
        if (!signal?.aborted && now >= deadline) throw new JobDeadlineError(q.name, id, now - started);
        throw new AthenaQueryTimeoutError(id, q.name, now - started, Boolean(signal?.aborted));
      }
      try {
        await this.sleep(Math.min(delay, limit - now), signal);
      } catch (error) {
        if (!signal?.aborted) throw error;
        await this.stop(id, execution);
        throw new AthenaQueryTimeoutError(id, q.name, this.now() - started, true);
      }
      delay = Math.min(delay * 2, maxDelay);
    }
  }

  /** Best effort: a stop that keeps failing is left to the workgroup's scan cutoff. */
  private async stop(
    id: string,
    execution: NonNullable<GetQueryExecutionCommandOutput['QueryExecution']>,
  ): Promise<void> {
    this.record(execution, 'CANCELLED');
    try {
      await withRetry(
        () => this.client.send(new StopQueryExecutionCommand({ QueryExecutionId: id })),
        this.retry,
      );
    } catch {
      // The timeout error thrown next is what the caller needs to know.
    }
  }

  private record(
    execution: NonNullable<GetQueryExecutionCommandOutput['QueryExecution']>,
    state: string,
  ): void {
    const bytes = execution.Statistics?.DataScannedInBytes ?? 0;
    this.totals.queries += 1;
    this.totals.bytesScanned += bytes;
    this.totals.engineMillis += execution.Statistics?.EngineExecutionTimeInMillis ?? 0;
    // Athena does not charge for failed queries; it does for succeeded and cancelled ones.
    if (state !== 'FAILED') this.totals.costUsd += athenaCostUsd(bytes);
  }

  private async readResults(
    id: string,
    execution: NonNullable<GetQueryExecutionCommandOutput['QueryExecution']>,
  ): Promise<Row[]> {
    const rows: Row[] = [];
    let columns: ColumnInfo[] | undefined;
    let nextToken: string | undefined;
    let first = true;
    do {
      const token = nextToken;
      const page: GetQueryResultsCommandOutput = await withRetry(
        () =>
          this.client.send(
            new GetQueryResultsCommand({ QueryExecutionId: id, MaxResults: 1000, NextToken: token }),
          ),
        this.retry,
      );
      columns ??= page.ResultSet?.ResultSetMetadata?.ColumnInfo ?? [];
      const pageRows = page.ResultSet?.Rows ?? [];
      // A SELECT's first page starts with a header row holding the column labels.
      const skip = first && execution.StatementType !== 'DDL' ? 1 : 0;
      for (const resultRow of pageRows.slice(skip)) {
        const row: Row = {};
        const data = resultRow.Data ?? [];
        columns.forEach((column, i) => {
          row[column.Name ?? `_col${i}`] = convertAthenaValue(data[i]?.VarCharValue, column.Type);
        });
        rows.push(row);
      }
      first = false;
      nextToken = page.NextToken;
    } while (nextToken);
    return rows;
  }
}
