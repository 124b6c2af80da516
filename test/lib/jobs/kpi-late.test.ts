/**
 * Late outcomes (issue #17): an outcome-KPI window held because its outcomes arrived late is
 * rechecked each morning within `outcomes.recheckWithin`, judged once its coverage is back to the
 * usual (the earlier result kept as a revision), and reported as `outcomes_missing` when its
 * outcomes never come.
 *
 * Real parts: Parquet logs written by DuckDB (predictions by day, outcomes by ARRIVAL day), the KPI
 * step the drift job runs (`runScheduledKpis`) on DuckDB, a memory store, the real alert policy,
 * replayed morning by morning.
 */
import { mkdir } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { DuckDbQueryEngine } from '../../../lib/adapters/duckdb-engine.js';
import { FsResultStore } from '../../../lib/adapters/fs-store.js';
import { MemoryResultStore } from '../../../lib/adapters/memory-store.js';
import type { AlertState } from '../../../lib/alerts/types.js';
import { validateDefinition } from '../../../lib/config/load.js';
import type { MonitorDefinitionInput } from '../../../lib/config/schema.js';
import { alertKeys, runAlerts } from '../../../lib/jobs/alerts.js';
import { runBacktest } from '../../../lib/jobs/backtest.js';
import { runBaseline } from '../../../lib/jobs/baseline.js';
import { outcomesRecheckWindows, runScheduledKpis } from '../../../lib/jobs/kpi.js';
import type { KpiResult } from '../../../lib/jobs/kpi-result.js';
import { revisionKey } from '../../../lib/jobs/revisions.js';
import type { JobDeps } from '../../../lib/jobs/types.js';
import { resultKeys, shiftDate, windowFor } from '../../../lib/jobs/windows.js';
import { quoteString } from '../../../lib/sql/identifiers.js';
import { tempDir } from '../../helpers/temp.js';
import { days, RecordingNotifier } from '../alerts/fixtures.js';

let engine: DuckDbQueryEngine;
let dir: { path: string; cleanup: () => Promise<void> };

const START = '2026-10-01';
const DATES = days(START, 24);
const LATE_DAY = 12; // 0-based index of the window whose outcomes are late
const D = DATES[LATE_DAY] as string;
const ROWS = 1000;

const u = (world: number, day: number, stream: number) =>
  `((hash(CAST(((${world}::HUGEINT * 100 + ${day}) * 100000000 + i) * 16 + ${stream} AS UBIGINT)) >> 11)::DOUBLE + 0.5) / 9007199254740992.0`;

/**
 * 24 days x 1,000 predictions with `revenue` in an outcomes log that arrives 3 days after the
 * prediction day (the definition's delay). Day LATE_DAY's outcomes arrive `lateBy` days later still
 * (never, with `lateBy: 'never'`); its revenue falls to 30% when `dropLate`, and from it on when
 * `dropFrom`.
 */
async function writeWorld(
  name: string,
  world: number,
  opts: { lateBy: number | 'never'; dropLate?: boolean; dropFrom?: boolean },
) {
  const parts = DATES.map((date, d) => {
    const late = d === LATE_DAY;
    const dropped = (late && opts.dropLate) || (d >= LATE_DAY && opts.dropFrom);
    const arrival = late ? (opts.lateBy === 'never' ? 99 : 3 + opts.lateBy) : 3;
    return `SELECT 'p-${d}-' || i AS id, ${quoteString(date)} AS dt, ${u(world, d, 1)} AS score,
        CASE WHEN ${u(world, d, 2)} < 0.5 THEN 'north' ELSE 'south' END AS region,
        round(${u(world, d, 5)} * ${dropped ? 30 : 100}, 2) AS revenue,
        strftime(${quoteString(date)}::DATE + INTERVAL (${arrival}) DAY, '%Y-%m-%d') AS arrival
      FROM range(${ROWS}) t(i)`;
  });
  await engine.execute(`CREATE OR REPLACE TEMP TABLE w AS ${parts.join(' UNION ALL ')}`);
  const base = `${dir.path}/${name}`;
  await mkdir(base, { recursive: true });
  await engine.execute(
    `COPY (SELECT id, score, region, dt FROM w) TO ${quoteString(`${base}/predictions`)} (FORMAT parquet, PARTITION_BY (dt))`,
  );
  await engine.execute(
    `COPY (SELECT id, revenue, arrival AS dt FROM w WHERE arrival <= '2026-11-30') TO ${quoteString(`${base}/outcomes`)} (FORMAT parquet, PARTITION_BY (dt))`,
  );
}

