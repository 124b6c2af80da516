import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DuckDbQueryEngine } from '../../../lib/adapters/duckdb-engine.js';
import { MemoryResultStore } from '../../../lib/adapters/memory-store.js';
import { validateDefinition } from '../../../lib/config/load.js';
import { rankingPlan, revisionKey, runPerformance } from '../../../lib/jobs/performance.js';
import type { PerformanceResult } from '../../../lib/jobs/performance-result.js';
import type { JobDeps } from '../../../lib/jobs/types.js';
import { tempDir } from '../../helpers/temp.js';

// 100 predictions on 2026-01-01 with score i/100 and label (i >= 50) for even i, (i >= 30) for odd i.
// Labels arrive in two partitions: ids 0..59 on 2026-01-03, ids 60..99 on 2026-01-05.
let engine: DuckDbQueryEngine;
let dir: { path: string; cleanup: () => Promise<void> };

const label = (i: number) => (i % 2 === 0 ? (i >= 50 ? 1 : 0) : i >= 30 ? 1 : 0);

beforeAll(async () => {
  engine = await DuckDbQueryEngine.create();
  dir = await tempDir();
  await engine.execute(`COPY (SELECT 'id' || i AS id, i / 100 AS score, CASE WHEN i % 2 = 0 THEN 'even' ELSE 'odd' END AS parity,
      '2026-01-01' AS dt FROM range(100) t(i)) TO '${dir.path}/predictions' (FORMAT parquet, PARTITION_BY (dt))`);
  await engine.execute(`COPY (SELECT 'id' || i AS id, CASE WHEN i % 2 = 0 THEN (i >= 50)::INT ELSE (i >= 30)::INT END AS y,
      '2026-01-03' AS dt FROM range(60) t(i)) TO '${dir.path}/labels' (FORMAT parquet, PARTITION_BY (dt))`);
});

afterAll(async () => {
  await engine.close();
  await dir.cleanup();
});

function deps(
  store: MemoryResultStore,
  today: string,
  withLabels = true,
  performance: Record<string, unknown> = {},
): JobDeps {
  const definition = validateDefinition({
    model: { id: 'toy', task: 'binary' },
    predictions: { location: 'predictions', idColumn: 'id', timestampColumn: 'id', scoreColumn: 'score' },
    features: [{ name: 'score', kind: 'numeric' }],
    segments: ['parity'],
    ...(withLabels ? { labels: { location: 'labels', idColumn: 'id', labelColumn: 'y', delay: 'P1D' } } : {}),
    reference: { type: 'range', from: '2026-01-01', to: '2026-01-01' },
    performance: { minSegmentLabels: 10, ...performance },
  });
  return {
    definition,
    sources: {
      predictions: { location: `${dir.path}/predictions`, format: 'parquet', partitioned: true },
      labels: { location: `${dir.path}/labels`, format: 'parquet', partitioned: true },
    },
    engine,
    store,
    clock: { now: () => new Date(`${today}T06:00:00Z`) },
  };
}

/** Accuracy at 0.5 over the given ids, computed directly. */
function accuracyOver(ids: number[]): number {
  return ids.filter((i) => (i / 100 >= 0.5 ? 1 : 0) === label(i)).length / ids.length;
}

