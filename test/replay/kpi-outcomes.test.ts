/**
 * Outcome KPIs on AWS (issue #17): a synthesized ModelMonitor whose definition has an outcomes log
 * and an outcome KPI, run through the real model handler (drift schedule, morning by morning)
 * against the local S3 server and the Athena stand-in over the template's Glue tables, outcomes
 * landing late (a third of a window's outcomes the next day, the rest three days after it).
 *
 * What must hold: the morning after a window its outcome KPI is `not_mature`; once its outcomes
 * matured, the KPI is computed by one Athena query over the outcomes table, equal to the local
 * (DuckDB) run on the same files; a real drop of revenue per decision opens one critical incident
 * on the morning that window matures, not before; and every Athena request keeps its `?`
 * parameters in WHERE clauses (the stand-in fails the query otherwise) with the exact values.
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { ModelMonitor } from '../../infra/model-monitor.js';
import { MonitoringHub } from '../../infra/monitoring-hub.js';
import { DuckDbQueryEngine } from '../../lib/adapters/duckdb-engine.js';
import { MemoryResultStore } from '../../lib/adapters/memory-store.js';
import type { AlertState } from '../../lib/alerts/types.js';
import { validateDefinition } from '../../lib/config/load.js';
import type { MonitorDefinitionInput } from '../../lib/config/schema.js';
import { alertKeys } from '../../lib/jobs/alerts.js';
import { runKpis } from '../../lib/jobs/kpi.js';
import type { KpiResult } from '../../lib/jobs/kpi-result.js';
import { resultKeys, shiftDate, windowFor } from '../../lib/jobs/windows.js';
import { quoteString } from '../../lib/sql/identifiers.js';
import { tempDir } from '../helpers/temp.js';
import { parameterClauses } from './athena-standin.js';
import { REPLAY_ACCOUNT, REPLAY_LOGS_BUCKET, REPLAY_REGION, readDeployment } from './deployment.js';
import type { Invocation } from './lambda.js';
import { invokeModel, type Replay, scheduledEvent, startReplay, uploadFolder } from './replay.js';

const MODEL = 'lending';
const START = '2026-10-01';
const DAYS = 12; // windows 0..11 of predictions
const DROP = 8; // revenue per positive decision halves from this window on
const ROWS = 600;
const BASE = `s3://${REPLAY_LOGS_BUCKET}/${MODEL}`;
const day = (i: number) => shiftDate(START, i);

const definitionInput: MonitorDefinitionInput = {
  model: { id: MODEL, task: 'binary', tier: 2 },
  predictions: {
    location: `${BASE}/predictions/`,
    format: 'parquet',
    idColumn: 'id',
    timestampColumn: 'ts',
    scoreColumn: 'score',
  },
  features: [{ name: 'income', kind: 'numeric' }],
  segments: ['region'],
  outcomes: { location: `${BASE}/outcomes/`, format: 'parquet', idColumn: 'id', delay: 'P3D' },
  kpis: [
    {
      name: 'revenue_per_decision',
      aggregate: 'mean',
      column: 'revenue',
      per: 'positive_decision',
      source: 'outcomes',
      thresholds: { relative: 0.2 },
      direction: 'higher_is_better',
    },
  ],
  reference: { type: 'range', from: day(0), to: day(1) },
};

/** A uniform draw in (0, 1) from one 64-bit key per (day, row, stream). */
const u = (d: number, stream: number) =>
  `((hash(CAST((${d}::HUGEINT * 100000000 + i) * 16 + ${stream} AS UBIGINT)) >> 11)::DOUBLE + 0.5) / 9007199254740992.0`;

/**
 * The logs: predictions by `dt` (window), outcomes by `dt` = ARRIVAL date: a third of a window's
 * outcomes arrive the day after it, the rest three days after it.
 */
async function writeLogs(engine: DuckDbQueryEngine, dir: string): Promise<void> {
  const parts = Array.from({ length: DAYS }, (_, d) => {
    const scale = d >= DROP ? 50 : 100;
    return `SELECT 'p-${d}-' || i AS id, ${quoteString(day(d))} AS dt,
        ${quoteString(day(d))}::TIMESTAMP + to_seconds(i * 60) AS ts,
        ${u(d, 1)} AS score, 20000 + 60000 * ${u(d, 2)} AS income,
        CASE WHEN ${u(d, 3)} < 0.5 THEN 'north' ELSE 'south' END AS region,
        round(${u(d, 4)} * ${scale}, 2) AS revenue,
        strftime(${quoteString(day(d))}::DATE + (CASE WHEN ${u(d, 5)} < 1.0 / 3 THEN 1 ELSE 3 END) * INTERVAL 1 DAY, '%Y-%m-%d') AS arrival
      FROM range(${ROWS}) t(i)`;
  });
  await engine.execute(`CREATE OR REPLACE TEMP TABLE w AS ${parts.join(' UNION ALL ')}`);
  await mkdir(dir, { recursive: true });
  await engine.execute(
    `COPY (SELECT id, ts, score, income, region, dt FROM w) TO ${quoteString(`${dir}/predictions`)} (FORMAT parquet, PARTITION_BY (dt))`,
  );
  await engine.execute(
    `COPY (SELECT id, revenue, arrival AS dt FROM w) TO ${quoteString(`${dir}/outcomes`)} (FORMAT parquet, PARTITION_BY (dt))`,
  );
}

