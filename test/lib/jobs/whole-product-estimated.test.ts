/**
 * Hostile test of the product as a whole, part 4: the estimated-performance alert rule (off by
 * default; README "Alerts") switched on, in a world with every monitoring feature on
 * (test/lib/jobs/whole-product-world.ts). Does it fire BEFORE the labels under a shift that really
 * reduces performance, and stay quiet under a shift that does not? (The stable world with the rule
 * on, on ROC-AUC and on accuracy, is in whole-product-hostile.test.ts.)
 *
 * The rule watches accuracy here: in this world a covariate shift moves accuracy but not ROC-AUC (a
 * 2 sd rise of debt_to_income: realized accuracy 0.83 -> 0.72, realized ROC-AUC 0.80 -> 0.80, both
 * measured in the replay below), so the default metric has nothing to find and must stay quiet.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { shiftDate } from '../../../lib/jobs/windows.js';
import { day, describeDecisions, replayWhole } from './whole-product-world.js';

const cleanups: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const c of cleanups) await c();
});

const ON_ACCURACY = { 'estimated-performance': { enabled: true, metric: 'accuracy' } } as const;

describe('the estimated-performance rule, on', () => {
  it('a performance-reducing shift (debt_to_income +2 sd from day 20) opens estimated-performance:accuracy a week before the labels', async () => {
    const r = await replayWhole({
      seed: 51,
      days: 28,
      changes: [{ kind: 'feature_shift', feature: 'debt_to_income', day: 20, sd: 2 }],
      rules: ON_ACCURACY,
    });
    cleanups.push(r.cleanup);
    expect(r.mornings.flatMap((m) => m.failures)).toEqual([]);
    // The shift is real: the labels, once matured, confirm the drop (evaluated the morning of day 28).
    const evaluated = r.mornings.find((m) => m.performance?.window.start === day(20))!;
    expect(evaluated.performance!.overall.metrics.accuracy as number).toBeLessThan(0.78);
    const opened = r.opened.find((o) => o.incident === 'estimated-performance:accuracy');
    expect(opened, describeDecisions(r)).toBeDefined();
    expect(opened!.date <= day(21)).toBe(true);
    expect(opened!.date < evaluated.date).toBe(true);
    // The other incidents are the shift itself: the feature and the score distribution.
    expect(new Set(r.opened.map((o) => o.incident))).toEqual(
      new Set(['estimated-performance:accuracy', 'feature-drift:debt_to_income', 'prediction-drift:score']),
    );
  }, 600_000);

  it('a harmless shift (credit_utilization -1 sd: lower risk, scores fall, accuracy does not) leaves it quiet', async () => {
    const r = await replayWhole({
      seed: 52,
      days: 28,
      changes: [{ kind: 'feature_shift', feature: 'credit_utilization', day: 20, sd: -1 }],
      rules: ON_ACCURACY,
    });
    cleanups.push(r.cleanup);
    expect(r.mornings.flatMap((m) => m.failures)).toEqual([]);
    const evaluated = r.mornings.find((m) => m.performance?.window.start === day(20))!;
    expect(evaluated.performance!.overall.metrics.accuracy as number).toBeGreaterThan(0.8);
    expect(
      r.opened.filter((o) => o.incident.startsWith('estimated-performance')),
      describeDecisions(r),
    ).toEqual([]);
    // The shift itself is still seen.
    expect(r.opened.map((o) => o.incident)).toContain('feature-drift:credit_utilization');
    expect(shiftDate(r.opened[0]!.date, 0) <= day(21)).toBe(true);
  }, 600_000);
});
