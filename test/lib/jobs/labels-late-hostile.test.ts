/**
 * Hostile tests of late labels (issue #17), the performance job's equivalents of the late-outcome
 * defects (test/lib/jobs/kpi-late-hostile.test.ts, kpi-recheck-long.test.ts): labels that land
 * after `labels.recheckWithin` and are loaded by the labels_missing fix (a manual run for the
 * window); a broken label file on one day, which failed the maturing runs of the windows reading
 * it (never evaluated afterwards) and the last recheck of an unrelated window (never reported);
 * a long `labels.recheckWithin`, longer than the alert job's usual history.
 *
 * Real parts: Parquet logs written by DuckDB (predictions by day, labels by ARRIVAL day), the
 * performance job as the schedule runs it (`runJob` with `scheduled`) and as a manual run does
 * (`runJob` with a date), DuckDB, a memory store, the real alert policy (run twice each morning:
 * a retry decides nothing), replayed morning by morning.
 */
import { mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DuckDbQueryEngine } from '../../../lib/adapters/duckdb-engine.js';
import { MemoryResultStore } from '../../../lib/adapters/memory-store.js';
import type { AlertState } from '../../../lib/alerts/types.js';
import { validateDefinition } from '../../../lib/config/load.js';
import type { MonitorDefinitionInput } from '../../../lib/config/schema.js';
import { alertKeys, runAlerts } from '../../../lib/jobs/alerts.js';
import type { PerformanceResult } from '../../../lib/jobs/performance-result.js';
import { runJob } from '../../../lib/jobs/run-job.js';
import type { JobDeps } from '../../../lib/jobs/types.js';
import { maturedWindow, resultKeys, shiftDate, windowFor } from '../../../lib/jobs/windows.js';
import { quoteString } from '../../../lib/sql/identifiers.js';
import { tempDir } from '../../helpers/temp.js';
import { days, RecordingNotifier } from '../alerts/fixtures.js';

let engine: DuckDbQueryEngine;
let dir: { path: string; cleanup: () => Promise<void> };

const START = '2026-10-01';
const DATES = days(START, 30);
const L = 12; // 0-based index of the window whose labels misbehave
const D = DATES[L] as string;
const ROWS = 2000;

const u = (world: number, day: number, stream: number) =>
  `((hash(CAST(((${world}::HUGEINT * 100 + ${day}) * 100000000 + i) * 16 + ${stream} AS UBIGINT)) >> 11)::DOUBLE + 0.5) / 9007199254740992.0`;

/**
 * `n` days x ROWS predictions of a calibrated binary model, labels arriving 3 days after the
 * prediction day. In each window of `late`, 60% of the labels arrive `lateBy` days after the prediction
 * day (99: never); with `dropLate` those late labels are inverted (the model failed on them).
 */
async function writeWorld(
  name: string,
  world: number,
  opts: { n?: number; late: Record<number, number>; dropLate?: boolean },
) {
  const parts = days(START, opts.n ?? DATES.length).map((date, d) => {
    const lateBy = opts.late[d];
    const lateRow = lateBy !== undefined ? `${u(world, d, 3)} >= 0.4` : 'false';
    const good = `CASE WHEN ${u(world, d, 2)} < score THEN 1 ELSE 0 END`;
    const y =
      lateBy !== undefined && opts.dropLate ? `CASE WHEN ${lateRow} THEN 1 - ${good} ELSE ${good} END` : good;
    return `SELECT *, ${y} AS y,
        strftime(${quoteString(date)}::DATE + INTERVAL (CASE WHEN ${lateRow} THEN ${lateBy ?? 3} ELSE 3 END) DAY, '%Y-%m-%d') AS arrival
      FROM (SELECT 'p-${d}-' || i AS id, ${quoteString(date)} AS dt, ${u(world, d, 1)} AS score, i
        FROM range(${ROWS}) t(i))`;
  });
  await engine.execute(`CREATE OR REPLACE TEMP TABLE w AS ${parts.join(' UNION ALL ')}`);
  const base = `${dir.path}/${name}`;
  await mkdir(base, { recursive: true });
  await engine.execute(
    `COPY (SELECT id, score, dt FROM w) TO ${quoteString(`${base}/predictions`)} (FORMAT parquet, PARTITION_BY (dt))`,
  );
  await engine.execute(
    `COPY (SELECT id, y, arrival AS dt FROM w WHERE arrival <= '2027-01-31') TO ${quoteString(`${base}/labels`)} (FORMAT parquet, PARTITION_BY (dt))`,
  );
}

