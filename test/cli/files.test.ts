import { readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/temp.js';

// compare and evaluate, end to end through the CLI, DuckDB and CSV / JSON-lines files, checked
// against the SciPy and scikit-learn oracle.
const oracle = (name: string) => new URL(`../fixtures/oracle/${name}`, import.meta.url);
const load = (name: string) => JSON.parse(readFileSync(oracle(name), 'utf8'));

let dir: { path: string; cleanup: () => Promise<void> };

const run = runCli;

const csv = (header: string, rows: (string | number)[][]) =>
  `${header}\n${rows.map((r) => r.join(',')).join('\n')}\n`;

beforeAll(async () => {
  dir = await tempDir('driftwatch-files-');
  const shift = load('inputs/num_shift_mean.json');
  const cat = load('inputs/cat_shifted.json');
  const n = Math.max(shift.reference.length, cat.reference.length);
  // Two columns per file; the shorter column is padded with empty (missing) values.
  const side = (key: 'reference' | 'current') =>
    Array.from({ length: Math.max(shift[key].length, cat[key].length) }, (_, i) => [
      shift[key][i] ?? '',
      cat[key][i] ?? '',
    ]);
  expect(n).toBeGreaterThan(0);
  await writeFile(join(dir.path, 'ref.csv'), csv('x,color', side('reference')));
  await writeFile(join(dir.path, 'cur.csv'), csv('x,color', side('current')));
  const bin = load('inputs/bin_basic.json');
  await writeFile(
    join(dir.path, 'scored.jsonl'),
    bin.y_true
      .map((y: number, i: number) => JSON.stringify({ y, p: bin.y_score[i], seg: i % 2 ? 'odd' : 'even' }))
      .join('\n'),
  );
});

afterAll(async () => dir.cleanup());

describe('driftwatch compare', () => {
  it('matches SciPy for KS and the oracle for PSI, through CSV files', async () => {
    const ks = await run([
      'compare',
      '--reference',
      join(dir.path, 'ref.csv'),
      '--current',
      join(dir.path, 'cur.csv'),
      '--columns',
      'x',
      '--method',
      'ks',
      '--json',
    ]);
    expect(ks.code).toBe(0);
    const x = JSON.parse(ks.stdout).columns[0];
    const expected = load('num_shift_mean.json').expected;
    expect(x).toMatchObject({
      name: 'x',
      kind: 'numeric',
      method: 'ks',
      computation: 'exact',
      drifted: true,
    });
    expect(x.statistic).toBeCloseTo(expected.scipy.ks_statistic, 12);
    expect(x.pValue / expected.scipy.ks_pvalue).toBeCloseTo(1, 6);

    const psi = await run([
      'compare',
      '--reference',
      join(dir.path, 'ref.csv'),
      '--current',
      join(dir.path, 'cur.csv'),
      '--method',
      'psi',
      '--json',
    ]);
    const columns = JSON.parse(psi.stdout).columns;
    expect(columns.find((c: { name: string }) => c.name === 'x').statistic).toBeCloseTo(
      expected.oracle_decile.psi,
      12,
    );
    expect(columns.find((c: { name: string }) => c.name === 'color').statistic).toBeCloseTo(
      load('cat_shifted.json').expected.evidently.psi_reimpl,
      12,
    );
    expect(columns.every((c: { pValue: unknown }) => c.pValue === null)).toBe(true);
  });

  it('prints a table ranked by drift without --json', async () => {
    const { code, stdout } = await run([
      'compare',
      '--reference',
      join(dir.path, 'ref.csv'),
      '--current',
      join(dir.path, 'cur.csv'),
    ]);
    expect(code).toBe(0);
    expect(stdout).toMatch(/feature\s+kind\s+method\s+statistic/);
    expect(stdout).toMatch(/columns drifted/);
  });

  it('names a column that is not in both files', async () => {
    const { code, stderr } = await run([
      'compare',
      '--reference',
      join(dir.path, 'ref.csv'),
      '--current',
      join(dir.path, 'cur.csv'),
      '--columns',
      'nope',
    ]);
    expect(code).toBe(1);
    expect(stderr).toMatch(/--columns: "nope" is not a column of .*ref\.csv; shared columns: x, color/);
  });
});

describe('driftwatch evaluate', () => {
  it('matches scikit-learn on a labelled JSON-lines file, with segments', async () => {
    const { code, stdout } = await run([
      'evaluate',
      '--data',
      join(dir.path, 'scored.jsonl'),
      '--label',
      'y',
      '--score',
      'p',
      '--task',
      'binary',
      '--segment',
      'seg',
      '--json',
    ]);
    expect(code).toBe(0);
    const result = JSON.parse(stdout);
    const sk = load('bin_basic.json').expected.sklearn;
    expect(result.metrics.accuracy).toBeCloseTo(sk.accuracy, 12);
    expect(result.metrics.rocAuc).toBeCloseTo(sk.roc_auc, 12);
    expect(result.metrics.averagePrecision).toBeCloseTo(sk.average_precision, 12);
    expect(result.metrics.logLoss).toBeCloseTo(sk.log_loss, 12);
    expect(result.segments.map((s: { value: string; rows: number }) => [s.value, s.rows])).toEqual([
      ['even', 1000],
      ['odd', 1000],
    ]);
  });

  it('reports an undefined metric with its reason instead of a number', async () => {
    await writeFile(
      join(dir.path, 'one-class.csv'),
      csv('y,p', [
        [0, 0.2],
        [0, 0.7],
        [0, 0.4],
      ]),
    );
    const { code, stdout } = await run([
      'evaluate',
      '--data',
      join(dir.path, 'one-class.csv'),
      '--label',
      'y',
      '--score',
      'p',
      '--task',
      'binary',
      '--json',
    ]);
    expect(code).toBe(0);
    const result = JSON.parse(stdout);
    expect(result.metrics.rocAuc).toBeNull();
    expect(result.undefined.rocAuc).toMatch(/class/);
    expect(result.metrics.accuracy).toBeCloseTo(2 / 3, 12);
  });
});
