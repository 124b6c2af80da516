/**
 * The grid path of the binary performance query (ranking: 'grid'): run in DuckDB against the exact
 * path and the sklearn oracle; the reported bounds hold on every case and group.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DuckDbQueryEngine } from '../../../lib/adapters/duckdb-engine.js';
import { type BinaryAggregates, binaryMetrics } from '../../../lib/metrics/binary.js';
import { duckdbDialect } from '../../../lib/sql/dialect.js';
import { quoteString } from '../../../lib/sql/identifiers.js';
import {
  type BinaryPerformanceSpec,
  buildPerformanceQuery,
  type GridCells,
} from '../../../lib/sql/performance-query.js';
import {
  type PerformanceGroupResult,
  readBinaryGrid,
  readBinaryPerformance,
} from '../../../lib/sql/performance-rows.js';
import { expectBinaryOracle } from '../metrics/expect-oracle.js';
import { binaryCases, close } from '../metrics/oracle.js';

let engine: DuckDbQueryEngine;
let dir: string;
let tables = 0;

beforeAll(async () => {
  engine = await DuckDbQueryEngine.create({ threads: 1 });
  dir = mkdtempSync(join(tmpdir(), 'driftwatch-grid-'));
});
afterAll(async () => {
  await engine.close();
  rmSync(dir, { recursive: true, force: true });
});

const WINDOW = { from: '2026-01-20', to: '2026-01-21' };
const IN = '2026-01-20';

/** Writes a window (id, dt, score, segment, label; score null = missing) and returns a binary spec over it. */
async function window(y: readonly number[], s: readonly (number | null)[]): Promise<BinaryPerformanceSpec> {
  tables += 1;
  const file = join(dir, `w${tables}.csv`);
  const lines = ['id,dt,score,segment,label'];
  s.forEach((score, i) => {
    lines.push(`${i},${IN},${score === null ? '' : score},${['a', 'b', 'c'][i % 3]},${y[i]}`);
  });
  // an unlabelled prediction: counted in coverage, never evaluated
  lines.push(`-1,${IN},0.5,a,`);
  writeFileSync(file, `${lines.join('\n')}\n`);
  const name = `w${tables}`;
  await engine.execute(
    `CREATE TABLE ${name} AS SELECT * FROM read_csv(${quoteString(file)}, header = true, columns = {'id': 'BIGINT', 'dt': 'VARCHAR', 'score': 'DOUBLE', 'segment': 'VARCHAR', 'label': 'INTEGER'}, nullstr = '')`,
  );
  return {
    task: 'binary',
    predictionsRelation: name,
    labelsRelation: `(SELECT id, label FROM ${name} WHERE label IS NOT NULL)`,
    predictionIdColumn: 'id',
    labelIdColumn: 'id',
    labelColumn: 'label',
    scoreColumn: 'score',
    segmentColumns: ['segment'],
    window: WINDOW,
  };
}

async function evaluate(spec: BinaryPerformanceSpec): Promise<PerformanceGroupResult<BinaryAggregates>[]> {
  const q = buildPerformanceQuery(spec, duckdbDialect);
  const fromRows = readBinaryPerformance(await engine.query(q), q);
  // The job reads the grid by column (the engine's queryColumns): the same groups and numbers.
  if (q.grid) expect(readBinaryGrid(await engine.queryColumns(q), q)).toEqual(fromRows);
  return fromRows;
}

const key = (r: PerformanceGroupResult<unknown>) => `${r.group.kind}:${r.group.value}`;
const RANKING = ['rocAuc', 'averagePrecision', 'rocAucStandardError'] as const;
const BOUND = {
  rocAuc: 'rocAuc',
  averagePrecision: 'averagePrecision',
  rocAucStandardError: 'rocAucStandardError',
} as const;

/**
 * The grid's groups against the exact path's: same groups and coverage, same non-ranking
 * metrics, ranking metrics within the reported bounds. Returns the largest bound seen.
 */
function expectWithinBounds(
  grid: PerformanceGroupResult<BinaryAggregates>[],
  exact: PerformanceGroupResult<BinaryAggregates>[],
): number {
  expect(grid.map(key)).toEqual(exact.map(key));
  let largest = 0;
  grid.forEach((g, i) => {
    const e = exact[i]!;
    expect(g.coverage, key(g)).toEqual(e.coverage);
    const gm = binaryMetrics(g.aggregates);
    const em = binaryMetrics(e.aggregates);
    expect(gm.confusion).toEqual(em.confusion);
    for (const name of ['accuracy', 'f1', 'logLoss', 'brier', 'ece'] as const) {
      const [a, b] = [gm[name].value, em[name].value];
      expect(a === null, `${key(g)} ${name}`).toBe(b === null);
      if (a !== null && b !== null) expect(close(a, b), `${key(g)} ${name}: ${a} vs ${b}`).toBe(true);
    }
    const ranking = g.aggregates.ranking!;
    expect(ranking).toBeDefined();
    for (const name of RANKING) {
      const [a, b] = [gm[name].value, em[name].value];
      expect(a === null, `${key(g)} ${name}`).toBe(b === null);
      const bound = ranking.errorBounds[BOUND[name]];
      largest = Math.max(largest, bound);
      if (a !== null && b !== null) {
        expect(
          Math.abs(a - b),
          `${key(g)} ${name}: grid ${a}, exact ${b}, bound ${bound}`,
        ).toBeLessThanOrEqual(bound + 1e-12);
      }
    }
    if (ranking.computation === 'exact') {
      for (const name of RANKING) {
        const [a, b] = [gm[name].value, em[name].value];
        if (a !== null && b !== null) expect(close(a, b), `${key(g)} ${name} exact: ${a} vs ${b}`).toBe(true);
      }
    }
  });
  return largest;
}