function definition(recheckWithin?: string) {
  const input: MonitorDefinitionInput = {
    model: { id: 'shop', task: 'binary', tier: 1 },
    predictions: { location: 'p', idColumn: 'id', timestampColumn: 'id', scoreColumn: 'score' },
    features: [{ name: 'score', kind: 'numeric' }],
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

function depsFor(world: string, store: MemoryResultStore, date: string, recheckWithin?: string): JobDeps {
  return {
    definition: definition(recheckWithin),
    sources: {
      predictions: { location: `${dir.path}/${world}/predictions`, format: 'parquet', partitioned: true },
      labels: { location: `${dir.path}/${world}/labels`, format: 'parquet', partitioned: true },
    },
    engine,
    store,
    clock: morningAfter(date),
  };
}

/** Each morning as on AWS: the scheduled performance run, then the alert step, then it again (a retry). */
async function replay(
  world: string,
  dates: readonly string[],
  options: {
    store?: MemoryResultStore;
    recheckWithin?: string;
    beforeRun?: (date: string) => Promise<void>;
  } = {},
) {
  const store = options.store ?? new MemoryResultStore();
  const def = definition(options.recheckWithin);
  const notifier = new RecordingNotifier();
  const opened: { run: string; ruleId: string; level: string; incidentId: string }[] = [];
  const repeated: string[] = [];
  const errors: Record<string, string> = {};
  for (const date of dates) {
    await options.beforeRun?.(date);
    const at = depsFor(world, store, date, options.recheckWithin);
    const matured = maturedWindow(def, at.clock.now());
    if (matured >= START) {
      try {
        await runJob({ job: 'performance', date: matured, scheduled: true }, at);
      } catch (e) {
        errors[date] = (e as Error).message;
      }
    }
    const summary = await runAlerts({ definition: def, store, notifier, clock: at.clock }, date);
    for (const d of summary.decisions.filter((x) => x.type === 'opened'))
      opened.push({ run: date, ruleId: d.ruleId, level: d.level, incidentId: d.incidentId });
    const again = await runAlerts({ definition: def, store, notifier, clock: at.clock }, date);
    repeated.push(...again.decisions.map((d) => `${date} ${d.type} ${d.ruleId}`));
  }
  const state = await store.getJson<AlertState>(alertKeys.state('shop'));
  return { store, notifier, opened, repeated, errors, state };
}

const stored = (store: MemoryResultStore, window: string, recheckWithin?: string) =>
  store.getJson<PerformanceResult>(
    resultKeys.result('shop', 'performance', windowFor(definition(recheckWithin), window)),
  );

/** The label partition folder of arrival day `day` in `world`. */
const partition = (world: string, day: string) => `${dir.path}/${world}/labels/dt=${day}`;

beforeAll(async () => {
  engine = await DuckDbQueryEngine.create({ threads: 1 });
  dir = await tempDir('driftwatch-labels-hostile-');
  // Day L: 60% of its labels land 13 days late (after its last recheck on run D+10), hiding a drop.
  await writeWorld('afterrecheck', 21, { late: { [L]: 13 }, dropLate: true });
  // Day L-6: 60% of its labels never come; a broken file lands on arrival day D+3 (added below).
  await writeWorld('poisoned', 22, { late: { [L - 6]: 99 } });
  // 52 days; day 4's labels: 60% never come (checked with labels.recheckWithin P40D).
  await writeWorld('long', 23, { n: 52, late: { 4: 99 } });
  const due = shiftDate(D, 3);
  const [file] = await readdir(partition('poisoned', due));
  expect(file).toBeDefined();
}, 180_000);

afterAll(async () => {
  await engine?.close();
  await dir?.cleanup();
});

describe('late labels, hostile', () => {
  it('labels after recheckWithin, loaded and re-run as the labels_missing fix says, are judged once on the window', async () => {
    const store = new MemoryResultStore();
    // Mornings up to D+12: labels_missing at the last recheck (run D+10); the late labels land at D+13.
    const first = await replay('afterrecheck', days(START, L + 13), { store });
    expect(first.errors).toEqual({});
    expect(first.opened.map((o) => `${o.run} ${o.ruleId}`)).toEqual([`${shiftDate(D, 10)} label-coverage`]);
    expect((await stored(store, D))?.labelsMissing).toBeDefined();
    // The on-call follows the fix on the morning after D+13: load the labels, run the window again.
    const rerunDay = shiftDate(D, 13);
    await runJob({ job: 'performance', date: D }, depsFor('afterrecheck', store, rerunDay));
    const rerun = await stored(store, D);
    console.log(
      'labels after recheckWithin: manual run coverage',
      rerun?.overall.coverage,
      'rocAuc',
      rerun?.overall.metrics.rocAuc,
      'revision',
      rerun?.revision,
      'recheckRun',
      rerun?.recheckRun,
    );
    expect(rerun?.overall.coverage).toBe(1);
    expect(rerun?.labelsMissing).toBeUndefined();
    expect(rerun?.recheckRun).toBe(rerunDay);
    // The same morning's alert step (after the manual run) and the next mornings'.
    const later = await replay('afterrecheck', days(rerunDay, 3), { store });
    expect(later.errors).toEqual({});
    expect(later.repeated).toEqual([]);
    const perf = later.opened.filter((o) => o.ruleId === 'performance');
    console.log(
      'after the fix: opened',
      later.opened,
      later.notifier.alerts[0]?.body.split('\n').slice(0, 4),
    );
    expect(perf).toEqual([expect.objectContaining({ run: rerunDay, level: 'critical' })]);
    const incident = later.state?.incidents.find((i) => i.id === perf[0]?.incidentId);
    expect(incident?.sinceWindow).toBe(D);
    expect(incident?.firstSeenWindow).toBe(D);
    expect(later.notifier.alerts[0]?.body).toContain(
      `Arrived late: window ${D} is 13 days behind this run's window ${rerunDay}; its labels were late`,
    );
    // A second manual run with the same labels changes nothing and judges nothing again.
    await runJob({ job: 'performance', date: D }, depsFor('afterrecheck', store, shiftDate(rerunDay, 2)));
    expect((await stored(store, D))?.revision).toBe(rerun?.revision);
    const again = await replay('afterrecheck', [shiftDate(rerunDay, 3)], { store });
    expect(again.opened).toEqual([]);
  }, 180_000);

  it("a broken label file neither loses the windows whose maturing run failed nor another window's labels_missing", async () => {
    const due = shiftDate(D, 3);
    const fixedOn = shiftDate(D, 7); // the file is removed before the run of D+7
    const never = DATES[L - 6] as string;
    await writeFile(`${partition('poisoned', due)}/broken.parquet`, Buffer.from('PAR1\x15\x00\x15'));
    const { store, errors, opened, notifier } = await replay('poisoned', DATES, {
      beforeRun: async (date) => {
        if (date === fixedOn) await rm(`${partition('poisoned', due)}/broken.parquet`, { force: true });
      },
    });
    console.log('broken label file: errors on runs', Object.keys(errors), 'opened', opened);
    // The runs whose matured window reads arrival day D+3 fail (windows D-1 .. D+3), naming the file.
    expect(Object.keys(errors).sort()).toEqual(days(shiftDate(D, 2), 5));
    for (const message of Object.values(errors)) expect(message).toContain('broken.parquet');
    // Once the file is removed, the windows whose maturing run failed are evaluated (they owed it).
    const missing: string[] = [];
    for (const w of days(shiftDate(D, -1), 5)) {
      const r = await stored(store, w);
      if (r?.status !== 'ok' || r.overall.coverage !== 1) missing.push(`${w} ${r?.status}`);
    }
    expect(missing).toEqual([]);
    // Window L-6's last recheck (run D+4) failed on the file; the run of D+7 reports it, once.
    const item = await stored(store, never);
    expect(item?.labelsMissing).toBeDefined();
    expect(opened.filter((o) => o.ruleId === 'label-coverage')).toEqual([
      expect.objectContaining({ run: fixedOn }),
    ]);
    expect(notifier.alerts.some((a) => a.body.includes(`labels_missing: ${never} has labels for`))).toBe(
      true,
    );
  }, 180_000);

  it('a long labels.recheckWithin (P40D) still reports labels that never come, once, at the last recheck', async () => {
    const { store, opened, notifier, errors } = await replay('long', days(START, 52), {
      recheckWithin: 'P40D',
    });
    const w = days(START, 5)[4] as string;
    const item = await stored(store, w, 'P40D');
    console.log('P40D: window', w, 'labelsMissing', item?.labelsMissing, 'opened', opened);
    expect(errors).toEqual({});
    expect(item?.labelsMissing).toBeDefined();
    // Matured on run w+3, last rechecked 40 runs later.
    expect(opened.map((o) => `${o.run} ${o.ruleId}`)).toEqual([`${shiftDate(w, 43)} label-coverage`]);
    expect(notifier.alerts.some((a) => a.body.includes(`labels_missing: ${w} has labels for`))).toBe(true);
  }, 240_000);
});
