/**
 * `npm run bench`: paired measurements of the drift + data-quality job and the performance job
 * against a bare DuckDB single pass over the same files, for one window of N predictions x 25
 * features. Within each repeat and size the tasks run interleaved (bare, drift, performance), each
 * in a fresh process, so a ratio compares runs made moments apart on the same files: the machine is
 * shared and its speed swings 2-6x over minutes. Reports CPU time (user + system of every thread)
 * and wall time, their ratios to the paired bare run (median and min-max over repeats), peak RSS,
 * and an Athena projection (bytes each job's queries would scan).
 *
 *   npm run bench -- --rows 1000000,10000000 --repeats 3            # prints, writes nothing in the repo
 *   npm run bench -- --rows 1000000,10000000 --repeats 3 --write    # also updates BENCHMARKS.md
 *   npm run bench -- --tasks bare,performance --write               # re-measures only those rows
 *   npm run bench -- --render                                       # BENCHMARKS.md from bench/results.json
 * Flags: --rows (default 1M,10M,50M), --repeats (3), --tasks (bare,drift,performance; part-* too),
 * --dir (/tmp/driftwatch-bench), --write, --render.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DuckDbQueryEngine } from '../lib/adapters/duckdb-engine.js';
import { benchFolder, DAY, ensureBenchData } from './data.js';
import { type BenchRecord, type ColumnBytes, type Results, renderBenchmarks } from './report.js';
import type { WorkerMeasurement } from './worker.js';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1]! : fallback;
}
const flag = (name: string) => process.argv.includes(`--${name}`);

const rowCounts = arg('rows', '1000000,10000000,50000000').split(',').map(Number);
const dir = arg('dir', '/tmp/driftwatch-bench');
const repeats = Number(arg('repeats', '3'));
const tasks = arg('tasks', 'bare,drift,performance').split(',');
const write = flag('write');
const resultsFile = fileURLToPath(new URL('./results.json', import.meta.url));
const benchmarksFile = fileURLToPath(new URL('../BENCHMARKS.md', import.meta.url));
const worker = fileURLToPath(new URL('./worker.ts', import.meta.url));

for (const [name, value] of [
  ['--rows', rowCounts],
  ['--repeats', [repeats]],
] as const) {
  for (const n of value) {
    if (!Number.isInteger(n) || n < 1) {
      throw new Error(
        `${name} ${arg(name.slice(2), '')}: not a positive integer list: use e.g. ${name} 1000000`,
      );
    }
  }
}
if (!tasks.includes('bare'))
  throw new Error(`--tasks ${tasks.join(',')}: ratios need the bare scan: add bare`);

async function loadResults(): Promise<Results> {
  if (!existsSync(resultsFile)) return { records: [], columnBytes: {}, machine: machine() };
  return JSON.parse(await readFile(resultsFile, 'utf8')) as Results;
}

function machine(): Results['machine'] {
  const cpu = execFileSync('sh', ['-c', "grep -m1 'model name' /proc/cpuinfo | cut -d: -f2"], {
    encoding: 'utf8',
  }).trim();
  const memGiB = Number(
    execFileSync('sh', ['-c', "awk '/MemTotal/ {print $2}' /proc/meminfo"], { encoding: 'utf8' }).trim(),
  );
  return {
    cores: Number(execFileSync('nproc', { encoding: 'utf8' }).trim()),
    cpu,
    memGiB: Math.round(memGiB / 2 ** 20),
    node: process.version,
  };
}

if (flag('render')) {
  const results = await loadResults();
  await writeFile(benchmarksFile, await renderBenchmarks(results));
  process.stdout.write('rendered BENCHMARKS.md from bench/results.json\n');
  process.exit(0);
}

function measure(task: string, rows: number): WorkerMeasurement | { failed: string } {
  // The bench measures the engine as local runs use it: every core, unless DRIFTWATCH_THREADS
  // is given on purpose with --threads.
  const env: NodeJS.ProcessEnv = { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' };
  if (!flag('threads')) delete env.DRIFTWATCH_THREADS;
  else env.DRIFTWATCH_THREADS = arg('threads', '2');
  try {
    const out = execFileSync(process.execPath, ['--import', 'tsx', worker, task, dir, String(rows)], {
      encoding: 'utf8',
      env,
      maxBuffer: 1 << 26,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    return JSON.parse(out.trim().split('\n').pop()!) as WorkerMeasurement;
  } catch (error) {
    const stderr = String((error as { stderr?: string }).stderr ?? error);
    const reason = /QueryFailedError: (.*)/.exec(stderr)?.[1] ?? stderr.split('\n')[0]!;
    process.stderr.write(`${task} at ${rows} rows failed: ${reason}\n`);
    return { failed: reason };
  }
}

/** Compressed bytes per column of each file set, from the Parquet footers (what Athena bills). */
async function columnBytes(engine: DuckDbQueryEngine, rows: number): Promise<ColumnBytes> {
  const base = benchFolder(dir, rows);
  const out: ColumnBytes = {};
  for (const set of ['predictions', 'labels']) {
    const file = join(base, set, `dt=${DAY}`, 'part.parquet');
    const found = await engine.query({
      name: 'column-bytes',
      sql: `SELECT path_in_schema AS c, sum(total_compressed_size) AS b, count(*) AS groups FROM parquet_metadata('${file}') GROUP BY path_in_schema`,
      parameters: [],
    });
    out[set] = Object.fromEntries(found.map((r) => [String(r.c), Number(r.b)]));
    out[`${set}:rowGroups`] = { all: Number(found[0]?.groups ?? 0) };
  }
  return out;
}

