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