let work: { path: string; cleanup: () => Promise<void> };
let local: DuckDbQueryEngine;
let replay: Replay;
const uploaded = new Set<string>();

/** Uploads the outcome partitions that had arrived before `morning` (dt < morning) and refreshes Athena's view. */
async function outcomesArrivedBefore(morning: string): Promise<void> {
  for (let d = 1; d <= DAYS + 3; d++) {
    const dt = day(d);
    if (dt >= morning || uploaded.has(dt)) continue;
    await uploadFolder(
      replay.s3,
      join(work.path, 'logs', 'outcomes', `dt=${dt}`),
      `${BASE}/outcomes/dt=${dt}/`,
    );
    uploaded.add(dt);
  }
  await replay.athena.refreshTables();
}

beforeAll(async () => {
  work = await tempDir('dw-replay-kpi-');
  local = await DuckDbQueryEngine.create({ threads: 1 });
  await writeLogs(local, join(work.path, 'logs'));
  const app = new App({ postCliContext: { 'aws:cdk:bundling-stacks': [] } });
  const stack = new Stack(app, 'Kpi', { env: { account: REPLAY_ACCOUNT, region: REPLAY_REGION } });
  const hub = new MonitoringHub(stack, 'Hub', { alertEmails: ['ml-oncall@example.com'] });
  // The daily baseline is off: it is run once below, before the first morning.
  const monitor = new ModelMonitor(stack, 'Lending', {
    hub,
    ...definitionInput,
    schedules: { baseline: 'off' },
  });
  replay = await startReplay({
    deployment: readDeployment(stack, [monitor], 'kpi'),
    s3Endpoint: inject('s3Endpoint'),
    // The predictions only: outcomes land morning by morning (outcomesArrivedBefore).
    uploads: [{ from: join(work.path, 'logs', 'predictions'), to: `${BASE}/predictions/` }],
    workDir: join(work.path, 'athena'),
    threads: 1,
  });
}, 180_000);

afterAll(async () => {
  await replay?.close();
  await local?.close();
  await work?.cleanup();
});

