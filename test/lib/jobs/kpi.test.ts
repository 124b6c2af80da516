/**
 * Business KPIs through the real parts: prediction and outcome logs written as Parquet, the KPI
 * step in DuckDB, results in a store, the alert policy over them. A KPI drop past twice its
 * relative threshold opens one incident in the window it happens; a stable world stays quiet; an
 * outcome KPI waits for its outcomes to mature.
 */
import { mkdir } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DuckDbQueryEngine } from '../../../lib/adapters/duckdb-engine.js';
import { MemoryResultStore } from '../../../lib/adapters/memory-store.js';
import { validateDefinition } from '../../../lib/config/load.js';
import { runAlerts } from '../../../lib/jobs/alerts.js';
import { runKpis } from '../../../lib/jobs/kpi.js';
import type { KpiResult } from '../../../lib/jobs/kpi-result.js';
import type { JobDeps } from '../../../lib/jobs/types.js';
import { resultKeys, shiftDate, windowFor } from '../../../lib/jobs/windows.js';
import { quoteString } from '../../../lib/sql/identifiers.js';
import { tempDir } from '../../helpers/temp.js';
import { days, RecordingNotifier } from '../alerts/fixtures.js';

let engine: DuckDbQueryEngine;
let dir: { path: string; cleanup: () => Promise<void> };

const START = '2026-10-01';
const DATES = days(START, 20);
const DROP_DAY = 14; // 0-based index of the first dropped window in the drop world
const ROWS = 2000;

/** A uniform draw in (0, 1) from one 64-bit key per (world, day, row, stream). */
const u = (world: number, day: number, stream: number) =>
  `((hash(CAST(((${world}::HUGEINT * 100 + ${day}) * 100000000 + i) * 16 + ${stream} AS UBIGINT)) >> 11)::DOUBLE + 0.5) / 9007199254740992.0`;

/** One world: 20 days of predictions (score, region, approved flag) and outcomes (revenue) 3 days late. */
async function writeWorld(name: string, world: number, dropFrom?: number): Promise<void> {
  const parts = DATES.map((date, d) => {
    const p = dropFrom !== undefined && d >= dropFrom ? 0.45 : 0.6;
    return `SELECT 'p-${d}-' || i AS id, ${quoteString(date)} AS dt, ${u(world, d, 1)} AS score,
        CASE WHEN ${u(world, d, 2)} < 0.5 THEN 'north' ELSE 'south' END AS region,
        CASE WHEN ${u(world, d, 3)} < 0.9 THEN 'v1' ELSE 'v2' END AS model_version,
        (${u(world, d, 4)} < ${p})::INTEGER AS approved,
        round(${u(world, d, 5)} * 100, 2) AS revenue,
        strftime(${quoteString(date)}::DATE + INTERVAL 3 DAY, '%Y-%m-%d') AS arrival
      FROM range(${ROWS}) t(i)`;
  });
  await engine.execute(`CREATE OR REPLACE TEMP TABLE w AS ${parts.join(' UNION ALL ')}`);
  const base = `${dir.path}/${name}`;
  await mkdir(base, { recursive: true });
  await engine.execute(
    `COPY (SELECT id, score, region, model_version, approved, dt FROM w) TO ${quoteString(`${base}/predictions`)} (FORMAT parquet, PARTITION_BY (dt))`,
  );
  await engine.execute(
    `COPY (SELECT id, revenue, arrival AS dt FROM w) TO ${quoteString(`${base}/outcomes`)} (FORMAT parquet, PARTITION_BY (dt))`,
  );
}

beforeAll(async () => {
  engine = await DuckDbQueryEngine.create({ threads: 1 });
  dir = await tempDir('driftwatch-kpi-job-');
  await writeWorld('stable', 1);
  await writeWorld('drop', 2, DROP_DAY);
}, 120_000);

afterAll(async () => {
  await engine.close();
  await dir.cleanup();
});

const definition = validateDefinition({
  model: { id: 'lending', task: 'binary', tier: 1 },
  predictions: {
    location: 'p',
    idColumn: 'id',
    timestampColumn: 'id',
    scoreColumn: 'score',
    modelVersionColumn: 'model_version',
  },
  features: [{ name: 'score', kind: 'numeric' }],
  segments: ['region'],
  outcomes: { location: 'o', idColumn: 'id', delay: 'P3D' },
  kpis: [
    {
      name: 'approval_rate',
      aggregate: 'rate',
      column: 'approved',
      per: 'prediction',
      source: 'predictions',
      thresholds: { relative: 0.1 },
      direction: 'higher_is_better',
    },
    {
      name: 'revenue_per_decision',
      aggregate: 'mean',
      column: 'revenue',
      per: 'positive_decision',
      source: 'outcomes',
      thresholds: { relative: 0.2, absolute: { min: 10 } },
      direction: 'higher_is_better',
    },
  ],
  reference: { type: 'range', from: START, to: START },
});

