import { TrinoSQL } from 'dt-sql-parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DuckDbQueryEngine } from '../../../lib/adapters/duckdb-engine.js';
import {
  durationMillis,
  lastCompleteTimeWindow,
  partitionRange,
  timeWindow,
  timeWindowKey,
  timeWindowsIn,
} from '../../../lib/jobs/windows.js';
import { athenaQueryProblems } from '../../../lib/sql/athena-limits.js';
import {
  athenaDialect,
  type DataSource,
  type SqlDialect,
  subWindowIndex,
  type TimeRange,
  timeWindowFilter,
} from '../../../lib/sql/dialect.js';
import { tempDir } from '../../helpers/temp.js';

// One row every 10 minutes from 2026-01-01 22:00 to 2026-01-02 02:00 (24 rows), filed under the
// day of its timestamp, plus one row of 2026-01-02 01:30 misfiled under dt=2026-01-05 (a day the
// ranges below never touch: partition pruning must leave it out).
let engine: DuckDbQueryEngine;
let dir: { path: string; cleanup: () => Promise<void> };
const source: DataSource = { location: '', format: 'parquet', partitioned: true };

beforeAll(async () => {
  engine = await DuckDbQueryEngine.create();
  dir = await tempDir();
  Object.assign(source, { location: `${dir.path}/log` });
  await engine.execute(`COPY (
      SELECT ts, strftime(ts, '%Y-%m-%d') AS dt FROM (
        SELECT TIMESTAMP '2026-01-01 22:00:00' + to_minutes(CAST(i * 10 AS BIGINT)) AS ts FROM range(24) t(i))
      UNION ALL SELECT TIMESTAMP '2026-01-02 01:30:00', '2026-01-05')
    TO '${dir.path}/log' (FORMAT parquet, PARTITION_BY (dt))`);
});

afterAll(async () => {
  await engine.close();
  await dir.cleanup();
});

function countQuery(range: TimeRange, windowSeconds: number, dialect: SqlDialect, from: DataSource) {
  const filter = timeWindowFilter(range, { timestampColumn: 'ts', source: from }, dialect);
  const bucket = subWindowIndex(
    dialect,
    dialect.eventTime('ts', from),
    Date.parse(range.start) / 1000,
    windowSeconds,
  );
  return {
    name: 'count-by-window',
    sql: `SELECT ${bucket} AS w, count(*) AS n FROM ${dialect.relation(from)}${filter.where} GROUP BY 1 ORDER BY 1`,
    parameters: filter.parameters,
    days: filter.days,
  };
}

async function counts(range: TimeRange, windowSeconds: number) {
  const q = countQuery(range, windowSeconds, engine.dialect, source);
  const files = await engine.resolveFiles(source, partitionRange(range));
  const rows = await engine.query(countQuery(range, windowSeconds, engine.dialect, files));
  return { parameters: q.parameters, rows: rows.map((r) => [Number(r.w), Number(r.n)]) };
}

describe('sub-day windows', () => {
  it('count an hour that crosses no midnight from one day partition', async () => {
    const { parameters, rows } = await counts(
      { start: '2026-01-01T23:00:00Z', end: '2026-01-02T00:00:00Z' },
      3600,
    );
    expect(parameters).toEqual(['2026-01-01', '2026-01-02', '2026-01-01 23:00:00', '2026-01-02 00:00:00']);
    expect(rows).toEqual([[0, 6]]);
  });

  it('group a range across midnight into hourly sub-windows from both days, pruning other days', async () => {
    const { parameters, rows } = await counts(
      { start: '2026-01-01T22:00:00Z', end: '2026-01-02T02:00:00Z' },
      3600,
    );
    expect(parameters.slice(0, 2)).toEqual(['2026-01-01', '2026-01-03']);
    // 6 rows per hour; the misfiled 01:30 row (dt=2026-01-05) is outside the partitions read.
    expect(rows).toEqual([
      [0, 6],
      [1, 6],
      [2, 6],
      [3, 6],
    ]);
  });

  it('group five-minute windows, empty ones absent', async () => {
    const { rows } = await counts({ start: '2026-01-02T00:00:00Z', end: '2026-01-02T00:30:00Z' }, 300);
    expect(rows).toEqual([
      [0, 1],
      [2, 1],
      [4, 1],
    ]);
  });

  it('render for Athena as valid Trino with every parameter in WHERE', () => {
    const table: DataSource = {
      location: 's3://b/p/',
      format: 'parquet',
      partitioned: true,
      table: { database: 'db', name: 'm_predictions' },
    };
    for (const from of [table, { ...table, format: 'jsonl' as const }]) {
      const q = countQuery(
        { start: '2026-01-01T23:00:00Z', end: '2026-01-02T01:00:00Z' },
        3600,
        athenaDialect,
        from,
      );
      expect(athenaQueryProblems(q.name, q.sql)).toEqual([]);
      const literal = q.sql.replace(/\?/g, () => "'2026-01-01'");
      expect(new TrinoSQL().validate(literal)).toEqual([]);
    }
  });

  it('refuse a boundary that is not a UTC timestamp', () => {
    expect(() =>
      timeWindowFilter(
        { start: '2026-01-01 23:00', end: '2026-01-02T00:00:00Z' },
        { timestampColumn: 'ts', source },
        athenaDialect,
      ),
    ).toThrow(/window start "2026-01-01 23:00" is not a UTC timestamp: use YYYY-MM-DDTHH:MM:SSZ/);
  });
});

