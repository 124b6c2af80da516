/**
 * Late labels: a matured performance window whose label coverage is below its usual is evaluated
 * again by each scheduled performance run within `labels.recheckWithin`, judged once at its own
 * place when its labels land (the earlier result kept as a revision), and reported as
 * `labels_missing` when they never come. An on-time feed costs no extra query.
 *
 * Real parts: Parquet logs written by DuckDB (predictions by day, labels by ARRIVAL day), the
 * performance job as the schedule runs it (`runJob` with `scheduled`, as the Lambda without a date)
 * on DuckDB, a memory store, the real alert policy, replayed morning by morning.
 */
import { mkdir } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DuckDbQueryEngine } from '../../../lib/adapters/duckdb-engine.js';
import { MemoryResultStore } from '../../../lib/adapters/memory-store.js';
import type { AlertState } from '../../../lib/alerts/types.js';
import { validateDefinition } from '../../../lib/config/load.js';
import type { MonitorDefinitionInput } from '../../../lib/config/schema.js';
import { alertKeys, runAlerts } from '../../../lib/jobs/alerts.js';
import { labelsRecheckWindows } from '../../../lib/jobs/performance.js';
import type { PerformanceResult } from '../../../lib/jobs/performance-result.js';
import { revisionKey } from '../../../lib/jobs/revisions.js';
import { runJob } from '../../../lib/jobs/run-job.js';
import type { JobDeps } from '../../../lib/jobs/types.js';
import { maturedWindow, resultKeys, shiftDate, windowFor } from '../../../lib/jobs/windows.js';
import { quoteString } from '../../../lib/sql/identifiers.js';
import { tempDir } from '../../helpers/temp.js';
import { days, RecordingNotifier } from '../alerts/fixtures.js';

let engine: DuckDbQueryEngine;
let dir: { path: string; cleanup: () => Promise<void> };

const START = '2026-10-01';
const DATES = days(START, 26);
const LATE_DAY = 10; // 0-based index of the window whose labels are partly late
const D = DATES[LATE_DAY] as string;
const ROWS = 2000;
/** The share of the late window's labels that arrive on time; the rest come `lateBy` days late. */
const ON_TIME = 0.6;

const u = (world: number, day: number, stream: number) =>
  `((hash(CAST(((${world}::HUGEINT * 100 + ${day}) * 100000000 + i) * 16 + ${stream} AS UBIGINT)) >> 11)::DOUBLE + 0.5) / 9007199254740992.0`;

/**
 * 26 days x 2,000 predictions of a calibrated binary model (label 1 with probability score), labels
 * arriving 3 days after the prediction day (the definition's delay). In the window LATE_DAY, 40% of
 * the labels arrive `lateBy` days after the rest (never, with 'never'); with `dropLate` exactly those
 * late labels are inverted (the model failed on them), so the drop is invisible until they land.
 */
async function writeWorld(
  name: string,
  world: number,
  opts: { lateBy: number | 'never' | 0; dropLate?: boolean; labelled?: number },
) {
  const parts = DATES.map((date, d) => {
    const lateRow = d === LATE_DAY && opts.lateBy !== 0 ? `${u(world, d, 3)} >= ${ON_TIME}` : 'false';
    const lateArrival = opts.lateBy === 'never' ? 99 : 3 + Number(opts.lateBy);
    const good = `CASE WHEN ${u(world, d, 2)} < score THEN 1 ELSE 0 END`;
    const y =
      d === LATE_DAY && opts.dropLate ? `CASE WHEN ${lateRow} THEN 1 - ${good} ELSE ${good} END` : good;
    return `SELECT *, ${y} AS y,
        strftime(${quoteString(date)}::DATE + INTERVAL (CASE WHEN ${lateRow} THEN ${lateArrival} ELSE 3 END) DAY, '%Y-%m-%d') AS arrival
      FROM (SELECT 'p-${d}-' || i AS id, ${quoteString(date)} AS dt, ${u(world, d, 1)} AS score,
        CASE WHEN ${u(world, d, 4)} < 0.5 THEN 'north' ELSE 'south' END AS region, i
        FROM range(${ROWS}) t(i))`;
  });
  await engine.execute(`CREATE OR REPLACE TEMP TABLE w AS ${parts.join(' UNION ALL ')}`);
  const base = `${dir.path}/${name}`;
  await mkdir(base, { recursive: true });
  await engine.execute(
    `COPY (SELECT id, score, region, dt FROM w) TO ${quoteString(`${base}/predictions`)} (FORMAT parquet, PARTITION_BY (dt))`,
  );
  await engine.execute(
    `COPY (SELECT id, y, arrival AS dt FROM w WHERE arrival <= '2026-12-31' AND ${u(world, 0, 6)} < ${opts.labelled ?? 1}) TO ${quoteString(`${base}/labels`)} (FORMAT parquet, PARTITION_BY (dt))`,
  );
}

