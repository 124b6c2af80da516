import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TrinoSQL } from 'dt-sql-parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DuckDbQueryEngine } from '../../../lib/adapters/duckdb-engine.js';
import { binaryMetrics } from '../../../lib/metrics/binary.js';
import { multiclassMetrics } from '../../../lib/metrics/multiclass.js';
import { rocAucStandardError } from '../../../lib/metrics/ranking.js';
import { regressionMetrics } from '../../../lib/metrics/regression.js';
import { athenaQueryProblems } from '../../../lib/sql/athena-limits.js';
import { athenaDialect, duckdbDialect } from '../../../lib/sql/dialect.js';
import { quoteString } from '../../../lib/sql/identifiers.js';
import {
  type BinaryPerformanceSpec,
  buildBinaryRowsQuery,
  buildPerformanceQuery,
  buildScoreLevelsQuery,
  chooseRanking,
  type MulticlassPerformanceSpec,
  type PerformanceQuery,
  type PerformanceQuerySpec,
  type RegressionPerformanceSpec,
} from '../../../lib/sql/performance-query.js';
import {
  type PerformanceGroupResult,
  readBinaryPerformance,
  readMulticlassPerformance,
  readRegressionPerformance,
} from '../../../lib/sql/performance-rows.js';
import {
  expectBinaryOracle,
  expectMulticlassOracle,
  expectRegressionOracle,
} from '../metrics/expect-oracle.js';
import { binaryCases, close, multiclassCases, regressionCases } from '../metrics/oracle.js';
import { referenceBinary, referenceMulticlass, referenceRegression } from '../metrics/reference.js';

let engine: DuckDbQueryEngine;
let dir: string;
let tables = 0;

beforeAll(async () => {
  engine = await DuckDbQueryEngine.create({ threads: 2 });
  dir = mkdtempSync(join(tmpdir(), 'driftwatch-perf-'));
});
afterAll(async () => {
  await engine.close();
  rmSync(dir, { recursive: true, force: true });
});

type Cell = string | number | null;

/** Loads rows into a DuckDB table through a CSV file with explicit column types. */
async function table(columns: Record<string, string>, rows: readonly Cell[][]): Promise<string> {
  tables += 1;
  const name = `t${tables}`;
  const file = join(dir, `${name}.csv`);
  const names = Object.keys(columns);
  const text = [
    names.join(','),
    ...rows.map((r) => r.map((v) => (v === null ? '' : String(v))).join(',')),
  ].join('\n');
  writeFileSync(file, `${text}\n`);
  const types = Object.entries(columns)
    .map(([k, t]) => `${quoteString(k)}: ${quoteString(t)}`)
    .join(', ');
  await engine.execute(
    `CREATE TABLE ${name} AS SELECT * FROM read_csv(${quoteString(file)}, header = true, columns = {${types}}, nullstr = '')`,
  );
  return name;
}

const WINDOW = { from: '2026-01-20', to: '2026-01-21' };
const IN = '2026-01-20';
const BEFORE = '2026-01-19';
const segmentOf = (i: number) => ['north', 'south', 'east'][i % 3]!;
const versionOf = (i: number) => (i % 2 === 0 ? 'v1' : 'v2');

/** Subset of indexes a group covers. */
function subset(result: PerformanceGroupResult<unknown>, n: number): number[] {
  const all = [...Array(n).keys()];
  if (result.group.kind === 'overall') return all;
  if (result.group.kind === 'segment') return all.filter((i) => segmentOf(i) === result.group.value);
  return all.filter((i) => versionOf(i) === result.group.value);
}

/** Every number in `actual` within 1e-9 relative of the same path in `expected`. */
function expectCloseDeep(actual: unknown, expected: unknown, path = ''): void {
  if (typeof expected === 'number') {
    expect(typeof actual, path).toBe('number');
    expect(close(actual as number, expected), `${path}: got ${actual}, expected ${expected}`).toBe(true);
  } else if (expected && typeof expected === 'object') {
    for (const [k, v] of Object.entries(expected))
      expectCloseDeep((actual as Record<string, unknown>)[k], v, `${path}.${k}`);
  } else {
    expect(actual, path).toEqual(expected);
  }
}

async function run(
  spec: PerformanceQuerySpec,
): Promise<{ q: PerformanceQuery; rows: Awaited<ReturnType<typeof engine.query>> }> {
  const q = buildPerformanceQuery(spec, duckdbDialect);
  return { q, rows: await engine.query(q) };
}

