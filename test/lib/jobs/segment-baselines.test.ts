import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DuckDbQueryEngine } from '../../../lib/adapters/duckdb-engine.js';
import { MemoryResultStore } from '../../../lib/adapters/memory-store.js';
import { validateDefinition } from '../../../lib/config/load.js';
import { runBaseline } from '../../../lib/jobs/baseline.js';
import { mergeSparseBins } from '../../../lib/jobs/compare-feature.js';
import { runDrift } from '../../../lib/jobs/drift.js';
import type { DriftResult } from '../../../lib/jobs/drift-result.js';
import type { JobDeps } from '../../../lib/jobs/types.js';
import { tempDir } from '../../helpers/temp.js';

// A world where the feature depends on the segment, as in most production logs: `x` is centred on
// 0 for channel=web (70% of rows) and on 3 for channel=mobile; `device` is mostly desktop on web
// and mostly phone on mobile. The reference and the stable day (2026-01-02) share the same
// per-segment distributions; on 2026-01-03 only mobile's x shifts by +1; on 2026-01-04 a new
// channel `kiosk` appears. The overall mix (70/30) is the same every day.
let engine: DuckDbQueryEngine;
let dir: { path: string; cleanup: () => Promise<void> };

// A deterministic normal draw per row and stream from DuckDB's hash.
const u = (k: number) => `((hash(CAST(i * 16 + ${k} AS UBIGINT)) >> 11)::DOUBLE + 0.5) / 9007199254740992.0`;
const normal = (k: number) => `(sqrt(-2 * ln(${u(k)})) * cos(2 * pi() * ${u(k + 1)}))`;
const rowsSql = (offset: number, n: number, mobileShift: number, third = "'mobile'") => `
  SELECT
    'p' || (i + ${offset}) AS id,
    CASE WHEN ${u(1)} < 0.7 THEN 'web' ELSE ${third} END AS channel,
    CASE WHEN ${u(1)} < 0.7 THEN ${normal(2)} ELSE 3 + ${mobileShift} + ${normal(2)} END AS x,
    CASE WHEN (${u(1)} < 0.7) = (${u(4)} < 0.9) THEN 'desktop' ELSE 'phone' END AS device
  FROM range(${offset}, ${offset + n}) t(i)`;

beforeAll(async () => {
  engine = await DuckDbQueryEngine.create();
  dir = await tempDir();
  await engine.execute(`COPY (${rowsSql(0, 20_000, 0)}) TO '${dir.path}/ref.parquet' (FORMAT parquet)`);
  await engine.execute(
    `COPY (SELECT id, x, device FROM (${rowsSql(0, 20_000, 0)})) TO '${dir.path}/ref-no-segment.parquet' (FORMAT parquet)`,
  );
  await engine.execute(`COPY (
      SELECT *, '2026-01-02' AS dt FROM (${rowsSql(100_000, 4_000, 0)})
      UNION ALL SELECT *, '2026-01-03' AS dt FROM (${rowsSql(200_000, 4_000, 1)})
      UNION ALL SELECT *, '2026-01-04' AS dt FROM (${rowsSql(300_000, 4_000, 0, "CASE WHEN i % 2 = 0 THEN 'mobile' ELSE 'kiosk' END")})
    ) TO '${dir.path}/log' (FORMAT parquet, PARTITION_BY (dt))`);
});

afterAll(async () => {
  await engine.close();
  await dir.cleanup();
});

function deps(reference = 'ref.parquet'): JobDeps {
  const definition = validateDefinition({
    model: { id: 'toy', task: 'regression' },
    predictions: {
      location: `${dir.path}/log`,
      idColumn: 'id',
      timestampColumn: 'id',
      predictionColumn: 'x',
    },
    features: [
      { name: 'x', kind: 'numeric' },
      { name: 'device', kind: 'categorical' },
    ],
    segments: ['channel'],
    reference: { type: 'dataset', location: `${dir.path}/${reference}` },
  });
  return {
    definition,
    sources: {
      predictions: { location: `${dir.path}/log`, format: 'parquet', partitioned: true },
      reference: { location: `${dir.path}/${reference}`, format: 'parquet', partitioned: false },
    },
    engine,
    store: new MemoryResultStore(),
    clock: { now: () => new Date('2026-01-10T00:00:00Z') },
  };
}

