/**
 * Renders BENCHMARKS.md from the bench's raw records (bench/results.json): pure apart from reading
 * the hand-written reading of the numbers (bench/analysis.md) that follows the tables.
 */
import { readFile } from 'node:fs/promises';
import { localEngineOptions } from '../lib/adapters/duckdb-engine.js';
import { ROW_GROUP_ROWS } from './data.js';
import type { WorkerMeasurement } from './worker.js';

/** One measurement of a run: `run` (its start time) pairs it with the bare run of the same repeat. */
export type BenchRecord = { run: string; repeat: number } & (
  | WorkerMeasurement
  | { rows: number; task: string; failed: string }
);

/** Compressed bytes per column per file set (`predictions`, `labels`), keyed by size. */
export type ColumnBytes = Record<string, Record<string, number>>;

export interface Results {
  records: BenchRecord[];
  columnBytes: Record<string, ColumnBytes>;
  machine: { cores: number; cpu: string; memGiB: number; node: string };
}

/** Athena bills at least 10 MB per query. */
export const ATHENA_MINIMUM_BYTES = 10 * 2 ** 20;

const ok = (r: BenchRecord): r is { run: string; repeat: number } & WorkerMeasurement => !('failed' in r);

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

const x = (v: number) => `${v.toFixed(2)}x`;
const sec = (v: number) => `${v.toFixed(2)} s`;
const spread = (xs: number[], f: (v: number) => string) =>
  xs.length ? `${f(median(xs))} (${f(Math.min(...xs))}-${f(Math.max(...xs))})` : 'n/a';
const mib = (b: number) => `${(b / 2 ** 20).toFixed(1)} MiB`;

/** Per size and task: the paired ratios and the absolute figures. */
export function summarize(results: Results) {
  const sizes = [...new Set(results.records.map((r) => r.rows))].sort((a, b) => a - b);
  const tasks = ['bare', 'drift', 'performance', ...new Set(results.records.map((r) => r.task))].filter(
    (t, i, all) => all.indexOf(t) === i && results.records.some((r) => r.task === t),
  );
  return sizes.flatMap((rows) =>
    tasks.flatMap((task) => {
      const all = results.records.filter((r) => r.rows === rows && r.task === task);
      if (!all.length) return [];
      const good = all.filter(ok);
      const paired = good.flatMap((r) => {
        const bare = results.records.find(
          (b) => b.task === 'bare' && b.rows === rows && b.run === r.run && b.repeat === r.repeat,
        );
        return bare && ok(bare) ? [{ r, bare }] : [];
      });
      return [
        {
          rows,
          task,
          runs: good.length,
          failed: all.filter((r) => !ok(r)).map((r) => ('failed' in r ? r.failed : '')),
          cpu: good.map((r) => r.cpuSeconds),
          wall: good.map((r) => r.wallSeconds),
          parallelism: good.map((r) => r.cpuSeconds / r.wallSeconds),
          cpuRatio: paired.map(({ r, bare }) => r.cpuSeconds / bare.cpuSeconds),
          wallRatio: paired.map(({ r, bare }) => r.wallSeconds / bare.wallSeconds),
          maxRssMb: Math.max(...good.map((r) => r.maxRssMb)),
          queries: good[0]?.queries ?? 0,
          reads: good[0]?.reads ?? [],
          runsAt: [...new Set(all.map((r) => r.run.slice(0, 16).replace('T', ' ')))],
        },
      ];
    }),
  );
}

/** Athena projection of one job: per query the referenced columns' bytes (10 MB minimum), summed. */
export function athenaProjection(
  reads: WorkerMeasurement['reads'],
  bytes: ColumnBytes | undefined,
): { scanned: number; referenced: number; dataQueries: number } {
  if (!bytes) return { scanned: 0, referenced: 0, dataQueries: 0 };
  let scanned = 0;
  let dataQueries = 0;
  const union = new Map<string, number>();
  for (const read of reads) {
    let b = 0;
    for (const [set, columns] of Object.entries(read.columns)) {
      for (const c of columns) {
        b += bytes[set]?.[c] ?? 0;
        union.set(`${set}.${c}`, bytes[set]?.[c] ?? 0);
      }
    }
    // Every query that reads the log is billed, at least the minimum (a count(*) too); the
    // describe query reads the catalog (information_schema on Athena), not the files.
    if (Object.keys(read.columns).length && read.name !== 'describe') {
      dataQueries += 1;
      scanned += Math.max(b, ATHENA_MINIMUM_BYTES);
    }
  }
  return { scanned, referenced: [...union.values()].reduce((a, v) => a + v, 0), dataQueries };
}