/** A binary spec over test tables `predictions` (id, dt, score, region) and `labels` (id, label). */
function binarySpec(
  predictions: string,
  labels: string,
  extra: Partial<BinaryPerformanceSpec> = {},
): BinaryPerformanceSpec {
  return {
    task: 'binary',
    predictionsRelation: predictions,
    labelsRelation: labels,
    predictionIdColumn: 'id',
    labelIdColumn: 'id',
    labelColumn: 'label',
    scoreColumn: 'score',
    segmentColumns: ['region'],
    window: WINDOW,
    ...extra,
  };
}

/** Two renderings of one binary spec return the same groups, coverage and aggregates (1e-9). */
function expectSameBinary(
  actual: Awaited<ReturnType<typeof run>>,
  expected: Awaited<ReturnType<typeof run>>,
): void {
  const a = readBinaryPerformance(actual.rows, actual.q);
  const e = readBinaryPerformance(expected.rows, expected.q);
  expect(a.map((r) => r.group)).toEqual(e.map((r) => r.group));
  a.forEach((r, i) => {
    expect(r.coverage).toEqual(e[i]!.coverage);
    expectCloseDeep(r.aggregates, e[i]!.aggregates, `${r.group.kind}:${r.group.value}`);
  });
}

describe('binary performance query in DuckDB against the sklearn oracle', () => {
  for (const c of binaryCases()) {
    it(c.name, async () => {
      const { y_true, y_score, y_pred } = c.input;
      const n = y_true.length;
      const preds: Cell[][] = y_score.map((s, i) => [i, IN, s, y_pred[i]!, segmentOf(i), versionOf(i)]);
      // unlabelled predictions in the window, and labelled ones outside it: neither may count
      for (let k = 0; k < 7; k += 1) preds.push([100_000 + k, IN, 0.9, 1, 'north', 'v1']);
      for (let k = 0; k < 5; k += 1) preds.push([200_000 + k, BEFORE, 0.01, 0, 'south', 'v2']);
      const labels: Cell[][] = y_true.map((y, i) => [i, y]);
      for (let k = 0; k < 5; k += 1) labels.push([200_000 + k, 1]);
      labels.push([999_999, 1]); // a label without a prediction
      const predictions = await table(
        {
          id: 'BIGINT',
          dt: 'VARCHAR',
          score: 'DOUBLE',
          prediction: 'INTEGER',
          segment: 'VARCHAR',
          model_version: 'VARCHAR',
        },
        preds,
      );
      const labelTable = await table({ id: 'BIGINT', label: 'INTEGER' }, labels);
      const spec: BinaryPerformanceSpec = {
        task: 'binary',
        predictionsRelation: predictions,
        labelsRelation: labelTable,
        predictionIdColumn: 'id',
        labelIdColumn: 'id',
        labelColumn: 'label',
        scoreColumn: 'score',
        threshold: c.input.threshold,
        segmentColumns: ['segment'],
        modelVersionColumn: 'model_version',
        window: WINDOW,
      };
      const { q, rows } = await run(spec);
      expect(q.parameters).toEqual([WINDOW.from, WINDOW.to]);
      const results = readBinaryPerformance(rows, q);
      expect(results.map((r) => `${r.group.kind}:${r.group.value}`).sort()).toEqual(
        [
          'overall:null',
          'segment:east',
          'segment:north',
          'segment:south',
          'model_version:v1',
          'model_version:v2',
        ].sort(),
      );
      for (const r of results) {
        const idx = subset(r, n);
        const reference = referenceBinary(
          idx.map((i) => y_true[i]!),
          idx.map((i) => y_score[i]!),
          c.input.threshold,
        );
        expectCloseDeep(r.aggregates, reference, `${c.name}/${r.group.kind}:${r.group.value}`);
        const extra =
          r.group.kind === 'overall' || r.group.value === 'north' || r.group.value === 'v1' ? 7 : 0;
        expect(r.coverage).toMatchObject({
          predictions: idx.length + extra,
          labelled: idx.length,
          evaluated: idx.length,
        });
      }
      const overall = results.find((r) => r.group.kind === 'overall')!;
      expectBinaryOracle(binaryMetrics(overall.aggregates), c.expected.sklearn, c.expected.rank);
    });
  }
});

