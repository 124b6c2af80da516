/**
 * Hostile test (issue #17): a long `outcomes.recheckWithin` (P60D, for a feed known to be weeks
 * late). A window whose outcomes never come must still be reported as `outcomes_missing` once,
 * at its last recheck 60 mornings after it matured, as the README promises for any look-back.
 *
 * Real parts: Parquet logs written by DuckDB, the drift job's KPI step on DuckDB, a memory store,
 * the real alert policy, replayed morning by morning (75 mornings of 200 predictions).
 */
import { mkdir } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DuckDbQueryEngine } from '../../../lib/adapters/duckdb-engine.js';
import { MemoryResultStore } from '../../../lib/adapters/memory-store.js';
import { validateDefinition } from '../../../lib/config/load.js';
import { runAlerts } from '../../../lib/jobs/alerts.js';
import { outcomesRecheckWindows, runScheduledKpis } from '../../../lib/jobs/kpi.js';
import type { KpiResult } from '../../../lib/jobs/kpi-result.js';
import type { JobDeps } from '../../../lib/jobs/types.js';
import { resultKeys, shiftDate, windowFor } from '../../../lib/jobs/windows.js';
import { quoteString } from '../../../lib/sql/identifiers.js';
import { tempDir } from '../../helpers/temp.js';
import { days, RecordingNotifier } from '../alerts/fixtures.js';

let engine: DuckDbQueryEngine;
let dir: { path: string; cleanup: () => Promise<void> };

const START = '2026-08-01';
const DATES = days(START, 75);
const L = 4; // day L's outcomes never arrive
const D = DATES[L] as string;
const ROWS = 200;

beforeAll(async () => {
  engine = await DuckDbQueryEngine.create({ threads: 1 });
  dir = await tempDir('driftwatch-kpi-long-');
  const u = (d: number, s: number) =>
    `((hash(CAST((${d}::HUGEINT * 100000000 + i) * 16 + ${s} AS UBIGINT)) >> 11)::DOUBLE + 0.5) / 9007199254740992.0`;
  await engine.execute(
    `CREATE OR REPLACE TEMP TABLE w AS ${DATES.map(
      (date, d) => `SELECT 'p-${d}-' || i AS id, ${quoteString(date)} AS dt, ${u(d, 1)} AS score,
        round(${u(d, 5)} * 100, 2) AS revenue,
        strftime(${quoteString(date)}::DATE + INTERVAL (${d === L ? 999 : 3}) DAY, '%Y-%m-%d') AS arrival
      FROM range(${ROWS}) t(i)`,
    ).join(' UNION ALL ')}`,
  );
  await mkdir(`${dir.path}/w`, { recursive: true });
  await engine.execute(
    `COPY (SELECT id, score, dt FROM w) TO ${quoteString(`${dir.path}/w/predictions`)} (FORMAT parquet, PARTITION_BY (dt))`,
  );
  await engine.execute(
    `COPY (SELECT id, revenue, arrival AS dt FROM w WHERE arrival <= '2026-12-31') TO ${quoteString(`${dir.path}/w/outcomes`)} (FORMAT parquet, PARTITION_BY (dt))`,
  );
}, 120_000);

afterAll(async () => {
  await engine?.close();
  await dir?.cleanup();
});

const definition = validateDefinition({
  model: { id: 'shop', task: 'binary', tier: 1 },
  predictions: { location: 'p', idColumn: 'id', timestampColumn: 'id', scoreColumn: 'score' },
  features: [{ name: 'score', kind: 'numeric' }],
  outcomes: { location: 'o', idColumn: 'id', delay: 'P3D', recheckWithin: 'P60D' },
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
});

const morningAfter = (date: string) => ({ now: () => new Date(`${shiftDate(date, 1)}T02:00:00Z`) });

describe('a long recheckWithin', () => {
  // Was a DEFECT (MED): the recheck read only the last 37 KPI results (loadKpis' default), so a
  // window more than 37 back was never found and never reported. Now the recheck and the alert
  // job read as many as the look-back needs (lib/jobs/revisions.ts lateHistoryLimit).
  it('reports a window whose outcomes never come as outcomes_missing at its last recheck, 60 days on', async () => {
    expect(outcomesRecheckWindows(definition, shiftDate(D, 63))[0]).toBe(D); // its last recheck
    const store = new MemoryResultStore();
    const notifier = new RecordingNotifier();
    const key = resultKeys.result('shop', 'kpi', windowFor(definition, D));
    const deps = (date: string): JobDeps => ({
      definition,
      sources: {
        predictions: { location: `${dir.path}/w/predictions`, format: 'parquet', partitioned: true },
        outcomes: { location: `${dir.path}/w/outcomes`, format: 'parquet', partitioned: true },
      },
      engine,
      store,
      clock: morningAfter(date),
    });
    const opened: string[] = [];
    let lastRecheckSeen: string | undefined;
    for (const date of DATES) {
      await runScheduledKpis(deps(date), date);
      const r = await store.getJson<KpiResult>(key);
      if (r?.recheckRun) lastRecheckSeen = r.recheckRun;
      const summary = await runAlerts({ definition, store, notifier, clock: morningAfter(date) }, date);
      for (const d of summary.decisions.filter((x) => x.type === 'opened'))
        opened.push(`${date} ${d.ruleId}`);
    }
    const final = (await store.getJson<KpiResult>(key))?.kpis[0];
    console.log(
      `recheckWithin P60D: window ${D} coverage ${final?.outcomeCoverage}, last rechecked by run ${lastRecheckSeen}, outcomesMissing ${JSON.stringify(final?.outcomesMissing)}, opened ${JSON.stringify(opened)}`,
    );
    expect(final?.outcomesMissing).toBeDefined();
    expect(opened).toEqual([`${shiftDate(D, 63)} kpi:revenue_total`]);
    expect(notifier.alerts.some((a) => a.body.includes(`outcomes_missing: revenue_total of ${D}`))).toBe(
      true,
    );
  }, 170_000);
});
