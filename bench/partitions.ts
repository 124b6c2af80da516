/**
 * Does a window's cost grow with the length of the history? One CSV window of 1,555 rows (the
 * size issue #12 measured), drift job, in a log of 1 partition and of 365 partitions, with
 * partition-true reading (the engine lists the window's files) and, for comparison, the old
 * whole-log glob (an engine without `resolveFiles`). Paired runs, alternating, median of each.
 *   npx tsx bench/partitions.ts [--dir /tmp/driftwatch-bench-partitions] [--repeats 5]
 * Prints a markdown table.
 */
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { DuckDbQueryEngine, localEngineOptions } from '../lib/adapters/duckdb-engine.js';
import { MemoryResultStore } from '../lib/adapters/memory-store.js';
import { validateDefinition } from '../lib/config/load.js';
import { runBaseline } from '../lib/jobs/baseline.js';
import { runDrift } from '../lib/jobs/drift.js';
import type { JobDeps } from '../lib/jobs/types.js';
import { shiftDate } from '../lib/jobs/windows.js';
import type { QueryEngine } from '../lib/ports.js';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1]! : fallback;
}

const dir = arg('dir', '/tmp/driftwatch-bench-partitions');
const repeats = Number(arg('repeats', '5'));
const ROWS = 1555;
const FIRST = '2025-01-01';
const WINDOW = shiftDate(FIRST, 364);
const NUMERIC = Array.from({ length: 8 }, (_, i) => `x${i}`);

function rowsSql(days: number): string {
  const numeric = NUMERIC.map((c, k) => `((hash(i * 31 + ${k}) % 10000) / 100.0 + ${k}) AS ${c}`).join(', ');
  return `SELECT 'p' || d || '-' || i AS id, ${numeric},
    CASE WHEN hash(i * 7 + d) % 3 = 0 THEN 'a' WHEN hash(i * 7 + d) % 3 = 1 THEN 'b' ELSE 'c' END AS cat,
    CASE WHEN i % 2 = 0 THEN 'north' ELSE 'south' END AS region,
    (hash(i * 13 + d) % 1000) / 1000.0 AS score,
    strftime(DATE '${WINDOW}' - INTERVAL (${days - 1} - d) DAY, '%Y-%m-%d') AS dt
  FROM range(${days}) s(d), range(${ROWS}) t(i)`;
}

async function ensureData(engine: DuckDbQueryEngine, days: number): Promise<string> {
  const root = join(dir, `days-${days}`);
  if (existsSync(join(root, 'done'))) return root;
  await mkdir(root, { recursive: true });
  await engine.execute(
    `COPY (${rowsSql(days)}) TO '${root}/log' (FORMAT csv, HEADER true, PARTITION_BY (dt))`,
  );
  await engine.execute(
    `COPY (SELECT * EXCLUDE (dt) FROM (${rowsSql(1)})) TO '${root}/reference.csv' (FORMAT csv, HEADER true)`,
  );
  await engine.execute(`COPY (SELECT 1 AS done) TO '${root}/done' (FORMAT csv)`);
  return root;
}

/** The engine as a QueryEngine without `resolveFiles`: jobs fall back to globbing the location. */
function globbing(engine: DuckDbQueryEngine): QueryEngine {
  return {
    dialect: engine.dialect,
    query: (q) => engine.query(q),
    stage: (q) => engine.stage(q),
    stats: () => engine.stats(),
    close: () => engine.close(),
  };
}

function deps(root: string, engine: QueryEngine): JobDeps {
  const definition = validateDefinition({
    model: { id: 'bench', task: 'binary' },
    predictions: {
      location: `${root}/log`,
      format: 'csv',
      idColumn: 'id',
      timestampColumn: 'id',
      scoreColumn: 'score',
    },
    features: [...NUMERIC.map((name) => ({ name, kind: 'numeric' })), { name: 'cat', kind: 'categorical' }],
    segments: ['region'],
    reference: { type: 'dataset', location: `${root}/reference.csv`, format: 'csv' },
    drift: { methods: { numeric: 'psi', categorical: 'psi' } },
  });
  return {
    definition,
    sources: {
      predictions: { location: `${root}/log`, format: 'csv', partitioned: true },
      reference: { location: `${root}/reference.csv`, format: 'csv', partitioned: false },
    },
    engine,
    store: new MemoryResultStore(),
    clock: { now: () => new Date(`${shiftDate(WINDOW, 1)}T06:00:00Z`) },
  };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

const engine = await DuckDbQueryEngine.create(localEngineOptions());
try {
  const roots = { 1: await ensureData(engine, 1), 365: await ensureData(engine, 365) };
  const cases = [
    { name: '1 partition, window files', days: 1 as const, engine: engine as QueryEngine },
    { name: '365 partitions, window files', days: 365 as const, engine: engine as QueryEngine },
    { name: '1 partition, whole-log glob (before)', days: 1 as const, engine: globbing(engine) },
    { name: '365 partitions, whole-log glob (before)', days: 365 as const, engine: globbing(engine) },
  ];
  const prepared = await Promise.all(
    cases.map(async (c) => {
      const d = deps(roots[c.days], c.engine);
      await runBaseline(d);
      await runDrift(d, WINDOW); // warm-up (OS cache)
      return { ...c, deps: d, seconds: [] as number[], cpu: [] as number[], rows: 0 };
    }),
  );
  for (let r = 0; r < repeats; r++) {
    for (const c of prepared) {
      const started = performance.now();
      const cpu = process.cpuUsage();
      const { result } = await runDrift(c.deps, WINDOW);
      const used = process.cpuUsage(cpu);
      c.seconds.push((performance.now() - started) / 1000);
      c.cpu.push((used.user + used.system) / 1e6);
      c.rows = result.rows;
    }
  }
  console.log(`| log | window rows | drift job, median wall s | median CPU s (process) |`);
  console.log(`| --- | --- | --- | --- |`);
  for (const c of prepared) {
    console.log(`| ${c.name} | ${c.rows} | ${median(c.seconds).toFixed(3)} | ${median(c.cpu).toFixed(3)} |`);
  }
} finally {
  await engine.close();
}
