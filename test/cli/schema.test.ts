import { mkdir, writeFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DuckDbQueryEngine } from '../../lib/adapters/duckdb-engine.js';
import { runCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/temp.js';

let dir: { path: string; cleanup: () => Promise<void> };

const run = runCli;

const definition = (reference: string) => `model: { id: shop, task: binary }
predictions:
  location: logs/predictions
  idColumn: id
  timestampColumn: ts
  scoreColumn: score
features:
  - { name: age, kind: numeric }
  - { name: income, kind: numeric }
  - { name: plan, kind: categorical }
reference: { type: dataset, location: ${reference} }
`;

beforeAll(async () => {
  dir = await tempDir('driftwatch-schema-');
  await mkdir(`${dir.path}/logs`);
  const engine = await DuckDbQueryEngine.create({ threads: 1 });
  try {
    await engine.execute(`COPY (
        SELECT 'p' || i AS id, TIMESTAMP '2026-01-01 00:00:00' AS ts, i / 10.0 AS score,
               CAST(20 + i AS INTEGER) AS age, CAST(i * 1000 AS BIGINT) AS income, 'basic' AS plan,
               '2026-01-01' AS dt
        FROM range(10) t(i))
      TO '${dir.path}/logs/predictions' (FORMAT parquet, PARTITION_BY (dt))`);
    // Outcomes by arrival date; `converted` written as INT64 (BIGINT); a second log whose id is a number.
    await engine.execute(`COPY (
        SELECT 'p' || i AS id, CAST(i * 1.5 AS DOUBLE) AS revenue, CAST(i % 2 AS BIGINT) AS converted, 'web' AS channel,
               '2026-01-04' AS dt
        FROM range(10) t(i))
      TO '${dir.path}/logs/outcomes' (FORMAT parquet, PARTITION_BY (dt))`);
    await engine.execute(`COPY (SELECT CAST(i AS BIGINT) AS id, i * 1.5 AS revenue, '2026-01-04' AS dt FROM range(3) t(i))
      TO '${dir.path}/logs/outcomes-numeric' (FORMAT parquet, PARTITION_BY (dt))`);
    await engine.execute(`COPY (SELECT CAST(1.5 AS DOUBLE) AS age, CAST(2.5 AS DOUBLE) AS income, 'basic' AS plan, 'x' AS id,
        TIMESTAMP '2025-01-01 00:00:00' AS ts, CAST(0.5 AS DOUBLE) AS score) TO '${dir.path}/ref.parquet' (FORMAT parquet)`);
  } finally {
    await engine.close();
  }
  await writeFile(`${dir.path}/good.yaml`, definition('logs/predictions/dt=2026-01-01/data_0.parquet'));
  await writeFile(`${dir.path}/clash.yaml`, definition('ref.parquet'));
  const outcomes = (location: string) => `outcomes: { location: ${location}, idColumn: id, delay: P3D }
kpis:
  - name: conversion
    aggregate: rate
    column: converted
    where: { column: channel, operator: '=', value: web }
    source: outcomes
    thresholds: { relative: 0.2 }
    direction: higher_is_better
  - { name: revenue, aggregate: sum, column: revenue, source: outcomes, thresholds: { relative: 0.2 }, direction: higher_is_better }
`;
  const good = definition('logs/predictions/dt=2026-01-01/data_0.parquet');
  await writeFile(`${dir.path}/outcomes.yaml`, `${good}${outcomes('logs/outcomes')}`);
  await writeFile(`${dir.path}/outcomes-clash.yaml`, `${good}${outcomes('logs/outcomes-numeric')}`);
});
afterAll(() => dir?.cleanup());

describe('driftwatch schema', () => {
  it('prints each column’s file type and Glue type, and the columnTypes to give the ModelMonitor', async () => {
    const { code, stdout } = await run(['schema', '--config', `${dir.path}/good.yaml`]);
    expect(code).toBe(0);
    expect(stdout).toMatch(/predictions\s+age\s+INTEGER\s+int/);
    expect(stdout).toMatch(/predictions\s+income\s+BIGINT\s+bigint/);
    expect(stdout).toMatch(/predictions\s+ts\s+TIMESTAMP\s+timestamp/);
    expect(stdout).toContain(
      'columnTypes: {"id":"string","ts":"timestamp","score":"double","age":"int","income":"bigint","plan":"string"}',
    );
  });

  it('prints JSON with --json', async () => {
    const { code, stdout } = await run(['schema', '--config', `${dir.path}/good.yaml`, '--json']);
    expect(code).toBe(0);
    expect(JSON.parse(stdout).columnTypes).toMatchObject({ age: 'int', income: 'bigint' });
  });

  it('reads the outcomes log too: the id and every column an outcome KPI reads (issue #17)', async () => {
    const { code, stdout } = await run(['schema', '--config', `${dir.path}/outcomes.yaml`, '--json']);
    expect(code).toBe(0);
    const report = JSON.parse(stdout) as { columns: { log: string; column: string; glueType: string }[] };
    expect(report.columns.filter((c) => c.log === 'outcomes')).toEqual([
      { log: 'outcomes', column: 'id', duckdbType: 'VARCHAR', glueType: 'string' },
      { log: 'outcomes', column: 'converted', duckdbType: 'BIGINT', glueType: 'bigint' },
      { log: 'outcomes', column: 'channel', duckdbType: 'VARCHAR', glueType: 'string' },
      { log: 'outcomes', column: 'revenue', duckdbType: 'DOUBLE', glueType: 'double' },
    ]);
    // converted is INT64 in the file: the table's default int would fail on Athena, bigint reads it.
    expect(JSON.parse(stdout).columnTypes).toMatchObject({ converted: 'bigint', revenue: 'double' });
    const clash = await run(['schema', '--config', `${dir.path}/outcomes-clash.yaml`]);
    expect(clash.code).toBe(1);
    expect(clash.stderr).toMatch(
      /column id is string in the reference log but bigint in the outcomes log: .*referenceColumns and outcomeColumns/,
    );
  });

  it('refuses in one line a column typed differently in two logs, naming both and the fix', async () => {
    const { code, stderr } = await run(['schema', '--config', `${dir.path}/clash.yaml`]);
    expect(code).toBe(1);
    expect(stderr.trim().split('\n')).toHaveLength(1);
    expect(stderr).toMatch(/column age is int in the predictions log but double in the reference log/);
  });
});
