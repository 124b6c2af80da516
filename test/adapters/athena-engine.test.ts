import {
  AthenaClient,
  GetQueryExecutionCommand,
  GetQueryResultsCommand,
  StartQueryExecutionCommand,
  StopQueryExecutionCommand,
  TooManyRequestsException,
} from '@aws-sdk/client-athena';
import { mockClient } from 'aws-sdk-client-mock';
import { TrinoSQL } from 'dt-sql-parser';
import { beforeEach, describe, expect, it } from 'vitest';
import {
  AthenaQueryEngine,
  athenaCostUsd,
  convertAthenaValue,
  renderAthenaParameter,
} from '../../lib/adapters/athena-engine.js';
import {
  AthenaQueryFailedError,
  AthenaQueryTimeoutError,
  JobDeadlineError,
} from '../../lib/adapters/errors.js';
import type { CompiledQuery } from '../../lib/ports.js';
import { athenaDialect, type DataSource } from '../../lib/sql/dialect.js';
import { quoteIdentifier } from '../../lib/sql/identifiers.js';

const athena = mockClient(AthenaClient);
const QUERY: CompiledQuery = {
  name: 'drift-scan',
  sql: 'SELECT count(*) AS n FROM "db"."t" WHERE "dt" BETWEEN ? AND ? AND "score" > ?',
  parameters: ['2026-01-21', '2026-01-21', 0.5],
};

/** A fake clock that the injected sleep advances, so backoff and timeouts are exact and instant. */
function fakeTime() {
  const sleeps: number[] = [];
  let now = 0;
  return {
    sleeps,
    now: () => now,
    sleep: async (millis: number) => {
      sleeps.push(millis);
      now += millis;
    },
  };
}

function engine(time = fakeTime(), extra: Partial<ConstructorParameters<typeof AthenaQueryEngine>[0]> = {}) {
  return new AthenaQueryEngine({
    workGroup: 'driftwatch',
    client: new AthenaClient({ region: 'us-east-1' }),
    sleep: time.sleep,
    now: time.now,
    retry: { random: () => 1 },
    ...extra,
  });
}

function header(...names: string[]) {
  return { Data: names.map((n) => ({ VarCharValue: n })) };
}

const SUCCEEDED = {
  QueryExecution: {
    QueryExecutionId: 'q-1',
    StatementType: 'DML' as const,
    Status: { State: 'SUCCEEDED' as const },
    Statistics: { DataScannedInBytes: 3 * 2 ** 30, EngineExecutionTimeInMillis: 2400 },
  },
};

beforeEach(() => {
  athena.reset();
});