describe('ranks are within the group', () => {
  it('per segment and per model version, the AUC is that of the subset, not of the whole window', async () => {
    // Within each region the positives outrank the negatives (AUC 1, with a tie in east);
    // across regions they do not (overall AUC 11.5 / 16 = 0.71875).
    const rows: [number, string, string, number, number][] = [
      [0, 'west', 'v1', 0.1, 0],
      [1, 'west', 'v2', 0.15, 0],
      [2, 'west', 'v1', 0.2, 1],
      [3, 'west', 'v2', 0.3, 1],
      [4, 'east', 'v1', 0.7, 0],
      [5, 'east', 'v2', 0.8, 0],
      [6, 'east', 'v1', 0.8, 1],
      [7, 'east', 'v2', 0.9, 1],
    ];
    const predictions = await table(
      { id: 'VARCHAR', dt: 'VARCHAR', score: 'DOUBLE', region: 'VARCHAR', version: 'VARCHAR' },
      rows.map(([id, region, version, s]) => [`row-${id}`, IN, s, region, version]),
    );
    const labels = await table(
      { request_id: 'VARCHAR', outcome: 'BOOLEAN' },
      rows.map(([id, , , , y]) => [`row-${id}`, y === 1 ? 'true' : 'false']),
    );
    const { q, rows: out } = await run({
      task: 'binary',
      predictionsRelation: predictions,
      labelsRelation: labels,
      predictionIdColumn: 'id',
      labelIdColumn: 'request_id',
      labelColumn: 'outcome',
      scoreColumn: 'score',
      segmentColumns: ['region'],
      modelVersionColumn: 'version',
      window: WINDOW,
    });
    const results = readBinaryPerformance(out, q);
    const auc = (kind: string, value: string | null) =>
      binaryMetrics(results.find((r) => r.group.kind === kind && r.group.value === value)!.aggregates).rocAuc
        .value;
    expect(auc('segment', 'west')).toBe(1);
    expect(auc('segment', 'east')).toBe(0.875); // the tie at 0.8 counts one half
    expect(auc('overall', null)).toBe(0.71875);
    expect(auc('model_version', 'v1')).toBe(0.75);
    for (const r of results) {
      const sel = rows.filter(
        ([, region, version]) =>
          r.group.kind === 'overall' || (r.group.kind === 'segment' ? region : version) === r.group.value,
      );
      const reference = referenceBinary(
        sel.map((x) => x[4]),
        sel.map((x) => x[3]),
      );
      expectCloseDeep(r.aggregates, reference, `${r.group.kind}:${r.group.value}`);
      if (r.group.kind !== 'overall') {
        expect(binaryMetrics(r.aggregates).rocAuc.value).not.toBe(auc('overall', null));
      }
    }
  });
});

describe('DeLong standard error from the SQL aggregates', () => {
  it('equals the DeLong formula computed by brute force on a small case with ties', async () => {
    const y = [0, 0, 1, 1, 0, 1, 0, 1, 1, 0, 1, 0];
    const s = [0.1, 0.4, 0.35, 0.8, 0.5, 0.5, 0.2, 0.9, 0.45, 0.65, 0.2, 0.9];
    const predictions = await table(
      { id: 'INTEGER', dt: 'VARCHAR', score: 'DOUBLE' },
      s.map((v, i) => [i, IN, v]),
    );
    const labels = await table(
      { id: 'INTEGER', label: 'INTEGER' },
      y.map((v, i) => [i, v]),
    );
    const { q, rows } = await run({
      task: 'binary',
      predictionsRelation: predictions,
      labelsRelation: labels,
      predictionIdColumn: 'id',
      labelIdColumn: 'id',
      labelColumn: 'label',
      scoreColumn: 'score',
      window: WINDOW,
    });
    const [overall] = readBinaryPerformance(rows, q);
    const pos = s.filter((_, i) => y[i] === 1);
    const neg = s.filter((_, i) => y[i] === 0);
    const psi = (a: number, b: number) => (a > b ? 1 : a === b ? 0.5 : 0);
    const v10 = pos.map((a) => neg.reduce((t, b) => t + psi(a, b), 0) / neg.length);
    const v01 = neg.map((b) => pos.reduce((t, a) => t + psi(a, b), 0) / pos.length);
    const auc = v10.reduce((t, v) => t + v, 0) / pos.length;
    const variance = (v: number[]) => v.reduce((t, x) => t + (x - auc) ** 2, 0) / (v.length - 1);
    const se = Math.sqrt(variance(v10) / pos.length + variance(v01) / neg.length);
    const m = binaryMetrics(overall!.aggregates);
    expect(close(m.rocAuc.value!, auc, 1e-12)).toBe(true);
    expect(close(rocAucStandardError(overall!.aggregates).value!, se, 1e-12)).toBe(true);
    expect(close(m.rocAucStandardError.value!, se, 1e-12)).toBe(true);
  });
});

