import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DuckDbQueryEngine } from '../../../lib/adapters/duckdb-engine.js';
import { MemoryResultStore } from '../../../lib/adapters/memory-store.js';
import { validateDefinition } from '../../../lib/config/load.js';
import { runPerformance } from '../../../lib/jobs/performance.js';
import type { JobDeps } from '../../../lib/jobs/types.js';
import { tempDir } from '../../helpers/temp.js';

// Columns the definition names are checked against the files before the scan: one line naming the
// definition field, never DuckDB's "Binder Error".
let engine: DuckDbQueryEngine;
let dir: { path: string; cleanup: () => Promise<void> };

beforeAll(async () => {
  engine = await DuckDbQueryEngine.create({ threads: 1 });
  dir = await tempDir('driftwatch-columns-');
  const p = dir.path;
  await engine.execute(`COPY (SELECT 'id' || i AS id, i / 200 AS score, 'r' || (i % 3) AS region, '2026-01-01' AS dt
    FROM range(200) t(i)) TO '${p}/predictions' (FORMAT parquet, PARTITION_BY (dt))`);
  await engine.execute(`COPY (SELECT 'id' || i AS id, CASE WHEN (i * 7) % 10 < 5 + (i / 40) THEN 1 ELSE 0 END AS y,
    '2026-01-02' AS dt FROM range(200) t(i)) TO '${p}/labels' (FORMAT parquet, PARTITION_BY (dt))`);
  // The same labelled reference with and without the prediction id column.
  const reference = `SELECT 'ref' || i AS id, (i % 97) / 97 AS score, 'r' || (i % 3) AS region,
    CASE WHEN (i * 13) % 97 < i % 97 THEN 1 ELSE 0 END AS y FROM range(1000) t(i)`;
  await engine.execute(`COPY (${reference}) TO '${p}/ref-with-id.parquet' (FORMAT parquet)`);
  await engine.execute(
    `COPY (SELECT * EXCLUDE (id) FROM (${reference})) TO '${p}/ref-no-id.parquet' (FORMAT parquet)`,
  );
});

afterAll(async () => {
  await engine.close();
  await dir.cleanup();
});

function deps(overrides: { labelColumn?: string; segments?: string[]; reference?: string } = {}): JobDeps {
  const p = dir.path;
  const reference = overrides.reference ?? 'ref-with-id.parquet';
  return {
    definition: validateDefinition({
      model: { id: 'toy', task: 'binary' },
      predictions: {
        location: `${p}/predictions`,
        idColumn: 'id',
        timestampColumn: 'id',
        scoreColumn: 'score',
      },
      features: [{ name: 'score', kind: 'numeric' }],
      segments: overrides.segments ?? ['region'],
      labels: {
        location: `${p}/labels`,
        idColumn: 'id',
        labelColumn: overrides.labelColumn ?? 'y',
        delay: 'P1D',
      },
      reference: { type: 'dataset', location: `${p}/${reference}`, labelColumn: 'y' },
      performance: { minSegmentLabels: 10 },
    }),
    sources: {
      predictions: { location: `${p}/predictions`, format: 'parquet', partitioned: true },
      labels: { location: `${p}/labels`, format: 'parquet', partitioned: true },
      reference: { location: `${p}/${reference}`, format: 'parquet', partitioned: false },
    },
    engine,
    store: new MemoryResultStore(),
    clock: { now: () => new Date('2026-01-05T06:00:00Z') },
  };
}

describe('columns named in the definition', () => {
  it('a label column typo names labels.labelColumn and the columns that exist', async () => {
    await expect(runPerformance(deps({ labelColumn: 'label' }), '2026-01-01')).rejects.toThrow(
      `labels.labelColumn "label" is not a column of the labels log ${dir.path}/labels (it has id, y, dt): fix the name in the definition or add the column to the data`,
    );
  });

  it('a segment typo names segments[i]', async () => {
    await expect(runPerformance(deps({ segments: ['regoin'] }), '2026-01-01')).rejects.toThrow(
      `segments[0] "regoin" is not a column of the prediction log ${dir.path}/predictions (it has id, score, region, dt)`,
    );
  });

  it('a labelled reference needs no prediction id column: the same metrics with and without it', async () => {
    const withId = (await runPerformance(deps(), '2026-01-01')).result;
    const withoutId = (await runPerformance(deps({ reference: 'ref-no-id.parquet' }), '2026-01-01')).result;
    expect(withId.reference?.labelled).toBe(1000);
    expect(withoutId.reference).toEqual(withId.reference);
    expect(withId.overall.labelled).toBe(200);
  });
});