const segment = (result: DriftResult, value: string) => {
  const s = result.segments.find((x) => x.column === 'channel' && x.value === value);
  if (!s) throw new Error(`no segment channel=${value}`);
  return s;
};
const drifted = (result: DriftResult, value: string) =>
  segment(result, value)
    .features.filter((f) => f.drifted)
    .map((f) => f.name);

describe('segment-true baselines', () => {
  it('profiles every segment value in the reference on the overall bin edges', async () => {
    const { profile } = await runBaseline(deps());
    expect(profile.segments?.map((s) => `${s.column}=${s.value}`).sort()).toEqual([
      'channel=mobile',
      'channel=web',
    ]);
    const overallX = profile.features.find((f) => f.name === 'x')!;
    for (const s of profile.segments!) {
      const x = s.features.find((f) => f.name === 'x')!;
      expect(x.kind === 'numeric' && overallX.kind === 'numeric' && x.edges).toEqual(
        overallX.kind === 'numeric' && overallX.edges,
      );
    }
    // The segments add up to the whole reference.
    expect(profile.segments!.reduce((a, s) => a + s.rows, 0)).toBe(profile.rows);
    const mobile = profile.segments!.find((s) => s.value === 'mobile')!.features.find((f) => f.name === 'x')!;
    expect(mobile.kind === 'numeric' && mobile.mean).toBeGreaterThan(2.8);
  });

  it('judges each segment against itself: a stable day is quiet although segments differ from the population', async () => {
    const d = deps();
    const { result } = await runDrift(d, '2026-01-02');
    for (const value of ['web', 'mobile']) {
      expect(segment(result, value).baseline).toBe('segment');
      expect(drifted(result, value)).toEqual([]);
    }
    expect(result.features.filter((f) => f.drifted)).toEqual([]);
    expect(result.quality.findings).toEqual([]);
  });

  it('the same stable day judged against the population (a reference without the segment column) flags both segments', async () => {
    const { result } = await runDrift(deps('ref-no-segment.parquet'), '2026-01-02');
    expect(segment(result, 'mobile').baseline).toBe('population');
    expect(drifted(result, 'mobile')).toEqual(['x', 'device']);
    expect(drifted(result, 'web')).toContain('x');
  });

  it('a shift in one segment drifts that segment only', async () => {
    const { result } = await runDrift(deps(), '2026-01-03');
    expect(drifted(result, 'mobile')).toEqual(['x']);
    expect(drifted(result, 'web')).toEqual([]);
  });

  it('a segment value the reference never had is a new_segment finding, not drift', async () => {
    const { result } = await runDrift(deps(), '2026-01-04');
    const kiosk = segment(result, 'kiosk');
    expect(kiosk).toMatchObject({
      baseline: 'none',
      baselineNote: 'new_value',
      referenceRows: 0,
      tooSmall: true,
    });
    expect(kiosk.features.every((f) => f.level === 'insufficient_data')).toBe(true);
    const finding = result.quality.findings.find((f) => f.kind === 'new_segment');
    expect(finding).toMatchObject({ severity: 'warning', segment: { column: 'channel', value: 'kiosk' } });
    expect(finding!.message).toMatch(/^channel=kiosk: a segment value the reference never had, \d+ rows/);
    expect(drifted(result, 'mobile')).toEqual([]);
  });
});

describe('mergeSparseBins', () => {
  it('merges neighbours until each bin holds the minimum share, keeping bins as unions of the originals', () => {
    // Reference shares 40, 30, 20, 6, 2, 1, 1 (%) on edges 1..6; at 5% the last three join the 6% bin.
    const merged = mergeSparseBins(
      [1, 2, 3, 4, 5, 6],
      [40, 30, 20, 6, 2, 1, 1],
      [35, 30, 25, 5, 0, 3, 2],
      0.05,
    );
    expect(merged).toEqual({
      edges: [1, 2, 3],
      referenceCounts: [40, 30, 20, 10],
      currentCounts: [35, 30, 25, 10],
    });
  });

  it('leaves bins that are all large enough alone, and folds a small first bin into the next', () => {
    expect(mergeSparseBins([1, 2], [10, 10, 10], [1, 2, 3], 0.05)).toEqual({
      edges: [1, 2],
      referenceCounts: [10, 10, 10],
      currentCounts: [1, 2, 3],
    });
    expect(mergeSparseBins([1, 2], [1, 50, 49], [0, 5, 5], 0.05)).toEqual({
      edges: [2],
      referenceCounts: [51, 49],
      currentCounts: [5, 5],
    });
  });
});