describe('labels: conflicts and prediction-only logs', () => {
  it('an id whose labels disagree is left unlabelled and counted; a 0/1 prediction gives no probability metric', async () => {
    const predictions = await table({ id: 'INTEGER', dt: 'VARCHAR', pred: 'INTEGER' }, [
      [1, IN, 1],
      [2, IN, 0],
      [3, IN, 1],
      [4, IN, 0],
      [5, IN, null],
    ]);
    const labels = await table({ id: 'INTEGER', label: 'INTEGER' }, [
      [1, 1],
      [2, 0],
      [3, 0],
      [3, 1],
      [4, 1],
      [4, 1],
      [5, 0],
    ]);
    const { q, rows } = await run({
      task: 'binary',
      predictionsRelation: predictions,
      labelsRelation: labels,
      predictionIdColumn: 'id',
      labelIdColumn: 'id',
      labelColumn: 'label',
      predictionColumn: 'pred',
      window: WINDOW,
    });
    const [overall] = readBinaryPerformance(rows, q);
    expect(overall!.coverage).toMatchObject({ predictions: 5, labelled: 4, labelConflicts: 1, evaluated: 3 });
    // labelsSince prunes the labels log by its partition column (a parameter, first in the text)
    const labelsDated = await table({ id: 'INTEGER', label: 'INTEGER', dt: 'VARCHAR' }, [
      [1, 1, '2026-01-22'],
      [2, 0, '2026-01-18'],
    ]);
    const pruned = buildPerformanceQuery(
      {
        task: 'binary',
        predictionsRelation: predictions,
        labelsRelation: labelsDated,
        predictionIdColumn: 'id',
        labelIdColumn: 'id',
        labelColumn: 'label',
        predictionColumn: 'pred',
        window: WINDOW,
        labelsSince: '2026-01-20',
      },
      duckdbDialect,
    );
    expect(pruned.parameters).toEqual(['2026-01-20', WINDOW.from, WINDOW.to]);
    const [prunedOverall] = readBinaryPerformance(await engine.query(pruned), pruned);
    expect(prunedOverall!.coverage).toMatchObject({ predictions: 5, labelled: 1 });
    const m = binaryMetrics(overall!.aggregates);
    expect(m.confusion).toEqual({ tp: 1, fp: 0, tn: 1, fn: 1 });
    expect(m.logLoss.value).toBeNull();
    expect(m.ece.value).toBeNull();
    expect(m.rocAuc.value).toBe(0.75);
  });
});

describe('labels in a number or boolean column are read by one cast (labelColumnType)', () => {
  it('gives exactly what reading them through their text gives: valid, invalid, conflicting, missing', async () => {
    const n = 60;
    const predictions = await table(
      { id: 'INTEGER', dt: 'VARCHAR', score: 'DOUBLE', region: 'VARCHAR' },
      Array.from({ length: n }, (_, i) => [i, IN, ((i * 37) % 100) / 100, segmentOf(i)]),
    );
    // Per id: 0 or 1; an invalid value (2, -1, 0.5); a conflict (0 and 1); a repeat; no label.
    const numeric = (i: number): (number | null)[] => {
      switch (i % 10) {
        case 0:
          return [2];
        case 1:
          return [0, 1];
        case 2:
          return [];
        case 3:
          return [1, 1];
        case 4:
          return [-1];
        case 5:
          return [0.5];
        case 6:
          return [null];
        default:
          return [i % 3 === 0 ? 1 : 0];
      }
    };
    const rowsOf = (value: (i: number) => (number | string | null)[]) =>
      Array.from({ length: n }, (_, i) => value(i).map((v) => [i, v] as Cell[])).flat();
    const cases: [string, Cell[][]][] = [
      ['INTEGER', rowsOf((i) => numeric(i).filter((v) => v === null || Number.isInteger(v)))],
      ['DOUBLE', rowsOf(numeric)],
      ['DECIMAL(6,2)', rowsOf(numeric)],
      [
        'BOOLEAN',
        rowsOf((i) =>
          numeric(i)
            .filter((v) => v === null || v === 0 || v === 1)
            .map((v) => (v === null ? null : v === 1 ? 'true' : 'false')),
        ),
      ],
    ];
    for (const [type, labelRows] of cases) {
      const labels = await table({ id: 'INTEGER', label: type }, labelRows);
      const typed = await run(binarySpec(predictions, labels, { labelColumnType: type }));
      const text = await run(binarySpec(predictions, labels));
      expect(typed.q.sql, type).toContain('TRY_CAST(l."label" AS DOUBLE)');
      expect(text.q.sql, type).not.toContain('TRY_CAST(l."label" AS DOUBLE)');
      expectSameBinary(typed, text);
      const [overall] = readBinaryPerformance(typed.rows, typed.q);
      expect(overall!.coverage.labelled, type).toBeGreaterThan(0);
      if (type !== 'BOOLEAN') expect(overall!.coverage.invalidLabels, type).toBeGreaterThan(0);
      expect(overall!.coverage.labelConflicts, type).toBeGreaterThan(0);
    }
    // Text columns and text mappings keep the text reading.
    const textLabels = await table({ id: 'INTEGER', label: 'VARCHAR' }, [[1, 'yes']]);
    for (const extra of [
      { labelColumnType: 'VARCHAR' },
      { labelColumnType: 'INTEGER', labelMapping: { positiveValue: '1' } },
    ]) {
      const { q } = await run(binarySpec(predictions, textLabels, extra));
      expect(q.sql).not.toContain('TRY_CAST(l."label" AS DOUBLE)');
    }
  });
});

