import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TrinoSQL } from 'dt-sql-parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DuckDbQueryEngine } from '../../../lib/adapters/duckdb-engine.js';
import { binaryMetrics } from '../../../lib/metrics/binary.js';
import { athenaQueryProblems } from '../../../lib/sql/athena-limits.js';
import { athenaDialect, duckdbDialect } from '../../../lib/sql/dialect.js';
import { quoteString } from '../../../lib/sql/identifiers.js';
import { type BinaryPerformanceSpec, buildPerformanceQuery } from '../../../lib/sql/performance-query.js';
import { readBinaryPerformance, readRegressionPerformance } from '../../../lib/sql/performance-rows.js';
import {
  buildLabelSamplesQuery,
  buildPredictionChecksQuery,
  hashedChecksNeedExactRun,
  readPredictionChecks,
} from '../../../lib/sql/prediction-checks-query.js';

let engine: DuckDbQueryEngine;
let dir: string;
let n = 0;
const WINDOW = { from: '2026-01-20', to: '2026-01-21' };
const IN = '2026-01-20';

beforeAll(async () => {
  engine = await DuckDbQueryEngine.create({ threads: 1 });
  dir = mkdtempSync(join(tmpdir(), 'driftwatch-checks-'));
});
afterAll(async () => {
  await engine.close();
  rmSync(dir, { recursive: true, force: true });
});

/** A table from CSV text with explicit column types (so 'yes' stays text and 'nan' a DOUBLE NaN). */
async function table(columns: Record<string, string>, lines: string[]): Promise<string> {
  n += 1;
  const file = join(dir, `t${n}.csv`);
  writeFileSync(file, `${Object.keys(columns).join(',')}\n${lines.join('\n')}\n`);
  const types = Object.entries(columns)
    .map(([k, t]) => `${quoteString(k)}: ${quoteString(t)}`)
    .join(', ');
  await engine.execute(
    `CREATE TABLE t${n} AS SELECT * FROM read_csv(${quoteString(file)}, header = true, columns = {${types}}, nullstr = '')`,
  );
  return `t${n}`;
}

function spec(
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
    window: WINDOW,
    ...extra,
  };
}

describe('binary labels are checked, never silently reinterpreted', () => {
  it('counts labels that are not 0/1 as invalid, out of labelled and of the metrics', async () => {
    const predictions = await table({ id: 'VARCHAR', score: 'DOUBLE', dt: 'VARCHAR' }, [
      `a,0.9,${IN}`,
      `b,0.2,${IN}`,
      `c,0.7,${IN}`,
      `d,0.4,${IN}`,
      `e,0.5,${IN}`,
      `f,0.6,${IN}`,
    ]);
    // 1, 0, true, false (and yes / no, t / f: lib/sql/boolean-text.ts) are valid; 2 and "Y" are not.
    const labels = await table({ id: 'VARCHAR', label: 'VARCHAR' }, [
      'a,1',
      'b,0',
      'c,true',
      'd,false',
      'e,2',
      'f,Y',
    ]);
    for (const ranking of ['rows', 'levels'] as const) {
      const q = buildPerformanceQuery(spec(predictions, labels, { ranking }), duckdbDialect);
      const [overall] = readBinaryPerformance(await engine.query(q), q);
      expect(overall!.coverage).toMatchObject({
        predictions: 6,
        labelled: 4,
        invalidLabels: 2,
        evaluated: 4,
      });
      expect(binaryMetrics(overall!.aggregates).rocAuc.value).toBe(1);
    }
  });

  it('maps "yes"/"no" labels with positiveValue/negativeValue; other values are invalid', async () => {
    const predictions = await table({ id: 'VARCHAR', score: 'DOUBLE', dt: 'VARCHAR' }, [
      `a,0.9,${IN}`,
      `b,0.2,${IN}`,
      `c,0.8,${IN}`,
      `d,0.1,${IN}`,
    ]);
    const labels = await table({ id: 'VARCHAR', label: 'VARCHAR' }, ['a,yes', 'b,no', 'c,yes', 'd,maybe']);
    const both = buildPerformanceQuery(
      spec(predictions, labels, { labelMapping: { positiveValue: 'yes', negativeValue: 'no' } }),
      duckdbDialect,
    );
    // The mapping's values are escaped literals in the SELECT list (Athena takes `?` in WHERE only).
    expect(both.parameters).toEqual([WINDOW.from, WINDOW.to]);
    expect(both.sql).toContain("WHEN dw_raw = 'yes' THEN 1 WHEN dw_raw = 'no' THEN 0");
    const [overall] = readBinaryPerformance(await engine.query(both), both);
    expect(overall!.coverage).toMatchObject({ labelled: 3, invalidLabels: 1 });
    expect(overall!.aggregates).toMatchObject({ positives: 2, negatives: 1 });
    // positiveValue alone: every other label is the negative class
    const onlyPositive = buildPerformanceQuery(
      spec(predictions, labels, { labelMapping: { positiveValue: 'yes' } }),
      duckdbDialect,
    );
    const [all] = readBinaryPerformance(await engine.query(onlyPositive), onlyPositive);
    expect(all!.coverage).toMatchObject({ labelled: 4, invalidLabels: 0 });
    expect(all!.aggregates).toMatchObject({ positives: 2, negatives: 2 });
  });

  it('excludes conflicting labels from labelled; an id with one valid and one invalid label is invalid', async () => {
    const predictions = await table({ id: 'VARCHAR', score: 'DOUBLE', dt: 'VARCHAR' }, [
      `a,0.9,${IN}`,
      `b,0.2,${IN}`,
      `c,0.7,${IN}`,
    ]);
    const labels = await table({ id: 'VARCHAR', label: 'VARCHAR' }, [
      'a,1',
      'a,1',
      'b,0',
      'b,1',
      'c,1',
      'c,x',
    ]);
    const q = buildPerformanceQuery(spec(predictions, labels), duckdbDialect);
    const [overall] = readBinaryPerformance(await engine.query(q), q);
    expect(overall!.coverage).toMatchObject({
      predictions: 3,
      labelled: 1,
      labelConflicts: 1,
      invalidLabels: 1,
    });
  });

  it('regression: a label that is not a finite number is invalid', async () => {
    const predictions = await table({ id: 'VARCHAR', yhat: 'DOUBLE', dt: 'VARCHAR' }, [
      `a,1,${IN}`,
      `b,2,${IN}`,
      `c,3,${IN}`,
    ]);
    const labels = await table({ id: 'VARCHAR', label: 'VARCHAR' }, ['a,1.5', 'b,abc', 'c,inf']);
    const q = buildPerformanceQuery(
      {
        task: 'regression',
        predictionsRelation: predictions,
        labelsRelation: labels,
        predictionIdColumn: 'id',
        labelIdColumn: 'id',
        labelColumn: 'label',
        predictionColumn: 'yhat',
        window: WINDOW,
      },
      duckdbDialect,
    );
    const [overall] = readRegressionPerformance(await engine.query(q), q);
    expect(overall!.coverage).toMatchObject({ predictions: 3, labelled: 1, invalidLabels: 2, evaluated: 1 });
  });
});

