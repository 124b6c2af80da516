/**
 * Hostile test of the product as a whole, part 2: changes injected ONE AT A TIME into a world with
 * every monitoring feature on (test/lib/jobs/whole-product-world.ts: drift, data quality,
 * performance on late and partly missing labels, estimated performance with its alert rule on, a
 * prediction-log KPI and an outcome KPI, segments correlated with features). Each change must open
 * the right incident (rule and subject) within one window of its onset, and nothing else.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { shiftDate } from '../../../lib/jobs/windows.js';
import {
  day,
  describeDecisions,
  replayWhole,
  type WholeReplay,
  type WholeWorld,
} from './whole-product-world.js';

const cleanups: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const c of cleanups) await c();
});

async function replay(world: WholeWorld) {
  const r = await replayWhole(world);
  cleanups.push(r.cleanup);
  expect(r.mornings.flatMap((m) => m.failures)).toEqual([]);
  return r;
}

describe('one change at a time, every monitoring feature on', () => {
  it('a concept drift in one segment (region=west outcomes stop following the score) opens slice-parity:region=west only', async () => {
    const r = await replay({
      seed: 32,
      days: 24,
      changes: [{ kind: 'segment_concept_drift', segment: { column: 'region', value: 'west' }, day: 12 }],
    });
    expect(
      r.opened.map((o) => o.incident),
      describeDecisions(r),
    ).toEqual(['slice-parity:region=west']);
    // Window 12's labels mature the morning after window 19: the first evaluation that can see it.
    const evaluated = r.mornings.find((m) => m.performance?.window.start === day(12))!;
    expect(r.opened[0]!.date <= shiftDate(evaluated.date, 1)).toBe(true);
  }, 600_000);

  it('a business KPI drop (approval rate 0.6 -> 0.42) opens kpi:approval_rate in the window it fell, and nothing else', async () => {
    const r = await replay({ seed: 33, days: 23, inject: { kpiDrop: { day: 20, to: 0.42 } } });
    expect(
      r.opened.map((o) => o.incident),
      describeDecisions(r),
    ).toEqual(['kpi:approval_rate:approval_rate']);
    expect(r.opened[0]!.date <= day(21)).toBe(true);
    // The outcome KPI (revenue, independent of approvals) did not move.
    const revenue = (await r.kpi(day(19)))?.kpis.find((k) => k.name === 'revenue_per_prediction');
    expect(revenue?.status).toBe('ok');
  }, 600_000);
});

describe('a covariate shift in one segment only (loan_amount x2 in region=east, about 400 of 2,000 rows a day, from day 20)', () => {
  let r: WholeReplay;
  beforeAll(async () => {
    r = await replay({ seed: 31, days: 24, inject: { loanShift: { region: 'east', day: 20, factor: 2 } } });
  }, 600_000);

  it('opens a loan_amount incident within one window of onset, and nothing about anything else', () => {
    const incidents = [...new Set(r.opened.map((o) => o.incident))];
    expect(
      incidents.every((i) => /^(feature-drift:loan_amount|segment-drift:loan_amount@region=east)$/.test(i)),
      describeDecisions(r),
    ).toBe(true);
    expect(r.opened[0]!.date <= day(21), describeDecisions(r)).toBe(true);
  });

  // Was a MED defect (fixed 2026-11-30): feature-drift:loan_amount opened on day 21 (warning); on
  // day 24 the overall verdict dipped below warning for one window and the same change opened
  // segment-drift:loan_amount@region=east as a second, critical page. The segment rule deferred to
  // the feature rule per window only; it now also defers while the feature's incident is open
  // (observeDrift's openFeatureIncidents, lib/alerts/observe.ts).
  it('one change is one incident', () => {
    expect(new Set(r.opened.map((o) => o.incident)).size, describeDecisions(r)).toBe(1);
  });
});