const morningAfter = (date: string) => ({ now: () => new Date(`${shiftDate(date, 1)}T02:00:00Z`) });

function deps(world: string, store: MemoryResultStore, date: string): JobDeps {
  return {
    definition,
    sources: {
      predictions: { location: `${dir.path}/${world}/predictions`, format: 'parquet', partitioned: true },
      outcomes: { location: `${dir.path}/${world}/outcomes`, format: 'parquet', partitioned: true },
    },
    engine,
    store,
    clock: morningAfter(date),
  };
}

/** The schedule per morning: KPIs of yesterday and of the window whose outcomes matured, then alerts. */
async function replay(world: string) {
  const store = new MemoryResultStore();
  const notifier = new RecordingNotifier();
  const opened: { date: string; ruleId: string; level: string }[] = [];
  for (const date of DATES) {
    await runKpis(deps(world, store, date), date);
    await runKpis(deps(world, store, date), shiftDate(date, -3));
    const summary = await runAlerts({ definition, store, notifier, clock: morningAfter(date) }, date);
    for (const d of summary.decisions.filter((x) => x.type === 'opened'))
      opened.push({ date, ruleId: d.ruleId, level: d.level });
  }
  return { store, notifier, opened };
}

describe('business KPIs', () => {
  it('computes overall, per segment and per version, and outcome KPIs only once mature', async () => {
    const store = new MemoryResultStore();
    const early = await runKpis(deps('stable', store, DATES[5]!), DATES[5]!);
    const approval = early!.result.kpis[0]!;
    expect(approval).toMatchObject({ name: 'approval_rate', status: 'ok' });
    expect(approval.overall!.n).toBe(ROWS);
    expect(approval.overall!.value!).toBeGreaterThan(0.55);
    expect(approval.overall!.value!).toBeLessThan(0.65);
    expect(approval.segments.map((s) => s.segment)).toEqual(['north', 'south']);
    expect(approval.segments.reduce((a, s) => a + s.n, 0)).toBe(ROWS);
    expect(approval.versions.map((v) => v.version)).toEqual(['v1', 'v2']);
    // Outcomes arrive 3 days late: not mature the morning after.
    expect(early!.result.kpis[1]).toMatchObject({ status: 'not_mature', matureOn: shiftDate(DATES[5]!, 4) });
    // Three days later the window's outcomes are all there.
    const later = await runKpis({ ...deps('stable', store, DATES[8]!) }, DATES[5]!);
    const revenue = later!.result.kpis[1]!;
    expect(revenue).toMatchObject({ status: 'ok', outcomeCoverage: 1 });
    // Per positive decision: score >= 0.5, about half the rows; revenue uniform on [0, 100].
    expect(revenue.overall!.n).toBeGreaterThan(900);
    expect(revenue.overall!.n).toBeLessThan(1100);
    expect(revenue.overall!.value!).toBeGreaterThan(45);
    expect(revenue.overall!.value!).toBeLessThan(55);
    expect(
      await store.getJson<KpiResult>(resultKeys.result('lending', 'kpi', windowFor(definition, DATES[5]!))),
    ).toMatchObject({ kind: 'kpi', status: 'ok', rows: ROWS });
  });

  it('stays quiet on a stable world over 20 windows', async () => {
    const { opened, notifier } = await replay('stable');
    expect(opened).toEqual([]);
    expect(notifier.alerts).toHaveLength(0);
  }, 120_000);

  it('opens kpi:approval_rate in the window the rate drops by a quarter, once', async () => {
    const { opened, notifier, store } = await replay('drop');
    expect(opened).toEqual([{ date: DATES[DROP_DAY], ruleId: 'kpi:approval_rate', level: 'critical' }]);
    expect(notifier.alerts).toHaveLength(1);
    expect(notifier.alerts[0]!.subject).toMatch(
      /^\[CRITICAL\] lending: approval_rate fell 2\d(\.\d)?% \(0\.4\d+ vs median 0\.6\d*\)/,
    );
    // Re-running the morning of the drop sends nothing new.
    const again = await runAlerts(
      { definition, store, notifier, clock: morningAfter(DATES[DROP_DAY]!) },
      DATES[DROP_DAY]!,
    );
    expect(again.sent).toBe(0);
    expect(notifier.alerts).toHaveLength(1);
  }, 120_000);
});
