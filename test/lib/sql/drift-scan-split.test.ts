/**
 * A drift scan too long for Athena (12 numeric features with the 1,000-edge fine grid of ks /
 * wasserstein / auto) is split into column groups: every part within the budget and Athena's
 * limits, the merged result equal to one scan's, and the bytes Athena would bill (the columns each
 * query reads, from the Parquet metadata) growing only by the segment columns each extra part
 * reads again.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DuckDbQueryEngine } from '../../../lib/adapters/duckdb-engine.js';
import { quantilePositions } from '../../../lib/jobs/profile.js';
import { runDriftScan } from '../../../lib/jobs/scan-reader.js';
import type { CompiledQuery, QueryEngine, Row } from '../../../lib/ports.js';
import {
  ATHENA_QUERY_TEXT_MAX_BYTES,
  athenaQueryProblems,
  queryTextBytes,
} from '../../../lib/sql/athena-limits.js';
import { athenaDialect, type DataSource } from '../../../lib/sql/dialect.js';
import {
  buildDriftScan,
  type DriftScanSpec,
  type NumericColumnSpec,
  splitDriftScan,
} from '../../../lib/sql/drift-query.js';
import { buildOrderStatisticsQueries, buildOrderStatisticsQuery } from '../../../lib/sql/quantile-query.js';
import { tempDir } from '../../helpers/temp.js';

const FEATURES = 12;
const features = Array.from({ length: FEATURES }, (_, i) => `f${i}`);
/** A reference profile's numeric spec with the fine grid: 1,000 quantile edges of N(i, 1 + i/10). */
function numeric(column: string, i: number): NumericColumnSpec {
  const sd = 1 + i / 10;
  const fineEdges = Array.from(
    { length: 999 },
    (_, k) => i + sd * (((k + 1) / 1000) * 6 - 3) + Math.sqrt(k + 2) * 1e-9,
  );
  return {
    column,
    edges: [i - sd, i - sd / 2, i, i + sd / 2, i + sd],
    referenceMin: i - 4 * sd,
    referenceMax: i + 4 * sd,
    fineEdges,
    numericType: true,
  };
}

let engine: DuckDbQueryEngine;
let dir: { path: string; cleanup: () => Promise<void> };
let source: DataSource;
let spec: DriftScanSpec;

beforeAll(async () => {
  engine = await DuckDbQueryEngine.create({ threads: 1 });
  dir = await tempDir('driftwatch-split-');
  const columns = features
    .map((f, i) => `${i} + (1 + ${i} / 10.0) * ((hash(r * 31 + ${i}) % 100000) / 100000.0 * 6 - 3) AS ${f}`)
    .join(', ');
  await engine.execute(`COPY (
      SELECT ${columns}, ['a', 'b', 'c'][1 + r % 3] AS region, ['web', 'app'][1 + r % 2] AS channel,
             ['x', 'y', NULL][1 + r % 3] AS kind, '2026-01-01' AS dt
      FROM range(20000) t(r))
    TO '${dir.path}/log' (FORMAT parquet, PARTITION_BY (dt))`);
  source = { location: `${dir.path}/log`, format: 'parquet', partitioned: true };
  spec = {
    source,
    window: { from: '2026-01-01', to: '2026-01-02' },
    numeric: features.map(numeric),
    categorical: ['kind'],
    segments: ['region', 'channel'],
  };
}, 60_000);

afterAll(async () => {
  await engine?.close();
  await dir?.cleanup();
});

const athenaSpec = () => ({
  ...spec,
  source: { ...source, table: { database: 'driftwatch', name: 'm_predictions' } },
});

describe('splitDriftScan', () => {
  it('splits a scan over the budget into parts within it and within Athena’s limits, each column once', () => {
    const whole = buildDriftScan(athenaSpec(), athenaDialect);
    // Before the split, the job sent this one query, which Athena refuses.
    expect(queryTextBytes(whole.sql)).toBeGreaterThan(ATHENA_QUERY_TEXT_MAX_BYTES);

    const parts = splitDriftScan(athenaSpec(), athenaDialect, 200_000);

    expect(parts.length).toBeGreaterThan(1);
    for (const part of parts) {
      const q = buildDriftScan(part, athenaDialect);
      expect(queryTextBytes(q.sql)).toBeLessThanOrEqual(200_000);
      expect(athenaQueryProblems(q.name, q.sql)).toEqual([]);
      expect(part.segments).toEqual(['region', 'channel']);
    }
    expect(parts.flatMap((p) => p.numeric.map((n) => n.column))).toEqual(features);
    expect(parts.flatMap((p) => p.categorical)).toEqual(['kind']);
  });

  it('keeps one scan when it fits, and refuses a column that alone is over the budget', () => {
    expect(splitDriftScan(athenaSpec(), athenaDialect, 10_000_000)).toHaveLength(1);
    expect(() => splitDriftScan(athenaSpec(), athenaDialect, 10_000)).toThrow(
      /the drift scan of column f0 alone is over 10000 bytes of SQL/,
    );
  });
});

