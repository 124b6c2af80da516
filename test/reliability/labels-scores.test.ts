import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PerformanceResult } from '../../lib/jobs/performance-result.js';
import { expectClose } from '../helpers/close.js';
import { tempDir } from '../helpers/temp.js';
import { cli, DAYS, type FixtureOptions, writeFixture } from './fixture.js';

// The performance job through the CLI on labels and scores a careless user logs: every problem is
// a counted finding naming the column, the values seen and the fix, never a silent change.
const dirs: { cleanup: () => Promise<void> }[] = [];
afterAll(async () => {
  for (const d of dirs) await d.cleanup();
});

const DAY = DAYS[1]!;

async function performance(
  options: FixtureOptions,
): Promise<{ result: PerformanceResult; stderr: string; stdout: string; config: string; out: string }> {
  const dir = await tempDir('driftwatch-rel-labels-');
  dirs.push(dir);
  const config = await writeFixture(dir.path, options);
  const out = join(dir.path, 'out');
  const run = await cli([
    'run',
    '--config',
    config,
    '--job',
    'performance',
    '--date',
    DAY,
    '--out',
    out,
    '--json',
  ]);
  expect(run.stderr).toBe('');
  expect(run.code).toBe(0);
  const result = JSON.parse(
    await readFile(join(out, 'results', 'toy', 'performance', `dt=${DAY}`, 'P1D.json'), 'utf8'),
  ) as PerformanceResult;
  return { result, stderr: run.stderr, stdout: run.stdout, config, out };
}

let clean: PerformanceResult;
beforeAll(async () => {
  clean = (await performance({})).result;
});

