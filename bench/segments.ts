/**
 * The drift job on a window with many segment values (148 values of one segment column), for the
 * fine-grid-per-segment cost: `npx tsx bench/segments.ts [ks|auto] [dir]` prints the profile's size
 * and the drift run's CPU and wall time. 8 numeric features, 50,000 reference rows, 500,000 window rows.
 */
import { mkdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { DuckDbQueryEngine, localEngineOptions } from '../lib/adapters/duckdb-engine.js';
import { FsResultStore } from '../lib/adapters/fs-store.js';
import { validateDefinition } from '../lib/config/load.js';
import { runBaseline } from '../lib/jobs/baseline.js';
import { runDrift } from '../lib/jobs/drift.js';
import { resolveLocalSources } from '../lib/jobs/sources.js';

const method = (process.argv[2] ?? 'auto') as 'auto' | 'ks';
const dir = process.argv[3] ?? '/tmp/driftwatch-bench/segments';
const engine = await DuckDbQueryEngine.create(localEngineOptions());
const cols = Array.from({ length: 8 }, (_, k) => `x${k}`);
const rowsSql = (n: number, salt: number) =>
  `SELECT ${cols.map((c, k) => `(hash(i * 16 + ${k} + ${salt}) % 100000)::DOUBLE / 1000 + ${k} AS ${c}`).join(', ')}, 'shop' || (hash(i + ${salt}) % 148) AS shop, (hash(i + ${salt} + 1) % 1000)::DOUBLE / 1000 AS score, 'id' || i AS id, TIMESTAMP '2026-01-15 00:00:00' AS ts FROM range(${n}) t(i)`;
await mkdir(join(dir, 'log', 'dt=2026-01-15'), { recursive: true });
await engine.execute(`COPY (${rowsSql(50_000, 7)}) TO '${join(dir, 'reference.parquet')}' (FORMAT parquet)`);
await engine.execute(
  `COPY (${rowsSql(500_000, 9)}) TO '${join(dir, 'log', 'dt=2026-01-15', 'part.parquet')}' (FORMAT parquet)`,
);
const definition = validateDefinition({
  model: { id: 'seg', task: 'binary' },
  predictions: { location: join(dir, 'log'), idColumn: 'id', timestampColumn: 'ts', scoreColumn: 'score' },
  features: cols.map((name) => ({ name, kind: 'numeric' as const })),
  segments: ['shop'],
  reference: { type: 'dataset', location: join(dir, 'reference.parquet') },
  drift: { methods: { numeric: method } },
});
await rm(join(dir, 'store'), { recursive: true, force: true });
const deps = {
  definition,
  sources: resolveLocalSources(definition, dir),
  engine,
  store: new FsResultStore(join(dir, 'store')),
  clock: { now: () => new Date('2026-02-01T00:00:00Z') },
};
await runBaseline(deps);
const c0 = process.cpuUsage();
const t0 = performance.now();
await runDrift(deps, '2026-01-15');
const cpu = process.cpuUsage(c0);
const profile = await stat(join(dir, 'store', 'seg', 'baseline', 'reference-profile.json'));
console.log(
  JSON.stringify({
    method,
    profileMB: +(profile.size / 1e6).toFixed(2),
    driftCpuSeconds: (cpu.user + cpu.system) / 1e6,
    driftWallSeconds: (performance.now() - t0) / 1000,
  }),
);
await engine.close();
