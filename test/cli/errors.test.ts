import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { demoDefinition } from '../../lib/demo/definition.js';
import { runCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/temp.js';

let dir: { path: string; cleanup: () => Promise<void> };

const run = runCli;

beforeAll(async () => {
  dir = await tempDir('driftwatch-cli-');
  await mkdir(join(dir.path, 'data', 'predictions', 'dt=2026-10-01'), { recursive: true });
  await mkdir(join(dir.path, 'data', 'reference'), { recursive: true });
  // A definition whose data exists but lacks a configured feature column, and a corrupt partition.
  await writeFile(join(dir.path, 'good.yaml'), stringify(demoDefinition('data')));
  await writeFile(
    join(dir.path, 'data', 'predictions', 'dt=2026-10-01', 'part-0.parquet'),
    'not parquet at all',
  );
});

afterAll(async () => dir.cleanup());

describe('driftwatch CLI errors', () => {
  it('names a missing config file and how to fix it, in one line', async () => {
    const { code, stderr } = await run([
      'run',
      '--config',
      join(dir.path, 'nope.yaml'),
      '--date',
      '2026-10-01',
    ]);
    expect(code).toBe(1);
    expect(stderr.trim().split('\n')).toHaveLength(1);
    expect(stderr).toMatch(/config file .*nope\.yaml does not exist: pass --config/);
  });

  it('lists every problem of an invalid definition', async () => {
    await writeFile(join(dir.path, 'bad.yaml'), 'model: { id: credit, task: binry }\nfeatures: []\n');
    const { code, stderr } = await run(['run', '--config', join(dir.path, 'bad.yaml')]);
    expect(code).toBe(1);
    expect(stderr).toContain('model.task: got "binry"; expected one of "binary", "multiclass", "regression"');
    expect(stderr).toContain('features: got []; expected at least one feature to monitor');
    expect(stderr).toContain('predictions: missing');
  });

  it('refuses an impossible date and an unknown job as usage errors (exit 2)', async () => {
    const bad = await run(['run', '--config', join(dir.path, 'good.yaml'), '--date', '2026-02-30']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--date "2026-02-30" is not a valid date: use YYYY-MM-DD/);
    const job = await run([
      'run',
      '--config',
      join(dir.path, 'good.yaml'),
      '--job',
      'drfit',
      '--date',
      '2026-10-01',
    ]);
    expect(job.code).toBe(2);
    expect(job.stderr).toMatch(
      /--job "drfit" is not a job: use one of baseline, drift, performance, estimate, digest/,
    );
  });

  it('reports a missing reference file as one clear line', async () => {
    const { code, stderr } = await run([
      'run',
      '--config',
      join(dir.path, 'good.yaml'),
      '--date',
      '2026-10-01',
      '--out',
      join(dir.path, 'out'),
    ]);
    expect(code).toBe(1);
    expect(stderr.trim().split('\n')).toHaveLength(1);
    expect(stderr).toMatch(/reference\/training\.parquet does not exist: check the location/);
  });

  it('reports an unreadable partition naming the file', async () => {
    const def = demoDefinition('data');
    def.reference = { type: 'range', from: '2026-10-01', to: '2026-10-01' };
    await writeFile(join(dir.path, 'range.yaml'), stringify(def));
    const { code, stderr } = await run([
      'run',
      '--config',
      join(dir.path, 'range.yaml'),
      '--date',
      '2026-10-01',
      '--out',
      join(dir.path, 'out'),
    ]);
    expect(code).toBe(1);
    expect(stderr.trim().split('\n')).toHaveLength(1);
    expect(stderr).toMatch(/part-0\.parquet/);
  });

  it('prints usage errors from the argument parser with exit code 2', async () => {
    const { code, stderr } = await run(['run']);
    expect(code).toBe(2);
    expect(stderr).toMatch(/required option '--config <file>' not specified/);
  });
  it('keeps --start for the canary and --date for the daily jobs, saying which to use', async () => {
    const config = join(dir.path, 'good.yaml');
    const start = await run(['run', '--config', config, '--job', 'drift', '--start', '2026-10-01T05:00:00Z']);
    expect(start.code).toBe(2);
    expect(start.stderr).toMatch(/--start is for --job canary \(sub-day windows\): use --date for drift/);
    const date = await run(['run', '--config', config, '--job', 'canary', '--date', '2026-10-01']);
    expect(date.code).toBe(1);
    expect(date.stderr.trim().split('\n')).toHaveLength(1);
    expect(date.stderr).toMatch(/the canary judges one sub-day window: give its first instant/);
  });
});