beforeAll(async () => {
  engine = await DuckDbQueryEngine.create({ threads: 1 });
  dir = await tempDir('driftwatch-kpi-late-');
  await writeWorld('stable', 1, { lateBy: 3 });
  await writeWorld('drop', 2, { lateBy: 3, dropLate: true });
  await writeWorld('dropfrom', 3, { lateBy: 3, dropFrom: true });
  await writeWorld('never', 4, { lateBy: 'never' });
}, 120_000);

afterAll(async () => {
  await engine?.close();
  await dir?.cleanup();
});

function definition(recheckWithin?: string) {
  const input: MonitorDefinitionInput = {
    model: { id: 'shop', task: 'binary', tier: 1 },
    predictions: { location: 'p', idColumn: 'id', timestampColumn: 'id', scoreColumn: 'score' },
    features: [{ name: 'score', kind: 'numeric' }],
    segments: ['region'],
    outcomes: { location: 'o', idColumn: 'id', delay: 'P3D', ...(recheckWithin ? { recheckWithin } : {}) },
    kpis: [
      {
        name: 'revenue_total',
        aggregate: 'sum',
        column: 'revenue',
        per: 'prediction',
        source: 'outcomes',
        thresholds: { relative: 0.2 },
        direction: 'higher_is_better',
      },
    ],
    reference: { type: 'range', from: START, to: START },
  };
  return validateDefinition(input);
}

const morningAfter = (date: string) => ({ now: () => new Date(`${shiftDate(date, 1)}T02:00:00Z`) });

/** Each morning as the drift job runs it: the KPI step for yesterday (with its rechecks), then alerts. */
async function replay(world: string, skipAlertsOn?: string) {
  const def = definition();
  const store = new MemoryResultStore();
  const notifier = new RecordingNotifier();
  const deps = (date: string): JobDeps => ({
    definition: def,
    sources: {
      predictions: { location: `${dir.path}/${world}/predictions`, format: 'parquet', partitioned: true },
      outcomes: { location: `${dir.path}/${world}/outcomes`, format: 'parquet', partitioned: true },
    },
    engine,
    store,
    clock: morningAfter(date),
  });
  const opened: { run: string; ruleId: string; level: string; incidentId: string }[] = [];
  const snapshots: Record<string, KpiResult | undefined> = {};
  const repeated: string[] = [];
  const key = resultKeys.result('shop', 'kpi', windowFor(def, D));
  const queriesBefore = engine.stats().queries;
  // The per-file column checks (lib/jobs/file-check.ts: one parquet_schema query each) are
  // counted apart from the SQL queries the KPI step runs.
  const fileChecks = vi.spyOn(engine, 'fileColumns');
  for (const date of DATES) {
    await runScheduledKpis(deps(date), date);
    snapshots[date] = await store.getJson<KpiResult>(key);
    if (date === skipAlertsOn) continue; // that morning's alert step did not run (its performance job failed)
    const summary = await runAlerts({ definition: def, store, notifier, clock: morningAfter(date) }, date);
    for (const d of summary.decisions.filter((x) => x.type === 'opened'))
      opened.push({ run: date, ruleId: d.ruleId, level: d.level, incidentId: d.incidentId });
    // The same morning's alert step again (a retry): it must decide nothing new.
    const again = await runAlerts({ definition: def, store, notifier, clock: morningAfter(date) }, date);
    repeated.push(...again.decisions.map((d) => `${date} ${d.type} ${d.ruleId}`));
  }
  const state = await store.getJson<AlertState>(alertKeys.state('shop'));
  const checks = fileChecks.mock.calls.length;
  fileChecks.mockRestore();
  const queries = engine.stats().queries - queriesBefore - checks;
  return { store, notifier, opened, snapshots, key, state, queries, checks, repeated };
}

const revenue = (r: KpiResult | undefined) => r?.kpis.find((k) => k.name === 'revenue_total');