describe('prediction-only logs are ranked from score levels', () => {
  it('gives the same coverage, ranking sums and confusion as the same column read as a score (ranked rows)', async () => {
    // Few distinct values, many ties, a value that is neither 0 nor 1, missing and conflicting labels.
    const n = 60;
    const value = (i: number) => (i % 11 === 0 ? null : [0, 1, 1, 0.5, 0][i % 5]!);
    const predictions = await table(
      { id: 'INTEGER', dt: 'VARCHAR', pred: 'DOUBLE', region: 'VARCHAR', version: 'VARCHAR' },
      [...Array(n).keys()].map((i) => [i, IN, value(i), segmentOf(i), versionOf(i)]),
    );
    const labels = await table(
      { id: 'INTEGER', label: 'INTEGER' },
      [...Array(n).keys()]
        .filter((i) => i % 13 !== 0)
        .flatMap((i) => [
          [i, (i * 7) % 3 === 0 ? 1 : 0],
          ...(i % 17 === 0 ? [[i, 1 - ((i * 7) % 3 === 0 ? 1 : 0)]] : []),
        ]),
    );
    const common = {
      task: 'binary' as const,
      predictionsRelation: predictions,
      labelsRelation: labels,
      predictionIdColumn: 'id',
      labelIdColumn: 'id',
      labelColumn: 'label',
      segmentColumns: ['region'],
      modelVersionColumn: 'version',
      window: WINDOW,
    };
    const levels = await run({ ...common, predictionColumn: 'pred' });
    const ranked = await run({ ...common, scoreColumn: 'pred' });
    expect(levels.q.sql).toContain('dw_levels');
    expect(ranked.q.sql).not.toContain('dw_levels');
    const byGroup = readBinaryPerformance(ranked.rows, ranked.q);
    const fromLevels = readBinaryPerformance(levels.rows, levels.q);
    expect(fromLevels).toHaveLength(byGroup.length);
    for (const r of fromLevels) {
      const other = byGroup.find((x) => x.group.kind === r.group.kind && x.group.value === r.group.value)!;
      const { logLossSum, brierSum, calibration, ...shared } = other.aggregates;
      expect(r.coverage).toEqual(other.coverage);
      expectCloseDeep(r.aggregates, shared, `${r.group.kind}:${r.group.value}`);
      expect(r.aggregates.logLossSum).toBeNull();
    }
    const overall = fromLevels.find((r) => r.group.kind === 'overall')!;
    expect(overall.coverage.labelConflicts).toBeGreaterThan(0);
    expect(overall.aggregates.positives).toBeGreaterThan(0);
  });
});