describe('runDriftScan', () => {
  it('merges the parts into exactly what one scan returns, overall and per segment', async () => {
    const one = await runDriftScan(engine, spec, Number.POSITIVE_INFINITY);
    const split = await runDriftScan(engine, spec, 100_000);
    expect(split).toEqual(one);
    expect(one.overall.rows).toBe(20000);
    expect(one.segments).toHaveLength(5);
  });

  it('sends only queries within Athena’s limits to an engine with the Athena dialect', async () => {
    const sent: CompiledQuery[] = [];
    const athenaLike: QueryEngine = {
      dialect: athenaDialect,
      async query(q: CompiledQuery): Promise<Row[]> {
        const problems = athenaQueryProblems(q.name, q.sql);
        if (problems.length) throw new Error(problems.join('; '));
        sent.push(q);
        return [];
      },
      stats: () => ({ bytesScanned: 0, engineMillis: 0, queries: sent.length }),
      close: async () => {},
    } as unknown as QueryEngine;
    await runDriftScan(athenaLike, athenaSpec());
    expect(sent.length).toBeGreaterThan(1);
  });

  it('bills the feature columns once: the parts read only the segment columns again', async () => {
    // Bytes Athena bills = the compressed size of the columns a query reads (Parquet metadata).
    const meta = await engine.query({
      name: 'meta',
      sql: `SELECT path_in_schema AS c, sum(total_compressed_size) AS b FROM parquet_metadata('${dir.path}/log/*/*.parquet') GROUP BY 1`,
      parameters: [],
    });
    const bytes = new Map(meta.map((r) => [String(r.c), Number(r.b)]));
    const read = (sql: string) =>
      [...bytes.keys()].filter((c) => sql.includes(`"${c}"`)).reduce((sum, c) => sum + bytes.get(c)!, 0);
    const whole = read(buildDriftScan(athenaSpec(), athenaDialect).sql);
    const parts = splitDriftScan(athenaSpec(), athenaDialect, 200_000);
    const split = parts.reduce((sum, p) => sum + read(buildDriftScan(p, athenaDialect).sql), 0);
    const segmentBytes = bytes.get('region')! + bytes.get('channel')!;
    expect(split).toBe(whole + (parts.length - 1) * segmentBytes);
    const text = [athenaSpec(), ...parts].map((p) => queryTextBytes(buildDriftScan(p, athenaDialect).sql));
    console.info(
      `drift scan split: ${text[0]} bytes of SQL as one query, ${text.slice(1).join(' + ')} in ${parts.length} parts;`,
      `${parts.length} parts, ${whole} bytes read as one query, ${split} split (+${(((split - whole) / whole) * 100).toFixed(1)}%: the segment columns again)`,
    );
  });
});

describe('buildOrderStatisticsQueries', () => {
  // The baseline's second pass asks, per fine-grid column, for the ~2,000 order statistics of the
  // 10 bins and the 1,000-edge grid.
  const positions = (n: number, rows: number) =>
    Array.from({ length: n }, (_, i) => ({
      column: `f${i}`,
      positions: [...quantilePositions(rows, 10), ...quantilePositions(rows, 1000)],
    }));

  it('splits an order-statistics query too long for Athena into parts within the budget', () => {
    const source = { ...athenaSpec().source };
    const whole = buildOrderStatisticsQuery({ source, columns: positions(25, 50_000) }, athenaDialect);
    // Before: the baseline sent this one query (25 columns, a 50,000-row reference).
    expect(queryTextBytes(whole.sql)).toBeGreaterThan(ATHENA_QUERY_TEXT_MAX_BYTES);

    const parts = buildOrderStatisticsQueries(
      { source, columns: positions(25, 50_000) },
      athenaDialect,
      200_000,
    );

    expect(parts.length).toBeGreaterThan(1);
    for (const q of parts) {
      expect(queryTextBytes(q.sql)).toBeLessThanOrEqual(200_000);
      expect(athenaQueryProblems(q.name, q.sql)).toEqual([]);
    }
  });

  it('returns the same rows, with the same column indices, as one query', async () => {
    const spec = {
      source,
      window: { from: '2026-01-01', to: '2026-01-02' },
      columns: positions(FEATURES, 20_000),
    };
    const sort = (rows: Row[]) =>
      rows
        .map((r) => [Number(r.f), Number(r.pos), Number(r.v)])
        .sort((a, b) => a[0]! - b[0]! || a[1]! - b[1]!);
    const one = await engine.query(buildOrderStatisticsQuery(spec, engine.dialect));
    const parts = buildOrderStatisticsQueries(spec, engine.dialect, 60_000);
    expect(parts.length).toBeGreaterThan(1);
    const split: Row[] = [];
    for (const q of parts) split.push(...(await engine.query(q)));
    expect(sort(split)).toEqual(sort(one));
    expect(new Set(one.map((r) => Number(r.f))).size).toBe(FEATURES);
  });
});