describe('AthenaQueryEngine', () => {
  it('starts the query in the workgroup with the parameters rendered as SQL literals', async () => {
    // Prepare
    athena.on(StartQueryExecutionCommand).resolves({ QueryExecutionId: 'q-1' });
    athena.on(GetQueryExecutionCommand).resolves(SUCCEEDED);
    athena.on(GetQueryResultsCommand).resolves({
      ResultSet: {
        ResultSetMetadata: { ColumnInfo: [{ Name: 'n', Type: 'bigint' }] },
        Rows: [header('n'), { Data: [{ VarCharValue: '42' }] }],
      },
    });

    // Act
    const rows = await engine().query(QUERY);

    // Assess
    expect(rows).toEqual([{ n: 42 }]);
    const start = athena.commandCalls(StartQueryExecutionCommand);
    expect(start).toHaveLength(1);
    const input = start[0]!.args[0].input;
    expect(input).toEqual({
      QueryString: QUERY.sql,
      WorkGroup: 'driftwatch',
      ClientRequestToken: expect.stringMatching(/^[0-9a-f-]{36}$/),
      ExecutionParameters: ["'2026-01-21'", "'2026-01-21'", '5e-1'],
    });
    expect(athena.commandCalls(GetQueryResultsCommand)[0]!.args[0].input).toEqual({
      QueryExecutionId: 'q-1',
      MaxResults: 1000,
      NextToken: undefined,
    });
  });

  it('omits ExecutionParameters when the query has none, and passes database and catalog', async () => {
    athena.on(StartQueryExecutionCommand).resolves({ QueryExecutionId: 'q-1' });
    athena.on(GetQueryExecutionCommand).resolves(SUCCEEDED);
    athena
      .on(GetQueryResultsCommand)
      .resolves({ ResultSet: { ResultSetMetadata: { ColumnInfo: [] }, Rows: [] } });

    await engine(fakeTime(), { database: 'driftwatch', catalog: 'AwsDataCatalog' }).query({
      name: 'plain',
      sql: 'SELECT 1',
      parameters: [],
    });

    const input = athena.commandCalls(StartQueryExecutionCommand)[0]!.args[0].input;
    expect(input.ExecutionParameters).toBeUndefined();
    expect(input.QueryExecutionContext).toEqual({ Database: 'driftwatch', Catalog: 'AwsDataCatalog' });
  });

  it('polls with exponential backoff capped at the maximum until the query succeeds', async () => {
    // Prepare
    const time = fakeTime();
    athena.on(StartQueryExecutionCommand).resolves({ QueryExecutionId: 'q-1' });
    const running = { QueryExecution: { Status: { State: 'RUNNING' as const } } };
    athena
      .on(GetQueryExecutionCommand)
      .resolvesOnce({ QueryExecution: { Status: { State: 'QUEUED' } } })
      .resolvesOnce(running)
      .resolvesOnce(running)
      .resolvesOnce(running)
      .resolvesOnce(running)
      .resolves(SUCCEEDED);
    athena
      .on(GetQueryResultsCommand)
      .resolves({ ResultSet: { ResultSetMetadata: { ColumnInfo: [] }, Rows: [header()] } });

    // Act
    await engine(time, { pollInitialMillis: 250, pollMaxMillis: 2000 }).query(QUERY);

    // Assess
    expect(time.sleeps).toEqual([250, 500, 1000, 2000, 2000]);
    expect(athena.commandCalls(GetQueryExecutionCommand)).toHaveLength(6);
    expect(athena.commandCalls(GetQueryExecutionCommand)[0]!.args[0].input).toEqual({
      QueryExecutionId: 'q-1',
    });
  });

  it('reads every page, skips the header row once and converts values by column type', async () => {
    // Prepare
    athena.on(StartQueryExecutionCommand).resolves({ QueryExecutionId: 'q-1' });
    athena.on(GetQueryExecutionCommand).resolves(SUCCEEDED);
    const columns = [
      { Name: 'n', Type: 'bigint' },
      { Name: 'i', Type: 'integer' },
      { Name: 'mean', Type: 'double' },
      { Name: 'amount', Type: 'decimal', Precision: 10, Scale: 2 },
      { Name: 'ok', Type: 'boolean' },
      { Name: 'segment', Type: 'varchar' },
      { Name: 'hist', Type: 'json' },
      { Name: 'day', Type: 'date' },
    ];
    athena
      .on(GetQueryResultsCommand, { QueryExecutionId: 'q-1', NextToken: undefined })
      .resolves({
        NextToken: 'page-2',
        ResultSet: {
          ResultSetMetadata: { ColumnInfo: columns },
          Rows: [
            header('n', 'i', 'mean', 'amount', 'ok', 'segment', 'hist', 'day'),
            {
              Data: [
                { VarCharValue: '9007199254740991' },
                { VarCharValue: '-3' },
                { VarCharValue: '0.25' },
                { VarCharValue: '12.50' },
                { VarCharValue: 'true' },
                { VarCharValue: 'eu' },
                { VarCharValue: '{"a":1}' },
                { VarCharValue: '2026-01-21' },
              ],
            },
          ],
        },
      })
      .on(GetQueryResultsCommand, { QueryExecutionId: 'q-1', NextToken: 'page-2' })
      .resolves({
        ResultSet: {
          ResultSetMetadata: { ColumnInfo: columns },
          Rows: [
            {
              Data: [
                {},
                { VarCharValue: '7' },
                { VarCharValue: 'NaN' },
                {},
                { VarCharValue: 'false' },
                { VarCharValue: '' },
                {},
                {},
              ],
            },
          ],
        },
      });

    // Act
    const rows = await engine().query(QUERY);

    // Assess
    expect(rows).toEqual([
      {
        n: 9007199254740991,
        i: -3,
        mean: 0.25,
        amount: 12.5,
        ok: true,
        segment: 'eu',
        hist: '{"a":1}',
        day: '2026-01-21',
      },
      { n: null, i: 7, mean: Number.NaN, amount: null, ok: false, segment: '', hist: null, day: null },
    ]);
    const pages = athena.commandCalls(GetQueryResultsCommand).map((c) => c.args[0].input.NextToken);
    expect(pages).toEqual([undefined, 'page-2']);
  });

  it('throws AthenaQueryFailedError naming the query id, the query name and the reason', async () => {
    athena.on(StartQueryExecutionCommand).resolves({ QueryExecutionId: 'q-9' });
    athena.on(GetQueryExecutionCommand).resolves({
      QueryExecution: {
        Status: {
          State: 'FAILED',
          StateChangeReason: "COLUMN_NOT_FOUND: line 1:8: Column 'x' cannot be resolved",
        },
        Statistics: { DataScannedInBytes: 0 },
      },
    });

    const failure = engine().query(QUERY);

    await expect(failure).rejects.toBeInstanceOf(AthenaQueryFailedError);
    await expect(failure).rejects.toMatchObject({
      queryExecutionId: 'q-9',
      queryName: 'drift-scan',
      state: 'FAILED',
      message:
        "athena query drift-scan (q-9) ended FAILED: COLUMN_NOT_FOUND: line 1:8: Column 'x' cannot be resolved",
    });
    expect(athena.commandCalls(GetQueryResultsCommand)).toHaveLength(0);
  });

  it('treats CANCELLED as a failure too', async () => {
    athena.on(StartQueryExecutionCommand).resolves({ QueryExecutionId: 'q-c' });
    athena.on(GetQueryExecutionCommand).resolves({
      QueryExecution: { Status: { State: 'CANCELLED', StateChangeReason: 'Query cancelled by user' } },
    });
    await expect(engine().query(QUERY)).rejects.toMatchObject({
      state: 'CANCELLED',
      queryExecutionId: 'q-c',
    });
  });

  it('stops the query with StopQueryExecution when it outlasts the timeout', async () => {
    // Prepare
    const time = fakeTime();
    athena.on(StartQueryExecutionCommand).resolves({ QueryExecutionId: 'q-slow' });
    athena.on(GetQueryExecutionCommand).resolves({
      QueryExecution: { Status: { State: 'RUNNING' }, Statistics: { DataScannedInBytes: 5 * 2 ** 20 } },
    });
    athena.on(StopQueryExecutionCommand).resolves({});
    const slow = engine(time, { timeoutMillis: 3000, pollInitialMillis: 1000, pollMaxMillis: 1000 });

    // Act
    const outcome = slow.query(QUERY);

    // Assess
    await expect(outcome).rejects.toBeInstanceOf(AthenaQueryTimeoutError);
    await expect(outcome).rejects.toMatchObject({ queryExecutionId: 'q-slow', aborted: false });
    expect(athena.commandCalls(StopQueryExecutionCommand).map((c) => c.args[0].input)).toEqual([
      { QueryExecutionId: 'q-slow' },
    ]);
    expect(time.sleeps).toEqual([1000, 1000, 1000]);
    expect(slow.stats().queries).toBe(1);
  });

  it('shares one deadline across queries: the second query is stopped at it and no third starts', async () => {
    // Prepare: each query takes 4 s; the per-query timeout (10 s) alone would let every one finish.
    const time = fakeTime();
    let started = 0;
    const startedAt = new Map<string, number>();
    athena.on(StartQueryExecutionCommand).callsFake(() => {
      const id = `q-${++started}`;
      startedAt.set(id, time.now());
      return { QueryExecutionId: id };
    });
    athena.on(GetQueryExecutionCommand).callsFake((input: { QueryExecutionId: string }) => ({
      QueryExecution: {
        StatementType: 'DML',
        Status: {
          State: time.now() - startedAt.get(input.QueryExecutionId)! >= 4000 ? 'SUCCEEDED' : 'RUNNING',
        },
      },
    }));
    athena
      .on(GetQueryResultsCommand)
      .resolves({ ResultSet: { ResultSetMetadata: { ColumnInfo: [] }, Rows: [] } });
    athena.on(StopQueryExecutionCommand).resolves({});
    const job = engine(time, {
      timeoutMillis: 10_000,
      deadline: 6000,
      pollInitialMillis: 1000,
      pollMaxMillis: 1000,
    });

    // Act
    await job.query(QUERY);
    const second = job.query(QUERY);

    // Assess
    await expect(second).rejects.toBeInstanceOf(JobDeadlineError);
    await expect(second).rejects.toMatchObject({ queryExecutionId: 'q-2', waitedMillis: 2000 });
    expect(time.now()).toBe(6000);
    expect(athena.commandCalls(StopQueryExecutionCommand).map((c) => c.args[0].input)).toEqual([
      { QueryExecutionId: 'q-2' },
    ]);
    await expect(job.query(QUERY)).rejects.toThrow(/deadline before athena query drift-scan could start/);
    expect(started).toBe(2);
  });

  it('refuses, before starting anything, a query Athena would refuse (text size, ? outside WHERE)', async () => {
    const long: CompiledQuery = { name: 'huge', sql: `SELECT '${'x'.repeat(262_144)}'`, parameters: [] };
    await expect(engine().query(long)).rejects.toThrow(
      /query huge is 262153 bytes: Athena refuses query text over 262144 bytes \(nothing was sent to Athena\)/,
    );
    const select: CompiledQuery = { name: 'labels', sql: 'SELECT ? AS c FROM t', parameters: ['a'] };
    await expect(engine().query(select)).rejects.toThrow(/execution parameter outside WHERE/);
    expect(athena.commandCalls(StartQueryExecutionCommand)).toHaveLength(0);
  });

  it('still reports the timeout when StopQueryExecution fails', async () => {
    athena.on(StartQueryExecutionCommand).resolves({ QueryExecutionId: 'q-stuck' });
    athena.on(GetQueryExecutionCommand).resolves({ QueryExecution: { Status: { State: 'RUNNING' } } });
    athena
      .on(StopQueryExecutionCommand)
      .rejects(Object.assign(new Error('denied'), { name: 'AccessDeniedException' }));

    await expect(engine(fakeTime(), { timeoutMillis: 1000 }).query(QUERY)).rejects.toBeInstanceOf(
      AthenaQueryTimeoutError,
    );
    expect(athena.commandCalls(StopQueryExecutionCommand)).toHaveLength(1);
  });

  it('stops the query when the caller aborts', async () => {
    const controller = new AbortController();
    athena.on(StartQueryExecutionCommand).resolves({ QueryExecutionId: 'q-abort' });
    athena.on(GetQueryExecutionCommand).callsFake(() => {
      controller.abort();
      return { QueryExecution: { Status: { State: 'RUNNING' } } };
    });
    athena.on(StopQueryExecutionCommand).resolves({});

    await expect(engine().query(QUERY, { signal: controller.signal })).rejects.toMatchObject({
      name: 'AthenaQueryTimeoutError',
      aborted: true,
    });
    expect(athena.commandCalls(StopQueryExecutionCommand)).toHaveLength(1);
  });

  it('retries throttled and 5xx calls with backoff, reusing one ClientRequestToken', async () => {
    // Prepare
    const time = fakeTime();
    const throttled = new TooManyRequestsException({
      message: 'Rate exceeded',
      $metadata: { httpStatusCode: 400 },
    });
    const unavailable = Object.assign(new Error('Service Unavailable'), {
      name: 'ServiceUnavailable',
      $metadata: { httpStatusCode: 503 },
    });
    athena
      .on(StartQueryExecutionCommand)
      .rejectsOnce(throttled)
      .rejectsOnce(unavailable)
      .resolves({ QueryExecutionId: 'q-1' });
    athena
      .on(GetQueryExecutionCommand)
      .rejectsOnce(Object.assign(new Error('slow down'), { name: 'ThrottlingException' }))
      .resolves(SUCCEEDED);
    athena
      .on(GetQueryResultsCommand)
      .resolves({ ResultSet: { ResultSetMetadata: { ColumnInfo: [] }, Rows: [header()] } });

    // Act
    await engine(time, { retry: { baseDelayMillis: 100, random: () => 1 } }).query(QUERY);

    // Assess
    const starts = athena.commandCalls(StartQueryExecutionCommand);
    expect(starts).toHaveLength(3);
    const tokens = new Set(starts.map((c) => c.args[0].input.ClientRequestToken));
    expect(tokens.size).toBe(1);
    expect(time.sleeps).toEqual([100, 200, 100]);
  });

  it('gives up after the bounded number of attempts', async () => {
    athena
      .on(StartQueryExecutionCommand)
      .rejects(new TooManyRequestsException({ message: 'busy', $metadata: {} }));
    await expect(
      engine(fakeTime(), { retry: { maxAttempts: 3, random: () => 1 } }).query(QUERY),
    ).rejects.toBeInstanceOf(TooManyRequestsException);
    expect(athena.commandCalls(StartQueryExecutionCommand)).toHaveLength(3);
  });

  it('does not retry a request Athena refuses', async () => {
    athena.on(StartQueryExecutionCommand).rejects(
      Object.assign(new Error('bad SQL'), {
        name: 'InvalidRequestException',
        $metadata: { httpStatusCode: 400 },
      }),
    );
    await expect(engine().query(QUERY)).rejects.toThrow('bad SQL');
    expect(athena.commandCalls(StartQueryExecutionCommand)).toHaveLength(1);
  });

  it('records bytes scanned, engine time and cost with the 10 MB minimum', async () => {
    athena.on(StartQueryExecutionCommand).resolves({ QueryExecutionId: 'q-1' });
    athena
      .on(GetQueryExecutionCommand)
      .resolvesOnce(SUCCEEDED)
      .resolves({
        QueryExecution: {
          Status: { State: 'SUCCEEDED' },
          Statistics: { DataScannedInBytes: 1000, EngineExecutionTimeInMillis: 600 },
        },
      });
    athena
      .on(GetQueryResultsCommand)
      .resolves({ ResultSet: { ResultSetMetadata: { ColumnInfo: [] }, Rows: [header()] } });
    const e = engine();

    await e.query(QUERY);
    await e.query(QUERY);

    const stats = e.stats();
    expect(stats.queries).toBe(2);
    expect(stats.bytesScanned).toBe(3 * 2 ** 30 + 1000);
    expect(stats.engineMillis).toBe(3000);
    // 3 GiB at USD 5 per TiB, plus a 10 MiB minimum for the tiny query
    expect(stats.costUsd).toBeCloseTo((3 / 1024) * 5 + (10 / 2 ** 20) * 5, 12);
  });
});

