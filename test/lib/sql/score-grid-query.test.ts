/**
 * The score grid query (performance estimation's only query over a window): DuckDB's rows against
 * a count done in memory on the same rows (boundaries: a score of exactly 1, the threshold itself,
 * NaN, out of [0, 1], missing; labels missing, conflicting, invalid), and the Athena rendering
 * parsed as Trino SQL within Athena's limits.
 */
import { TrinoSQL } from 'dt-sql-parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DuckDbQueryEngine } from '../../../lib/adapters/duckdb-engine.js';
import { athenaQueryProblems } from '../../../lib/sql/athena-limits.js';
import { athenaDialect, duckdbDialect } from '../../../lib/sql/dialect.js';
import { quoteString } from '../../../lib/sql/identifiers.js';
import { buildScoreGridQuery, type ScoreGridSpec } from '../../../lib/sql/performance-query.js';
import { readScoreGrid } from '../../../lib/sql/performance-rows.js';

let engine: DuckDbQueryEngine;
beforeAll(async () => {
  engine = await DuckDbQueryEngine.create({ threads: 1 });
});
afterAll(async () => {
  await engine.close();
});

// id, region, score, dt; labels: id, label
const predictions: [string, string, number | null, string][] = [
  ['a', 'north', 0.0, '2026-01-20'],
  ['b', 'north', 0.05, '2026-01-20'],
  ['c', 'south', 0.5, '2026-01-20'], // the threshold: predicted positive
  ['d', 'south', 0.4999, '2026-01-20'],
  ['e', 'south', 1.0, '2026-01-20'], // exactly 1: the last cell
  ['f', 'north', 1.5, '2026-01-20'], // out of range: an invalid score, in no cell
  ['g', 'north', Number.NaN, '2026-01-20'], // NaN: an invalid score
  ['h', 'north', null, '2026-01-20'], // missing: an invalid score
  ['i', 'south', 0.05, '2026-01-20'],
  ['j', 'north', 0.7, '2026-01-21'], // another window: left out
];
const labels: [string, string][] = [
  ['a', '0'],
  ['b', '1'],
  ['c', '1'],
  ['c', '0'], // conflicting: not labelled
  ['d', 'maybe'], // invalid: not labelled
  ['e', 'true'],
  ['f', '1'],
];

const spec = (predictionsRelation: string, labelsRelation: string): ScoreGridSpec => ({
  task: 'binary',
  name: 'grid-test',
  scoreColumn: 'score',
  threshold: 0.5,
  cells: 10,
  predictionsRelation,
  labelsRelation,
  predictionIdColumn: 'id',
  labelIdColumn: 'id',
  labelColumn: 'label',
  segmentColumns: ['region'],
  window: { from: '2026-01-20', to: '2026-01-21' },
});

describe('the score grid query', () => {
  it('counts rows, labelled rows and positives per group, cell and side, as counted in memory', async () => {
    const values = predictions
      .map(([id, region, score, dt]) => {
        const s = score === null ? 'NULL' : Number.isNaN(score) ? "'NaN'::DOUBLE" : `${score}::DOUBLE`;
        return `(${quoteString(id)}, ${quoteString(region)}, ${s}, ${quoteString(dt)})`;
      })
      .join(', ');
    const p = `(SELECT * FROM (VALUES ${values}) AS t(id, region, score, dt))`;
    const l = `(SELECT * FROM (VALUES ${labels.map(([id, y]) => `(${quoteString(id)}, ${quoteString(y)}, '2026-01-22')`).join(', ')}) AS t(id, label, dt))`;
    const q = buildScoreGridQuery(spec(p, l), duckdbDialect);
    const groups = readScoreGrid(await engine.query(q), q);
    const key = (g: { group: { kind: string; value: string | null } }) => `${g.group.kind}:${g.group.value}`;
    const got = Object.fromEntries(
      groups.map((g) => [
        key(g),
        [...g.cells].sort((a, b) => a.cell - b.cell || Number(a.above) - Number(b.above)),
      ]),
    );
    // In memory: valid labels 0/1/'true'; c conflicts, d is invalid.
    expect(got['overall:null']).toEqual([
      { cell: 0, above: false, rows: 3, labelled: 2, positives: 1 }, // a (0), b (1), i (no label)
      { cell: 4, above: false, rows: 1, labelled: 0, positives: 0 }, // d (invalid label)
      { cell: 5, above: true, rows: 1, labelled: 0, positives: 0 }, // c (conflict)
      { cell: 9, above: true, rows: 1, labelled: 1, positives: 1 }, // e (score 1, label true)
    ]);
    expect(got['segment:north']).toEqual([{ cell: 0, above: false, rows: 2, labelled: 2, positives: 1 }]);
    // f (1.5), g (NaN) and h (missing) are counted as invalid scores, not dropped: all in north.
    const invalid = Object.fromEntries(groups.map((g) => [key(g), g.invalidScores]));
    expect(invalid).toEqual({ 'overall:null': 3, 'segment:north': 3, 'segment:south': 0 });
    expect(got['segment:south']).toEqual([
      { cell: 0, above: false, rows: 1, labelled: 0, positives: 0 },
      { cell: 4, above: false, rows: 1, labelled: 0, positives: 0 },
      { cell: 5, above: true, rows: 1, labelled: 0, positives: 0 },
      { cell: 9, above: true, rows: 1, labelled: 1, positives: 1 },
    ]);
  });

  it('renders valid Trino SQL for Athena within its limits, dates as WHERE parameters', () => {
    const q = buildScoreGridQuery(
      {
        ...spec('"driftwatch"."credit_predictions"', '"driftwatch"."credit_labels"'),
        cells: 1000,
        labelsSince: '2026-01-20',
        labelsUntil: '2026-02-01',
      },
      athenaDialect,
    );
    expect(q.sql.split('?').length - 1).toBe(q.parameters.length);
    let i = 0;
    const sql = q.sql.replace(/\?/g, () => quoteString(String(q.parameters[i++])));
    expect(new TrinoSQL().validate(sql)).toEqual([]);
    expect(athenaQueryProblems('score-grid', q.sql)).toEqual([]);
  });

  it('refuses a bad cell count and quotes every identifier', () => {
    expect(() => buildScoreGridQuery({ ...spec('p', 'l'), cells: 0 }, duckdbDialect)).toThrow(
      /cells must be 1\.\.100000, got 0/,
    );
    const q = buildScoreGridQuery({ ...spec('p', 'l'), scoreColumn: 'sc"ore' }, duckdbDialect);
    expect(q.sql).toContain('"sc""ore"');
  });
});
