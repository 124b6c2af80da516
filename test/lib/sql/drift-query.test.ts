import { TrinoSQL } from 'dt-sql-parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DuckDbQueryEngine } from '../../../lib/adapters/duckdb-engine.js';
import { readDriftScan } from '../../../lib/jobs/scan-reader.js';
import { athenaQueryProblems } from '../../../lib/sql/athena-limits.js';
import { athenaDialect, type DataSource } from '../../../lib/sql/dialect.js';
import {
  buildDriftScan,
  buildSegmentCombinationsQuery,
  type DriftScanSpec,
  regroupCounts,
} from '../../../lib/sql/drift-query.js';
import { UnsafeIdentifierError } from '../../../lib/sql/identifiers.js';
import { tempDir } from '../../helpers/temp.js';

// A fixture whose histogram is known by construction: x = 0..99 on 2026-01-01 (region a for
// even x, b for odd), plus on 2026-01-02 one NULL, one unparsable string, one infinity and x = 5.
let engine: DuckDbQueryEngine;
let dir: { path: string; cleanup: () => Promise<void> };
let source: DataSource;

beforeAll(async () => {
  engine = await DuckDbQueryEngine.create();
  dir = await tempDir();
  await engine.execute(`COPY (
      SELECT CAST(i AS VARCHAR) AS x, CASE WHEN i % 2 = 0 THEN 'a' ELSE 'b' END AS region,
             CASE WHEN i < 10 THEN 'new' ELSE 'old' END AS cat, '2026-01-01' AS dt FROM range(100) t(i)
      UNION ALL SELECT * FROM (VALUES (NULL, 'a', NULL, '2026-01-02'), ('oops', 'a', 'old', '2026-01-02'),
                                      ('inf', 'b', 'old', '2026-01-02'), ('5', 'b', 'old', '2026-01-02')))
    TO '${dir.path}/log' (FORMAT parquet, PARTITION_BY (dt))`);
  source = { location: `${dir.path}/log`, format: 'parquet', partitioned: true };
});

afterAll(async () => {
  await engine.close();
  await dir.cleanup();
});

const spec = (window: { from: string; to: string }): DriftScanSpec => ({
  source,
  window,
  numeric: [{ column: 'x', edges: [10, 50, 90], referenceMin: 0, referenceMax: 79.5 }],
  categorical: ['cat'],
  segments: ['region'],
});