const results = await loadResults();
const run = new Date().toISOString();
const fresh: BenchRecord[] = [];
const generator = await DuckDbQueryEngine.create();
const bytes: Record<string, ColumnBytes> = {};
for (const rows of rowCounts) {
  process.stderr.write(`data for ${rows} rows in ${benchFolder(dir, rows)}...\n`);
  await ensureBenchData(generator, dir, rows);
  bytes[rows] = await columnBytes(generator, rows);
}
await generator.close();

for (const rows of rowCounts) {
  // One bare run not counted: the first read of the files after generation pays the page cache.
  measure('bare', rows);
  for (let repeat = 0; repeat < repeats; repeat++) {
    for (const task of tasks) {
      const m = measure(task, rows);
      const record: BenchRecord =
        'failed' in m ? { run, rows, repeat, task, failed: m.failed } : { run, repeat, ...m };
      fresh.push(record);
      process.stderr.write(
        `${rows} #${repeat + 1} ${task}: ${'failed' in m ? `failed (${m.failed})` : `cpu ${m.cpuSeconds.toFixed(2)} s, wall ${m.wallSeconds.toFixed(2)} s, rss ${Math.round(m.maxRssMb)} MB`}\n`,
      );
    }
  }
  await save(false);
}
await save(true);

/**
 * Merges this run's records into the earlier ones and writes: called after each size, so a run cut
 * short keeps the sizes it finished. This run's records replace earlier records of the same task
 * and size; an earlier bare record stays while an earlier record of its run still needs it.
 */
async function save(final: boolean): Promise<void> {
  const measured = new Set(fresh.map((r) => `${r.task}@${r.rows}`));
  let kept = results.records.filter((r) => !measured.has(`${r.task}@${r.rows}`) || r.task === 'bare');
  kept = kept.filter(
    (r) =>
      r.task !== 'bare' ||
      !measured.has(`bare@${r.rows}`) ||
      kept.some((o) => o.task !== 'bare' && o.run === r.run && o.rows === r.rows),
  );
  const merged: Results = {
    records: [...kept, ...fresh],
    columnBytes: { ...results.columnBytes, ...bytes },
    machine: machine(),
  };
  const last = join(dir, 'last-run.json');
  await mkdir(dir, { recursive: true });
  await writeFile(last, `${JSON.stringify({ ...merged, records: fresh }, null, 1)}\n`);
  const report = await renderBenchmarks({ ...merged, records: fresh });
  if (write) {
    await writeFile(resultsFile, `${JSON.stringify(merged, null, 1)}\n`);
    await writeFile(benchmarksFile, await renderBenchmarks(merged));
    if (final) process.stdout.write(`${report}\n\nwritten to BENCHMARKS.md and bench/results.json\n`);
  } else {
    if (final)
      process.stdout.write(`${report}\n\nraw records in ${last}; BENCHMARKS.md untouched (add --write)\n`);
  }
}
