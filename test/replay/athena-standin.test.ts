/**
 * The Athena stand-in enforces the contract it documents: Parquet types read as Athena reads them,
 * parameters only in WHERE, the query text limit, the bytes-scanned cutoff, bytes as the columns read.
 */
import { join } from 'node:path';
import {
  AthenaClient,
  GetQueryExecutionCommand,
  GetQueryResultsCommand,
  StartQueryExecutionCommand,
  StopQueryExecutionCommand,
} from '@aws-sdk/client-athena';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { tempDir } from '../helpers/temp.js';
import { AthenaStandIn, MAX_QUERY_BYTES, parameterClauses, parquetCompatible } from './athena-standin.js';
import type { GlueTableSpec } from './deployment.js';
import { s3Client, uploadFolder } from './replay.js';

describe('parquetCompatible (Athena reading a Parquet column as the declared Glue type)', () => {
  const int32 = { physical: 'INT32', converted: 'INT_32', logical: null };
  const float = { physical: 'FLOAT', converted: null, logical: null };
  const micros = { physical: 'INT64', converted: 'TIMESTAMP_MICROS', logical: 'TimestampType(...)' };
  it.each([
    [int32, 'int', true],
    [int32, 'bigint', true],
    [int32, 'double', false],
    [int32, 'string', false],
    [float, 'double', true],
    [float, 'float', true],
    [{ physical: 'DOUBLE', converted: null, logical: null }, 'float', false],
    [{ physical: 'INT64', converted: null, logical: null }, 'int', false],
    [{ physical: 'BYTE_ARRAY', converted: 'UTF8', logical: null }, 'string', true],
    [micros, 'timestamp', true],
    [micros, 'bigint', false],
  ] as const)('%o as %s: %s', (column, hive, ok) => {
    expect(parquetCompatible(hive, column)).toBe(ok);
  });
});

describe('parameterClauses', () => {
  it('names the clause of each ? outside strings, quoted names and comments', () => {
    expect(parameterClauses(`SELECT a FROM t WHERE "dt" >= ? AND "dt" < ? AND s = '?'`)).toEqual([
      'WHERE',
      'WHERE',
    ]);
    expect(parameterClauses('SELECT CASE y WHEN ? THEN 1 END FROM t WHERE dt = ?')).toEqual([
      'SELECT',
      'WHERE',
    ]);
    expect(
      parameterClauses('SELECT * FROM (SELECT x FROM t WHERE (a = ? OR b = ?)) AS s GROUP BY ?'),
    ).toEqual(['WHERE', 'WHERE', 'GROUP']);
    expect(
      parameterClauses('-- ?\nSELECT "?" FROM t /* ? */ WHERE x IN (SELECT y FROM u WHERE z = ?)'),
    ).toEqual(['WHERE']);
  });
});

