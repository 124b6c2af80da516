import { spawn } from 'node:child_process';
import { cp, mkdir, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FileAccessError } from '../../lib/adapters/errors.js';
import { FileNotifier } from '../../lib/adapters/file-notifier.js';
import { tempDir } from '../helpers/temp.js';
import { type CliRun, cli, writeFixture } from './fixture.js';

// Local delivery and files under faults, through the CLI: a full disk, a run killed mid-delivery,
// a closed pipe, corrupt documents, Ctrl-C in a backfill. Each asserts the exit code, the one-line
// message and that no alert line is lost, cut or duplicated.
let dir: { path: string; cleanup: () => Promise<void> };
let config: string;
let baseResults: string;
let n = 0;

beforeAll(async () => {
  dir = await tempDir('driftwatch-rel-files-');
  // x shifts from the fourth day: drift alerts on 2026-10-04 and 2026-10-05.
  config = await writeFixture(dir.path, {
    x: 'CASE WHEN d >= 3 THEN 50 ELSE 10 END + (hash(i) % 100) / 10.0',
  });
  const base = join(dir.path, 'base');
  const run = await cli([
    'backfill',
    '--config',
    config,
    '--from',
    '2026-10-01',
    '--to',
    '2026-10-05',
    '--out',
    base,
  ]);
  expect(run.code).toBe(0);
  baseResults = join(base, 'results');
});
afterAll(async () => dir.cleanup());

/** A fresh output folder holding the five drift results. */
async function freshOut(): Promise<string> {
  n += 1;
  const out = join(dir.path, `out${n}`);
  await cp(baseResults, join(out, 'results'), { recursive: true });
  return out;
}

function oneLine(run: CliRun): string {
  const lines = run.stderr.trim().split('\n');
  expect(lines).toHaveLength(1);
  return lines[0]!;
}

/** alerts.jsonl as parsed lines; fails on a cut line. */
async function alertLines(out: string): Promise<{ id: string }[]> {
  let text: string;
  try {
    text = await readFile(join(out, 'alerts.jsonl'), 'utf8');
  } catch {
    return [];
  }
  expect(text === '' || text.endsWith('\n')).toBe(true);
  return text
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as { id: string });
}

async function sentIds(out: string): Promise<string[]> {
  try {
    return (await readdir(join(out, 'notifications', 'alert', 'sent'))).sort();
  } catch {
    return [];
  }
}

const alerts = (out: string, date = '2026-10-04') =>
  cli(['alerts', '--config', config, '--date', date, '--out', out]);

/** The pid of a process that has exited. */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', '']);
  await new Promise((resolve) => child.on('exit', resolve));
  return child.pid!;
}

function expectUnique(lines: { id: string }[]): void {
  expect(new Set(lines.map((l) => l.id)).size).toBe(lines.length);
}

describe('full disk during delivery (ENOSPC)', () => {
  it('names alerts.jsonl and the fix, leaves no line, and the next run delivers each alert once', async () => {
    const out = await freshOut();
    await mkdir(out, { recursive: true });
    await symlink('/dev/full', join(out, 'alerts.jsonl'));
    const failed = await alerts(out);
    expect(failed.code).toBe(1);
    expect(oneLine(failed)).toMatch(
      /^driftwatch: error: cannot write .*alerts\.jsonl: no space left on the device: free some space .* and re-run$/,
    );
    expect(await sentIds(out)).toEqual([]);
    // space is back: the next run is not locked out and sends once
    await rm(join(out, 'alerts.jsonl'));
    const retried = await alerts(out);
    expect(retried.stderr).toBe('');
    expect(retried.code).toBe(0);
    const lines = await alertLines(out);
    expect(lines.length).toBeGreaterThan(0);
    expectUnique(lines);
    expect((await sentIds(out)).length).toBe(lines.length);
    // and a re-run sends nothing more
    await alerts(out);
    expect(await alertLines(out)).toHaveLength(lines.length);
  });

  it('a write cut short by a full disk is truncated back: no partial line merges with the next', async () => {
    const out = await freshOut();
    class FullAfterHalf extends FileNotifier {
      protected override async write(
        handle: { write(b: Buffer): Promise<{ bytesWritten: number }> },
        buffer: Buffer,
      ): Promise<{ bytesWritten: number }> {
        await handle.write(buffer.subarray(0, Math.floor(buffer.length / 2)));
        throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
      }
    }
    const message = (id: string) => ({
      id,
      subject: `subject ${id}`,
      body: 'body',
      attributes: { model: 'toy', severity: 'warning', kind: 'feature_drift' },
    });
    const ok = new FileNotifier({ outDir: out, print: () => {} });
    await ok.publishAlert(message('a-1'));
    const full = new FullAfterHalf({ outDir: out, print: () => {} });
    const error = await full.publishAlert(message('a-2')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FileAccessError);
    expect((error as Error).message).toMatch(/cannot write .*alerts\.jsonl: no space left/);
    expect((await alertLines(out)).map((l) => l.id)).toEqual(['a-1']);
    // the retry (space freed) appends one whole line
    await ok.publishAlert(message('a-2'));
    expect((await alertLines(out)).map((l) => l.id)).toEqual(['a-1', 'a-2']);
  });
});

