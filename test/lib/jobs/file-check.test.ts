/**
 * The per-file column check (lib/jobs/file-check.ts) on DuckDB with real files, one case per log a
 * job reads: a file that lacks a column the definition needs fails the job with one line naming the
 * file, the column and its field, what the file has instead and the fix; a column that differs only
 * in case is the same column (Parquet, CSV), except between JSON files read together, where DuckDB
 * keeps the spellings apart and the check says so.
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DuckDbQueryEngine } from '../../../lib/adapters/duckdb-engine.js';
import { MemoryResultStore } from '../../../lib/adapters/memory-store.js';
import { validateDefinition } from '../../../lib/config/load.js';
import { runBaseline } from '../../../lib/jobs/baseline.js';
import { runDrift } from '../../../lib/jobs/drift.js';
import { FileColumnsError } from '../../../lib/jobs/file-check.js';
import { runKpis } from '../../../lib/jobs/kpi.js';
import { runPerformance } from '../../../lib/jobs/performance.js';
import type { JobDeps } from '../../../lib/jobs/types.js';
import type { QueryEngine } from '../../../lib/ports.js';
import { tempDir } from '../../helpers/temp.js';

let engine: DuckDbQueryEngine;
let dir: { path: string; cleanup: () => Promise<void> };

const DAY = '2026-01-10';
const ARRIVAL = '2026-01-12';
type Format = 'parquet' | 'csv' | 'jsonl';
const COPY: Record<Format, string> = {
  parquet: 'FORMAT parquet',
  csv: 'FORMAT csv, HEADER true',
  jsonl: 'FORMAT json',
};
const EXT: Record<Format, string> = { parquet: 'parquet', csv: 'csv', jsonl: 'jsonl' };

/** Rows `from .. from + n - 1` of the day: id, x, c, score; labels y; outcomes revenue. */
const predictionRows = (from: number, n: number, x = 'x') =>
  `SELECT 'p' || i AS id, (i % 10) * 1.5 AS "${x}", CASE WHEN i % 3 = 0 THEN 'a' ELSE 'b' END AS c,
    (i % 100) / 100.0 AS score FROM range(${from}, ${from + n}) t(i)`;
const labelRows = (from: number, n: number, y = 'y') =>
  `SELECT 'p' || i AS id, CASE WHEN i % 4 = 0 THEN 1 ELSE 0 END AS "${y}" FROM range(${from}, ${from + n}) t(i)`;
const outcomeRows = (from: number, n: number, revenue = 'revenue') =>
  `SELECT 'p' || i AS id, (i % 7) * 10.0 AS "${revenue}" FROM range(${from}, ${from + n}) t(i)`;

async function write(sql: string, file: string, format: Format): Promise<string> {
  await mkdir(join(file, '..'), { recursive: true });
  const path = `${file}.${EXT[format]}`;
  await engine.execute(`COPY (${sql}) TO '${path}' (${COPY[format]})`);
  return path;
}

interface World {
  format?: Format;
  /** The second prediction file's `x` column is named this. */
  x?: string;
  /** The second label file's `y` column is named this. */
  y?: string;
  /** The second outcome file's `revenue` column is named this. */
  revenue?: string;
  /** The second reference file's `x` column is named this. */
  referenceX?: string;
}

