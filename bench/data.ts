/**
 * Benchmark data: N predictions x 25 features (20 numeric, 5 categorical) in one daily partition,
 * 3 segment columns, a score, and a labels partition; plus a 200,000-row reference. Written by
 * DuckDB as zstd Parquet. Deterministic (hash-based draws), like the demo.
 *
 * Row groups hold ROW_GROUP_ROWS rows: DuckDB splits a scan across threads by row group, so a
 * file of one 1M-row group keeps one core busy and the other idle (the bench before 2026-11-29
 * wrote such files). The layout is part of the folder name, so data written with another
 * layout is never reused.
 */
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { DuckDbQueryEngine } from '../lib/adapters/duckdb-engine.js';
import type { MonitorDefinitionInput } from '../lib/config/schema.js';

export const NUMERIC = Array.from({ length: 20 }, (_, i) => `num_${String(i + 1).padStart(2, '0')}`);
export const CATEGORICAL = Array.from({ length: 5 }, (_, i) => `cat_${i + 1}`);
export const DAY = '2026-01-15';
/** Rows per Parquet row group (DuckDB's default for its own writes): 1M rows make 9 groups. */
export const ROW_GROUP_ROWS = 122_880;

/** The folder of the N-row data set under `dir` (the layout is in the name). */
export function benchFolder(dir: string, rows: number): string {
  return join(dir, `rg${ROW_GROUP_ROWS}`, String(rows));
}

/** The reference file under `dir` (shared by every size). */
export function referenceFile(dir: string): string {
  return join(dir, `rg${ROW_GROUP_ROWS}`, 'reference.parquet');
}

function u(k: number, salt: number): string {
  return `((hash(CAST((i * 64 + ${k}) * 1000 + ${salt} AS UBIGINT)) >> 11)::DOUBLE + 0.5) / 9007199254740992.0`;
}

function rowsSql(n: number, salt: number, shift: number): string {
  const numeric = NUMERIC.map(
    (name, k) =>
      `(sqrt(-2 * ln(${u(k, salt)})) * cos(2 * pi() * ${u(k + 30, salt)})) * ${1 + k / 10} + ${k + shift} AS ${name}`,
  );
  const categorical = CATEGORICAL.map(
    (name, k) => `'c' || CAST(floor(pow(${u(k + 20, salt)}, 2) * ${5 + 3 * k}) AS INTEGER) AS ${name}`,
  );
  return `SELECT 'b' || i AS prediction_id, TIMESTAMP '${DAY} 00:00:00' AS ts,
    ${numeric.join(',\n    ')},
    ${categorical.join(',\n    ')},
    CASE WHEN ${u(50, salt)} < 0.5 THEN 'north' ELSE 'south' END AS region,
    CASE WHEN ${u(51, salt)} < 0.7 THEN 'web' ELSE 'app' END AS channel,
    CASE WHEN ${u(52, salt)} < 0.8 THEN 'en' ELSE 'es' END AS locale,
    ${u(53, salt)} AS score,
    CASE WHEN ${u(54, salt)} < 0.3 THEN 1 ELSE 0 END AS label
  FROM range(${n}) t(i)`;
}

/** Writes (once) the data for N rows under dir/N and returns the folder. */
export async function ensureBenchData(engine: DuckDbQueryEngine, dir: string, rows: number): Promise<string> {
  const base = benchFolder(dir, rows);
  if (existsSync(join(base, 'done'))) return base;
  await mkdir(join(base, 'predictions', `dt=${DAY}`), { recursive: true });
  await mkdir(join(base, 'labels', `dt=${DAY}`), { recursive: true });
  await engine.execute(`SET preserve_insertion_order = false`);
  await engine.execute(
    `COPY (${rowsSql(rows, 1, 0.05)}) TO '${join(base, 'predictions', `dt=${DAY}`, 'part.parquet')}' (FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE ${ROW_GROUP_ROWS})`,
  );
  await engine.execute(
    `COPY (SELECT prediction_id, label FROM (${rowsSql(rows, 1, 0.05)})) TO '${join(base, 'labels', `dt=${DAY}`, 'part.parquet')}' (FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE ${ROW_GROUP_ROWS})`,
  );
  if (!existsSync(referenceFile(dir))) {
    await engine.execute(
      `COPY (${rowsSql(200_000, 2, 0)}) TO '${referenceFile(dir)}' (FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE ${ROW_GROUP_ROWS})`,
    );
  }
  await engine.execute(`COPY (SELECT 1 AS done) TO '${join(base, 'done')}' (FORMAT csv)`);
  return base;
}

export function benchDefinition(dir: string, rows: number): MonitorDefinitionInput {
  const base = benchFolder(dir, rows);
  return {
    model: { id: 'bench', task: 'binary' },
    predictions: {
      location: join(base, 'predictions'),
      idColumn: 'prediction_id',
      timestampColumn: 'ts',
      scoreColumn: 'score',
    },
    features: [
      ...NUMERIC.map((name) => ({ name, kind: 'numeric' as const })),
      ...CATEGORICAL.map((name) => ({ name, kind: 'categorical' as const })),
    ],
    segments: ['region', 'channel', 'locale'],
    labels: { location: join(base, 'labels'), idColumn: 'prediction_id', labelColumn: 'label', delay: 'P1D' },
    reference: { type: 'dataset', location: referenceFile(dir) },
  };
}