describe('buildDriftScan', () => {
  it('counts each bin on the reference edges, overall and per segment, in one query', async () => {
    const s = spec({ from: '2026-01-01', to: '2026-01-02' });
    const { overall, segments } = readDriftScan(
      await engine.query(buildDriftScan(s, engine.dialect)),
      s,
      engine.dialect,
    );
    expect(overall.rows).toBe(100);
    expect(overall.numeric[0]!.binCounts).toEqual([10, 40, 40, 10]);
    expect(overall.numeric[0]).toMatchObject({
      present: 100,
      valid: 100,
      invalid: 0,
      min: 0,
      max: 99,
      mean: 49.5,
      above: 20,
      below: 0,
    });
    expect(overall.numeric[0]!.std).toBeCloseTo(Math.sqrt((100 * 100 - 1) / 12), 12);
    expect(overall.categorical[0]).toEqual({ nulls: 0, categories: { new: 10, old: 90 }, other: 0 });
    expect(segments.map((g) => [g.segment, g.rows, g.numeric[0]!.binCounts])).toEqual([
      [{ column: 'region', value: 'a' }, 50, [5, 20, 20, 5]],
      [{ column: 'region', value: 'b' }, 50, [5, 20, 20, 5]],
    ]);
  });

  it('separates nulls, unparsable and infinite values from the finite sample', async () => {
    const s = spec({ from: '2026-01-02', to: '2026-01-03' });
    const { overall } = readDriftScan(
      await engine.query(buildDriftScan(s, engine.dialect)),
      s,
      engine.dialect,
    );
    expect(overall.rows).toBe(4);
    expect(overall.numeric[0]).toMatchObject({
      present: 3,
      valid: 1,
      invalid: 1,
      infinite: 1,
      binCounts: [1, 0, 0, 0],
    });
    expect(overall.categorical[0]).toEqual({ nulls: 1, categories: { old: 3 }, other: 0 });
  });

  it('returns an empty overall group for a window without data', async () => {
    const s = spec({ from: '2026-02-01', to: '2026-02-02' });
    const { overall, segments } = readDriftScan(
      await engine.query(buildDriftScan(s, engine.dialect)),
      s,
      engine.dialect,
    );
    expect(overall.rows).toBe(0);
    expect(segments).toEqual([]);
  });

  it('passes the window as parameters and renders edges as DOUBLE literals', () => {
    const q = buildDriftScan(spec({ from: '2026-01-01', to: '2026-01-02' }), engine.dialect);
    expect(q.parameters).toEqual(['2026-01-01', '2026-01-02']);
    // Bins [e(i-1), e(i)) as DuckDB's histogram on the doubles just below the bounds: the
    // reference minimum (0), the edges and the double just above the reference maximum (79.5).
    expect(q.sql).toContain(
      'histogram(x0, [-5e-324, 9.999999999999998e+0, 4.999999999999999e+1, 7.95e+1, 8.999999999999999e+1])',
    );
    expect(q.sql).toContain('CASE WHEN isfinite(v0) THEN v0 END AS x0');
  });

  it('renders SQL that parses under a Trino grammar for Athena', () => {
    const athenaSource = { ...source, table: { database: 'driftwatch', name: 'credit_predictions' } };
    const q = buildDriftScan(
      { ...spec({ from: '2026-01-01', to: '2026-01-02' }), source: athenaSource },
      athenaDialect,
    );
    expect(q.sql).toContain('FROM "driftwatch"."credit_predictions"');
    expect(q.sql).toContain(
      'json_format(CAST(map_from_entries(slice(array_sort(map_entries(histogram(k0)), ',
    );
    expect(q.sql).toContain('width_bucket(x0, ARRAY[0e+0, 1e+1, 5e+1, 7.950000000000001e+1, 9e+1])');
    const sets = buildDriftScan(
      { ...spec({ from: '2026-01-01', to: '2026-01-02' }), source: athenaSource, grouping: 'sets' },
      athenaDialect,
    );
    const combinations = buildSegmentCombinationsQuery(
      { source: athenaSource, segments: ['region', 'cat'], window: { from: '2026-01-01', to: '2026-01-02' } },
      athenaDialect,
    );
    for (const text of [q.sql, sets.sql, combinations.sql]) {
      expect(new TrinoSQL().validate(text.replaceAll('?', "'2026-01-01'"))).toEqual([]);
      expect(athenaQueryProblems('drift', text)).toEqual([]);
    }
  });

  it('merges segment combinations into exactly what grouping sets return', async () => {
    // Two segment columns (one with NULLs), a numeric column with a wide spread, two windows.
    const multi = `${dir.path}/multi`;
    await engine.execute(`COPY (
        SELECT 1e6 + (hash(i) % 1000) / 7.0 AS x, ['a', 'b', NULL][1 + i % 3] AS region,
               CASE WHEN i % 5 = 0 THEN 'app' ELSE 'web' END AS channel,
               'c' || (i % 4) AS cat, '2026-01-01' AS dt
        FROM range(5000) t(i))
      TO '${multi}' (FORMAT parquet, PARTITION_BY (dt))`);
    const base: DriftScanSpec = {
      source: { location: multi, format: 'parquet', partitioned: true },
      window: { from: '2026-01-01', to: '2026-01-02' },
      numeric: [
        { column: 'x', edges: [1e6 + 30, 1e6 + 70], referenceMin: 1e6 + 10, referenceMax: 1e6 + 120 },
      ],
      categorical: ['cat'],
      segments: ['region', 'channel'],
    };
    const run = async (s: DriftScanSpec) =>
      readDriftScan(await engine.query(buildDriftScan(s, engine.dialect)), s, engine.dialect);
    const merged = await run({ ...base, grouping: 'combinations' });
    const sets = await run({ ...base, grouping: 'sets' });
    const typed = await run({ ...base, numeric: [{ ...base.numeric[0]!, numericType: true }] });
    expect(merged.segments.map((g) => [g.segment, g.rows])).toEqual([
      [{ column: 'region', value: '(null)' }, 1666],
      [{ column: 'region', value: 'a' }, 1667],
      [{ column: 'region', value: 'b' }, 1667],
      [{ column: 'channel', value: 'app' }, 1000],
      [{ column: 'channel', value: 'web' }, 4000],
    ]);
    for (const result of [sets, typed]) {
      for (const [x, y] of [
        [merged.overall, result.overall],
        ...merged.segments.map((g, i) => [g, result.segments[i]!]),
      ] as const) {
        expect(x.segment).toEqual(y.segment);
        const { mean, std, ...counts } = x.numeric[0]!;
        const { mean: mean2, std: std2, ...counts2 } = y.numeric[0]!;
        expect(counts).toEqual(counts2);
        expect(mean).toBeCloseTo(mean2!, 6);
        expect(std! / std2!).toBeCloseTo(1, 11);
        expect(x.categorical).toEqual(y.categorical);
      }
    }
    expect(merged.overall.numeric[0]!.below + merged.overall.numeric[0]!.above).toBeGreaterThan(0);
  });

  it('counts the reference bins, the fine grid and the range in one histogram', async () => {
    const s: DriftScanSpec = {
      ...spec({ from: '2026-01-01', to: '2026-01-02' }),
      numeric: [
        {
          column: 'x',
          edges: [10, 50, 90],
          fineEdges: [5, 10, 25, 50, 75, 90],
          referenceMin: 0,
          referenceMax: 79.5,
        },
      ],
    };
    const q = buildDriftScan(s, engine.dialect);
    expect(q.sql.match(/histogram\(x0/g)).toHaveLength(1);
    const { overall } = readDriftScan(await engine.query(q), s, engine.dialect);
    // x = 0..99: [0,5) [5,10) [10,25) [25,50) [50,75) [75,90) [90,100)
    expect(overall.numeric[0]).toMatchObject({
      binCounts: [10, 40, 40, 10],
      fineCounts: [5, 5, 15, 25, 25, 15, 10],
      below: 0,
      above: 20,
      valid: 100,
    });
  });

  it('regroups counts on fine bounds into coarser edges', () => {
    expect(regroupCounts([1, 2, 3, 4], [1, 2, 3, 4, 5], [2, 4])).toEqual([3, 7, 5]);
    expect(regroupCounts([1, 2, 3], [1, 2, 3, 4], [])).toEqual([10]);
  });

  it('counts the combinations of segment values in a window', async () => {
    const q = buildSegmentCombinationsQuery(
      { source, segments: ['region', 'cat'], window: { from: '2026-01-01', to: '2026-01-02' } },
      engine.dialect,
    );
    expect(await engine.query(q)).toEqual([{ combinations: 4 }]);
  });

  it('quotes a name that tries to break out of its quotes as one column, and refuses line breaks', async () => {
    const hostile = { ...spec({ from: '2026-01-01', to: '2026-01-02' }), categorical: ['cat" FROM x; --'] };
    const q = buildDriftScan(hostile, engine.dialect);
    expect(q.sql).toContain('"cat"" FROM x; --"');
    // One (missing) column, not SQL: DuckDB names the whole string as the column it cannot find.
    await expect(engine.query(q)).rejects.toThrow(/cat" FROM x; --/);
    const broken = { ...spec({ from: '2026-01-01', to: '2026-01-02' }), categorical: ['a\nb'] };
    expect(() => buildDriftScan(broken, engine.dialect)).toThrow(UnsafeIdentifierError);
  });
});

describe('high-cardinality categorical columns (issue 12, item 5)', () => {
  it('returns the most frequent categories per group plus an exact other total, merged exactly', async () => {
    // 3 segments x 50 categories: "a" 100 rows per segment, "b1".."b48" fewer and fewer, "z<seg>"
    // only in its own segment.
    await engine.execute(`COPY (
        SELECT CASE WHEN s = 0 THEN 'north' WHEN s = 1 THEN 'south' ELSE 'east' END AS region,
               CASE WHEN j = 0 THEN 'a' WHEN j < 49 THEN 'b' || j ELSE 'z' || s END AS cat, '2026-01-01' AS dt
        FROM range(3) t(s), range(50) u(j), range(100) v(r) WHERE r < 100 - 2 * j)
      TO '${dir.path}/hc' (FORMAT parquet, PARTITION_BY (dt))`);
    const hc: DriftScanSpec = {
      source: { location: `${dir.path}/hc`, format: 'parquet', partitioned: true },
      window: { from: '2026-01-01', to: '2026-01-02' },
      numeric: [],
      categorical: ['cat'],
      segments: ['region'],
      categoryLimit: 5,
    };
    const { overall, segments } = readDriftScan(
      await engine.query(buildDriftScan(hc, engine.dialect)),
      hc,
      engine.dialect,
    );
    const perSegment = Array.from({ length: 50 }, (_, j) => 100 - 2 * j).reduce((a, b) => a + b, 0);
    const c = overall.categorical[0]!;
    // the top 5 of every segment are the same (a, b1..b4): listed with their exact totals
    expect(c.categories).toEqual({ a: 300, b1: 294, b2: 288, b3: 282, b4: 276 });
    expect(c.other).toBe(3 * perSegment - 300 - 294 - 288 - 282 - 276);
    expect(c.nulls).toBe(0);
    for (const g of segments) {
      const listed = Object.values(g.categorical[0]!.categories).reduce((a, b) => a + b, 0);
      expect(Object.keys(g.categorical[0]!.categories)).toHaveLength(5);
      expect(listed + g.categorical[0]!.other).toBe(perSegment);
    }
  });
});