/** Each log as two files of 100 rows (the second one possibly renamed), in its own folder. */
async function world(name: string, w: World = {}): Promise<JobDeps> {
  const format = w.format ?? 'parquet';
  const root = join(dir.path, name);
  await write(predictionRows(0, 100), `${root}/predictions/dt=${DAY}/part-0`, format);
  await write(predictionRows(100, 100, w.x), `${root}/predictions/dt=${DAY}/part-1`, format);
  await write(labelRows(0, 100), `${root}/labels/dt=${ARRIVAL}/part-0`, format);
  await write(labelRows(100, 100, w.y), `${root}/labels/dt=${ARRIVAL}/part-1`, format);
  await write(outcomeRows(0, 100), `${root}/outcomes/dt=${ARRIVAL}/part-0`, format);
  await write(outcomeRows(100, 100, w.revenue), `${root}/outcomes/dt=${ARRIVAL}/part-1`, format);
  await write(predictionRows(0, 300), `${root}/reference/part-0`, format);
  await write(predictionRows(300, 300, w.referenceX), `${root}/reference/part-1`, format);
  const definition = validateDefinition({
    model: { id: 'toy', task: 'binary' },
    predictions: {
      location: `${root}/predictions`,
      format,
      idColumn: 'id',
      timestampColumn: 'id',
      scoreColumn: 'score',
    },
    features: [
      { name: 'x', kind: 'numeric' },
      { name: 'c', kind: 'categorical' },
    ],
    labels: { location: `${root}/labels`, format, idColumn: 'id', labelColumn: 'y', delay: 'P1D' },
    outcomes: { location: `${root}/outcomes`, format, idColumn: 'id', delay: 'P2D' },
    kpis: [
      {
        name: 'revenue_total',
        aggregate: 'sum',
        column: 'revenue',
        source: 'outcomes',
        thresholds: { relative: 0.2 },
        direction: 'higher_is_better',
      },
    ],
    reference: { type: 'dataset', location: `${root}/reference`, format },
    performance: { minSegmentLabels: 10 },
  });
  return {
    definition,
    sources: {
      predictions: { location: `${root}/predictions`, format, partitioned: true },
      labels: { location: `${root}/labels`, format, partitioned: true },
      outcomes: { location: `${root}/outcomes`, format, partitioned: true },
      reference: { location: `${root}/reference`, format, partitioned: false },
    },
    engine,
    store: new MemoryResultStore(),
    clock: { now: () => new Date('2026-01-20T06:00:00Z') },
  };
}

const revenue = async (deps: JobDeps) =>
  (await runKpis(deps, DAY))?.result.kpis.find((k) => k.name === 'revenue_total');

/** An engine that counts the file-column queries it runs (and their time) on top of DuckDB. */
function counting(inner: QueryEngine) {
  const seen = { fileQueries: 0, fileMillis: 0, queries: 0, checked: [] as string[] };
  const engine: QueryEngine = {
    dialect: inner.dialect,
    query: async (q, o) => {
      seen.queries++;
      return inner.query(q, o);
    },
    ...(inner.resolveFiles ? { resolveFiles: (s, r) => inner.resolveFiles!(s, r) } : {}),
    fileColumns: async (s) => {
      seen.fileQueries++;
      seen.checked.push(s.location.split('/').pop()!);
      const started = performance.now();
      try {
        return await inner.fileColumns!(s);
      } finally {
        seen.fileMillis += performance.now() - started;
      }
    },
    stats: () => inner.stats(),
    close: async () => {},
  };
  return { engine, seen };
}

beforeAll(async () => {
  engine = await DuckDbQueryEngine.create({ threads: 1 });
  dir = await tempDir('driftwatch-file-check-');
});

afterAll(async () => {
  await engine.close();
  await dir.cleanup();
});