const JOB_NAMES: Record<string, string> = {
  bare: 'bare scan',
  drift: 'drift + quality job',
  performance: 'performance job',
};

export async function renderBenchmarks(results: Results): Promise<string> {
  const rows = summarize(results);
  const m = results.machine;
  const runs = [...new Set(results.records.map((r) => r.run.slice(0, 16).replace('T', ' ')))].sort();
  const repeats = [...new Set(rows.map((r) => r.runs))].sort((a, b) => a - b);
  const main = [
    '| predictions | job | runs | CPU time, median (min-max) | wall time, median (min-max) | **CPU ratio to paired bare**, median (min-max) | wall ratio to paired bare, median (min-max) | CPU / wall | peak RSS (max) |',
    '| ---: | :--- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...rows.map(
      (r) =>
        `| ${r.rows.toLocaleString('en-US')} | ${JOB_NAMES[r.task] ?? r.task} | ${r.runs}${r.failed.length ? ` (+${r.failed.length} failed)` : ''} | ${spread(r.cpu, sec)} | ${spread(r.wall, sec)} | ${r.task === 'bare' ? '1x' : spread(r.cpuRatio, x)} | ${r.task === 'bare' ? '1x' : spread(r.wallRatio, x)} | ${r.parallelism.length ? x(median(r.parallelism)) : 'n/a'} | ${r.runs ? `${Math.round(r.maxRssMb)} MB` : 'n/a'} |`,
    ),
  ].join('\n');
  const failures = rows
    .flatMap((r) =>
      r.failed.map(
        (f) => `- ${JOB_NAMES[r.task] ?? r.task} at ${r.rows.toLocaleString('en-US')} rows failed: ${f}`,
      ),
    )
    .join('\n');
  const athena = [
    '| predictions | job | queries (engine stats) | queries reading data | projected bytes scanned (sum per query, 10 MB minimum each) | bytes of the columns the job references (each once) | scanned / referenced |',
    '| ---: | :--- | ---: | ---: | ---: | ---: | ---: |',
    ...rows
      .filter((r) => r.task === 'drift' || r.task === 'performance' || r.task === 'bare')
      .map((r) => {
        const p = athenaProjection(r.reads, results.columnBytes[r.rows]);
        return `| ${r.rows.toLocaleString('en-US')} | ${JOB_NAMES[r.task]} | ${r.queries} | ${p.dataQueries} | ${mib(p.scanned)} | ${mib(p.referenced)} | ${p.referenced ? x(p.scanned / p.referenced) : 'n/a'} |`;
      }),
  ].join('\n');
  const parts = rows.filter((r) => r.task.startsWith('part-'));
  const partsTable = parts.length
    ? `\n## Single-aggregate passes\n\nOne query over the same files computing one kind of aggregate for every column, CPU time\nratio to the paired bare scan (\`--tasks bare,part-...\`; see bench/worker.ts for the SQL):\n\n| predictions | pass | runs | CPU ratio, median (min-max) | CPU time, median |\n| ---: | :--- | ---: | ---: | ---: |\n${parts
        .map(
          (r) =>
            `| ${r.rows.toLocaleString('en-US')} | ${r.task} | ${r.runs} | ${spread(r.cpuRatio, x)} | ${sec(median(r.cpu))} |`,
        )
        .join('\n')}\n`
    : '';
  const doc = `# Benchmarks

Generated by \`npm run bench\` (bench/run.ts) from the raw records in bench/results.json; edit
bench/analysis.md for the reading at the end, not this file.

Machine: ${m.cores} cores (${m.cpu}), ${m.memGiB} GiB RAM, Node ${m.node}, DuckDB 1.5.5 embedded (every core,
memory_limit ${localEngineOptions({}).memoryLimit} as local runs use). Shared with other engineers' test runs while measured.
Runs (UTC): ${runs.join(', ')}. ${repeats.join(' / ')} paired repeats per size.

**How it is measured.** Per size and repeat the tasks run one after another (bare, drift,
performance), each in a fresh process over the same files; one unmeasured bare run first warms the
page cache. A ratio compares a job with the bare run of the SAME repeat, so both ran under the
same load. **CPU time** is user + system time of the whole worker process (every thread, DuckDB's
included: a parallel scan shows CPU time above its wall time, column "CPU / wall") during the
timed part; it is the honest measure here, because this 2-core machine is shared and wall time
swings 2-6x with the other processes' load. Wall ratios are shown for completeness. Peak RSS is
the process's maxRSS (DuckDB included) over the whole run.

Data: one daily partition of N predictions x 25 features (20 numeric, 5 categorical), 3 segment
columns (2 values each), a score and an id, zstd Parquet in row groups of ${ROW_GROUP_ROWS.toLocaleString('en-US')} rows (so both
cores work: DuckDB splits a scan by row group), plus a labels partition and a 200,000-row
reference. Generated by \`bench/data.ts\` (deterministic).

- **bare scan**: one DuckDB query computing \`count(*)\` and \`sum\`/\`count\` of every feature column over
  the same files: the floor for any single pass.
- **drift + quality job**: \`runDrift\` for the window (the describe query, the segment-combination
  count, the one drift scan: 10 decile bins, the 1,000-level KS grid, range, moments per numeric
  feature, category counts per categorical one, overall and per segment value; then the statistics
  and data-quality findings). The reference profile is computed before timing (once per reference).
- **performance job**: \`runPerformance\` for the window (predictions joined with labels, ROC-AUC,
  average precision, DeLong variance per grouping, calibration, the operational query), as the
  branch measured implements it.

${main}
${failures ? `\n${failures}\n` : ''}
Targets (issue 14; CPU-time ratios to the paired bare scan): drift <= 3x at 10M and 50M (goal on
the way to 1.2x), peak RSS flat and under 1 GB; performance <= 6x at 10M and linear from 10M to
50M, peak RSS under 1 GB.

## Athena projection

What the same jobs would cost on Athena, which bills the compressed bytes of the columns each
query reads (at least 10 MB per query). Per query of the timed part, the columns its SQL
references (quoted identifiers) are priced with their compressed size in the Parquet footers of
this data set; "referenced" counts each column the job touches once, the floor for any plan that
reads it. Queries over the staged Parquet file (the local two-stage performance path) read no log
bytes; on Athena the job is one query. The describe query reads metadata only.

${athena}
${partsTable}
## Peers (measured elsewhere, quoted, not by this bench)

- Issue 14, same machine, 1M rows x 25 columns: driftwatch's drift took 0.09x Evidently 0.7.21's
  time and 0.39x its memory, 0.13x NannyML 0.13.1's time and 0.23x its memory.
- ../shared/STACK-NOTES.md, this kind of machine, 20 numeric + 5 categorical columns: Evidently
  0.7.21's per-column default tests 31 s at 1M rows, about 500 s and 5.7 GB at 10M; its full drift
  report 147 s and 1.7 GB at 1M, over 10 GB at 10M.

Reproduce: \`npm run bench -- --rows 1000000,10000000 --repeats 3\` prints the tables and writes
nothing in the repo; \`--write\` merges the run into bench/results.json and rewrites this file
(re-measured tasks replace their rows; \`--tasks bare,performance\` re-measures one job with fresh
paired bare runs). The 50M data takes about 9 GB under /tmp/driftwatch-bench and minutes to write.
`;
  const analysis = await readFile(new URL('./analysis.md', import.meta.url), 'utf8').catch(() => '');
  return analysis ? `${doc}\n${analysis}` : doc;
}