beforeAll(async () => {
  engine = await DuckDbQueryEngine.create({ threads: 1 });
  dir = await tempDir('driftwatch-labels-late-');
  await writeWorld('ontime', 1, { lateBy: 0 });
  await writeWorld('late', 2, { lateBy: 3 });
  await writeWorld('drop', 3, { lateBy: 3, dropLate: true });
  await writeWorld('never', 4, { lateBy: 'never' });
  await writeWorld('partial', 5, { lateBy: 0, labelled: 0.8 });
}, 180_000);

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
    labels: {
      location: 'l',
      idColumn: 'id',
      labelColumn: 'y',
      delay: 'P3D',
      ...(recheckWithin ? { recheckWithin } : {}),
    },
    reference: { type: 'range', from: START, to: START },
  };
  return validateDefinition(input);
}

const morningAfter = (date: string) => ({ now: () => new Date(`${shiftDate(date, 1)}T02:00:00Z`) });

/**
 * Each morning as on AWS: the scheduled performance run (no date: the matured window, then the
 * late ones), then the alert step for yesterday, then the alert step again (a retry).
 */
async function replay(world: string) {
  const def = definition();
  const store = new MemoryResultStore();
  const notifier = new RecordingNotifier();
  const deps = (date: string): JobDeps => ({
    definition: def,
    sources: {
      predictions: { location: `${dir.path}/${world}/predictions`, format: 'parquet', partitioned: true },
      labels: { location: `${dir.path}/${world}/labels`, format: 'parquet', partitioned: true },
    },
    engine,
    store,
    clock: morningAfter(date),
  });
  const opened: { run: string; ruleId: string; level: string; incidentId: string }[] = [];
  const snapshots: Record<string, PerformanceResult | undefined> = {};
  const repeated: string[] = [];
  const rechecks: Record<string, string[]> = {};
  const queriesPerRun: number[] = [];
  const key = resultKeys.result('shop', 'performance', windowFor(def, D));
  for (const date of DATES) {
    const at = deps(date);
    const matured = maturedWindow(def, at.clock.now());
    if (matured >= START) {
      const before = engine.stats().queries;
      const summary = await runJob({ job: 'performance', date: matured, scheduled: true }, at);
      queriesPerRun.push(engine.stats().queries - before);
      const late = /late labels: evaluated (.*) again/.exec(summary.message ?? '')?.[1];
      if (late) rechecks[date] = late.split(', ');
    }
    snapshots[date] = await store.getJson<PerformanceResult>(key);
    const summary = await runAlerts({ definition: def, store, notifier, clock: at.clock }, date);
    for (const d of summary.decisions.filter((x) => x.type === 'opened'))
      opened.push({ run: date, ruleId: d.ruleId, level: d.level, incidentId: d.incidentId });
    const again = await runAlerts({ definition: def, store, notifier, clock: at.clock }, date);
    repeated.push(...again.decisions.map((d) => `${date} ${d.type} ${d.ruleId}`));
  }
  const state = await store.getJson<AlertState>(alertKeys.state('shop'));
  return { store, notifier, opened, snapshots, key, state, repeated, rechecks, queriesPerRun };
}

/** The run (run date, the day before the morning) on which window `w` matured: labels delay 3 days. */
const maturedRun = (w: string) => shiftDate(w, 3);

