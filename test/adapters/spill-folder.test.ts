import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DuckDbQueryEngine, localEngineOptions } from '../../lib/adapters/duckdb-engine.js';
import { tempDir } from '../helpers/temp.js';

// The local engine's spill folder, <TMPDIR>/driftwatch-duckdb/<pid>, on a clean machine where the
// parent folder does not exist yet (issue #12: "Failed to create directory").
let dir: { path: string; cleanup: () => Promise<void> };
let savedTmp: string | undefined;

beforeEach(async () => {
  dir = await tempDir('driftwatch-spill-');
  savedTmp = process.env.TMPDIR;
  process.env.TMPDIR = dir.path;
});

afterEach(async () => {
  if (savedTmp === undefined) delete process.env.TMPDIR;
  else process.env.TMPDIR = savedTmp;
  await dir.cleanup();
});

// Sorting 2M rows of text under a 32MB cap cannot stay in memory: DuckDB spills.
const SPILLING_SORT = {
  name: 'spilling-sort',
  sql: `SELECT count(*) AS n, min(s) AS first FROM (
    SELECT repeat('x', 20) || i AS s FROM range(2000000) t(i) ORDER BY s LIMIT 1500000 OFFSET 10)`,
  parameters: [],
};

describe('the spill folder', () => {
  it('is created before a query spills on a clean TMPDIR, and removed on close', async () => {
    const options = localEngineOptions({ DRIFTWATCH_MEMORY_LIMIT: '32MB', DRIFTWATCH_THREADS: '1' });
    expect(options.tempDirectory).toBe(join(dir.path, 'driftwatch-duckdb', String(process.pid)));
    expect(existsSync(join(dir.path, 'driftwatch-duckdb'))).toBe(false);
    const engine = await DuckDbQueryEngine.create(options);
    try {
      expect(existsSync(options.tempDirectory!)).toBe(true);
      const [row] = await engine.query(SPILLING_SORT);
      expect(row).toMatchObject({ n: 1500000 });
      // A staged query writes its Parquet file there too.
      const staged = await engine.stage({ name: 'stage', sql: 'SELECT 1 AS a', parameters: [] });
      expect(await readdir(options.tempDirectory!)).toContainEqual(
        expect.stringMatching(/^driftwatch-stage-/),
      );
      await staged.release();
    } finally {
      await engine.close();
    }
    expect(existsSync(options.tempDirectory!)).toBe(false);
  });

  it('is kept while another engine of the process still uses it', async () => {
    const options = localEngineOptions({ DRIFTWATCH_THREADS: '1' });
    const first = await DuckDbQueryEngine.create(options);
    const second = await DuckDbQueryEngine.create(options);
    await first.close();
    expect(existsSync(options.tempDirectory!)).toBe(true);
    await second.close();
    await second.close();
    expect(existsSync(options.tempDirectory!)).toBe(false);
  });

  it("removes a dead process's leftover folder", async () => {
    // Above Linux's largest pid (2^22), so no such process can exist.
    const stale = join(dir.path, 'driftwatch-duckdb', '4194999');
    await mkdir(stale, { recursive: true });
    const engine = await DuckDbQueryEngine.create(localEngineOptions({ DRIFTWATCH_THREADS: '1' }));
    await engine.close();
    expect(existsSync(stale)).toBe(false);
  });

  it.each([
    ['SIGTERM', 'SIGTERM'],
    ['SIGINT', 'SIGINT'],
    ['exit', null],
  ] as const)('is removed when the process ends by %s', async (how, signal) => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', join(import.meta.dirname, '../fixtures/engine/spill-child.ts'), how],
      { env: { ...process.env, TMPDIR: dir.path }, stdio: ['ignore', 'pipe', 'inherit'] },
    );
    const folder = await new Promise<string>((resolve, reject) => {
      let out = '';
      child.stdout.on('data', (chunk) => {
        out += String(chunk);
        if (out.includes('\n')) resolve(out.trim());
      });
      child.on('error', reject);
    });
    expect(folder).toBe(join(dir.path, 'driftwatch-duckdb', String(child.pid)));
    const ended = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
      child.on('exit', (code, sig) => resolve({ code, signal: sig })),
    );
    if (signal) child.kill(signal);
    // Killed by the signal itself (the default behaviour: 130 / 143 in a shell), or exit 0.
    expect(await ended).toEqual(signal ? { code: null, signal } : { code: 0, signal: null });
    expect(existsSync(folder)).toBe(false);
  });
});
