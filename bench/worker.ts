/**
 * One measurement in its own process, so peak RSS and CPU time belong to it alone:
 *   tsx bench/worker.ts <task> <dataDir> <rows>
 * Tasks: bare, drift, performance, and the single-aggregate passes part-* (see `passes`).
 * Prints one JSON line (a WorkerMeasurement).
 *
 * CPU time is `process.cpuUsage()` (getrusage of the whole process: user + system time of every
 * thread, DuckDB's worker threads included; bench/run.ts checks that with a parallel scan, whose
 * CPU time exceeds its wall time) taken around the timed part only.
 */
import { join } from 'node:path';
import { DuckDbQueryEngine, localEngineOptions } from '../lib/adapters/duckdb-engine.js';
import { MemoryResultStore } from '../lib/adapters/memory-store.js';
import { validateDefinition } from '../lib/config/load.js';
import { runBaseline } from '../lib/jobs/baseline.js';
import { runDrift } from '../lib/jobs/drift.js';
import { runPerformance } from '../lib/jobs/performance.js';
import { resolveLocalSources } from '../lib/jobs/sources.js';
import type { JobDeps } from '../lib/jobs/types.js';
import type { CompiledQuery, QueryEngine } from '../lib/ports.js';
import { benchDefinition, benchFolder, CATEGORICAL, DAY, NUMERIC } from './data.js';

/** What one worker run reports. */
export interface WorkerMeasurement {
  task: string;
  rows: number;
  wallSeconds: number;
  /** User + system CPU seconds of the process (all threads) during the timed part. */
  cpuSeconds: number;
  userSeconds: number;
  systemSeconds: number;
  /** The process's peak resident set (DuckDB included), whole run. */
  maxRssMb: number;
  /** Queries the engine ran in the timed part (its stats()). */
  queries: number;
  /** Per query of the timed part: its name and the columns it references per file set. */
  reads: QueryRead[];
}

export interface QueryRead {
  name: string;
  /** File set ('predictions' | 'labels' | 'reference') -> referenced column names. */
  columns: Record<string, string[]>;
}

const [task, dir, rowsText] = process.argv.slice(2) as [string, string, string];
const rows = Number(rowsText);
const base = benchFolder(dir, rows);
const engine = await DuckDbQueryEngine.create(localEngineOptions());

/** Records the text of every query, for the Athena projection (columns each query reads). */
const seen: CompiledQuery[] = [];
const recording: QueryEngine = {
  dialect: engine.dialect,
  query: (q) => {
    seen.push(q);
    return engine.query(q);
  },
  queryColumns: (q) => {
    seen.push(q);
    return engine.queryColumns(q);
  },
  stage: (q) => {
    seen.push(q);
    return engine.stage(q);
  },
  resolveFiles: (source, range) => engine.resolveFiles(source, range),
  stats: () => engine.stats(),
  close: () => engine.close(),
};
const definition = validateDefinition(benchDefinition(dir, rows));
const deps: JobDeps = {
  definition,
  sources: resolveLocalSources(definition, dir),
  engine: recording,
  store: new MemoryResultStore(),
  clock: { now: () => new Date('2026-02-01T00:00:00Z') },
};

/**
 * Single passes over the same files with one kind of aggregate each: `bare` is the floor the
 * issue names (count and sum of every column); the `part-*` tasks compute one aggregate per
 * column of the kind the drift scan computes.
 */
const q = (c: string) => `"${c}"`;
const bins = (k: number) =>
  `[${[-2, -1, -0.5, -0.25, 0, 0.25, 0.5, 1, 2].map((z) => (k + z * (1 + k / 10)).toExponential()).join(', ')}]`;
const passes: Record<string, string> = {
  bare: [...NUMERIC.map((c) => `sum(${q(c)})`), ...CATEGORICAL.map((c) => `count(${q(c)})`)].join(', '),
  'part-histograms': NUMERIC.map((c, k) => `histogram(${q(c)}, ${bins(k)})`).join(', '),
  'part-moments': NUMERIC.map((c) => `avg(${q(c)}), stddev_pop(${q(c)})`).join(', '),
  'part-minmax': NUMERIC.map((c) => `min(${q(c)} + 0), max(${q(c)} + 0)`).join(', '),
  'part-sums': NUMERIC.map((c) => `sum(${q(c)}), sum(${q(c)} * ${q(c)})`).join(', '),
  'part-categories': CATEGORICAL.map((c) => `histogram(${q(c)})`).join(', '),
};

let cpuBefore = process.cpuUsage();
let statsBefore = engine.stats();
let started = performance.now();
if (passes[task]) {
  await recording.query({
    name: task,
    sql: `SELECT count(*), ${passes[task]} FROM read_parquet('${join(base, 'predictions')}/**/*.parquet', hive_partitioning = true, hive_types_autocast = false) WHERE dt >= ? AND dt < ?`,
    parameters: [DAY, '2026-01-16'],
  });
} else if (task === 'drift') {
  // The reference profile is computed once per reference, not per window: not timed.
  await runBaseline(deps);
  seen.length = 0;
  cpuBefore = process.cpuUsage();
  statsBefore = engine.stats();
  started = performance.now();
  const { result } = await runDrift(deps, DAY);
  if (result.rows !== rows) throw new Error(`drift saw ${result.rows} rows, expected ${rows}`);
} else if (task === 'performance') {
  const { result } = await runPerformance(deps, DAY);
  if (result.overall.labelled !== rows)
    throw new Error(`performance saw ${result.overall.labelled} labels, expected ${rows}`);
} else {
  throw new Error(`unknown task ${task}: use drift, performance, ${Object.keys(passes).join(', ')}`);
}
const wallSeconds = (performance.now() - started) / 1000;
const cpu = process.cpuUsage(cpuBefore);
const queries = engine.stats().queries - statsBefore.queries;
await engine.close();

/** The columns a query's text references, per file set (quoted identifiers: every builder quotes). */
const fileSets: Record<string, { path: string; columns: string[] }> = {
  predictions: {
    path: join(base, 'predictions'),
    columns: ['prediction_id', 'ts', ...NUMERIC, ...CATEGORICAL, 'region', 'channel', 'locale', 'score'],
  },
  labels: { path: join(base, 'labels'), columns: ['prediction_id', 'label'] },
};
const reads: QueryRead[] = seen.map((query) => {
  const columns: Record<string, string[]> = {};
  for (const [set, { path, columns: names }] of Object.entries(fileSets)) {
    if (!query.sql.includes(path)) continue;
    columns[set] = names.filter((name) => query.sql.includes(`"${name}"`));
  }
  return { name: query.name, columns };
});

const measurement: WorkerMeasurement = {
  task,
  rows,
  wallSeconds,
  cpuSeconds: (cpu.user + cpu.system) / 1e6,
  userSeconds: cpu.user / 1e6,
  systemSeconds: cpu.system / 1e6,
  maxRssMb: process.resourceUsage().maxRSS / 1024,
  queries,
  reads,
};
process.stdout.write(`${JSON.stringify(measurement)}\n`);