describe('a file that lacks a column the definition needs fails the job reading it, naming the file', () => {
  it('predictions: the drift job', async () => {
    const deps = await world('pred', { x: 'x_v2' });
    const error = await runDrift(deps, DAY).catch((e: Error) => e);
    expect(error).toBeInstanceOf(FileColumnsError);
    expect((error as Error).message).toBe(
      `prediction file ${dir.path}/pred/predictions/dt=${DAY}/part-1.parquet lacks column "x" (features[0]): it has x_v2 instead; read by name, its rows would read those columns as NULL: re-write the file with the definition's column names or move it out of the log (or, if the column was renamed for good, update the definition)`,
    );
  });

  it('labels: the performance job', async () => {
    const deps = await world('labels', { y: 'label_v2' });
    await expect(runPerformance(deps, DAY)).rejects.toThrow(
      new RegExp(
        `^labels file ${dir.path}/labels/labels/dt=${ARRIVAL}/part-1\\.parquet lacks column "y" \\(labels\\.labelColumn\\): it has label_v2 instead; `,
      ),
    );
  });

  it('outcomes: the KPI step', async () => {
    const deps = await world('outcomes', { revenue: 'Revenue_EUR' });
    await expect(runKpis(deps, DAY)).rejects.toThrow(
      new RegExp(
        `^outcomes file ${dir.path}/outcomes/outcomes/dt=${ARRIVAL}/part-1\\.parquet lacks column "revenue" \\(kpis\\[0\\]\\.column\\): it has Revenue_EUR instead; `,
      ),
    );
  });

  it('reference: the baseline job', async () => {
    const deps = await world('reference', { referenceX: 'x_old' });
    await expect(runBaseline(deps)).rejects.toThrow(
      new RegExp(
        `^reference file ${dir.path}/reference/reference/part-1\\.parquet lacks column "x" \\(features\\[0\\]\\): it has x_old instead; `,
      ),
    );
  });

  it('CSV and JSON logs: the same check from the header / the keys', async () => {
    for (const format of ['csv', 'jsonl'] as const) {
      const deps = await world(`pred-${format}`, { format, x: 'x_v2' });
      await expect(runDrift(deps, DAY), format).rejects.toThrow(
        `prediction file ${dir.path}/pred-${format}/predictions/dt=${DAY}/part-1.${EXT[format]} lacks column "x" (features[0]): it has x_v2 instead`,
      );
    }
  });

  it('a healthy window: one metadata query per log read, and the same results as without the check', async () => {
    const deps = await world('healthy');
    const { engine: wrapped, seen } = counting(engine);
    const drift = await runDrift({ ...deps, engine: wrapped }, DAY);
    // The window's predictions, the reference's files (the exact KS/Wasserstein samples) and the
    // outcomes its outcome KPI joins (matured: the clock is ten days later): each log once.
    expect(seen.checked.sort()).toEqual(['outcomes', 'predictions', 'reference']);
    const unchecked = { ...deps, engine: { ...wrapped, fileColumns: async () => [] } };
    const plain = await runDrift({ ...unchecked, store: new MemoryResultStore() }, DAY);
    expect(drift.result.features).toEqual(plain.result.features);
    console.log(
      `file check, drift of one window (2 Parquet files per log): ${seen.fileQueries} metadata queries (${seen.checked.join(', ')}), ${seen.fileMillis.toFixed(1)} ms; the job ran ${seen.queries} queries`,
    );
  });
});

describe('case: a column that differs only in case is the same column', () => {
  it('Parquet: an outcome file with Revenue is read into revenue (the same KPI as all-lowercase files)', async () => {
    const upper = await revenue(await world('case-parquet', { revenue: 'Revenue' }));
    const lower = await revenue(await world('case-parquet-lower'));
    expect(upper?.overall?.value).toBeGreaterThan(0);
    expect(upper?.overall?.value).toBe(lower?.overall?.value);
    expect(upper?.outcomeCoverage).toBe(1);
  });

  it('CSV: a prediction file whose header says X is read into x', async () => {
    const upper = await runDrift(await world('case-csv', { format: 'csv', x: 'X' }), DAY);
    const lower = await runDrift(await world('case-csv-lower', { format: 'csv' }), DAY);
    expect(upper.result.features).toEqual(lower.result.features);
  });

  it('JSON: files spelling a key X and x are an error naming the file (DuckDB reads X into another column, x NULL)', async () => {
    const deps = await world('case-json', { format: 'jsonl', x: 'X' });
    await expect(runDrift(deps, DAY)).rejects.toThrow(
      `prediction file ${dir.path}/case-json/predictions/dt=${DAY}/part-1.jsonl spells "X" where ${dir.path}/case-json/predictions/dt=${DAY}/part-0.jsonl has "x"`,
    );
  });
});

it('a column present in the file but NULL in every row is not a file error on DuckDB: the null-rate check reports it', async () => {
  const deps = await world('all-null');
  await engine.execute(
    `COPY (SELECT 'p' || i AS id, CAST(NULL AS DOUBLE) AS x, 'a' AS c, 0.5 AS score FROM range(200, 300) t(i)) TO '${dir.path}/all-null/predictions/dt=${DAY}/part-2.parquet' (FORMAT parquet)`,
  );
  const { result } = await runDrift(deps, DAY);
  expect(result.quality.findings.some((f) => f.kind === 'null_rate' && f.feature === 'x')).toBe(true);
});

it('fileColumns reads top-level columns from Parquet footers, nested fields left out', async () => {
  const file = `${dir.path}/nested.parquet`;
  await engine.execute(
    `COPY (SELECT 1 AS a, {'x': 1, 'y': {'z': 2}} AS s, [1, 2] AS l, 'v' AS "Mixed Case") TO '${file}' (FORMAT parquet)`,
  );
  const columns = await engine.fileColumns({
    location: file,
    format: 'parquet',
    partitioned: false,
    files: [file],
  });
  expect(columns).toEqual([{ file, columns: ['a', 's', 'l', 'Mixed Case'] }]);
});
