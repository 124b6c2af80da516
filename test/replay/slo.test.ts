/**
 * The hourly slo schedule of the synthesized demo app, fired through the real model handler on the
 * Athena stand-in (the replay's mornings skip hourly schedules: `HOURLY` in replay.ts). The SLO
 * query's Trino text must run within Athena's limits, and the budget it stores must equal the local
 * (DuckDB) run's on the same data.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { DuckDbQueryEngine } from '../../lib/adapters/duckdb-engine.js';
import { MemoryResultStore } from '../../lib/adapters/memory-store.js';
import { validateDefinition } from '../../lib/config/load.js';
import { demoDefinition } from '../../lib/demo/definition.js';
import { DEMO_DEFAULTS, generateDemo } from '../../lib/demo/generate.js';
import { runSlo } from '../../lib/jobs/slo.js';
import { type SloResult, sloKeys } from '../../lib/jobs/slo-result.js';
import { resolveLocalSources } from '../../lib/jobs/sources.js';
import { shiftDate, timeWindow } from '../../lib/jobs/windows.js';
import { tempDir } from '../helpers/temp.js';
import { demoDeployment, REPLAY_LOGS_BUCKET } from './deployment.js';
import { HOURLY, invokeModel, type Replay, scheduledEvent, startReplay } from './replay.js';

const MODEL = 'credit-default';
let work: { path: string; cleanup: () => Promise<void> };
let replay: Replay;
let local: DuckDbQueryEngine;

beforeAll(async () => {
  work = await tempDir('dw-replay-slo-');
  local = await DuckDbQueryEngine.create({ threads: 1 });
  await generateDemo(local, { ...DEMO_DEFAULTS, outDir: work.path, rowsPerDay: 400, days: 3 });
  replay = await startReplay({
    deployment: demoDeployment('slo'),
    s3Endpoint: inject('s3Endpoint'),
    uploads: [{ from: join(work.path, 'data'), to: `s3://${REPLAY_LOGS_BUCKET}/${MODEL}/` }],
    workDir: join(work.path, 'athena'),
    threads: 1,
  });
}, 120_000);

afterAll(async () => {
  await replay?.close();
  await local?.close();
  await work?.cleanup();
});

describe('the hourly slo schedule on AWS (replayed)', () => {
  it('fires the slo job through the handler: one Athena query a run (and its file check), the local budget exactly', async () => {
    const schedule = replay.deployment.schedules.find((s) => HOURLY.test(s.expression));
    expect(schedule?.expression).toBe('cron(5 * * * ? *)');
    expect(schedule?.input).toEqual({ job: 'slo', scheduledTime: '<aws.scheduler.scheduled-time>' });
    // The third day of the log: its first hours, after two whole days.
    const day = shiftDate(DEMO_DEFAULTS.startDate, 2);
    const times = ['00:05', '01:05', '02:05'].map((t) => `${day}T${t}:00Z`);
    const before = replay.athena.queries.length;
    for (const at of times) {
      const invocation = await invokeModel(replay, scheduledEvent(schedule?.input ?? {}, at));
      expect(invocation.outcome, invocation.error).toBe('ok');
    }
    const all = replay.athena.queries.slice(before);
    // Before it, each run checks the files of its days for the SLO's columns (lib/jobs/file-check.ts):
    // the timestamp and the version (per-version budgets); not the latency, which may be NULL (an
    // error row), so on Athena an all-NULL file of it cannot be told from a missing column.
    const checks = all.filter((q) => q.sql.includes('"$path"'));
    const counted = ['count("ts")', 'count("model_version")'];
    expect(checks.map((q) => [...new Set(q.sql.match(/count\("[^"]+"\)/g))])).toEqual([
      counted,
      counted,
      counted,
    ]);
    expect(checks.map((q) => q.rows)).toEqual([[], [], []]);
    const queries = all.filter((q) => !q.sql.includes('"$path"'));
    expect(replay.athena.refused).toEqual([]);
    expect(queries.map((q) => q.reason)).toEqual([undefined, undefined, undefined]);
    // The first run counts the period up to now (two days of log) in one query; each next run the
    // recount (PT6H by default: late rows, a backfill) before its last end plus the new hour.
    const quoted = (d: string) => `'${d}'`;
    expect(queries.map((q) => q.parameters.slice(0, 2))).toEqual([
      [quoted(shiftDate(day, -30)), quoted(day)], // 30 days up to 00:00
      [quoted(shiftDate(day, -1)), quoted(shiftDate(day, 1))], // 18:00 to 01:00 spans midnight
      [quoted(shiftDate(day, -1)), quoted(shiftDate(day, 1))], // 19:00 to 02:00 too
    ]);

    // The same runs locally on the same files: the same budgets and burn rates.
    const definition = validateDefinition(demoDefinition(join(work.path, 'data')), 'demo');
    const store = new MemoryResultStore();
    for (const at of times) {
      const deps = {
        definition,
        sources: resolveLocalSources(definition, work.path),
        engine: local,
        store,
        clock: { now: () => new Date(at) },
      };
      const { result } = await runSlo(deps);
      const key = sloKeys.result(MODEL, timeWindow(result.window.start, 'PT1H'));
      const stored = await replay.store.getJson<SloResult>(key);
      expect(stored, key).toBeDefined();
      const view = (r: SloResult) =>
        r.slos.map((s) => ({
          budget: s.budget,
          burn: s.rules.map((x) => [x.long.burnRate, x.short.burnRate, x.firing]),
          versions: s.versions.map((v) => [v.version, v.budget.total, v.budget.bad]),
        }));
      expect(view(stored as SloResult)).toEqual(view(result));
      expect(result.slos[0]?.budget.total).toBeGreaterThan(0);
    }
  }, 120_000);
});