describe('the prediction checks query', () => {
  it('counts duplicate and missing ids, invalid and out-of-range scores, in the window only', async () => {
    const predictions = await table({ id: 'VARCHAR', score: 'VARCHAR', dt: 'VARCHAR' }, [
      `a,0.5,${IN}`,
      `a,0.5,${IN}`,
      `a,0.6,${IN}`,
      `b,nan,${IN}`,
      `c,inf,${IN}`,
      `d,,${IN}`,
      `e,oops,${IN}`,
      `f,-2.5,${IN}`,
      `g,87,${IN}`,
      `,0.3,${IN}`,
      `,0.4,${IN}`,
      'a,5,2026-01-19',
    ]);
    const q = buildPredictionChecksQuery(
      {
        predictionsRelation: predictions,
        idColumn: 'id',
        scoreColumn: 'score',
        probability: true,
        window: WINDOW,
      },
      duckdbDialect,
    );
    const checks = readPredictionChecks((await engine.query(q))[0]);
    expect(checks).toMatchObject({
      rows: 11,
      nullIds: 2,
      duplicatedIds: 1,
      duplicateRows: 2,
      invalidScores: 4,
      scoresBelowZero: 1,
      scoresAboveOne: 1,
      scoreMin: -2.5,
      scoreMax: 87,
    });
    const noScore = buildPredictionChecksQuery(
      { predictionsRelation: predictions, idColumn: 'id', window: WINDOW },
      duckdbDialect,
    );
    expect(readPredictionChecks((await engine.query(noScore))[0])).toMatchObject({
      rows: 11,
      invalidScores: 0,
    });
  });

  it('hashIds: exact when no hash repeats; a repeated hash (a duplicate or a collision) asks for the text count', async () => {
    const predictions = await table({ id: 'VARCHAR', score: 'DOUBLE', dt: 'VARCHAR' }, [
      ...['aa', 'bb', 'cc', 'ddd', 'e'].map((id) => `${id},0.5,${IN}`),
      `,0.5,${IN}`,
    ]);
    const base = { predictionsRelation: predictions, idColumn: 'id', scoreColumn: 'score', window: WINDOW };
    const count = async (dialect: typeof duckdbDialect, hashIds: boolean) => {
      const checksSpec = { ...base, hashIds };
      const q = buildPredictionChecksQuery(checksSpec, dialect);
      const checks = readPredictionChecks((await engine.query(q))[0]);
      return { q, checks, exactRun: hashedChecksNeedExactRun(checksSpec, dialect, checks) };
    };
    // No id repeats (NULL is no id): DuckDB's hash gives the text count's numbers.
    const text = await count(duckdbDialect, false);
    const hashed = await count(duckdbDialect, true);
    expect(hashed.q.sql).toContain('hash(CAST("id" AS VARCHAR))');
    expect(text.q.sql).not.toContain('hash(');
    expect(text.checks).toMatchObject({ rows: 6, nullIds: 1, duplicatedIds: 0, duplicateRows: 0 });
    expect(hashed.checks).toEqual(text.checks);
    expect(hashed.exactRun).toBe(false);
    // A hash under which 'aa', 'bb' and 'cc' collide: no id repeats, but the hashed count says three
    // rows share a key, so the job must count by text (which finds none).
    const colliding = { ...duckdbDialect, idHash: (expr: string) => `length(${expr})` };
    const collided = await count(colliding, true);
    expect(collided.checks).toMatchObject({ rows: 6, nullIds: 1, duplicatedIds: 1, duplicateRows: 2 });
    expect(collided.exactRun).toBe(true);
    expect((await count(colliding, false)).checks).toEqual(text.checks);
    // A real duplicate is seen by the hash too, and Athena (no idHash) always counts by text.
    const twice = await table({ id: 'VARCHAR', score: 'DOUBLE', dt: 'VARCHAR' }, [
      `x,0.1,${IN}`,
      `x,0.2,${IN}`,
    ]);
    const dup = { ...base, predictionsRelation: twice, hashIds: true };
    const dupChecks = readPredictionChecks(
      (await engine.query(buildPredictionChecksQuery(dup, duckdbDialect)))[0],
    );
    expect(dupChecks).toMatchObject({ duplicatedIds: 1, duplicateRows: 1 });
    expect(hashedChecksNeedExactRun(dup, duckdbDialect, dupChecks)).toBe(true);
    expect(buildPredictionChecksQuery(dup, athenaDialect).sql).not.toContain('hash');
    expect(hashedChecksNeedExactRun(dup, athenaDialect, dupChecks)).toBe(false);
  });

  it('parses as Trino SQL (Athena)', () => {
    const q = buildPredictionChecksQuery(
      {
        predictionsRelation: 'predictions',
        idColumn: 'id',
        scoreColumn: 'score',
        probability: true,
        window: WINDOW,
      },
      athenaDialect,
    );
    let i = 0;
    const sql = q.sql.replace(/\?/g, () => quoteString(String(q.parameters[i++])));
    expect(new TrinoSQL().validate(sql)).toEqual([]);
  });
});