describe('runPerformance', () => {
  it('reports a window younger than its label delay as not mature, with its coverage', async () => {
    const { result } = await runPerformance(deps(new MemoryResultStore(), '2026-01-02'), '2026-01-01');
    expect(result).toMatchObject({
      status: 'not_mature',
      maturity: { matureOn: '2026-01-03', mature: false },
    });
    // Labels are read as of the run date: the partition dt=2026-01-03 has not arrived on 01-02.
    expect(result.overall).toMatchObject({ predictions: 100, labelled: 0, coverage: 0 });
  });

  it('evaluates a mature window on the labels that arrived, per segment, with exact metrics', async () => {
    const { result } = await runPerformance(deps(new MemoryResultStore(), '2026-01-04'), '2026-01-01');
    const ids = Array.from({ length: 60 }, (_, i) => i);
    expect(result.status).toBe('ok');
    expect(result.revision).toBe(1);
    expect(result.overall.metrics.accuracy).toBeCloseTo(accuracyOver(ids), 12);
    const odd = result.segments.find((s) => s.value === 'odd')!;
    expect(odd.metrics.accuracy).toBeCloseTo(accuracyOver(ids.filter((i) => i % 2 === 1)), 12);
    expect(odd.gap.accuracy).toBeCloseTo(odd.metrics.accuracy! - result.overall.metrics.accuracy!, 12);
    expect(result.worstSegment).toMatchObject({ column: 'parity', metric: 'rocAuc' });
  });

  it('keeps the earlier evaluation as a revision when later labels arrive, and replaces on a plain re-run', async () => {
    const store = new MemoryResultStore();
    const first = await runPerformance(deps(store, '2026-01-04'), '2026-01-01');
    const again = await runPerformance(deps(store, '2026-01-04'), '2026-01-01');
    expect(again.result.revision).toBe(1);
    expect(await store.list('toy/performance/')).toEqual([first.key]);

    await engine.execute(`COPY (SELECT 'id' || i AS id, CASE WHEN i % 2 = 0 THEN (i >= 50)::INT ELSE (i >= 30)::INT END AS y,
        '2026-01-05' AS dt FROM range(60, 100) t(i)) TO '${dir.path}/labels' (FORMAT parquet, PARTITION_BY (dt), OVERWRITE_OR_IGNORE true)`);
    const later = await runPerformance(deps(store, '2026-01-06'), '2026-01-01');
    expect(later.result.revision).toBe(2);
    expect(later.result.overall.labelled).toBe(100);
    expect(later.result.overall.metrics.accuracy).toBeCloseTo(
      accuracyOver(Array.from({ length: 100 }, (_, i) => i)),
      12,
    );
    const kept = await store.getJson<PerformanceResult>(revisionKey(first.key, 1));
    expect(kept?.overall.labelled).toBe(60);
    expect(await store.list('toy/performance/')).toEqual([first.key, revisionKey(first.key, 1)].sort());
  });

  it('returns no_data for a window without predictions', async () => {
    const { result } = await runPerformance(deps(new MemoryResultStore(), '2026-02-10'), '2026-02-01');
    expect(result.status).toBe('no_data');
    expect(result.overall.predictions).toBe(0);
  });

  it('refuses a model without a labels log, saying what to add', async () => {
    await expect(
      runPerformance(deps(new MemoryResultStore(), '2026-01-04', false), '2026-01-01'),
    ).rejects.toThrow(/has no labels log: add a labels section/);
  });
});

describe('performance.ranking: the grid path in the job', () => {
  it("'grid' (and 'auto' above exactRankingMaxRows) reports the exact path's numbers with computation exact when scores are few", async () => {
    const exact = (await runPerformance(deps(new MemoryResultStore(), '2026-01-04'), '2026-01-01')).result;
    expect(exact.overall.computation).toBeUndefined();
    for (const settings of [{ ranking: 'grid' }, { ranking: 'auto', exactRankingMaxRows: 10 }]) {
      const { result } = await runPerformance(
        deps(new MemoryResultStore(), '2026-01-04', true, settings),
        '2026-01-01',
      );
      // 100 distinct scores: one cell per score, so every ranking metric is exact and says so
      expect(result.overall.computation).toEqual({
        rocAuc: 'exact',
        rocAucStandardError: 'exact',
        averagePrecision: 'exact',
      });
      expect(result.overall.errorBound).toBeUndefined();
      for (const [name, value] of Object.entries(exact.overall.metrics)) {
        if (typeof value === 'number') expect(result.overall.metrics[name], name).toBeCloseTo(value, 12);
        else expect(result.overall.metrics[name], name).toBe(value);
      }
      expect(result.segments.map((s) => s.metrics.rocAuc)).toEqual(
        exact.segments.map((s) => s.metrics.rocAuc),
      );
    }
  });

  it("'auto' keeps the exact path up to exactRankingMaxRows; the plan picks levels over the score range when scores are many", () => {
    const settings = { ranking: 'auto' as const, exactRankingMaxRows: 1_000_000 };
    expect(rankingPlan({ rows: 1_000_000, levels: 900_000 }, settings)).toEqual({ ranking: 'rows' });
    expect(rankingPlan({ rows: 1_000_000, levels: 1_000 }, settings)).toEqual({ ranking: 'levels' });
    expect(rankingPlan({ rows: 1_000_001, levels: 4_000 }, settings)).toEqual({
      ranking: 'grid',
      grid: { kind: 'scores' },
    });
    expect(rankingPlan({ rows: 1_000_001, levels: 900_000, min: -0.2, max: 1.3 }, settings)).toEqual({
      ranking: 'grid',
      grid: { kind: 'levels', levels: 10_000, min: -0.2, max: 1.3 },
    });
    expect(
      rankingPlan({ rows: 10, levels: 10 }, { ranking: 'grid', exactRankingMaxRows: 1_000_000 }),
    ).toEqual({
      ranking: 'grid',
      grid: { kind: 'scores' },
    });
    expect(
      rankingPlan({ rows: 50_000_000, levels: 40_000_000 }, { ranking: 'exact', exactRankingMaxRows: 0 }),
    ).toEqual({ ranking: 'rows' });
  });

  it('refuses an unknown ranking with the field named', () => {
    expect(() => deps(new MemoryResultStore(), '2026-01-04', true, { ranking: 'sampled' })).toThrow(
      /performance\.ranking/,
    );
  });
});