describe('outcome KPIs whose outcomes arrive late', () => {
  it('lists the windows a run rechecks: the 7 windows that matured before its own, oldest first', () => {
    // The run for 10-20 (morning 10-21) judges 10-17 (delay 3 days); it rechecks 10-10 .. 10-16.
    expect(definition().outcomes?.recheckWithin).toBe('P7D');
    expect(outcomesRecheckWindows(definition(), '2026-10-20')).toEqual(days('2026-10-10', 7));
    expect(outcomesRecheckWindows(definition('P2D'), '2026-10-20')).toEqual(['2026-10-15', '2026-10-16']);
    expect(() => definition('PT12H')).toThrow(
      /outcomes\.recheckWithin.*PT12H.*at least one day, e\.g\. P7D/s,
    );
  });

  it('holds a window whose outcomes are 3 days late, then recomputes and judges it, keeping a revision', async () => {
    const { opened, snapshots, store, key, queries, checks } = await replay('stable');
    // One outcomes query per matured window (21 of 24 runs), plus one per recheck of the held
    // window (runs D+4 and D+5): an on-time window costs no recheck.
    expect(queries).toBe(21 + 2);
    console.log(`24 mornings: ${queries} KPI queries, ${checks} per-file column checks (metadata)`);
    // First computed the morning its outcomes were due (run D+3): coverage 0, held.
    const due = shiftDate(D, 3);
    expect(revenue(snapshots[shiftDate(due, -1)])?.status).toBe('not_mature');
    expect(revenue(snapshots[due])?.outcomeCoverage).toBe(0);
    expect(snapshots[due]?.revision).toBe(1);
    // Run D+4: rechecked, the outcomes not there yet (arrival D+6 is read from morning D+6 on).
    expect(revenue(snapshots[shiftDate(due, 1)])?.outcomeCoverage).toBe(0);
    expect(snapshots[shiftDate(due, 1)]?.revision).toBe(1);
    // Run D+5 (morning D+6): the outcomes landed, coverage back to 1, a second revision.
    const landed = snapshots[shiftDate(due, 2)];
    expect(revenue(landed)?.outcomeCoverage).toBe(1);
    expect(landed?.revision).toBe(2);
    expect(landed?.recheckRun).toBe(shiftDate(due, 2));
    const kept = await store.getJson<KpiResult>(revisionKey(key, 1));
    expect(revenue(kept)?.outcomeCoverage).toBe(0);
    console.log(
      'late stable window',
      D,
      'held at',
      revenue(snapshots[due])?.overall,
      'then',
      revenue(landed)?.overall,
    );
    // Not rechecked again once judged: the same revision on every later morning.
    expect(snapshots[DATES.at(-1) as string]?.revision).toBe(2);
    // A stable world stays quiet, the held window included.
    expect(opened).toEqual([]);
  }, 120_000);

  it('alerts once, on the late window, when that window really dropped', async () => {
    const { opened, snapshots, notifier, state, repeated } = await replay('drop');
    expect(repeated).toEqual([]);
    const landedRun = shiftDate(D, 5);
    const value = revenue(snapshots[landedRun])?.overall?.value ?? 0;
    console.log('late dropped window', D, 'value', value.toFixed(0), 'opened', opened);
    expect(opened).toHaveLength(1);
    expect(opened[0]).toMatchObject({ run: landedRun, ruleId: 'kpi:revenue_total', level: 'critical' });
    const incident = state?.incidents.find((i) => i.id === opened[0]?.incidentId);
    expect(incident?.sinceWindow).toBe(D);
    expect(incident?.firstSeenWindow).toBe(D);
    expect(incident?.firstSeenAt).toBe(`${shiftDate(D, 1)}T00:00:00.000Z`);
    const message = notifier.alerts.find((a) => /revenue_total/.test(a.subject));
    expect(message?.body).toMatch(/fell 7\d(\.\d)?%/);
    expect(message?.body).toContain(
      `outcomes for 100% of predictions (arrived late: judged at the recheck of ${landedRun})`,
    );
    // The later windows are back to normal: the incident resolves the next morning, with no second one.
    expect(incident?.status).toBe('resolved');
    expect(incident?.resolvedWindow).toBe(shiftDate(landedRun, 1));
  }, 120_000);

  it('judges a late window the next morning when the morning of its recheck ran no alert step', async () => {
    const landedRun = shiftDate(D, 5);
    const { opened, state } = await replay('drop', landedRun);
    console.log('recheck morning without alerts', opened);
    expect(opened).toHaveLength(1);
    expect(opened[0]?.run).toBe(shiftDate(landedRun, 1));
    const incident = state?.incidents.find((i) => i.id === opened[0]?.incidentId);
    expect(incident?.firstSeenWindow).toBe(D);
  }, 120_000);

  it('moves an open incident back to the late window instead of opening a second one', async () => {
    const { opened, state } = await replay('dropfrom');
    // Revenue falls from D on; D's outcomes are late, D+1's are not: the incident opens the morning
    // D+1 matures (run D+4), then the recheck judges D (run D+5) and its first-seen window moves back.
    console.log('drop from the late window on', opened);
    expect(opened).toHaveLength(1);
    expect(opened[0]?.run).toBe(shiftDate(D, 4));
    const incident = state?.incidents.find((i) => i.id === opened[0]?.incidentId);
    expect(incident?.sinceWindow).toBe(shiftDate(D, 1));
    expect(incident?.firstSeenWindow).toBe(D);
    expect(incident?.firstSeenAt).toBe(`${shiftDate(D, 1)}T00:00:00.000Z`);
    expect(incident?.status).toBe('open');
  }, 120_000);

  it('reports a window whose outcomes never come as outcomes_missing, once', async () => {
    const { opened, snapshots, notifier, state, queries } = await replay('never');
    // 21 matured windows + 7 rechecks of the one whose outcomes never came.
    expect(queries).toBe(21 + 7);
    // Rechecked on the 7 runs after it matured (D+4 .. D+10); the last one marks it missing.
    const lastRun = shiftDate(D, 10);
    const final = revenue(snapshots[lastRun]);
    expect(final?.outcomesMissing).toMatchObject({ usualCoverage: 1, lastRecheck: shiftDate(lastRun, 1) });
    expect(revenue(snapshots[shiftDate(lastRun, -1)])?.outcomesMissing).toBeUndefined();
    expect(opened).toEqual([expect.objectContaining({ run: lastRun, ruleId: 'kpi:revenue_total' })]);
    const message = notifier.alerts.find((a) => /outcomes_missing/.test(`${a.subject}\n${a.body}`));
    console.log(
      'outcomes never came:',
      message?.subject,
      '\n',
      message?.body.split('\n').slice(0, 6).join('\n'),
    );
    expect(message?.body).toContain(
      `outcomes_missing: revenue_total of ${D} has outcomes for 0% of its predictions (usual 100%)`,
    );
    expect(message?.body).toContain(`driftwatch run --job drift --date ${D}`);
    expect(state?.incidents.filter((i) => i.ruleId === 'kpi:revenue_total')).toHaveLength(1);
    // Not rechecked after its last recheck.
    expect(snapshots[DATES.at(-1) as string]?.generatedAt).toBe(snapshots[lastRun]?.generatedAt);
  }, 120_000);

  it('rechecks on the schedule itself: the drift job (as on AWS and in a backtest) judges the late window', async () => {
    // The drift job's KPI step is where the rechecks run (the 02:00 drift Lambda, the backtest,
    // the demo): replayed twice over the same results folder, each backtest sees only its own results.
    const def = definition();
    const store = new FsResultStore(`${dir.path}/backtest-results`);
    const deps: JobDeps = {
      definition: def,
      sources: {
        predictions: { location: `${dir.path}/drop/predictions`, format: 'parquet', partitioned: true },
        outcomes: { location: `${dir.path}/drop/outcomes`, format: 'parquet', partitioned: true },
      },
      engine,
      store,
      clock: morningAfter(START),
    };
    await runBaseline(deps);
    for (const pass of [1, 2]) {
      const result = await runBacktest(deps, {
        from: START,
        to: DATES.at(-1) as string,
        notifier: new RecordingNotifier(),
      });
      const opened = result.flatMap((d) =>
        d.alerts.decisions.filter((x) => x.type === 'opened').map((x) => `${d.date} ${x.ruleId}`),
      );
      console.log(`backtest pass ${pass}: opened`, opened);
      expect(opened).toEqual([`${shiftDate(D, 5)} kpi:revenue_total`]);
      // The held first computation and the judged recheck: two revisions, not a pile of them.
      const key = resultKeys.result('shop', 'kpi', windowFor(def, D));
      expect((await store.getJson<KpiResult>(key))?.revision).toBe(2);
      expect(revenue(await store.getJson<KpiResult>(revisionKey(key, 1)))?.outcomeCoverage).toBe(0);
      expect((await store.list(`shop/kpi/dt=${D}/`)).sort()).toEqual([key, revisionKey(key, 1)].sort());
    }
  }, 180_000);
});