const GRIDS: Record<string, GridCells> = {
  'scores (one cell per distinct score)': { kind: 'scores' },
  '10,000 levels on [0, 1]': { kind: 'levels', levels: 10_000, min: 0, max: 1 },
  '7 levels on [0, 1]': { kind: 'levels', levels: 7, min: 0, max: 1 },
  '50 levels on [0.2, 0.8] (scores outside clamped)': { kind: 'levels', levels: 50, min: 0.2, max: 0.8 },
};

describe('grid path against the exact path and the sklearn oracle', () => {
  for (const c of binaryCases()) {
    it(c.name, async () => {
      const spec = { ...(await window(c.input.y_true, c.input.y_score)), threshold: c.input.threshold };
      const exact = await evaluate({ ...spec, ranking: 'rows' });
      for (const [name, grid] of Object.entries(GRIDS)) {
        const result = await evaluate({ ...spec, ranking: 'grid', grid });
        expectWithinBounds(result, exact);
        const overall = result.find((r) => r.group.kind === 'overall')!;
        if (grid.kind === 'scores') {
          // one cell per score is exact and says so; the oracle's values, to 1e-9
          for (const r of result)
            expect(r.aggregates.ranking!.computation, `${name} ${key(r)}`).toBe('exact');
          expectBinaryOracle(binaryMetrics(overall.aggregates), c.expected.sklearn, c.expected.rank);
        }
      }
    });
  }
});

describe('grid path: edge cases run in DuckDB', () => {
  it('heavy ties at 0 and 1, missing scores, a tiny segment and one class in a segment', async () => {
    const s: (number | null)[] = [];
    const y: number[] = [];
    for (let i = 0; i < 300; i += 1) {
      const r = (i * 7919) % 101;
      s.push(r < 40 ? 0 : r < 70 ? 1 : r < 75 ? null : r / 101);
      y.push((i * 31) % 7 < 3 ? 1 : 0);
    }
    const spec = await window(y, s);
    const exact = await evaluate({ ...spec, ranking: 'rows' });
    const grid = await evaluate({
      ...spec,
      ranking: 'grid',
      grid: { kind: 'levels', levels: 20, min: 0, max: 1 },
    });
    expectWithinBounds(grid, exact);
    // 0 and 1 are single-valued cells: only the few in-between scores can be uncertain
    const overall = grid.find((r) => r.group.kind === 'overall')!;
    expect(overall.coverage.evaluated).toBe(
      exact.find((r) => r.group.kind === 'overall')!.coverage.evaluated,
    );
  });

  it('a window of two rows, and a window with one class only', async () => {
    for (const [y, s] of [
      [
        [1, 0],
        [0.3, 0.31],
      ],
      [
        [0, 0, 0, 0],
        [0.1, 0.2, 0.2, 0.9],
      ],
      [
        [1, 1, 1],
        [0.5, 0.51, 0.52],
      ],
    ] as [number[], number[]][]) {
      const spec = await window(y, s);
      const exact = await evaluate({ ...spec, ranking: 'rows' });
      const grid = await evaluate({
        ...spec,
        ranking: 'grid',
        grid: { kind: 'levels', levels: 3, min: 0, max: 1 },
      });
      expectWithinBounds(grid, exact);
    }
  });

  it('the tight case through SQL: positives above negatives inside every level, error = bound', async () => {
    const y: number[] = [];
    const s: number[] = [];
    for (let l = 0; l < 50; l += 1) {
      y.push(0, 0, 1);
      s.push(l / 50 + 0.001, l / 50 + 0.002, l / 50 + 0.019);
    }
    const spec = await window(y, s);
    const exact = await evaluate({ ...spec, ranking: 'rows' });
    const grid = await evaluate({
      ...spec,
      ranking: 'grid',
      grid: { kind: 'levels', levels: 50, min: 0, max: 1 },
    });
    expectWithinBounds(grid, exact);
    const g = grid.find((r) => r.group.kind === 'overall')!;
    const e = exact.find((r) => r.group.kind === 'overall')!;
    const error = Math.abs(
      binaryMetrics(g.aggregates).rocAuc.value! - binaryMetrics(e.aggregates).rocAuc.value!,
    );
    expect(g.aggregates.ranking!.computation).toBe('approximate');
    expect(error).toBeGreaterThan(0.009);
    expect(error).toBeCloseTo(g.aggregates.ranking!.errorBounds.rocAuc, 12);
  });

  it('random windows at 30 seeds: the bound holds in every group', async () => {
    for (let seed = 1; seed <= 30; seed += 1) {
      let state = seed * 48271;
      const rand = () => {
        state = (state * 48271) % 2147483647;
        return state / 2147483647;
      };
      const n = 20 + Math.floor(rand() * 400);
      const y: number[] = [];
      const s: number[] = [];
      for (let i = 0; i < n; i += 1) {
        const label = rand() < 0.3 ? 1 : 0;
        y.push(label);
        const raw = Math.min(1, Math.max(0, 0.35 * label + rand() * 0.7));
        s.push(seed % 3 === 0 ? Math.round(raw * 40) / 40 : raw);
      }
      const spec = await window(y, s);
      const exact = await evaluate({ ...spec, ranking: 'rows' });
      const levels = 1 + (seed % 25);
      const grid = await evaluate({
        ...spec,
        ranking: 'grid',
        grid: { kind: 'levels', levels, min: 0, max: 1 },
      });
      expectWithinBounds(grid, exact);
    }
  });
});
