import { TrinoSQL } from 'dt-sql-parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DuckDbQueryEngine } from '../../../lib/adapters/duckdb-engine.js';
import type { SloDefinition } from '../../../lib/config/schema.js';
import { athenaQueryProblems } from '../../../lib/sql/athena-limits.js';
import { athenaDialect, type DataSource } from '../../../lib/sql/dialect.js';
import { buildSloCountsQuery, readSloCounts, type SloCountsSpec } from '../../../lib/sql/slo-query.js';
import { tempDir } from '../../helpers/temp.js';

// 12 rows in two hours of 2026-01-01 (six each, minutes 0, 10, ..., 50), versions alternating a / b;
// latency 10 * i ms; status ok except rows 3 and 7 ("fail", "it's bad"); error set on rows 5 and 11
// ('0' on row 6, which is not an error); code 200 except row 2 (503).
let engine: DuckDbQueryEngine;
let dir: { path: string; cleanup: () => Promise<void> };
const source: DataSource = { location: '', format: 'parquet', partitioned: true };

beforeAll(async () => {
  engine = await DuckDbQueryEngine.create({ threads: 1 });
  dir = await tempDir();
  Object.assign(source, { location: `${dir.path}/log` });
  await engine.execute(`COPY (
      SELECT TIMESTAMP '2026-01-01 00:00:00' + to_minutes(CAST(i * 10 AS BIGINT)) AS ts,
             CASE WHEN i % 2 = 0 THEN 'a' ELSE 'b' END AS model_version,
             CAST(10 * i AS DOUBLE) AS latency_ms,
             CASE i WHEN 3 THEN 'fail' WHEN 7 THEN 'it''s bad' ELSE 'ok' END AS status,
             CASE i WHEN 5 THEN 'timeout' WHEN 11 THEN 'true' WHEN 6 THEN '0' ELSE NULL END AS error,
             CASE WHEN i = 2 THEN 503 ELSE 200 END AS code,
             '2026-01-01' AS dt
      FROM range(12) t(i))
    TO '${dir.path}/log' (FORMAT parquet, PARTITION_BY (dt))`);
});

afterAll(async () => {
  await engine.close();
  await dir.cleanup();
});

const slos: Pick<SloDefinition, 'name' | 'sli'>[] = [
  { name: 'fast', sli: { kind: 'latency', thresholdMs: 55 } },
  { name: 'errors', sli: { kind: 'errors' } },
  { name: 'status', sli: { kind: 'condition', good: { column: 'status', operator: '=', value: 'ok' } } },
  {
    name: 'codes',
    sli: { kind: 'condition', good: { column: 'code', operator: 'in', value: [200, 204, 'OK'] } },
  },
  {
    name: 'quoted',
    sli: { kind: 'condition', good: { column: 'status', operator: '!=', value: "it's bad" } },
  },
];

const spec = (versions: boolean): SloCountsSpec => ({
  source,
  timestampColumn: 'ts',
  range: { start: '2026-01-01T00:00:00Z', end: '2026-01-01T02:00:00Z' },
  windowSeconds: 3600,
  latencyColumn: 'latency_ms',
  errorColumn: 'error',
  ...(versions ? { versionColumn: 'model_version' } : {}),
  slos,
});

describe('buildSloCountsQuery', () => {
  it('counts good and total events per sub-window for every SLO in one query', async () => {
    const s = spec(false);
    const rows = readSloCounts(await engine.query(buildSloCountsQuery(s, engine.dialect)), s);
    expect(rows).toEqual([
      // hour 0: rows 0..5: latency <= 55 all 6; errors row 5; status row 3; code row 2; quoted none.
      { start: Date.parse('2026-01-01T00:00:00Z'), version: null, total: 6, good: [6, 5, 5, 5, 6] },
      // hour 1: rows 6..11: latency 60..110 none good; errors row 11; status row 7; quoted row 7.
      { start: Date.parse('2026-01-01T01:00:00Z'), version: null, total: 6, good: [0, 5, 5, 6, 5] },
    ]);
  });

  it('groups by version when asked', async () => {
    const s = spec(true);
    const rows = readSloCounts(await engine.query(buildSloCountsQuery(s, engine.dialect)), s);
    expect(rows.map((r) => [r.version, r.total, r.good[0]])).toEqual([
      ['a', 3, 3],
      ['b', 3, 3],
      ['a', 3, 0],
      ['b', 3, 0],
    ]);
  });

  it('renders for Athena as valid Trino, parameters only in WHERE, values as quoted literals', () => {
    const table = { ...source, table: { database: 'db', name: 'svc_predictions' } };
    const q = buildSloCountsQuery({ ...spec(true), source: table }, athenaDialect);
    expect(athenaQueryProblems(q.name, q.sql)).toEqual([]);
    expect(new TrinoSQL().validate(q.sql.replace(/\?/g, "'2026-01-01'"))).toEqual([]);
    expect(q.sql).toContain(`<> 'it''s bad'`);
    expect(q.parameters).toEqual(['2026-01-01', '2026-01-02', '2026-01-01 00:00:00', '2026-01-01 02:00:00']);
    // Only the SLI columns, the timestamp, the version and dt are read.
    const columns = [...q.sql.matchAll(/"([^"]+)"/g)].map((m) => m[1]);
    expect(new Set(columns)).toEqual(
      new Set([
        'db',
        'svc_predictions',
        'dt',
        'ts',
        'model_version',
        'latency_ms',
        'error',
        'status',
        'code',
      ]),
    );
  });
});
