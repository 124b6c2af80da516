import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { DuckDbQueryEngine } from '../../lib/adapters/duckdb-engine.js';
import { athenaEstimate } from '../../lib/cli/commands/validate.js';
import { quoteString } from '../../lib/sql/identifiers.js';
import { runCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/temp.js';

// The first hour: a folder of logs whose columns have unfriendly names (spaces, slashes,
// capitals) -> `driftwatch init` -> `driftwatch run` -> a first drift result, nothing else.

let dir: { path: string; cleanup: () => Promise<void> };

const run = runCli;

const DAYS = 10;
const ROWS = 1500;
const day = (d: number) => `2026-10-${String(d + 1).padStart(2, '0')}`;

beforeAll(async () => {
  dir = await tempDir('driftwatch-first-hour-');
  const engine = await DuckDbQueryEngine.create({ threads: 1 });
  try {
    for (let d = 0; d < DAYS; d++) {
      // Uniform pseudo-random numbers from a hash of (row, day, column): reproducible.
      const u = (k: number) => `((hash(i * 7 + ${k * 1000 + d}) % 100000) / 100000.0)`;
      // The last day: "loan amount" grows by 40% of its range; everything else stays.
      const shift = d === DAYS - 1 ? 400 : 0;
      const folder = join(dir.path, 'logs', 'predictions', `dt=${day(d)}`);
      await mkdir(folder, { recursive: true });
      await engine.execute(`COPY (
        SELECT 'p-${d}-' || CAST(i AS VARCHAR) AS prediction_id,
               TIMESTAMP '${day(d)} 00:00:00' + to_seconds(CAST(i * 50 AS BIGINT)) AS ts,
               ${u(1)} AS "Score",
               1000 * ${u(2)} + ${shift} AS "loan amount",
               10 + 4 * ${u(3)} AS "od280/od315_of_diluted_wines",
               20000 + 80000 * ${u(4)} AS "Annual Income",
               CASE WHEN ${u(5)} < 0.5 THEN 'RENT' WHEN ${u(5)} < 0.8 THEN 'OWN' ELSE 'MORTGAGE' END AS "Home/Type",
               CASE WHEN ${u(6)} < 0.6 THEN 'north' ELSE 'south' END AS region
        FROM range(${ROWS}) t(i)
      ) TO ${quoteString(join(folder, 'part-0.parquet'))} (FORMAT parquet)`);
      // Labels arrive the next day: id and the true class.
      const labels = join(dir.path, 'logs', 'labels', `dt=${day(d + 1)}`);
      await mkdir(labels, { recursive: true });
      await engine.execute(`COPY (
        SELECT 'p-${d}-' || CAST(i AS VARCHAR) AS prediction_id, CAST(${u(1)} > 0.5 AS INTEGER) AS label
        FROM range(${ROWS}) t(i)
      ) TO ${quoteString(join(labels, 'part-0.csv'))} (FORMAT csv, HEADER)`);
    }
  } finally {
    await engine.close();
  }
});

afterAll(async () => dir.cleanup());

describe('the first hour: init + run', () => {
  it('proposes a definition with the reasoning, aliases the unfriendly columns, and it validates', async () => {
    const config = join(dir.path, 'driftwatch.yaml');
    const r = await run(['init', '--predictions', join(dir.path, 'logs', 'predictions'), '--out', config]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('prediction_id: id (unique in the sample, text)');
    expect(r.stdout).toMatch(/Score: score \(double in \[0,1\], named like a score\)/);
    expect(r.stdout).toContain('ts: timestamp (timestamp column)');
    expect(r.stdout).toMatch(/region: categorical, segment candidate \(/);
    expect(r.stdout).toMatch(/wrote .*driftwatch\.yaml: 4 features, 1 segment, task binary; it validates/);

    const text = await readFile(config, 'utf8');
    expect(text).toContain('# Monitor definition proposed by driftwatch init');
    const def = parseYaml(text);
    expect(def.predictions).toMatchObject({
      location: 'logs/predictions',
      format: 'parquet',
      idColumn: 'prediction_id',
      timestampColumn: 'ts',
      scoreColumn: 'Score',
    });
    expect(def.features).toEqual([
      { name: 'loan_amount', column: 'loan amount', kind: 'numeric' },
      { name: 'od280_od315_of_diluted_wines', column: 'od280/od315_of_diluted_wines', kind: 'numeric' },
      { name: 'annual_income', column: 'Annual Income', kind: 'numeric' },
      { name: 'home_type', column: 'Home/Type', kind: 'categorical' },
    ]);
    expect(def.segments).toEqual(['region']);
    expect(def.reference).toEqual({ type: 'range', from: '2026-10-01', to: '2026-10-07' });
  });

  it('runs the drift job on the proposed definition: the shifted column drifts, under its name', async () => {
    const config = join(dir.path, 'driftwatch.yaml');
    const out = join(dir.path, 'out');
    const r = await run(['run', '--config', config, '--date', day(DAYS - 1), '--out', out, '--json']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const summary = JSON.parse(r.stdout);
    expect(summary).toMatchObject({ job: 'drift', status: 'ok' });
    const result = JSON.parse(await readFile(join(out, 'results', summary.resultKey), 'utf8'));
    const byName = Object.fromEntries(
      result.features.map((f: { name: string; drifted: boolean }) => [f.name, f]),
    );
    expect(Object.keys(byName).sort()).toEqual([
      'annual_income',
      'home_type',
      'loan_amount',
      'od280_od315_of_diluted_wines',
    ]);
    expect(byName.loan_amount.drifted).toBe(true);
    expect(byName.annual_income.drifted).toBe(false);
    expect(byName.home_type.drifted).toBe(false);
    expect(byName.od280_od315_of_diluted_wines.drifted).toBe(false);
    // The monitor's out-of-range finding names the feature by its name.
    expect(result.quality.findings).toContainEqual(
      expect.objectContaining({ kind: 'out_of_range', feature: 'loan_amount' }),
    );
    // A quiet day stays quiet.
    const quiet = await run(['run', '--config', config, '--date', day(DAYS - 2), '--out', out, '--json']);
    const quietResult = JSON.parse(
      await readFile(join(out, 'results', JSON.parse(quiet.stdout).resultKey), 'utf8'),
    );
    expect(quietResult.features.filter((f: { drifted: boolean }) => f.drifted)).toEqual([]);
  });

  it('validate: checks the columns against the files, dry-runs the last window without storing, prints reads and the Athena estimate', async () => {
    const config = join(dir.path, 'driftwatch.yaml');
    const r = await run(['validate', '--config', config]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(
      /baseline: predictions 2026-10-01 to 2026-10-07: 7 partitions, 7 files, [\d.]+ KB; on Athena about \$0\.000\d+ per run \(\d+ queries x max\(10 MB/,
    );
    expect(r.stdout).toMatch(/drift: predictions, window 2026-10-10: 1 partition, 1 file/);
    expect(r.stdout).toMatch(
      /dry run \(nothing stored\): drift for 2026-10-10: 1500 rows, 1 of 4 features drifted \(loan_amount\)/,
    );
    expect(r.stdout).toContain('valid against its files');
    const json = JSON.parse((await run(['validate', '--config', config, '--json'])).stdout);
    const drift = json.reads.find((x: { job: string }) => x.job === 'drift');
    // Each query bills at least 10 MB: the small window costs the minimum per query.
    expect(drift.athenaDollars).toBeCloseTo((drift.queries * 10 * 1024 * 1024 * 5) / 1e12, 15);
    expect(athenaEstimate(1, 2e12)).toBe(10);
  });

  it('validate: names each column the files lack or type differently, and fails', async () => {
    const text = (await readFile(join(dir.path, 'driftwatch.yaml'), 'utf8'))
      .replace('column: "loan amount"', 'column: "loan amt"')
      .replace(
        '{ name: home_type, column: "Home/Type", kind: categorical }',
        '{ name: home_type, column: "Home/Type", kind: numeric }',
      )
      .replace('scoreColumn: Score', 'scoreColumn: region');
    const broken = join(dir.path, 'broken.yaml');
    await writeFile(broken, text);
    const r = await run(['validate', '--config', broken]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain(
      'problem: predictions.scoreColumn "region" is VARCHAR in the prediction log\'s last window (2026-10-10), not a number',
    );
    expect(r.stdout).toContain(
      'problem: features[0].column "loan amt" is not a column of the prediction log\'s last window (2026-10-10)',
    );
    expect(r.stdout).toContain('warning: features[3] "Home/Type" is numeric in the definition but VARCHAR');
    expect(r.stderr).toContain('broken.yaml: 2 problems with the files (listed above)');
  });

  it('init --labels finds the id and the label in a CSV labels log', async () => {
    const config = join(dir.path, 'with-labels.yaml');
    const r = await run([
      'init',
      '--predictions',
      join(dir.path, 'logs', 'predictions'),
      '--labels',
      join(dir.path, 'logs', 'labels'),
      '--model-id',
      'loans',
      '--out',
      config,
    ]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const def = parseYaml(await readFile(config, 'utf8'));
    expect(def.model.id).toBe('loans');
    expect(def.labels).toEqual({
      location: 'logs/labels',
      format: 'csv',
      idColumn: 'prediction_id',
      labelColumn: 'label',
      delay: 'P7D',
    });
    const v = await run(['validate', '--config', config]);
    expect(v.code).toBe(0);
    expect(v.stdout).toMatch(/performance: predictions window 2026-10-10 \+ labels 2026-10-10 to 2026-10-17/);
  });

  it('init writes a draft and names what is missing when the logs lack what the task needs', async () => {
    const folder = join(dir.path, 'bare', 'dt=2026-10-01');
    await mkdir(folder, { recursive: true });
    await writeFile(
      join(folder, 'part.csv'),
      `request_id,ts,Loan Amount\n${Array.from({ length: 50 }, (_, i) => `r${i},2026-10-01 00:00:${String(i % 60).padStart(2, '0')},${i * 10}`).join('\n')}\n`,
    );
    const config = join(dir.path, 'bare.yaml');
    const r = await run(['init', '--predictions', join(dir.path, 'bare'), '--out', config]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      'bare.yaml as a draft, but it does not validate yet (predictions.scoreColumn: expected a score column',
    );
    expect(r.stdout).toContain('request_id: id (unique in the sample, text)');
    expect(await readFile(config, 'utf8')).toContain(
      '{ name: loan_amount, column: "Loan Amount", kind: numeric }',
    );
    // A definition that forgets the format (parquet by default) is told which format the log holds.
    const wrongFormat = join(dir.path, 'wrong-format.yaml');
    await writeFile(
      wrongFormat,
      (await readFile(config, 'utf8'))
        .replace('format: csv', '# format omitted')
        .replace('model:', 'model:\n  # score added by hand')
        .replace('timestampColumn: ts', 'timestampColumn: ts\n  predictionColumn: request_id'),
    );
    const v = await run(['validate', '--config', wrongFormat]);
    expect(v.code).toBe(1);
    expect(v.stdout).toContain('but it holds csv files: set predictions.format: csv');
  });

  it('init proposes a multiclass model with its class-probability columns, and run reads it', async () => {
    const engine = await DuckDbQueryEngine.create({ threads: 1 });
    try {
      for (let d = 0; d < 3; d++) {
        const folder = join(dir.path, 'animals', `dt=${day(d)}`);
        await mkdir(folder, { recursive: true });
        const u = (k: number) => `((hash(i * 13 + ${k * 1000 + d}) % 100000) / 100000.0)`;
        await engine.execute(`COPY (
          SELECT 'a-${d}-' || CAST(i AS VARCHAR) AS prediction_id, TIMESTAMP '${day(d)} 08:00:00' AS ts,
                 ${u(1)} * 0.5 AS p_cat, ${u(2)} * 0.3 AS p_dog, 1 - ${u(1)} * 0.5 - ${u(2)} * 0.3 AS p_bird,
                 CASE i % 3 WHEN 0 THEN 'cat' WHEN 1 THEN 'dog' ELSE 'bird' END AS prediction,
                 10 * ${u(3)} AS "Body Weight"
          FROM range(600) t(i)
        ) TO ${quoteString(join(folder, 'part.parquet'))} (FORMAT parquet)`);
      }
    } finally {
      await engine.close();
    }
    const config = join(dir.path, 'animals.yaml');
    const r = await run(['init', '--predictions', join(dir.path, 'animals'), '--out', config]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const def = parseYaml(await readFile(config, 'utf8'));
    expect(def.model.task).toBe('multiclass');
    expect(def.predictions.scoreColumn).toBeUndefined();
    expect(def.predictions.predictionColumn).toBe('prediction');
    expect(def.predictions.classScoreColumns).toEqual({ cat: 'p_cat', dog: 'p_dog', bird: 'p_bird' });
    expect(def.features).toEqual([{ name: 'body_weight', column: 'Body Weight', kind: 'numeric' }]);
    const run1 = await run([
      'run',
      '--config',
      config,
      '--date',
      day(2),
      '--out',
      join(dir.path, 'animals-out'),
    ]);
    expect(run1.stderr).toBe('');
    expect(run1.stdout).toMatch(/drift +2026-10-03 +ok +600 rows, 0 of 1 features drifted/);
  });

  it('refuses to overwrite a definition, and explains a folder that is not a partitioned log', async () => {
    const config = join(dir.path, 'driftwatch.yaml');
    const again = await run([
      'init',
      '--predictions',
      join(dir.path, 'logs', 'predictions'),
      '--out',
      config,
    ]);
    expect(again.code).toBe(2);
    expect(again.stderr).toContain(
      'already exists: pass --out with another file, or --force to overwrite it',
    );
    const flat = await run([
      'init',
      '--predictions',
      join(dir.path, 'logs'),
      '--out',
      join(dir.path, 'x.yaml'),
    ]);
    expect(flat.code).toBe(2);
    expect(flat.stderr).toContain('no dt=YYYY-MM-DD folder');
  });
});