describe('outcome KPIs on AWS (replayed), outcomes arriving late', () => {
  it('judges the KPI on its matured window, as locally, and alerts a real drop once, when it matured', async () => {
    const { tables, schedules } = replay.deployment;
    const outcomesTable = tables.find((t) => t.name === 'lending_outcomes');
    expect(outcomesTable).toMatchObject({
      database: 'driftwatch',
      location: `${BASE}/outcomes/`,
      columns: [
        { name: 'id', type: 'string' },
        { name: 'revenue', type: 'double' },
      ],
      partitionKeys: [{ name: 'dt', type: 'string' }],
    });
    const drift = schedules.find((s) => s.input.job === 'drift');
    expect(drift?.expression).toBe('cron(0 2 * * ? *)');

    const baseline = await invokeModel(replay, { job: 'baseline' });
    expect(baseline.outcome, baseline.error).toBe('ok');

    const alertTopic = (p: { topicArn: string }) => /Alert/.test(p.topicArn);
    const kpiAlerts: { morning: string; subject: string }[] = [];
    const mornings: { morning: string; invocation: Invocation; queries: typeof replay.athena.queries }[] = [];
    for (let d = 1; d <= DAYS; d++) {
      const morning = day(d);
      await outcomesArrivedBefore(morning);
      const queriesBefore = replay.athena.queries.length;
      const sentBefore = replay.notifications.published.length;
      const invocation = await invokeModel(replay, scheduledEvent(drift!.input, `${morning}T02:00:00Z`));
      expect(invocation.outcome, `${morning}: ${invocation.error}`).toBe('ok');
      mornings.push({ morning, invocation, queries: replay.athena.queries.slice(queriesBefore) });
      for (const p of replay.notifications.published.slice(sentBefore).filter(alertTopic))
        if (/revenue_per_decision/.test(p.subject)) kpiAlerts.push({ morning, subject: p.subject });
    }

    // Every request within Athena's limits: none refused, none failed, `?` only in WHERE clauses.
    expect(replay.athena.refused).toEqual([]);
    const all = mornings.flatMap((m) => m.queries);
    expect(all.filter((q) => q.state !== 'SUCCEEDED').map((q) => q.reason)).toEqual([]);
    for (const q of all) expect(parameterClauses(q.sql).every((c) => c === 'WHERE')).toBe(true);

    // The outcome KPI query: one each morning, for the window that matured that morning (window +
    // 1 + 3 days; the first three mornings' windows precede the log), over the outcomes table, with
    // the window's dates and the arrival bounds (its start; the run's day + 1) as parameters.
    const quoted = (d: string) => `'${d}'`;
    const fileCheck = (q: { sql: string }) => q.sql.includes('"$path"');
    const outcomeQueries = mornings.flatMap((m) =>
      m.queries
        .filter((q) => q.sql.includes('"driftwatch"."lending_outcomes"') && !fileCheck(q))
        .map((q) => ({ morning: m.morning, parameters: q.parameters, clauses: parameterClauses(q.sql) })),
    );
    const maturedMornings = Array.from({ length: DAYS }, (_, d) => d + 1);
    expect(outcomeQueries).toEqual(
      maturedMornings.map((d) => ({
        morning: day(d),
        // The window [d-4, d-3) of predictions; outcomes that arrived in [d-4, d+1): the lower
        // bound prunes the outcome partitions before the window (none of its outcomes are there).
        parameters: [quoted(day(d - 4)), quoted(day(d - 3)), quoted(day(d - 4)), quoted(day(d + 1))],
        clauses: ['WHERE', 'WHERE', 'WHERE', 'WHERE'],
      })),
    );

    // The per-file column check (lib/jobs/file-check.ts): Athena maps a file's columns by name and
    // reads a missing one as NULL, so before each read one query per log finds the files of the
    // range with rows and no value of a needed column, by "$path". Three per morning: the drift
    // window's predictions, the matured KPI window's predictions (id, ts, score, income, region)
    // and the outcomes the KPI joins, checked exactly below (id, revenue; the KPI query's arrival
    // bounds), parameters only in WHERE; in this healthy log they return no row.
    const checks = mornings.map((m) => m.queries.filter(fileCheck));
    for (const [i, list] of checks.entries()) {
      const d = i + 1;
      const outcomes = list.filter((q) => q.sql.includes('"driftwatch"."lending_outcomes"'));
      expect(
        outcomes.map((q) => ({ sql: q.sql, parameters: q.parameters, rows: q.rows })),
        day(d),
      ).toEqual([
        {
          sql: 'SELECT "$path" AS dw_file, count(*) AS dw_rows, count("id") AS dw_c0, count("revenue") AS dw_c1 FROM "driftwatch"."lending_outcomes" WHERE "dt" >= ? AND "dt" < ? GROUP BY "$path" HAVING count("id") = 0 OR count("revenue") = 0 ORDER BY "$path"',
          parameters: [quoted(day(d - 4)), quoted(day(d + 1))],
          rows: [],
        },
      ]);
      for (const q of list) expect(parameterClauses(q.sql)).toEqual(['WHERE', 'WHERE']);
    }
    const checkBytes = checks.flat().reduce((sum, q) => sum + q.dataScannedInBytes, 0);
    const jobBytes = all.filter((q) => !fileCheck(q)).reduce((sum, q) => sum + q.dataScannedInBytes, 0);
    console.log(
      `file check on Athena (stand-in), ${DAYS} mornings: ${checks.flat().length} extra queries of ${all.length} (${checks.map((c) => c.length).join(',')} per morning), ${checkBytes} bytes scanned vs ${jobBytes} by the jobs' queries`,
    );

    // The morning after a window its outcome KPI waits; once matured it has every outcome.
    const definition = validateDefinition(definitionInput, 'kpi replay');
    const stored = async (w: number) =>
      (await replay.store.getJson<KpiResult>(
        resultKeys.result(MODEL, 'kpi', windowFor(definition, day(w))),
      ))!;
    const last = await stored(DAYS - 1);
    expect(last.kpis[0]).toMatchObject({ status: 'not_mature', matureOn: day(DAYS + 3) });
    for (const w of [0, DROP - 1, DROP]) {
      const kpi = (await stored(w)).kpis[0]!;
      expect(kpi).toMatchObject({ status: 'ok', outcomeCoverage: 1, matureOn: day(w + 4) });
      // The same value as the local run on the same files, on the morning it matured.
      const store = new MemoryResultStore();
      const localRun = await runKpis(
        {
          definition: validateDefinition(
            {
              ...definitionInput,
              predictions: {
                ...definitionInput.predictions,
                location: join(work.path, 'logs', 'predictions'),
              },
              outcomes: { ...definitionInput.outcomes!, location: join(work.path, 'logs', 'outcomes') },
            },
            'local',
          ),
          sources: {
            predictions: {
              location: join(work.path, 'logs', 'predictions'),
              format: 'parquet',
              partitioned: true,
            },
            outcomes: { location: join(work.path, 'logs', 'outcomes'), format: 'parquet', partitioned: true },
          },
          engine: local,
          store,
          clock: { now: () => new Date(`${day(w + 4)}T02:00:00Z`) },
        },
        day(w),
      );
      const localKpi = localRun!.result.kpis[0]!;
      // Counts exactly; means to 1e-9 (Trino and DuckDB add the doubles in another order).
      const view = (k: typeof kpi) => [
        { ...k.overall, value: undefined },
        ...k.segments.map((g) => ({ ...g, value: undefined })),
      ];
      expect(view(kpi)).toEqual(view(localKpi));
      const values = (k: typeof kpi) => [k.overall!.value!, ...k.segments.map((g) => g.value!)];
      values(kpi).forEach((v, i) => {
        expect(Math.abs(v - values(localKpi)[i]!)).toBeLessThan(1e-9 * Math.abs(v));
      });
      expect(kpi.overall!.value!).toBeGreaterThan(w >= DROP ? 20 : 45);
      expect(kpi.overall!.value!).toBeLessThan(w >= DROP ? 30 : 55);
    }

    // The drop (revenue per decision halved from window DROP) alerts once, critical, on the
    // morning window DROP matured: not on the drop's own morning, when its outcomes were partial.
    expect(kpiAlerts).toHaveLength(1);
    expect(kpiAlerts[0]!.morning).toBe(day(DROP + 4));
    expect(kpiAlerts[0]!.subject).toMatch(/^\[CRITICAL\] lending: revenue_per_decision fell/);
    const state = await replay.store.getJson<AlertState>(alertKeys.state(MODEL));
    expect(state?.incidents.filter((i) => i.ruleId === 'kpi:revenue_per_decision').length).toBe(1);
  }, 600_000);

  // Issue #17 on Athena: an outcome file whose value column was renamed (Revenue_EUR) reads as NULL
  // revenue through the Glue table, with no error. The next morning's KPI step (window DAYS-3
  // matures) now fails naming the S3 file instead of judging a 100% drop on its rows.
  it('an outcome file with a renamed value column fails the matured KPI naming the S3 file, on Athena too', async () => {
    const dt = day(DAYS - 1);
    const folder = join(work.path, 'renamed', `dt=${dt}`);
    await mkdir(folder, { recursive: true });
    await local.execute(
      `COPY (SELECT 'p-${DAYS - 3}-' || i AS id, 10.0 AS "Revenue_EUR" FROM range(50) t(i)) TO ${quoteString(`${folder}/renamed.parquet`)} (FORMAT parquet)`,
    );
    await uploadFolder(replay.s3, folder, `${BASE}/outcomes/dt=${dt}/`);
    await replay.athena.refreshTables();
    const morning = day(DAYS + 1);
    const before = replay.athena.queries.length;
    const sentBefore = replay.notifications.published.length;
    const drift = replay.deployment.schedules.find((s) => s.input.job === 'drift')!;
    const invocation = await invokeModel(replay, scheduledEvent(drift.input, `${morning}T02:00:00Z`));
    const queries = replay.athena.queries.slice(before);
    const file = `${BASE}/outcomes/dt=${dt}/renamed.parquet`;
    const check = queries.find((q) => q.sql.includes('"$path"') && q.sql.includes('"lending_outcomes"'));
    expect(check?.parameters).toEqual([`'${day(DAYS - 3)}'`, `'${day(DAYS + 2)}'`]);
    expect(check?.rows).toEqual([[file, '50', '50', '0']]);
    // No KPI query ran on the outcomes; the failure is logged naming the file, and nothing pages
    // a KPI drop.
    expect(queries.filter((q) => q.sql.includes('"lending_outcomes"') && !q.sql.includes('"$path"'))).toEqual(
      [],
    );
    const logged = invocation.lines.map((l) => JSON.stringify(l)).join('\n');
    expect(logged).toContain(
      `outcomes file ${file} has no value of column \\"revenue\\" (kpis[0].column) in any of its 50 rows`,
    );
    expect(
      replay.notifications.published.slice(sentBefore).filter((p) => /revenue_per_decision/.test(p.subject)),
    ).toEqual([]);
  }, 300_000);
});
