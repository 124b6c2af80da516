/**
 * Hostile test of the product as a whole (issues #14 / #17): EVERY monitoring feature on at once
 * (drift overall and per segment, data quality, performance on late and partly missing labels,
 * estimated performance WITH its alert rule on, a prediction-log KPI and an outcome KPI, segments
 * correlated with features), replayed morning by morning for 60 days as the schedule runs it
 * (test/lib/jobs/whole-product-world.ts). A stable world must stay quiet: every decision, incident
 * and ticket is counted, and any of them is a defect.
 *
 * The injected changes are in whole-product-changes.test.ts and whole-product-bad-input.test.ts;
 * the estimated-performance rule under shift in whole-product-estimated.test.ts (each file one to
 * three worlds, to stay near 3 minutes on this shared machine).
 */
import { afterAll, describe, expect, it } from 'vitest';
import { MemoryResultStore } from '../../../lib/adapters/memory-store.js';
import { BacktestStore } from '../../../lib/jobs/backtest.js';
import { day, describeDecisions, replayWhole, type WholeReplay } from './whole-product-world.js';

const cleanups: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const c of cleanups) await c();
});

async function stable(
  seed: number,
  rules?: Parameters<typeof replayWhole>[0]['rules'],
): Promise<WholeReplay> {
  const replay = await replayWhole({ seed, days: 60, ...(rules ? { rules } : {}) });
  cleanups.push(replay.cleanup);
  return replay;
}

/** Every feature really ran: otherwise "quiet" proves nothing. */
async function expectEverythingRan(replay: WholeReplay) {
  const { mornings } = replay;
  expect(mornings).toHaveLength(60);
  expect(mornings.flatMap((m) => m.failures)).toEqual([]);
  expect(mornings.every((m) => m.drift?.status === 'ok')).toBe(true);
  // Segments judged against their own reference.
  expect(mornings[10]!.drift!.segments.every((s) => s.baseline === 'segment')).toBe(true);
  expect(mornings.every((m) => m.estimated?.status === 'ok')).toBe(true);
  // Performance from the first matured window on (morning of day 9 evaluates day 1).
  expect(mornings.filter((m) => m.performance?.status === 'ok').length).toBeGreaterThanOrEqual(52);
  const kpi = await replay.kpi(day(30));
  const approval = kpi?.kpis.find((k) => k.name === 'approval_rate');
  const revenue = kpi?.kpis.find((k) => k.name === 'revenue_per_prediction');
  expect(approval?.status).toBe('ok');
  expect(approval?.overall?.value).toBeCloseTo(0.6, 1);
  // The outcome KPI of day 30 was computed the morning its outcomes matured (3 days later).
  expect(revenue?.status).toBe('ok');
  expect(revenue?.outcomeCoverage).toBeGreaterThan(0.95);
}

describe('a stable 60-day world with every monitoring feature on', () => {
  it('seed 11 (estimated-performance on its default metric, ROC-AUC): no decision, no incident, no ticket', async () => {
    const replay = await stable(11);
    await expectEverythingRan(replay);
    expect(describeDecisions(replay)).toBe('');
    expect(replay.tickets).toEqual([]);
  }, 600_000);

  it('seed 12 (estimated-performance on accuracy): no decision, no incident, no ticket', async () => {
    const replay = await stable(12, { 'estimated-performance': { enabled: true, metric: 'accuracy' } });
    await expectEverythingRan(replay);
    expect(describeDecisions(replay)).toBe('');
    expect(replay.tickets).toEqual([]);
  }, 600_000);
});

describe('a backtest sees only what it wrote itself', () => {
  // DEFECT (LOW, a backtest can see the future): BacktestStore hides earlier results of drift,
  // estimated, performance, alerts and tickets (lib/jobs/backtest.ts:57), not of `kpi`, which the
  // drift job writes and the alert policy reads as history (loadKpis, lib/jobs/alerts.ts:133). A
  // backtest in a folder where the schedule already ran reads the KPI results of the windows before
  // its `from` as the schedule stored them, outcome KPIs computed with outcomes that arrived after
  // the replayed morning, or from a different definition.
  it.fails('an earlier KPI result is hidden like an earlier drift result', async () => {
    const inner = new MemoryResultStore();
    await inner.putJson('world-binary/drift/dt=2026-08-31/P1D.json', { kind: 'drift' });
    await inner.putJson('world-binary/kpi/dt=2026-08-31/P1D.json', { kind: 'kpi' });
    const store = new BacktestStore(inner, 'world-binary');
    expect(await store.getJson('world-binary/drift/dt=2026-08-31/P1D.json')).toBeUndefined();
    expect(await store.getJson('world-binary/kpi/dt=2026-08-31/P1D.json')).toBeUndefined();
  });
});