describe('rounded scores are ranked from score levels', () => {
  it('gives every aggregate the ranked rows give, calibration and log loss included', async () => {
    const n = 300;
    // Scores on a 0.1 grid (ties everywhere), a NaN, missing and conflicting labels.
    const score = (i: number) => (i % 37 === 0 ? 'NaN' : String(Math.round(((i * 7919) % 100) / 10) / 10));
    const predictions = await table(
      { id: 'INTEGER', dt: 'VARCHAR', score: 'DOUBLE', region: 'VARCHAR', version: 'VARCHAR' },
      [...Array(n).keys()].map((i) => [i, IN, score(i), segmentOf(i), versionOf(i)]),
    );
    const labels = await table(
      { id: 'INTEGER', label: 'INTEGER' },
      [...Array(n).keys()]
        .filter((i) => i % 13 !== 0)
        .flatMap((i) => [[i, (i * 31) % 7 < 3 ? 1 : 0], ...(i % 29 === 0 ? [[i, 1]] : [])]),
    );
    const spec = binarySpec(predictions, labels, { threshold: 0.4, modelVersionColumn: 'version' });
    const ranked = await run({ ...spec, ranking: 'rows' });
    const levels = await run({ ...spec, ranking: 'levels' });
    expect(levels.q.sql).toContain('dw_levels');
    expect(ranked.q.sql).not.toContain('dw_levels');
    expectSameBinary(levels, ranked);
    expect(readBinaryPerformance(levels.rows, levels.q)[0]!.aggregates.logLossSum).toBeGreaterThan(0);

    const [estimate] = await engine.query(buildScoreLevelsQuery(spec, duckdbDialect));
    expect(estimate!.n).toBe(n);
    // 11 grid values and NaN; HyperLogLog is approximate, so only roughly.
    expect(Number(estimate!.levels)).toBeGreaterThanOrEqual(9);
    expect(Number(estimate!.levels)).toBeLessThanOrEqual(15);
    expect(chooseRanking(Number(estimate!.n), Number(estimate!.levels))).toBe('levels');
    expect(chooseRanking(1000, 990)).toBe('rows');
  });
});

describe('large windows are ranked from staged rows', () => {
  it('gives what the single query gives, and deletes the staged file', async () => {
    const n = 200;
    const predictions = await table(
      { id: 'INTEGER', dt: 'VARCHAR', score: 'DOUBLE', region: 'VARCHAR' },
      [...Array(n).keys()].map((i) => [
        i,
        i % 50 === 0 ? BEFORE : IN,
        ((i * 37) % 23) / 22,
        i % 9 === 0 ? null : segmentOf(i),
      ]),
    );
    const labels = await table(
      { id: 'INTEGER', label: 'INTEGER' },
      [...Array(n).keys()].filter((i) => i % 11 !== 0).map((i) => [i, (i * 13) % 5 < 2 ? 1 : 0]),
    );
    const spec = binarySpec(predictions, labels, { ranking: 'rows' });
    const whole = await run(spec);
    const staged = await engine.stage(buildBinaryRowsQuery(spec, duckdbDialect));
    const file = /read_parquet\('(.*)'\)/.exec(staged.relation)![1]!;
    expect(existsSync(file)).toBe(true);
    const fromStage = await run({ ...spec, stagedRowsRelation: staged.relation });
    await staged.release();
    expect(existsSync(file)).toBe(false);
    expect(fromStage.q.parameters).toEqual([]);
    expectSameBinary(fromStage, whole);
    expect(readBinaryPerformance(whole.rows, whole.q)[0]!.coverage.predictions).toBe(n - 4);
  });
});

describe('multiclass performance query in DuckDB against the sklearn oracle', () => {
  for (const c of multiclassCases()) {
    for (const mode of ['prediction column', 'argmax of the probabilities'] as const) {
      it(`${c.name} (${mode})`, async () => {
        const { labels, y_true, y_pred, y_proba } = c.input;
        const n = y_true.length;
        const probabilityColumns = Object.fromEntries(labels.map((_, k) => [`p_${k}`, 'DOUBLE']));
        const predictions = await table(
          {
            id: 'INTEGER',
            dt: 'VARCHAR',
            predicted: 'VARCHAR',
            segment: 'VARCHAR',
            model_version: 'VARCHAR',
            ...probabilityColumns,
          },
          [
            ...y_pred.map((p, i) => [i, IN, p, segmentOf(i), versionOf(i), ...y_proba[i]!]),
            [50_000, IN, labels[0]!, 'north', 'v1', ...labels.map(() => 1 / labels.length)],
          ],
        );
        const argmax = mode === 'argmax of the probabilities';
        const labelRows: Cell[][] = y_true.map((t, i) => [i, t, IN]);
        // an old label for id 0 that disagrees with the current one: pruned by labelsSince
        if (argmax) labelRows.push([0, labels.find((l) => l !== y_true[0])!, '2025-12-31']);
        const labelTable = await table({ id: 'INTEGER', label: 'VARCHAR', dt: 'VARCHAR' }, labelRows);
        const spec: MulticlassPerformanceSpec = {
          task: 'multiclass',
          predictionsRelation: predictions,
          labelsRelation: labelTable,
          predictionIdColumn: 'id',
          labelIdColumn: 'id',
          labelColumn: 'label',
          // argmax mode also prunes the labels log
          ...(argmax ? { labelsSince: '2026-01-01' } : { predictionColumn: 'predicted' }),
          classScoreColumns: Object.fromEntries(labels.map((l, k) => [l, `p_${k}`])),
          segmentColumns: ['segment'],
          modelVersionColumn: 'model_version',
          window: WINDOW,
        };
        const { q, rows } = await run(spec);
        // parameters in text order: labels partition, window; the class labels are literals
        expect(q.parameters).toEqual(
          argmax ? ['2026-01-01', WINDOW.from, WINDOW.to] : [WINDOW.from, WINDOW.to],
        );
        const results = readMulticlassPerformance(rows, q);
        expect(results).toHaveLength(6);
        for (const r of results) {
          const idx = subset(r, n);
          const reference = referenceMulticlass(
            labels,
            idx.map((i) => y_true[i]!),
            idx.map((i) => y_pred[i]!),
            idx.map((i) => y_proba[i]!),
          );
          const sortCells = <T extends { label: string; predicted: string }>(cells: readonly T[]) =>
            [...cells].sort((a, b) => (a.label + a.predicted < b.label + b.predicted ? -1 : 1));
          expect(sortCells(r.aggregates.cells)).toEqual(sortCells(reference.cells));
          expectCloseDeep(
            r.aggregates.probabilities,
            reference.probabilities,
            `${r.group.kind}:${r.group.value}`,
          );
          const extra =
            r.group.kind === 'overall' || r.group.value === 'north' || r.group.value === 'v1' ? 1 : 0;
          expect(r.coverage).toMatchObject({
            predictions: idx.length + extra,
            labelled: idx.length,
            evaluated: idx.length,
          });
        }
        const overall = results.find((r) => r.group.kind === 'overall')!;
        expectMulticlassOracle(multiclassMetrics(overall.aggregates), c.expected.sklearn);
      });
    }
  }
});