describe('a run that died mid-delivery', () => {
  it('does not lock the next run out, and a line already written is not written again', async () => {
    const out = await freshOut();
    expect((await alerts(out)).code).toBe(0);
    const lines = await alertLines(out);
    const [id] = await sentIds(out);
    expect(id).toBeDefined();
    // As if killed after appending the line, before marking it sent: a claim of a dead process.
    await rm(join(out, 'notifications', 'alert', 'sent', id!));
    const claim = {
      claimedAt: new Date().toISOString(),
      leaseExpiresAt: new Date(Date.now() + 900_000).toISOString(),
      attempt: 1,
      host: hostname(),
      pid: await deadPid(),
    };
    await writeFile(join(out, 'notifications', 'alert', 'pending', id!), JSON.stringify(claim));
    await rm(join(out, 'results', 'toy', 'alerts'), { recursive: true });
    const rerun = await alerts(out);
    expect(rerun.stderr).toBe('');
    expect(rerun.code).toBe(0);
    expect(rerun.stdout).not.toContain('being delivered');
    const after = await alertLines(out);
    expect(after).toEqual(lines);
    expect(await sentIds(out)).toContain(id);
  });

  it('killed before the line was written: the next run writes it, once', async () => {
    const out = await freshOut();
    expect((await alerts(out)).code).toBe(0);
    const [id] = await sentIds(out);
    await rm(join(out, 'notifications', 'alert', 'sent', id!));
    await writeFile(join(out, 'alerts.jsonl'), '');
    const claim = {
      claimedAt: new Date().toISOString(),
      leaseExpiresAt: new Date(Date.now() + 900_000).toISOString(),
      attempt: 1,
      host: hostname(),
      pid: await deadPid(),
    };
    await writeFile(join(out, 'notifications', 'alert', 'pending', id!), JSON.stringify(claim));
    await rm(join(out, 'results', 'toy', 'alerts'), { recursive: true });
    expect((await alerts(out)).code).toBe(0);
    const lines = await alertLines(out);
    expect(lines.filter((l) => l.id === decodeURIComponent(id!.replace(/\.json$/, '')))).toHaveLength(1);
  });

  it('a claim of a live process is still respected (one line naming the notification)', async () => {
    const out = await freshOut();
    expect((await alerts(out)).code).toBe(0);
    const [id] = await sentIds(out);
    await rm(join(out, 'notifications', 'alert', 'sent', id!));
    const claim = {
      claimedAt: new Date().toISOString(),
      leaseExpiresAt: new Date(Date.now() + 900_000).toISOString(),
      attempt: 1,
      host: hostname(),
      pid: process.ppid,
    };
    await writeFile(join(out, 'notifications', 'alert', 'pending', id!), JSON.stringify(claim));
    await rm(join(out, 'results', 'toy', 'alerts'), { recursive: true });
    const run = await alerts(out);
    expect(run.code).toBe(1);
    expect(oneLine(run)).toMatch(/is being delivered by another invocation; retry after/);
  });
});

describe('corrupt documents and unwritable folders', () => {
  it('a corrupt state.json is named with the way to recover, for alerts and report', async () => {
    const out = await freshOut();
    expect((await alerts(out)).code).toBe(0);
    const state = join(out, 'results', 'toy', 'alerts', 'state.json');
    await writeFile(state, '{"model": "toy", "incidents": [');
    const run = await alerts(out);
    expect(run.code).toBe(1);
    expect(oneLine(run)).toBe(
      `driftwatch: error: ${state} is corrupt (not valid JSON: ${run.stderr.match(/JSON: (.*)\): delete/)?.[1]}): delete it to start the alert state afresh (open incidents are forgotten and re-open if the problem persists), or restore it from a backup`,
    );
    const report = await cli(['report', '--config', config, '--date', '2026-10-04', '--out', out]);
    expect(report.code).toBe(1);
    expect(oneLine(report)).toContain(`${state} is corrupt`);
  });

  it('a corrupt (empty) drift result is named with the job to re-run', async () => {
    const out = await freshOut();
    const result = join(out, 'results', 'toy', 'drift', 'dt=2026-10-04', 'P1D.json');
    await writeFile(result, '');
    const run = await cli(['report', '--config', config, '--date', '2026-10-04', '--out', out]);
    expect(run.code).toBe(1);
    expect(oneLine(run)).toBe(
      `driftwatch: error: ${result} is corrupt (empty file): delete it and re-run the job for that window (driftwatch run --job ... --date ...) to rebuild it`,
    );
  });

  it('an --out that is a file is named with the fix', async () => {
    const file = join(dir.path, 'not-a-folder');
    await writeFile(file, 'x');
    const run = await cli(['run', '--config', config, '--date', '2026-10-04', '--out', file]);
    expect(run.code).toBe(1);
    expect(oneLine(run)).toMatch(
      /^driftwatch: error: cannot (write|read) .*not-a-folder.*: a file stands where a folder should be: move it away \(or pass another --out\) and re-run$/,
    );
  });

  it('EROFS and EACCES messages name the file and the fix (root cannot provoke them here)', () => {
    expect(new FileAccessError('/mnt/ro/alerts.jsonl', 'write', 'EROFS').message).toBe(
      'cannot write /mnt/ro/alerts.jsonl: the file system is read-only: pass --out with a writable folder and re-run',
    );
    expect(new FileAccessError('/x/state.json', 'read', 'EACCES').message).toMatch(
      /^cannot read \/x\/state\.json: permission denied: make the folder writable/,
    );
  });
});

