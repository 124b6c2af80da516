import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DuckDbQueryEngine } from '../../../lib/adapters/duckdb-engine.js';
import { MemoryResultStore } from '../../../lib/adapters/memory-store.js';
import { validateDefinition } from '../../../lib/config/load.js';
import { runDrift } from '../../../lib/jobs/drift.js';
import type { JobDeps } from '../../../lib/jobs/types.js';
import { ksTest } from '../../../lib/stats/ks.js';
import { wasserstein } from '../../../lib/stats/wasserstein.js';
import { toWeightedSample } from '../../../lib/stats/weighted-sample.js';
import { tempDir } from '../../helpers/temp.js';

// x in the reference: i * 0.37 mod 50 for i < 3000; in the window of 2026-01-02: 500 values
// shifted by 2, and in 2026-01-03: 150,000 values squeezed into [5, 45) (too many for the exact path).
let engine: DuckDbQueryEngine;
let dir: { path: string; cleanup: () => Promise<void> };
const refValues = Array.from({ length: 3000 }, (_, i) => (i * 0.37) % 50);
const smallWindow = Array.from({ length: 500 }, (_, i) => ((i * 0.91) % 50) + 2);

beforeAll(async () => {
  engine = await DuckDbQueryEngine.create();
  dir = await tempDir();
  await engine.execute(
    `COPY (SELECT (i * 0.37) % 50 AS x, 'a' AS seg FROM range(3000) t(i)) TO '${dir.path}/ref.parquet' (FORMAT parquet)`,
  );
  await engine.execute(`COPY (
    SELECT (i * 0.91) % 50 + 2 AS x, 'a' AS seg, 'p' || i AS id, '2026-01-02' AS dt FROM range(500) t(i)
    UNION ALL SELECT (i * 0.013) % 40 + 5 AS x, 'a' AS seg, 'q' || i AS id, '2026-01-03' AS dt FROM range(150000) t(i)
  ) TO '${dir.path}/log' (FORMAT parquet, PARTITION_BY (dt))`);
});

afterAll(async () => {
  await engine.close();
  await dir.cleanup();
});

function deps(method: 'ks' | 'wasserstein'): JobDeps {
  const definition = validateDefinition({
    model: { id: 'toy', task: 'regression' },
    predictions: {
      location: `${dir.path}/log`,
      idColumn: 'id',
      timestampColumn: 'id',
      predictionColumn: 'x',
    },
    features: [{ name: 'x', kind: 'numeric', method }],
    reference: { type: 'dataset', location: `${dir.path}/ref.parquet` },
  });
  return {
    definition,
    sources: {
      predictions: { location: `${dir.path}/log`, format: 'parquet', partitioned: true },
      reference: { location: `${dir.path}/ref.parquet`, format: 'parquet', partitioned: false },
    },
    engine,
    store: new MemoryResultStore(),
    clock: { now: () => new Date('2026-01-10T00:00:00Z') },
  };
}

describe('KS and Wasserstein in the drift job', () => {
  it('are exact from value counts on a small window', async () => {
    const { result } = await runDrift(deps('ks'), '2026-01-02');
    const x = result.features[0]!;
    const expected = ksTest(
      toWeightedSample([...refValues].sort((a, b) => a - b)),
      toWeightedSample([...smallWindow].sort((a, b) => a - b)),
    );
    expect(x).toMatchObject({ method: 'ks', computation: 'exact' });
    expect(x.statistic).toBeCloseTo(expected.statistic, 12);
    expect(x.pValue).toBeCloseTo(expected.pValue!, 12);

    const w = (await runDrift(deps('wasserstein'), '2026-01-02')).result.features[0]!;
    const expectedW = wasserstein(toWeightedSample(refValues), toWeightedSample(smallWindow));
    expect(w).toMatchObject({ method: 'wasserstein', computation: 'exact' });
    expect(w.statistic).toBeCloseTo(expectedW.statistic, 12);
  });

  it('use the fine reference grid on a large window and state the error bound', async () => {
    const { result } = await runDrift(deps('ks'), '2026-01-03');
    const x = result.features[0]!;
    expect(x.computation).toBe('approximate');
    expect(x.errorBound).toBeGreaterThan(0);
    expect(x.errorBound).toBeLessThanOrEqual(0.002);
    // The exact statistics from every value, computed here: the binned ones are within the bound.
    const largeWindow = Array.from({ length: 150_000 }, (_, i) => ((i * 0.013) % 40) + 5).sort(
      (a, b) => a - b,
    );
    const exact = ksTest(
      toWeightedSample([...refValues].sort((a, b) => a - b)),
      toWeightedSample(largeWindow),
    );
    expect(exact.statistic).toBeCloseTo(0.1, 2);
    expect(Math.abs(x.statistic! - exact.statistic)).toBeLessThanOrEqual(x.errorBound!);
    const w = (await runDrift(deps('wasserstein'), '2026-01-03')).result.features[0]!;
    expect(w.computation).toBe('approximate');
    // About W1 = 0.25 + 2 + 0.25 = 2.5, normed by the reference std 50 / sqrt(12).
    const exactW = wasserstein(toWeightedSample(refValues), toWeightedSample(largeWindow));
    expect(exactW.statistic).toBeCloseTo(2.5 / (50 / Math.sqrt(12)), 1);
    expect(w.errorBound).toBeLessThan(0.01);
    expect(Math.abs(w.statistic! - exactW.statistic)).toBeLessThanOrEqual(w.errorBound!);
  });
});
