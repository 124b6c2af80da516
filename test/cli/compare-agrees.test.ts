import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DuckDbQueryEngine } from '../../lib/adapters/duckdb-engine.js';
import { quoteString } from '../../lib/sql/identifiers.js';
import { runCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/temp.js';

// compare and evaluate agree with the monitor: psi by default, a method only on the columns it
// fits, Cramér's V beside its threshold, id-like columns skipped, out-of-range as a finding, real
// column names that are not identifiers, .pq / .csv.gz / --format, multiclass class scores.

let dir: { path: string; cleanup: () => Promise<void> };

const run = runCli;

const p = (name: string) => join(dir.path, name);

beforeAll(async () => {
  dir = await tempDir('driftwatch-agree-');
  const engine = await DuckDbQueryEngine.create({ threads: 1 });
  try {
    // 2,000 rows per side. "loan amount" shifts by half a standard deviation in the current file,
    // "Home/Type" moves 20% of rows from A to C, "Year" is 2015 in the reference and 2018 now,
    // "prediction id" is a unique text id on both sides (different ids: it would "drift").
    const side = (shift: number, year: number, seed: number, idPrefix: string) => `
      SELECT '${idPrefix}' || CAST(i AS VARCHAR) AS "prediction id",
             1000 + 100 * (((i * 7919 + ${seed}) % 1000) / 1000.0 - 0.5) * 3.46 + ${shift} AS "loan amount",
             CASE WHEN i % 10 < ${shift > 0 ? 3 : 5} THEN 'A' WHEN i % 10 < 8 THEN 'B' ELSE 'C' END AS "Home/Type",
             ${year} AS "Year"
      FROM range(2000) t(i)`;
    await engine.execute(`COPY (${side(0, 2015, 1, 'r')}) TO ${quoteString(p('ref.pq'))} (FORMAT parquet)`);
    await engine.execute(
      `COPY (${side(50, 2018, 7, 'c')}) TO ${quoteString(p('cur.csv.gz'))} (FORMAT csv, HEADER, COMPRESSION gzip)`,
    );
    await engine.execute(`COPY (${side(0, 2015, 1, 'r')}) TO ${quoteString(p('ref.data'))} (FORMAT parquet)`);
    await engine.execute(
      `COPY (${side(50, 2018, 7, 'c')}) TO ${quoteString(p('cur.data'))} (FORMAT parquet)`,
    );
  } finally {
    await engine.close();
  }
  // A 3-class model: 8 rows, class probabilities in columns named with spaces.
  const rows = [
    ['cat', 'cat', 0.7, 0.2, 0.1],
    ['cat', 'dog', 0.4, 0.5, 0.1],
    ['dog', 'dog', 0.1, 0.8, 0.1],
    ['dog', 'dog', 0.2, 0.6, 0.2],
    ['bird', 'bird', 0.1, 0.1, 0.8],
    ['bird', 'cat', 0.5, 0.1, 0.4],
    ['cat', 'cat', 0.6, 0.3, 0.1],
    ['bird', 'bird', 0.2, 0.2, 0.6],
  ];
  await writeFile(
    p('animals.ndjson'),
    rows
      .map(([y, pred, c, d, b]) => JSON.stringify({ y, pred, 'p cat': c, 'p dog': d, 'p bird': b }))
      .join('\n'),
  );
});

afterAll(async () => dir.cleanup());

describe('driftwatch compare agrees with the monitor', () => {
  it('defaults to psi, skips the id column (said), reads .pq and .csv.gz, and flags 2015 -> 2018 as out of range', async () => {
    const r = await run(['compare', '--reference', p('ref.pq'), '--current', p('cur.csv.gz'), '--json']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    const byName = Object.fromEntries(out.columns.map((c: { name: string }) => [c.name, c]));
    expect(Object.keys(byName).sort()).toEqual(['Home/Type', 'Year', 'loan amount']);
    expect(out.columns.every((c: { method: string }) => c.method === 'psi')).toBe(true);
    expect(out.skipped).toEqual([
      { name: 'prediction id', reason: expect.stringMatching(/^id-like \(unique in the sample, text\)/) },
    ]);
    expect(byName['loan amount'].drifted).toBe(true);
    expect(byName['Home/Type'].drifted).toBe(true);
    // The constant reference puts every value in one bin: psi 0, but every current value is out of range.
    expect(byName.Year.statistic).toBe(0);
    expect(byName.Year.outOfRangeShare).toBe(1);
    const year = out.findings.find((f: { feature: string }) => f.feature === 'Year');
    expect(year).toMatchObject({ kind: 'out_of_range', severity: 'critical', value: 1 });
    expect(year.message).toContain('[2015, 2015] (the reference holds one value)');

    const text = await run(['compare', '--reference', p('ref.pq'), '--current', p('cur.csv.gz')]);
    expect(text.stdout).toMatch(/Year .*ok, OUT OF RANGE \(100\.0%\)/);
    expect(text.stdout).toContain('skipped prediction id: id-like');
    expect(text.stdout).toContain('2 of 3 columns drifted, 2 out of the reference range');
  });

  it('applies chi-square only to categorical columns, says so, and shows Cramér’s V beside its threshold', async () => {
    const r = await run([
      'compare',
      '--reference',
      p('ref.pq'),
      '--current',
      p('cur.csv.gz'),
      '--method',
      'chisquare',
      '--json',
    ]);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    const byName = Object.fromEntries(out.columns.map((c: { name: string }) => [c.name, c]));
    expect(byName['Home/Type'].method).toBe('chisquare');
    expect(byName['loan amount'].method).toBe('psi');
    expect(byName.Year.method).toBe('psi');
    expect(out.notes).toEqual([
      '--method chisquare does not fit numeric columns (loan amount, Year): they keep the default psi',
    ]);
    // V = sqrt(chi2 / N): the value the 0.1 threshold judges.
    const v = byName['Home/Type'].effectSize;
    expect(v).toBeCloseTo(Math.sqrt(byName['Home/Type'].statistic / 4000), 10);
    const text = await run([
      'compare',
      '--reference',
      p('ref.pq'),
      '--current',
      p('cur.csv.gz'),
      '--method',
      'chisquare',
    ]);
    expect(text.stdout).toMatch(/Home\/Type .*Cramér's V 0\.\d+ \/ 0\.1/);
    expect(text.stdout).toContain('note: --method chisquare does not fit numeric columns');
  });

  it('compares an id column when --columns names it, and reads files of any name with --format', async () => {
    const r = await run([
      'compare',
      '--reference',
      p('ref.data'),
      '--current',
      p('cur.data'),
      '--format',
      'parquet',
      '--columns',
      'prediction id,loan amount',
      '--json',
    ]);
    expect(r.stderr).toBe('');
    const out = JSON.parse(r.stdout);
    expect(out.columns.map((c: { name: string }) => c.name).sort()).toEqual(['loan amount', 'prediction id']);
    expect(out.skipped).toEqual([]);
  });

  it('reports categories the reference never had as a new_category finding, as the monitor does', async () => {
    const rows = (values: string[]) => `color\n${values.join('\n')}\n`;
    await writeFile(
      p('colors-ref.csv'),
      rows(Array.from({ length: 300 }, (_, i) => (i % 2 ? 'red' : 'blue'))),
    );
    await writeFile(
      p('colors-cur.csv'),
      rows(Array.from({ length: 300 }, (_, i) => (i % 10 < 3 ? 'green' : i % 2 ? 'red' : 'blue'))),
    );
    const r = await run([
      'compare',
      '--reference',
      p('colors-ref.csv'),
      '--current',
      p('colors-cur.csv'),
      '--json',
    ]);
    expect(r.stderr).toBe('');
    const out = JSON.parse(r.stdout);
    expect(out.findings).toEqual([
      expect.objectContaining({
        kind: 'new_category',
        severity: 'critical',
        feature: 'color',
        values: ['green'],
      }),
    ]);
    expect(out.findings[0].value).toBeCloseTo(0.3, 12);
  });

  it('refuses an unknown extension and an unknown --format, naming the fix', async () => {
    const ext = await run(['compare', '--reference', p('ref.data'), '--current', p('cur.data')]);
    expect(ext.code).toBe(1);
    expect(ext.stderr).toContain('--reference');
    expect(ext.stderr).toContain('or pass --format parquet|csv|jsonl');
    const fmt = await run([
      'compare',
      '--reference',
      p('ref.data'),
      '--current',
      p('cur.data'),
      '--format',
      'xls',
    ]);
    expect(fmt.stderr).toContain('--format "xls" is not a format: use parquet, csv or jsonl');
  });
});

describe('driftwatch evaluate --class-scores', () => {
  it('takes one probability column per class for a multiclass model (names with spaces)', async () => {
    const r = await run([
      'evaluate',
      '--data',
      p('animals.ndjson'),
      '--label',
      'y',
      '--prediction',
      'pred',
      '--task',
      'multiclass',
      '--class-scores',
      'cat=p cat,dog=p dog,bird=p bird',
      '--json',
    ]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.metrics.accuracy).toBeCloseTo(6 / 8, 12);
    // Scores given: the score metrics are defined.
    expect(out.metrics.rocAucOvrMacro).toEqual(expect.any(Number));
    expect(out.metrics.logLoss).toEqual(expect.any(Number));
    // Log loss by hand: -mean(log p[true class]).
    const truth = [0.7, 0.4, 0.8, 0.6, 0.8, 0.4, 0.6, 0.6];
    expect(out.metrics.logLoss).toBeCloseTo(-truth.reduce((a, x) => a + Math.log(x), 0) / 8, 9);
  });

  it('refuses a malformed --class-scores, naming the form', async () => {
    const r = await run([
      'evaluate',
      '--data',
      p('animals.ndjson'),
      '--label',
      'y',
      '--task',
      'multiclass',
      '--class-scores',
      'cat',
    ]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('is not CLASS=COLUMN: write e.g. --class-scores cat=p_cat,dog=p_dog');
  });
});