describe('labels and scores are checked (issue 12, item 4)', () => {
  it('a clean window has no finding and every check at zero', () => {
    expect(clean.status).toBe('ok');
    expect(clean.findings).toEqual([]);
    expect(clean.labelChecks).toEqual({
      invalidLabels: 0,
      conflictingLabels: 0,
      invalidScores: 0,
      scoresOutOfRange: 0,
      duplicateIds: 0,
      duplicateRows: 0,
      nullIds: 0,
    });
    expect(clean.overall.labelled).toBe(1000);
    expect(clean.overall.metrics.rocAuc).toBeGreaterThan(0.6);
  });

  it('"Y"/"N" labels are invalid labels with the values and the mapping to add, not no_labels in silence', async () => {
    // yes / no, true / false and t / f are read as 1 / 0 (lib/sql/boolean-text.ts); Y / N are not.
    const { result } = await performance({ label: "CASE WHEN u < s THEN 'Y' ELSE 'N' END" });
    expect(result.status).toBe('no_labels');
    expect(result.labelChecks?.invalidLabels).toBe(1000);
    const finding = result.findings?.find((f) => f.kind === 'invalid_labels');
    expect(finding).toMatchObject({ severity: 'critical', count: 1000, column: 'labels.labelColumn (y)' });
    expect(finding?.values?.sort()).toEqual(['N', 'Y']);
    expect(finding?.message).toMatch(/not 0\/1/);
    expect(finding?.message).toContain('labels.positiveValue: "Y" and labels.negativeValue: "N"');
  });

  it('the run summary names the findings and the report lists them', async () => {
    const { stdout, config, out } = await performance({ duplicateShare: 0.1 });
    expect(JSON.parse(stdout).message).toMatch(/1 label\/score finding \(duplicate_ids\)/);
    const report = await cli(['report', '--config', config, '--date', DAY, '--out', out]);
    expect(report.code).toBe(0);
    const html = await readFile(join(out, 'results', 'toy', 'reports', `dt=${DAY}`, 'P1D.html'), 'utf8');
    expect(html).toContain('Label and score checks:');
    expect(html).toContain('predictions.idColumn (id): 100 ids occur more than once');
  });

  it('with labels.positiveValue / negativeValue the same labels give the same metrics as 0/1', async () => {
    const { result } = await performance({
      label: "CASE WHEN u < s THEN 'yes' ELSE 'no' END",
      labels: { positiveValue: 'yes', negativeValue: 'no' },
    });
    expect(result.status).toBe('ok');
    expect(result.findings).toEqual([]);
    // Up to summation order: DuckDB's threads sum in any order (test/helpers/close.ts).
    expectClose(result.overall.metrics, clean.overall.metrics);
  });

  it('label 2 on a binary model is counted invalid and out of labelled, the rest evaluated as before', async () => {
    const { result } = await performance({
      label: 'CASE WHEN i % 10 = 0 THEN 2 ELSE CAST(u < s AS INTEGER) END',
    });
    expect(result.labelChecks?.invalidLabels).toBe(100);
    expect(result.overall.labelled).toBe(900);
    const finding = result.findings?.find((f) => f.kind === 'invalid_labels');
    expect(finding).toMatchObject({ severity: 'critical', count: 100, share: 0.1, values: ['2'] });
  });

  it('NaN and infinite scores are counted, left out of the metrics, and named', async () => {
    const { result } = await performance({
      score:
        "CASE WHEN i % 20 = 0 THEN CAST('NaN' AS DOUBLE) WHEN i % 20 = 1 THEN CAST('Infinity' AS DOUBLE) ELSE s END",
    });
    expect(result.labelChecks?.invalidScores).toBe(100);
    const finding = result.findings?.find((f) => f.kind === 'invalid_scores');
    expect(finding?.message).toMatch(
      /^predictions\.scoreColumn \(score\): 100 of 1,000 predictions \(10\.0%\) have a missing, non-numeric, NaN or infinite value/,
    );
    expect(result.overall.labelled).toBe(1000);
    expect(result.overall.metrics.logLoss).not.toBeNull();
  });

  it('scores x100 are called percentages; the probability metrics are undefined, not ECE 17', async () => {
    const { result } = await performance({ score: 's * 100' });
    const finding = result.findings?.find((f) => f.kind === 'scores_out_of_range');
    expect(finding?.message).toMatch(/look like percentages \(0 to 100\): divide the score by 100/);
    expect(result.overall.metrics.ece).toBeNull();
    expect(result.overall.metrics.brier).toBeNull();
    expect(result.overall.metrics.logLoss).toBeNull();
    expect(result.overall.undefined.ece).toMatch(/percentages/);
    // the ranking is the same as the probabilities'
    expect(result.overall.metrics.rocAuc).toBeCloseTo(clean.overall.metrics.rocAuc as number, 12);
  });

  it('logits are called logits', async () => {
    const { result } = await performance({ score: 'ln(s / (1 - s))' });
    const finding = result.findings?.find((f) => f.kind === 'scores_out_of_range');
    expect(finding?.message).toMatch(/look like logits \(negative values\): log the probability/);
    // logits of probabilities in [0.5, 0.73] fall inside [0, 1]: the rest (about 77%) are counted
    expect(finding?.count).toBeGreaterThan(700);
    expect(result.overall.metrics.rocAuc).toBeCloseTo(clean.overall.metrics.rocAuc as number, 12);
  });

  it('20% duplicate prediction ids are counted and named', async () => {
    const { result } = await performance({ duplicateShare: 0.2 });
    expect(result.labelChecks).toMatchObject({ duplicateIds: 200, duplicateRows: 200 });
    const finding = result.findings?.find((f) => f.kind === 'duplicate_ids');
    expect(finding?.message).toMatch(/^predictions\.idColumn \(id\): 200 ids occur more than once/);
    expect(finding?.severity).toBe('critical');
  });

  it('conflicting labels are counted and excluded from labelled (as ARCHITECTURE says)', async () => {
    const { result } = await performance({ conflictShare: 0.05 });
    expect(result.labelChecks?.conflictingLabels).toBe(50);
    expect(result.overall.labelled).toBe(950);
    expect(result.findings?.find((f) => f.kind === 'conflicting_labels')?.message).toMatch(
      /labels\.labelColumn \(y\): 50 of 1,000 predictions \(5\.0%\) have an id \(labels\.idColumn id\) whose labels disagree/,
    );
  });

  it('a label mapping on a regression model, or negativeValue alone, is refused at load with the field', async () => {
    const dir = await tempDir('driftwatch-rel-labels-');
    dirs.push(dir);
    const config = await writeFixture(dir.path, { rowsPerDay: 10, labels: { negativeValue: 'no' } });
    const run = await cli([
      'run',
      '--config',
      config,
      '--job',
      'performance',
      '--date',
      DAY,
      '--out',
      join(dir.path, 'out'),
    ]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('labels.negativeValue: got "no"; expected labels.positiveValue as well');
  });
});