describe('regression performance query in DuckDB against the sklearn oracle', () => {
  for (const c of regressionCases()) {
    it(c.name, async () => {
      const { y_true, y_pred } = c.input;
      const n = y_true.length;
      const predictions = await table(
        { id: 'INTEGER', dt: 'VARCHAR', yhat: 'DOUBLE', segment: 'VARCHAR', model_version: 'VARCHAR' },
        [...y_pred.map((p, i) => [i, IN, p, segmentOf(i), versionOf(i)]), [-1, BEFORE, 1e6, 'north', 'v1']],
      );
      const labels = await table({ id: 'INTEGER', y: 'DOUBLE' }, [...y_true.map((y, i) => [i, y]), [-1, 0]]);
      const spec: RegressionPerformanceSpec = {
        task: 'regression',
        predictionsRelation: predictions,
        labelsRelation: labels,
        predictionIdColumn: 'id',
        labelIdColumn: 'id',
        labelColumn: 'y',
        predictionColumn: 'yhat',
        segmentColumns: ['segment'],
        modelVersionColumn: 'model_version',
        window: WINDOW,
      };
      const { q, rows } = await run(spec);
      const results = readRegressionPerformance(rows, q);
      expect(results).toHaveLength(6);
      for (const r of results) {
        const idx = subset(r, n);
        const reference = referenceRegression(
          idx.map((i) => y_true[i]!),
          idx.map((i) => y_pred[i]!),
        );
        const { targetSquaresSum, ...rest } = reference;
        expectCloseDeep(r.aggregates, rest, `${r.group.kind}:${r.group.value}`);
        // a sum of squares of large targets is only as exact as floating point allows
        expect(close(r.aggregates.targetSquaresSum, targetSquaresSum, 1e-9)).toBe(true);
        expect(r.coverage).toMatchObject({
          predictions: idx.length,
          labelled: idx.length,
          evaluated: idx.length,
        });
      }
      const overall = results.find((r) => r.group.kind === 'overall')!;
      const zeros = y_true.filter((y) => y === 0).length;
      expectRegressionOracle(regressionMetrics(overall.aggregates), c.expected.sklearn, zeros);
    });
  }
});