describe('athenaCostUsd', () => {
  it.each([
    [0, (10 / 2 ** 20) * 5],
    [10 * 2 ** 20 + 1, (11 / 2 ** 20) * 5],
    [2 ** 40, 5],
  ])('charges %d bytes as USD %f', (bytes, usd) => {
    expect(athenaCostUsd(bytes)).toBeCloseTo(usd, 15);
  });
});

describe('renderAthenaParameter', () => {
  it.each([
    ['2026-01-21', "'2026-01-21'"],
    ["O'Brien", "'O''Brien'"],
    [42, '42'],
    [-7, '-7'],
    [0.1, '1e-1'],
    [1e21, '1e+21'],
  ])('renders %j as %s', (value, literal) => {
    expect(renderAthenaParameter(value)).toBe(literal);
  });
});

describe('convertAthenaValue', () => {
  it.each([
    [undefined, 'varchar', null],
    ['1', 'tinyint', 1],
    ['1.5', 'real', 1.5],
    ['Infinity', 'double', Number.POSITIVE_INFINITY],
    ['12.30', 'decimal(10,2)', 12.3],
    ['true', 'boolean', true],
    ['x', undefined, 'x'],
    ['2026-01-21 00:00:00.000', 'timestamp', '2026-01-21 00:00:00.000'],
  ])('converts %j of type %s to %j', (text, type, value) => {
    expect(convertAthenaValue(text, type)).toEqual(value);
  });
});