/** Runs the real CLI in a child process (signals and pipes need one). */
function child(args: string[]) {
  return spawn(process.execPath, ['--import', 'tsx', join(process.cwd(), 'lib', 'cli', 'main.ts'), ...args], {
    env: { ...process.env, DRIFTWATCH_THREADS: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

function collect(stream: NodeJS.ReadableStream): () => string {
  const chunks: Buffer[] = [];
  stream.on('data', (c: Buffer) => chunks.push(c));
  return () => Buffer.concat(chunks).toString('utf8');
}

describe('pipes and signals (child processes)', () => {
  it('`alerts | head -1` (EPIPE) ends quietly with exit 0 and still delivers everything', async () => {
    const out = await freshOut();
    const proc = child(['alerts', '--config', config, '--date', '2026-10-05', '--out', out]);
    const stderr = collect(proc.stderr);
    // read the first chunk, then close the pipe as `head -1` does
    await new Promise<void>((resolve) => proc.stdout.once('data', () => resolve()));
    proc.stdout.destroy();
    const code = await new Promise<number | null>((resolve) => proc.on('exit', resolve));
    expect(stderr()).toBe('');
    expect(code).toBe(0);
    const lines = await alertLines(out);
    expect(lines.length).toBeGreaterThan(0);
    expectUnique(lines);
    expect((await sentIds(out)).length).toBe(lines.length);
  });

  it('Ctrl-C in a backfill stops after the window in progress, says what finished, leaves no temp file', async () => {
    const out = join(dir.path, 'sigint');
    const proc = child([
      'backfill',
      '--config',
      config,
      '--from',
      '2026-10-01',
      '--to',
      '2026-12-31',
      '--out',
      out,
    ]);
    const stderr = collect(proc.stderr);
    const exited = new Promise<number | null>((resolve) => proc.on('exit', resolve));
    const drift = join(out, 'results', 'toy', 'drift');
    // wait for the first finished window, then Ctrl-C
    for (let i = 0; i < 600; i += 1) {
      const done = await readdir(drift).catch(() => []);
      if (done.length > 0) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    proc.kill('SIGINT');
    const code = await exited;
    expect(code).toBe(130);
    const lines = stderr().trim().split('\n');
    expect(lines[0]).toBe(
      'driftwatch: Ctrl-C: stopping after the window in progress (press Ctrl-C again to stop now)',
    );
    const last = lines.at(-1)!;
    const match = last.match(
      /^driftwatch: interrupted: (\d+) of 92 windows finished \(2026-10-01( to (\d{4}-\d{2}-\d{2}))?\), their results are saved; resume with --from (\d{4}-\d{2}-\d{2})$/,
    );
    expect(match, last).not.toBeNull();
    const finished = Number(match![1]);
    expect(finished).toBeLessThan(92);
    // every finished window's result is there and whole; nothing else, no temp file
    const files = await readdir(join(out, 'results'), { recursive: true });
    expect(files.filter((f) => f.endsWith('.dwtmp'))).toEqual([]);
    const results = files.filter((f) => /drift\/dt=.*\/P1D\.json$/.test(f));
    expect(results).toHaveLength(finished);
    for (const f of results) JSON.parse(await readFile(join(out, 'results', f), 'utf8'));
  });

  it('a second Ctrl-C stops at once, still saying what finished', async () => {
    // Larger days, so the second signal lands inside a window for sure.
    const big = join(dir.path, 'big');
    const bigConfig = await writeFixture(big, { rowsPerDay: 300_000 });
    const out = join(big, 'out');
    const proc = child([
      'backfill',
      '--config',
      bigConfig,
      '--from',
      '2026-10-01',
      '--to',
      '2026-10-05',
      '--out',
      out,
    ]);
    const stderr = collect(proc.stderr);
    const exited = new Promise<number | null>((resolve) => proc.on('exit', resolve));
    const drift = join(out, 'results', 'toy', 'drift');
    // Wait for the first window's result itself (its folder is created before the file is renamed in).
    for (let i = 0; i < 1200; i += 1) {
      const files = await readdir(drift, { recursive: true }).catch(() => [] as string[]);
      if (files.some((f) => f.endsWith('P1D.json'))) break;
      await new Promise((r) => setTimeout(r, 25));
    }
    proc.kill('SIGINT');
    for (let i = 0; i < 200 && !stderr().includes('stopping after'); i += 1) {
      await new Promise((r) => setTimeout(r, 10));
    }
    proc.kill('SIGINT');
    expect(await exited).toBe(130);
    expect(stderr()).toMatch(/\ndriftwatch: stopped by SIGINT; [1-4] of 5 windows finished \(2026-10-01/);
    const files = await readdir(join(out, 'results'), { recursive: true });
    expect(files.filter((f) => f.endsWith('.dwtmp'))).toEqual([]);
  });
});

describe('more of what a demanding user does', () => {
  it('a cut last line left by an older version is not merged with the next alert', async () => {
    const out = await freshOut();
    await writeFile(join(out, 'alerts.jsonl'), '{"id":"old-1","subject":"cut sho');
    expect((await alerts(out)).code).toBe(0);
    const text = await readFile(join(out, 'alerts.jsonl'), 'utf8');
    const [cut, ...rest] = text.split('\n').filter(Boolean);
    expect(cut).toBe('{"id":"old-1","subject":"cut sho');
    expect(rest.length).toBeGreaterThan(0);
    for (const line of rest) expect((JSON.parse(line) as { id: string }).id).toBeTruthy();
  });

  it('a corrupt delivery claim is named, with what deleting it means', async () => {
    const out = await freshOut();
    expect((await alerts(out)).code).toBe(0);
    const [id] = await sentIds(out);
    await rm(join(out, 'notifications', 'alert', 'sent', id!));
    const claim = join(out, 'notifications', 'alert', 'pending', id!);
    await writeFile(claim, '{"claimedAt": ');
    await rm(join(out, 'results', 'toy', 'alerts'), { recursive: true });
    const run = await alerts(out);
    expect(run.code).toBe(1);
    expect(oneLine(run)).toMatch(
      new RegExp(
        `^driftwatch: error: ${claim.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} is corrupt \\(not valid JSON: .*\\): delete it \\(that notification may then be delivered once more\\)$`,
      ),
    );
  });

  it('alerts and digest re-run for the same day send nothing twice', async () => {
    const out = await freshOut();
    expect((await alerts(out, '2026-10-05')).code).toBe(0);
    const first = await alertLines(out);
    expect((await alerts(out, '2026-10-05')).code).toBe(0);
    expect(await alertLines(out)).toEqual(first);
    const digest = () => cli(['digest', '--config', config, '--date', '2026-10-05', '--out', out]);
    expect((await digest()).stdout).toContain('(written to');
    expect((await digest()).stdout).toContain('(already written to');
  });

  it('a config path that is a folder is named with the fix', async () => {
    const run = await cli(['run', '--config', dir.path, '--date', '2026-10-04']);
    expect(run.code).toBe(1);
    expect(oneLine(run)).toBe(
      `driftwatch: config file ${dir.path} is a folder: pass --config with the path of your monitor definition file (YAML or JSON)`,
    );
  });

  it('SIGTERM in a backfill stops after the window in progress with exit code 143', async () => {
    const out = join(dir.path, 'sigterm');
    const proc = child([
      'backfill',
      '--config',
      config,
      '--from',
      '2026-10-01',
      '--to',
      '2026-12-31',
      '--out',
      out,
    ]);
    const stderr = collect(proc.stderr);
    const exited = new Promise<number | null>((resolve) => proc.on('exit', resolve));
    const drift = join(out, 'results', 'toy', 'drift');
    for (let i = 0; i < 600; i += 1) {
      if ((await readdir(drift).catch(() => [])).length > 0) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    proc.kill('SIGTERM');
    expect(await exited).toBe(143);
    expect(stderr()).toMatch(/driftwatch: SIGTERM: stopping after the window in progress/);
    expect(stderr()).toMatch(/driftwatch: interrupted: \d+ of 92 windows finished \(2026-10-01/);
    const files = await readdir(join(out, 'results'), { recursive: true });
    expect(files.filter((f) => f.endsWith('.dwtmp'))).toEqual([]);
  });
});