describe('the label samples query', () => {
  it('returns the most frequent label values of the partitions the run can see, as text', async () => {
    const root = join(dir, 'labels');
    for (const [day, values] of [
      ['2026-01-19', ['9', '9', '9']],
      ['2026-01-20', ['0', '1', 'yes', 'yes']],
      ['2026-01-21', ['maybe', 'maybe', 'maybe', 'maybe']],
      ['2026-01-22', ['late', 'late', 'late', 'late', 'late']],
    ] as const) {
      mkdirSync(join(root, `dt=${day}`), { recursive: true });
      writeFileSync(
        join(root, `dt=${day}`, 'l.csv'),
        `id,y\n${values.map((v, i) => `${day}-${i},${v}`).join('\n')}\n`,
      );
    }
    const labels = { location: root, format: 'csv' as const, partitioned: true };
    const q = buildLabelSamplesQuery(
      { labels, labelColumn: 'y', window: { start: '2026-01-20' }, until: '2026-01-22' },
      duckdbDialect,
    );
    const rows = await engine.query(q);
    const counted = rows
      .map((r) => [String(r.v), Number(r.n)] as const)
      .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
    // 01-19 is before the window, 01-22 arrived after the run: neither is read.
    expect(counted).toEqual([
      ['maybe', 4],
      ['yes', 2],
      ['0', 1],
      ['1', 1],
    ]);
    const athena = buildLabelSamplesQuery(
      {
        labels: { ...labels, table: { database: 'dw', name: 'm_labels' } },
        labelColumn: 'y',
        window: { start: '2026-01-20' },
        until: '2026-01-22',
      },
      athenaDialect,
    );
    expect(athenaQueryProblems(athena.name, athena.sql)).toEqual([]);
    let i = 0;
    const sql = athena.sql.replace(/\?/g, () => quoteString(String(athena.parameters[i++])));
    expect(new TrinoSQL().validate(sql)).toEqual([]);
  });
});