describe('the Athena rendering is valid Trino SQL', () => {
  const common = {
    predictionsRelation: '"driftwatch"."credit_predictions"',
    labelsRelation: '"driftwatch"."credit_labels"',
    predictionIdColumn: 'request_id',
    labelIdColumn: 'request_id',
    labelColumn: 'defaulted',
    segmentColumns: ['region', 'channel'],
    modelVersionColumn: 'model_version',
    window: WINDOW,
  };
  const specs: Record<string, PerformanceQuerySpec> = {
    binary: { ...common, task: 'binary', scoreColumn: 'score', threshold: 0.3 },
    'binary, integer labels read by a cast': {
      ...common,
      task: 'binary',
      scoreColumn: 'score',
      labelColumnType: 'integer',
      ranking: 'grid',
    },
    'binary, no segments': {
      ...common,
      segmentColumns: [],
      modelVersionColumn: undefined,
      task: 'binary',
      scoreColumn: 'score',
    },
    'binary, prediction only': { ...common, task: 'binary', predictionColumn: 'approved' },
    'binary, score levels': { ...common, task: 'binary', scoreColumn: 'score', ranking: 'levels' },
    'binary, grid of levels (no window function)': {
      ...common,
      task: 'binary',
      scoreColumn: 'score',
      ranking: 'grid',
      grid: { kind: 'levels', levels: 10_000, min: -0.5, max: 1.5 },
    },
    'binary, grid of distinct scores, no segments': {
      ...common,
      segmentColumns: [],
      modelVersionColumn: undefined,
      task: 'binary',
      scoreColumn: 'score',
      ranking: 'grid',
      grid: { kind: 'scores' },
    },
    'binary, label mapping, labelsSince': {
      ...common,
      task: 'binary',
      scoreColumn: 'score',
      labelMapping: { positiveValue: 'yes', negativeValue: "o'neil" },
      labelsSince: '2026-01-01',
    },
    'binary, positive value only': {
      ...common,
      task: 'binary',
      scoreColumn: 'score',
      labelMapping: { positiveValue: 'cat' },
    },
    multiclass: {
      ...common,
      task: 'multiclass',
      predictionColumn: 'predicted',
      classScoreColumns: { cat: 'p_cat', dog: 'p_dog', "o'neil": 'p_o' },
    },
    'multiclass, argmax, labelsSince': {
      ...common,
      task: 'multiclass',
      classScoreColumns: { a: 'p_a', b: 'p_b' },
      labelsSince: '2026-01-01',
    },
    'multiclass, predictions only': { ...common, task: 'multiclass', predictionColumn: 'predicted' },
    regression: { ...common, task: 'regression', predictionColumn: 'yhat' },
  };
  const parser = new TrinoSQL();
  for (const [name, spec] of Object.entries(specs)) {
    it(name, () => {
      const q = buildPerformanceQuery(spec, athenaDialect);
      const placeholders = q.sql.split('?').length - 1;
      expect(placeholders).toBe(q.parameters.length);
      let i = 0;
      const sql = q.sql.replace(/\?/g, () => {
        const v = q.parameters[i++]!;
        return typeof v === 'number' ? String(v) : quoteString(v);
      });
      expect(parser.validate(sql)).toEqual([]);
      // the grid path sorts nothing: no window function, no ORDER BY
      if (spec.task === 'binary' && spec.ranking === 'grid') {
        expect(q.sql).not.toMatch(/\bOVER\b|ORDER BY/);
        expect(q.sql).toContain('GROUP BY');
      }
      // Athena's limits: `?` only in WHERE (before: the class labels were `?` in SELECT lists)
      expect(athenaQueryProblems(name, q.sql)).toEqual([]);
      // user strings (class labels, label values) are escaped literals, never raw text
      expect(q.sql.replace(/''/g, '')).not.toContain("o'neil");
      // class labels are quoted string literals (a quote in a label is doubled)
      if (spec.task === 'multiclass' && spec.classScoreColumns?.cat) {
        expect(q.sql).toContain("WHEN 'cat' THEN 0");
        expect(q.sql).toContain("'o''neil'");
      }
    });
  }
  it('the parser does reject broken SQL (the check is not vacuous)', () => {
    expect(parser.validate('SELECT sum(x) OVER (PARTITION BY FROM t').length).toBeGreaterThan(0);
  });
});

describe('spec validation', () => {
  it('quotes hostile column names as one column, refuses line breaks and a binary spec without score or prediction', () => {
    const base = {
      task: 'binary' as const,
      predictionsRelation: 'p',
      labelsRelation: 'l',
      predictionIdColumn: 'id',
      labelIdColumn: 'id',
      labelColumn: 'label',
      window: WINDOW,
    };
    // A name that tries to close its quotes stays one quoted (nonexistent) column: quotes doubled.
    expect(buildPerformanceQuery({ ...base, scoreColumn: 'x"; DROP' }, duckdbDialect).sql).toContain(
      '"x""; DROP"',
    );
    expect(() =>
      buildPerformanceQuery({ ...base, segmentColumns: ['a\nb'], scoreColumn: 's' }, duckdbDialect),
    ).toThrow(/unsafe/);
    expect(() => buildPerformanceQuery(base, duckdbDialect)).toThrow(/score column or a prediction column/);
  });
});