describe('performance windows whose labels arrive late', () => {
  it('lists the windows a run evaluates again: the 7 windows that matured before its own, oldest first', () => {
    expect(definition().labels?.recheckWithin).toBe('P7D');
    expect(labelsRecheckWindows(definition(), '2026-10-20')).toEqual(days('2026-10-13', 7));
    expect(labelsRecheckWindows(definition('P2D'), '2026-10-20')).toEqual(['2026-10-18', '2026-10-19']);
    expect(() => definition('PT12H')).toThrow(/labels\.recheckWithin.*PT12H.*at least one day, e\.g\. P7D/s);
  });

  it('costs nothing extra and stays quiet when the labels come on time', async () => {
    const { opened, rechecks, queriesPerRun, snapshots } = await replay('ontime');
    console.log('on-time queries per scheduled run', queriesPerRun);
    expect(rechecks).toEqual({});
    // Every scheduled run issues the same query set as the first one (no recheck query).
    expect(new Set(queriesPerRun.slice(1)).size).toBe(1);
    expect(snapshots[DATES.at(-1) as string]?.revision).toBe(1);
    expect(opened).toEqual([]);
  }, 180_000);

  it('does not recheck a feed that always labels 80%, its first window included', async () => {
    const { opened, rechecks, store } = await replay('partial');
    const first = await store.getJson<PerformanceResult>(
      resultKeys.result('shop', 'performance', windowFor(definition(), START)),
    );
    expect(first?.revision).toBe(1);
    expect(first?.recheckRun).toBeUndefined();
    console.log('partial feed: first window coverage', first?.overall.coverage);
    expect(first?.overall.coverage).toBeLessThan(0.85);
    expect(rechecks).toEqual({});
    expect(opened).toEqual([]);
  }, 180_000);

  it('evaluates a window again when its late labels land, keeping a revision, and stays quiet', async () => {
    const { opened, rechecks, queriesPerRun, snapshots, store, key, repeated } = await replay('late');
    const due = maturedRun(D);
    const first = snapshots[due];
    console.log('late window', D, 'coverage at maturity', first?.overall.coverage, 'rechecks', rechecks);
    expect(first?.overall.coverage).toBeGreaterThan(0.55);
    expect(first?.overall.coverage).toBeLessThan(0.65);
    expect(first?.revision).toBe(1);
    // Labels 3 days late land in partition D+6, read from morning D+6 (run D+5) on: rechecked on
    // run D+4 (still late) and run D+5 (landed).
    expect(Object.keys(rechecks).sort()).toEqual([shiftDate(due, 1), shiftDate(due, 2)]);
    for (const r of Object.values(rechecks)) expect(r).toEqual([D]);
    expect(snapshots[shiftDate(due, 1)]?.revision).toBe(1);
    const landed = snapshots[shiftDate(due, 2)];
    expect(landed?.overall.coverage).toBe(1);
    expect(landed?.revision).toBe(2);
    expect(landed?.recheckRun).toBe(shiftDate(due, 2));
    expect((await store.getJson<PerformanceResult>(revisionKey(key, 1)))?.overall.coverage).toBe(
      first?.overall.coverage,
    );
    // One extra performance query set per recheck morning, none after.
    const base = queriesPerRun.at(-1) as number;
    expect(queriesPerRun.filter((q) => q > base)).toHaveLength(2);
    expect(snapshots[DATES.at(-1) as string]?.revision).toBe(2);
    expect(repeated).toEqual([]);
    expect(opened).toEqual([]);
  }, 180_000);

  it('alerts once, at the late window, when the late labels hide a real performance drop', async () => {
    const { opened, snapshots, state, repeated, notifier } = await replay('drop');
    const landedRun = shiftDate(maturedRun(D), 2);
    const before = snapshots[maturedRun(D)]?.overall.metrics.rocAuc;
    const after = snapshots[landedRun]?.overall.metrics.rocAuc;
    console.log('drop hidden in late labels: rocAuc', before, '->', after, 'opened', opened);
    expect(repeated).toEqual([]);
    const perf = opened.filter((o) => o.ruleId === 'performance');
    expect(perf).toHaveLength(1);
    expect(perf[0]?.run).toBe(landedRun);
    const incident = state?.incidents.find((i) => i.id === perf[0]?.incidentId);
    expect(incident?.sinceWindow).toBe(D);
    expect(incident?.firstSeenWindow).toBe(D);
    // The page names the late window; the later windows are normal, so it resolves the next
    // morning, with no second incident.
    console.log(
      'messages:',
      notifier.alerts.map((a) => a.subject),
    );
    expect(notifier.alerts).toHaveLength(2);
    expect(notifier.alerts[0]?.subject).toMatch(/^\[CRITICAL\] shop: rocAuc fell 0\.2\d+/);
    expect(notifier.alerts[1]?.subject).toMatch(/^\[RESOLVED\] shop: rocAuc drop resolved/);
    expect(notifier.alerts[0]?.body).toContain(`window ${D}`);
    expect(incident?.status).toBe('resolved');
    expect(incident?.resolvedWindow).toBe(shiftDate(landedRun, 1));
    expect(opened.filter((o) => o.ruleId !== 'performance')).toEqual([]);
  }, 180_000);

  it('reports labels that never come as labels_missing, once, naming the window and the fix', async () => {
    const { opened, rechecks, snapshots, notifier, state } = await replay('never');
    // Rechecked on the 7 runs after it matured; the last one marks it missing.
    const lastRun = shiftDate(maturedRun(D), 7);
    expect(Object.keys(rechecks)).toHaveLength(7);
    expect(Object.keys(rechecks).sort().at(-1)).toBe(lastRun);
    const final = snapshots[lastRun];
    expect(final?.labelsMissing).toMatchObject({ usualCoverage: 1, lastRecheck: shiftDate(lastRun, 1) });
    expect(snapshots[shiftDate(lastRun, -1)]?.labelsMissing).toBeUndefined();
    expect(opened).toEqual([expect.objectContaining({ run: lastRun, ruleId: 'label-coverage' })]);
    const message = notifier.alerts.find((a) => /labels_missing/.test(`${a.subject}\n${a.body}`));
    console.log(
      'labels never came:',
      message?.subject,
      '\n',
      message?.body.split('\n').slice(0, 6).join('\n'),
    );
    expect(message?.body).toMatch(
      new RegExp(`labels_missing: ${D} has labels for 6\\d(\\.\\d)?% of its predictions \\(usual 100%\\)`),
    );
    expect(message?.body).toContain(`driftwatch run --job performance --date ${D}`);
    expect(state?.incidents.filter((i) => i.ruleId === 'label-coverage')).toHaveLength(1);
    // Not evaluated again after its last recheck.
    expect(snapshots[DATES.at(-1) as string]?.generatedAt).toBe(final?.generatedAt);
  }, 180_000);
});
