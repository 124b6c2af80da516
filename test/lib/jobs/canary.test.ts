/**
 * The canary job end to end through DuckDB: generated hourly logs of an incumbent (v1) and a
 * candidate (v2), one query per window, the stored evidence, the verdict and its event.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
// ajv is CommonJS: under NodeNext its default import is the module object, so use the named class.
import { Ajv } from 'ajv';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { DuckDbQueryEngine } from '../../../lib/adapters/duckdb-engine.js';
import { MemoryResultStore } from '../../../lib/adapters/memory-store.js';
import { canaryEnvelope } from '../../../lib/alerts/canary.js';
import { validateDefinition } from '../../../lib/config/load.js';
import { type CanaryResult, canaryKeys } from '../../../lib/jobs/canary.js';
import { runJob } from '../../../lib/jobs/run-job.js';
import type { JobDeps } from '../../../lib/jobs/types.js';
import { timeWindow } from '../../../lib/jobs/windows.js';
import { runCli } from '../../helpers/cli.js';
import { tempDir } from '../../helpers/temp.js';
import { RecordingNotifier } from '../alerts/fixtures.js';

let engine: DuckDbQueryEngine;
let dir: { path: string; cleanup: () => Promise<void> };
const HOURS = 10;

/** A uniform in [0, 1) from one 64-bit key (DuckDB's hash of a single BIGINT). */
const u = (seed: number, k: number) =>
  `((hash(${seed}::BIGINT * 1000003 + h * 100003 + i * 16 + ${k}) % 1000000) / 1e6)`;

/**
 * `HOURS` hours of 2026-03-01: 3,000 v1 and 1,000 v2 predictions an hour, 2% errors, 5% slower than
 * 250 ms (v2: `slowV2` of them), scores uniform, labels for half the rows (y ~ Bernoulli(score)).
 */
async function writeLog(name: string, seed: number, slowV2: number): Promise<void> {
  await mkdir(`${dir.path}/${name}`, { recursive: true });
  const rows = `SELECT 'r' || h || '-' || i AS id,
      TIMESTAMP '2026-03-01 00:00:00' + to_seconds(CAST(h * 3600 + floor(${u(seed, 0)} * 3600) AS BIGINT)) AS ts,
      CASE WHEN i < 1000 THEN 'v2' ELSE 'v1' END AS model_version,
      ${u(seed, 1)} < 0.02 AS error,
      CASE WHEN ${u(seed, 2)} < (CASE WHEN i < 1000 THEN ${slowV2} ELSE 0.05 END) THEN 300 + 100 * ${u(seed, 3)} ELSE 40 + 100 * ${u(seed, 3)} END AS latency_ms,
      ${u(seed, 4)} AS score,
      CAST(${u(seed, 5)} < ${u(seed, 4)} AS INTEGER) AS y,
      ${u(seed, 6)} < 0.5 AS has_label,
      '2026-03-01' AS dt
    FROM range(${HOURS}) t(h), range(4000) s(i)`;
  await engine.execute(
    `COPY (SELECT * EXCLUDE (y, has_label) FROM (${rows})) TO '${dir.path}/${name}/predictions' (FORMAT parquet, PARTITION_BY (dt))`,
  );
  await engine.execute(
    `COPY (SELECT id, y, dt FROM (${rows}) WHERE has_label) TO '${dir.path}/${name}/labels' (FORMAT parquet, PARTITION_BY (dt))`,
  );
}

beforeAll(async () => {
  engine = await DuckDbQueryEngine.create();
  dir = await tempDir();
  await writeLog('slow', 1, 0.3);
  for (const seed of [11, 12, 13]) await writeLog(`healthy-${seed}`, seed, 0.05);
});

afterAll(async () => {
  await engine.close();
  await dir.cleanup();
});