describe('time windows', () => {
  it('parse durations in multiples of five minutes', () => {
    expect(durationMillis('PT5M')).toBe(300_000);
    expect(durationMillis('PT1H')).toBe(3_600_000);
    expect(durationMillis('P3D')).toBe(259_200_000);
    expect(() => durationMillis('PT7M')).toThrow(/multiples of five minutes/);
    expect(() => durationMillis('PT')).toThrow(/not a positive ISO-8601 duration/);
  });

  it('align windows on their grid', () => {
    expect(timeWindow('2026-01-01T05:00:00Z', 'PT1H')).toEqual({
      start: '2026-01-01T05:00:00Z',
      end: '2026-01-01T06:00:00Z',
      duration: 'PT1H',
    });
    expect(() => timeWindow('2026-01-01T05:05:00Z', 'PT1H')).toThrow(
      /not on the PT1H grid: windows of PT1H start at 2026-01-01T05:00:00Z, 2026-01-01T06:00:00Z/,
    );
    expect(() => timeWindow('2026-01-01T05:00:00Z', 'PT7H')).toThrow(/does not divide a day/);
    expect(timeWindow('2026-01-01T05:55:00Z', 'PT5M').end).toBe('2026-01-01T06:00:00Z');
  });

  it('find the last complete window and the windows of a range', () => {
    expect(lastCompleteTimeWindow(new Date('2026-01-02T00:07:12Z'), 'PT1H')).toEqual(
      timeWindow('2026-01-01T23:00:00Z', 'PT1H'),
    );
    expect(lastCompleteTimeWindow(new Date('2026-01-02T00:07:12Z'), 'PT5M').start).toBe(
      '2026-01-02T00:00:00Z',
    );
    expect(
      timeWindowsIn({ start: '2026-01-01T22:00:00Z', end: '2026-01-02T01:00:00Z' }, 'PT1H').map(
        (w) => w.start,
      ),
    ).toEqual(['2026-01-01T22:00:00Z', '2026-01-01T23:00:00Z', '2026-01-02T00:00:00Z']);
  });

  it('read the partitions of every day a range touches', () => {
    expect(partitionRange({ start: '2026-01-01T23:00:00Z', end: '2026-01-02T00:00:00Z' })).toEqual({
      from: '2026-01-01',
      to: '2026-01-02',
    });
    expect(partitionRange({ start: '2025-12-29T00:00:00Z', end: '2026-01-02T00:05:00Z' })).toEqual({
      from: '2025-12-29',
      to: '2026-01-03',
    });
  });

  it('key results by day and time of day', () => {
    expect(timeWindowKey('m', 'slo', timeWindow('2026-01-01T05:00:00Z', 'PT1H'))).toBe(
      'm/slo/dt=2026-01-01/0500Z-PT1H.json',
    );
  });
});

describe('event time with an ISO offset (DuckDB and Athena agree on the instant)', () => {
  // ISO-8601 texts as a JSON-lines log holds them; Date.parse gives the instant Athena's
  // from_iso8601_timestamp gives (offsets honoured).
  const texts = [
    '2026-10-01T02:30:00+02:00',
    '2026-10-01T02:30:00Z',
    '2026-10-01T02:30:00.250-05:30',
    '2026-10-01T00:00:00+00:00',
    '2026-09-30T23:59:59-01:00',
  ];

  it('reads each text as its UTC instant in DuckDB (a plain CAST AS TIMESTAMP dropped the offset)', async () => {
    const from: DataSource = { location: 'x', format: 'jsonl', partitioned: false };
    const rows = await engine.query({
      name: 'event-time',
      sql: `SELECT i, ${engine.dialect.epochSeconds(engine.dialect.eventTime('ts', from))} AS s
            FROM (SELECT i, ts FROM (VALUES ${texts.map((t, i) => `(${i}, '${t}')`).join(', ')}) v(i, ts)) ORDER BY i`,
      parameters: [],
    });
    expect(rows.map((r) => Number(r.s) * 1000)).toEqual(texts.map((t) => Date.parse(t)));
  });

  it('renders the same column for Athena with from_iso8601_timestamp (which honours offsets)', () => {
    const from: DataSource = { location: 'x', format: 'jsonl', partitioned: false };
    expect(athenaDialect.eventTime('ts', from)).toBe('from_iso8601_timestamp("ts")');
    expect(engine.dialect.eventTime('ts', from)).toBe(`timezone('UTC', CAST("ts" AS TIMESTAMPTZ))`);
  });
});
