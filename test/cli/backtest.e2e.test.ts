import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { DuckDbQueryEngine } from '../../lib/adapters/duckdb-engine.js';
import { generateWorld, WORLD_DEFAULTS, worldDefinition } from '../../lib/demo/world.js';
import { runCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/temp.js';

let dir: { path: string; cleanup: () => Promise<void> };

const run = runCli;

// Twelve days of a small real-shaped world whose labels arrive a week late.
beforeAll(async () => {
  dir = await tempDir('driftwatch-backtest-');
  const engine = await DuckDbQueryEngine.create();
  await generateWorld(engine, {
    ...WORLD_DEFAULTS,
    outDir: dir.path,
    task: 'binary',
    days: 12,
    rowsPerDay: 800,
  }).finally(() => engine.close());
  await writeFile(join(dir.path, 'world.yaml'), stringify(worldDefinition('binary', 'data')));
});

afterAll(async () => dir.cleanup());

describe('driftwatch backtest', () => {
  it('replays each morning: drift every day, performance once labels have matured, labels as of that morning', async () => {
    const { code, stdout, stderr } = await run([
      'backtest',
      '--config',
      join(dir.path, 'world.yaml'),
      '--from',
      '2026-09-01',
      '--to',
      '2026-09-12',
      '--out',
      join(dir.path, 'out'),
      '--json',
    ]);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const days = JSON.parse(stdout) as {
      date: string;
      drift: { status: string; rows: number };
      performance?: { window: string; status: string };
    }[];
    expect(days.map((d) => d.date)).toEqual(
      Array.from({ length: 12 }, (_, i) => `2026-09-${String(i + 1).padStart(2, '0')}`),
    );
    expect(days.every((d) => d.drift.status === 'ok' && d.drift.rows === 800)).toBe(true);
    // The morning after window 09-08 (09-09) is the first when window 09-01's labels (7 days) have matured.
    expect(days.filter((d) => d.performance).map((d) => [d.date, d.performance!.window])).toEqual([
      ['2026-09-08', '2026-09-01'],
      ['2026-09-09', '2026-09-02'],
      ['2026-09-10', '2026-09-03'],
      ['2026-09-11', '2026-09-04'],
      ['2026-09-12', '2026-09-05'],
    ]);
    // As of its morning, window 09-01 sees only the labels that had arrived: not the 8% that come 2-4 days later.
    const first = JSON.parse(
      await readFile(
        join(dir.path, 'out', 'results', 'world-binary', 'performance', 'dt=2026-09-01', 'P1D.json'),
        'utf8',
      ),
    ) as { overall: { coverage: number } };
    expect(first.overall.coverage).toBeGreaterThan(0.8);
    expect(first.overall.coverage).toBeLessThan(0.9);
  });

  it('run --as-of sees the labels as they were that morning; without it, every label that ever arrived', async () => {
    const config = join(dir.path, 'world.yaml');
    const coverage = async (extra: string[]) => {
      const out = join(dir.path, `asof-${extra.length}`);
      const { code, stderr } = await run([
        'run',
        '--config',
        config,
        '--job',
        'performance',
        '--date',
        '2026-09-01',
        '--out',
        out,
        ...extra,
      ]);
      expect(stderr).toBe('');
      expect(code).toBe(0);
      const doc = JSON.parse(
        await readFile(
          join(out, 'results', 'world-binary', 'performance', 'dt=2026-09-01', 'P1D.json'),
          'utf8',
        ),
      ) as { overall: { coverage: number }; status: string };
      return doc;
    };
    const asOf = await coverage(['--as-of', '2026-09-09']);
    const backtest = JSON.parse(
      await readFile(
        join(dir.path, 'out', 'results', 'world-binary', 'performance', 'dt=2026-09-01', 'P1D.json'),
        'utf8',
      ),
    ) as { overall: { coverage: number } };
    expect(asOf.status).toBe('ok');
    expect(asOf.overall.coverage).toBe(backtest.overall.coverage);
    // Today (2026-11-29) the late labels (2 to 4 days after the delay) have arrived too.
    const now = await coverage([]);
    expect(now.overall.coverage).toBeGreaterThan(asOf.overall.coverage);
    const bad = await run(['run', '--config', config, '--as-of', '2026-02-30']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--as-of "2026-02-30" is not a valid date/);
  });

  it('refuses a range that runs backwards, as a usage error', async () => {
    const { code, stderr } = await run([
      'backtest',
      '--config',
      join(dir.path, 'world.yaml'),
      '--from',
      '2026-09-05',
      '--to',
      '2026-09-01',
    ]);
    expect(code).toBe(2);
    expect(stderr).toBe('driftwatch: --from 2026-09-05 is after --to 2026-09-01: swap them\n');
  });
});