function deps(name: string, store: MemoryResultStore, notifier: RecordingNotifier, now: string): JobDeps {
  const definition = validateDefinition({
    model: { id: 'toy', task: 'binary' },
    predictions: {
      location: 'predictions',
      idColumn: 'id',
      timestampColumn: 'ts',
      scoreColumn: 'score',
      modelVersionColumn: 'model_version',
      latencyColumn: 'latency_ms',
      errorColumn: 'error',
    },
    features: [{ name: 'score', kind: 'numeric' }],
    labels: { location: 'labels', idColumn: 'id', labelColumn: 'y', delay: 'P1D' },
    reference: { type: 'range', from: '2026-03-01', to: '2026-03-01' },
    canary: {
      latencyBound: 250,
      minimumRows: 4000,
      margins: { errorRate: 0.01, latencyOverBound: 0.02, misclassification: 0.05 },
    },
  });
  return {
    definition,
    sources: {
      predictions: { location: `${dir.path}/${name}/predictions`, format: 'parquet', partitioned: true },
      labels: { location: `${dir.path}/${name}/labels`, format: 'parquet', partitioned: true },
    },
    engine,
    store,
    notifier,
    clock: { now: () => new Date(now) },
  };
}

const hour = (h: number) => `2026-03-01T${String(h).padStart(2, '0')}:00:00Z`;

/** Runs the canary for hours 0..n-1 as the hourly schedule would (5 minutes after each hour). */
async function runHours(
  name: string,
  n: number,
  store = new MemoryResultStore(),
  notifier = new RecordingNotifier(),
) {
  const verdicts: string[] = [];
  for (let h = 0; h < n; h++) {
    // No window given: the last complete one before the clock (hour h at h+1:05).
    const now = new Date(Date.parse(hour(h + 1)) + 5 * 60_000).toISOString();
    const summary = await runJob({ job: 'canary' }, deps(name, store, notifier, now));
    expect(summary.window?.start).toBe(hour(h));
    verdicts.push(summary.message.split(' ')[0]!);
  }
  return { store, notifier, verdicts };
}

async function validator() {
  const schema = JSON.parse(
    await readFile(new URL('../../../schemas/canary-verdict.v1.json', import.meta.url), 'utf8'),
  ) as object;
  const ajv = new Ajv({ strict: true, allErrors: true });
  ajv.addFormat('date-time', { validate: (value: string) => !Number.isNaN(Date.parse(value)) });
  return ajv.compile(schema);
}