describe('athena dialect SQL', () => {
  const source: DataSource = {
    location: 's3://logs/credit-default/predictions/',
    format: 'parquet',
    partitioned: true,
    table: { database: 'driftwatch', name: 'credit_default_predictions' },
  };

  it("renders a small drift query that Trino's grammar accepts", () => {
    const d = athenaDialect;
    const income = quoteIdentifier('income');
    const sql = [
      `SELECT ${quoteIdentifier('region')} AS segment,`,
      `  count(*) AS n,`,
      `  count_if(NOT ${d.isFinite(income)}) AS non_finite,`,
      `  ${d.stddevPop(income)} AS std,`,
      `  ${d.mapToJson(`histogram(${quoteIdentifier('employment_type')})`)} AS categories,`,
      `  ${d.toVarchar('max("ts")')} AS last_seen`,
      `FROM ${d.relation(source)}`,
      `WHERE "dt" BETWEEN ? AND ?`,
      `GROUP BY GROUPING SETS ((), (${quoteIdentifier('region')}))`,
    ].join('\n');

    const errors = new TrinoSQL().validate(sql);

    expect(errors).toEqual([]);
    // the grammar is not a rubber stamp: a broken statement is reported
    expect(new TrinoSQL().validate('SELECT count(* FROM t WHERE').length).toBeGreaterThan(0);
    expect(d.relation(source)).toBe('"driftwatch"."credit_default_predictions"');
  });
});
