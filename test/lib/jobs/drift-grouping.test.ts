import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DuckDbQueryEngine } from '../../../lib/adapters/duckdb-engine.js';
import { segmentGrouping } from '../../../lib/jobs/baseline.js';
import type { DriftScanSpec } from '../../../lib/sql/drift-query.js';
import { tempDir } from '../../helpers/temp.js';

// 2,000 rows: `a` has 50 values and `b` 23 (1,150 combinations, over the 1,024 limit); `c` has 2.
let engine: DuckDbQueryEngine;
let dir: { path: string; cleanup: () => Promise<void> };
let spec: (segments: string[]) => DriftScanSpec;

beforeAll(async () => {
  engine = await DuckDbQueryEngine.create();
  dir = await tempDir();
  await engine.execute(`COPY (
      SELECT 'a' || (i % 50) AS a, 'b' || (i % 23) AS b, 'c' || (i % 2) AS c, '2026-01-01' AS dt FROM range(2000) t(i))
    TO '${dir.path}/log' (FORMAT parquet, PARTITION_BY (dt))`);
  spec = (segments) => ({
    source: { location: `${dir.path}/log`, format: 'parquet', partitioned: true },
    window: { from: '2026-01-01', to: '2026-01-02' },
    numeric: [],
    categorical: [],
    segments,
  });
});

afterAll(async () => {
  await engine.close();
  await dir.cleanup();
});

describe('how the drift scan groups segments', () => {
  it('merges combinations while they are few, and falls back to grouping sets past 1,024', async () => {
    expect(await segmentGrouping(engine, spec(['a', 'c']))).toBe('combinations');
    expect(await segmentGrouping(engine, spec(['a', 'b']))).toBe('sets');
  });

  it('asks the engine nothing for one segment column', async () => {
    const before = engine.stats().queries;
    expect(await segmentGrouping(engine, spec(['a']))).toBe('combinations');
    expect(engine.stats().queries).toBe(before);
  });
});