describe('canary job (DuckDB)', () => {
  it('reads each window per version with one query: rows, errors, slow rows, labels, score bins', async () => {
    const store = new MemoryResultStore();
    await runJob(
      { job: 'canary', start: hour(0) },
      deps('healthy-11', store, new RecordingNotifier(), hour(1)),
    );
    const doc = await store.getJson<CanaryResult>(canaryKeys.window('toy', timeWindow(hour(0), 'PT1H')));
    expect(doc!.versions.map((v) => [v.version, v.rows])).toEqual([
      ['v1', 3000],
      ['v2', 1000],
    ]);
    const v2 = doc!.versions[1]!;
    expect(v2.scoreBins!.reduce((a, b) => a + b, 0)).toBe(1000);
    expect(v2.timed).toBe(1000);
    expect(v2.errors! / 1000).toBeGreaterThan(0.005);
    expect(v2.labelled! / 1000).toBeGreaterThan(0.4);
    expect(v2.firstSeen >= hour(0) && v2.firstSeen < hour(1)).toBe(true);
    // The same counts straight from the file, by DuckDB.
    const direct = await engine.query({
      name: 'check',
      sql: `SELECT count_if(latency_ms > 250) AS slow, count_if(error) AS errors FROM read_parquet('${dir.path}/healthy-11/predictions/**/*.parquet')
        WHERE model_version = 'v2' AND ts < TIMESTAMP '2026-03-01 01:00:00'`,
      parameters: [],
    });
    expect(v2.slow).toBe(direct[0]!.slow);
    expect(v2.errors).toBe(direct[0]!.errors);
  });

  it('rolls a latency regression of the candidate back within two hourly windows', async () => {
    const { verdicts, notifier } = await runHours('slow', 2);
    // Measured: roll_back already at the first hour (slow share 30% vs 5%), and it sticks.
    expect(verdicts.indexOf('roll_back')).toBeGreaterThanOrEqual(0);
    expect(verdicts.at(-1)).toBe('roll_back');
    const event = notifier.canaryVerdicts.at(-1)!;
    expect(event.detail).toMatchObject({ verdict: 'roll_back', candidate: 'v2', incumbent: 'v1' });
    const validate = await validator();
    expect(validate(canaryEnvelope(event as never)), JSON.stringify(validate.errors)).toBe(true);
    expect((event.detail.reasons as { code: string }[]).map((r) => r.code)).toContain('latency_worse');
  });

  it('holds, then promotes healthy candidates, never rolling one back (3 seeds, 10 hours each)', async () => {
    for (const seed of [11, 12, 13]) {
      const { verdicts } = await runHours(`healthy-${seed}`, HOURS);
      expect(verdicts).not.toContain('roll_back');
      expect(verdicts[0]).toBe('hold');
      // Not before the configured evidence: 4,000 candidate rows come at the fourth hour.
      expect(verdicts.indexOf('promote')).toBeGreaterThanOrEqual(3);
      expect(verdicts.at(-1)).toBe('promote');
    }
  });

  it('counts a re-run window once and publishes its verdict once; events match the v1 schema', async () => {
    const validate = await validator();
    const store = new MemoryResultStore();
    const notifier = new RecordingNotifier();
    for (const h of [0, 1, 1, 2, 1]) {
      await runJob({ job: 'canary', start: hour(h) }, deps('healthy-12', store, notifier, hour(h + 1)));
    }
    const again = await runJob(
      { job: 'canary', start: hour(2) },
      deps('healthy-12', store, notifier, hour(3)),
    );
    const fresh = new MemoryResultStore();
    for (const h of [0, 1, 2])
      await runJob(
        { job: 'canary', start: hour(h) },
        deps('healthy-12', fresh, new RecordingNotifier(), hour(h + 1)),
      );
    const a = await store.getJson<CanaryResult>(again.resultKey!);
    const b = await fresh.getJson<CanaryResult>(again.resultKey!);
    expect(a!.verdict).toEqual(b!.verdict);
    expect(a!.verdict.evidence.candidateRows).toBe(3000);
    // One event per window and verdict: hours 0, 1, 2 (re-runs found their delivery marker).
    expect(notifier.canaryVerdicts.map((e) => (e.detail.window as { start: string }).start)).toEqual([
      hour(0),
      hour(1),
      hour(2),
    ]);
    for (const event of notifier.canaryVerdicts) {
      const envelope = canaryEnvelope(event as never);
      expect(validate(envelope), JSON.stringify(validate.errors)).toBe(true);
    }
    const envelope = canaryEnvelope(notifier.canaryVerdicts[0] as never);
    expect(validate({ ...envelope, detail: { ...envelope.detail, verdict: 'ship_it' } })).toBe(false);
  });

  it('is inconclusive when the log has one version only, and says why', async () => {
    const store = new MemoryResultStore();
    const d = deps('healthy-11', store, new RecordingNotifier(), hour(1));
    const only = {
      ...d,
      definition: { ...d.definition, canary: { ...d.definition.canary!, candidate: { version: 'v9' } } },
    };
    const summary = await runJob({ job: 'canary', start: hour(0) }, only);
    expect(summary.message).toMatch(
      /^inconclusive \(v9 vs \(none\)\): the candidate version "v9" has no prediction/,
    );
  });
  it('runs from the CLI for one window (--start) and appends the verdict to canary.jsonl', async () => {
    const config = join(dir.path, 'cli.yaml');
    const out = join(dir.path, 'cli-out');
    const definition = deps('slow', new MemoryResultStore(), new RecordingNotifier(), hour(1)).definition;
    await writeFile(
      config,
      stringify({
        ...definition,
        predictions: { ...definition.predictions, location: join(dir.path, 'slow', 'predictions') },
        labels: { ...definition.labels, location: join(dir.path, 'slow', 'labels') },
      }),
    );
    const args = ['run', '--config', config, '--job', 'canary', '--start', hour(0), '--out', out];
    const first = await runCli(args);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toMatch(/canary\s+2026-03-01T00:00:00Z\s+ok\s+roll_back \(v2 vs v1\)/);
    await runCli(args);
    const lines = (await readFile(join(out, 'canary.jsonl'), 'utf8')).trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0]!).detail).toMatchObject({ verdict: 'roll_back', model: 'toy' });
  });
});
