/**
 * One measurement in its own process, so peak RSS belongs to it alone:
 *   tsx bench/worker.ts <drift|performance|bare|part-histograms|part-moments|part-categories> <dataDir> <rows>
 * Prints one JSON line: { task, rows, seconds, maxRssMb }.
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
import { benchDefinition, CATEGORICAL, DAY, NUMERIC } from './data.js';

const [task, dir, rowsText] = process.argv.slice(2) as [string, string, string];
const rows = Number(rowsText);
const base = join(dir, String(rows));
const engine = await DuckDbQueryEngine.create(localEngineOptions());
const definition = validateDefinition(benchDefinition(base, dir));
const store = new MemoryResultStore();
const deps: JobDeps = {
  definition,
  sources: resolveLocalSources(definition, dir),
  engine,
  store,
  clock: { now: () => new Date('2026-02-01T00:00:00Z') },
};

/**
 * Single passes over the same files with one kind of aggregate each, to show where the drift
 * scan's time goes: `bare` is the floor the issue names (count and sum of every column); the
 * `part-*` tasks add one aggregate per column of the kind the drift scan computes.
 */
const bins = (k: number) =>
  `[${[-2, -1, -0.5, -0.25, 0, 0.25, 0.5, 1, 2].map((z) => (k + z * (1 + k / 10)).toExponential()).join(', ')}]`;
const passes: Record<string, string> = {
  bare: [...NUMERIC.map((c) => `sum(${c})`), ...CATEGORICAL.map((c) => `count(${c})`)].join(', '),
  'part-histograms': NUMERIC.map((c, k) => `histogram(${c}, ${bins(k)})`).join(', '),
  'part-moments': NUMERIC.map((c) => `avg(${c}), stddev_pop(${c})`).join(', '),
  'part-categories': CATEGORICAL.map((c) => `histogram(${c})`).join(', '),
};

let seconds = 0;
if (passes[task]) {
  const started = performance.now();
  await engine.query({
    name: task,
    sql: `SELECT count(*), ${passes[task]} FROM read_parquet('${join(base, 'predictions')}/**/*.parquet', hive_partitioning = true, hive_types_autocast = false) WHERE dt >= ? AND dt < ?`,
    parameters: [DAY, '2026-01-16'],
  });
  seconds = (performance.now() - started) / 1000;
} else if (task === 'drift') {
  await runBaseline(deps); // the reference profile is computed once per reference, not per window
  const started = performance.now();
  const { result } = await runDrift(deps, DAY);
  seconds = (performance.now() - started) / 1000;
  if (result.rows !== rows) throw new Error(`drift saw ${result.rows} rows, expected ${rows}`);
} else if (task === 'performance') {
  const started = performance.now();
  const { result } = await runPerformance(deps, DAY);
  seconds = (performance.now() - started) / 1000;
  if (result.overall.labelled !== rows)
    throw new Error(`performance saw ${result.overall.labelled} labels, expected ${rows}`);
} else {
  throw new Error(`unknown task ${task}: use drift, performance, ${Object.keys(passes).join(', ')}`);
}
await engine.close();
const maxRssMb = process.resourceUsage().maxRSS / 1024;
process.stdout.write(`${JSON.stringify({ task, rows, seconds, maxRssMb })}\n`);