describe('AthenaStandIn over a real S3 server', () => {
  const bucket = 'standin-logs';
  const table = (columns: { name: string; type: string }[]): GlueTableSpec => ({
    database: 'dw',
    name: 'events',
    location: `s3://${bucket}/events/`,
    columns,
    partitionKeys: [{ name: 'dt', type: 'string' }],
    parameters: {},
    serde: 'org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe',
  });
  let work: { path: string; cleanup: () => Promise<void> };
  const s3 = s3Client(inject('s3Endpoint'));
  const client = new AthenaClient({
    region: 'eu-west-1',
    credentials: { accessKeyId: 'x', secretAccessKey: 'y' },
  });

  beforeAll(async () => {
    work = await tempDir('dw-standin-');
    const instance = await DuckDBInstance.create(':memory:', { threads: '1' });
    const connection = await instance.connect();
    await connection.run(
      `COPY (SELECT CAST(i AS INTEGER) AS n, CAST(i AS FLOAT) AS f, 'x' || i AS s,
              CASE WHEN i < 50 THEN '2026-10-01' ELSE '2026-10-02' END AS dt FROM range(100) t(i))
       TO '${join(work.path, 'events')}' (FORMAT parquet, PARTITION_BY (dt))`,
    );
    connection.closeSync();
    instance.closeSync();
    await uploadFolder(s3, join(work.path, 'events'), `s3://${bucket}/events/`);
  });
  afterAll(async () => {
    client.destroy();
    s3.destroy();
    await work?.cleanup();
  });

  async function withStandIn<T>(
    columns: { name: string; type: string }[],
    body: (standIn: AthenaStandIn) => Promise<T>,
    options: { cutoff?: number } = {},
  ): Promise<T> {
    const standIn = await AthenaStandIn.start({
      s3,
      tables: [table(columns)],
      workDir: join(work.path, `copy-${Math.random().toString(36).slice(2)}`),
      bytesScannedCutoff: options.cutoff ?? 10 * 2 ** 30,
    });
    try {
      return await body(standIn);
    } finally {
      await standIn.close();
    }
  }

  async function run(sql: string, parameters: string[] = []) {
    const { QueryExecutionId } = await client.send(
      new StartQueryExecutionCommand({
        QueryString: sql,
        WorkGroup: 'wg',
        ...(parameters.length ? { ExecutionParameters: parameters } : {}),
      }),
    );
    const { QueryExecution } = await client.send(new GetQueryExecutionCommand({ QueryExecutionId }));
    const state = QueryExecution?.Status?.State;
    const rows =
      state === 'SUCCEEDED'
        ? (await client.send(new GetQueryResultsCommand({ QueryExecutionId }))).ResultSet?.Rows?.map((r) =>
            r.Data?.map((d) => d.VarCharValue ?? null),
          )
        : undefined;
    return {
      id: QueryExecutionId!,
      state,
      reason: QueryExecution?.Status?.StateChangeReason,
      bytes: QueryExecution?.Statistics?.DataScannedInBytes ?? 0,
      rows,
    };
  }

  it('reads INT32 as int and FLOAT as double, with parameters in WHERE, bytes as the columns read', async () => {
    await withStandIn(
      [
        { name: 'n', type: 'int' },
        { name: 'f', type: 'double' },
        { name: 's', type: 'string' },
      ],
      async () => {
        const one = await run(
          'SELECT count(*) AS c, sum(n) AS t FROM "dw"."events" WHERE "dt" >= ? AND "dt" < ?',
          ["'2026-10-02'", "'2026-10-03'"],
        );
        expect(one).toMatchObject({
          state: 'SUCCEEDED',
          rows: [
            ['c', 't'],
            ['50', '3725'],
          ],
        });
        const both = await run('SELECT sum(n) AS t FROM "dw"."events"');
        // One partition's n column is about half of both partitions' n columns.
        expect(one.bytes).toBeGreaterThan(0);
        expect(both.bytes).toBeGreaterThan(one.bytes);
        const wider = await run('SELECT sum(n) AS t, max(s) AS m FROM "dw"."events"');
        expect(wider.bytes).toBeGreaterThan(both.bytes);
        expect(await run('SELECT max(f) AS m FROM "dw"."events"')).toMatchObject({ state: 'SUCCEEDED' });
      },
    );
  });

  it('fails like Athena (HIVE_BAD_DATA) when a query reads an INT32 column declared double', async () => {
    await withStandIn([{ name: 'n', type: 'double' }], async () => {
      const failed = await run('SELECT max(n) AS m FROM "dw"."events"');
      expect(failed.state).toBe('FAILED');
      expect(failed.reason).toMatch(/^HIVE_BAD_DATA: Field n's type INT32 .* incompatible with type double/);
      // Counting rows reads no value of the column, as in Athena.
      expect(await run('SELECT count(*) AS c FROM "dw"."events"')).toMatchObject({ state: 'SUCCEEDED' });
    });
  });

  it('fails a query with a parameter outside WHERE, refuses text over 262,144 bytes, enforces the cutoff', async () => {
    await withStandIn([{ name: 'n', type: 'int' }], async (standIn) => {
      const selected = await run('SELECT CASE WHEN n = ? THEN 1 END AS x FROM "dw"."events"', ['1']);
      expect(selected.state).toBe('FAILED');
      expect(selected.reason).toMatch(/only in the WHERE clause/);
      const padding = `/* ${'x'.repeat(MAX_QUERY_BYTES)} */`;
      await expect(run(`SELECT 1 AS one ${padding}`)).rejects.toMatchObject({
        name: 'InvalidRequestException',
      });
      expect(standIn.refused).toHaveLength(1);
    });
    await withStandIn(
      [{ name: 'n', type: 'int' }],
      async () => {
        const capped = await run('SELECT sum(n) AS t FROM "dw"."events"');
        expect(capped).toMatchObject({
          state: 'FAILED',
          reason: expect.stringMatching(/Bytes scanned limit/),
        });
      },
      { cutoff: 1 },
    );
  });

  it('keeps a slow query RUNNING until stopped', async () => {
    const standIn = await AthenaStandIn.start({
      s3,
      tables: [table([{ name: 'n', type: 'int' }])],
      workDir: join(work.path, 'copy-slow'),
      bytesScannedCutoff: 10 * 2 ** 30,
      runMillis: () => 60_000,
    });
    try {
      const slow = await run('SELECT sum(n) AS t FROM "dw"."events"');
      expect(slow.state).toBe('RUNNING');
      await client.send(new StopQueryExecutionCommand({ QueryExecutionId: slow.id }));
      expect(standIn.running()).toEqual([]);
      expect(standIn.queries[0]).toMatchObject({ state: 'CANCELLED' });
    } finally {
      await standIn.close();
    }
  });
});
