import { describe, expect, it } from 'vitest';
import {
  budgetSeries,
  burnRateRules,
  evaluateBurn,
  evaluateSilence,
  reaches,
  type WindowCounts,
} from '../../../lib/alerts/burn-rate.js';

const HOUR = 3_600_000;
const END = Date.parse('2026-03-01T00:00:00Z');

/** `hours` hourly windows ending at END, each with `total` events and `bad(k)` bad ones (k = hours before END, 1 = the last). */
function hourly(hours: number, total: number, bad: (k: number) => number): WindowCounts[] {
  return Array.from({ length: hours }, (_, i) => {
    const k = hours - i;
    return { start: END - k * HOUR, total, good: total - bad(k) };
  });
}

describe('burnRateRules', () => {
  it("derive the SRE workbook's table for a 30-day period from 2% / 5% / 10% budget consumption", () => {
    // The workbook, chapter "Alerting on SLOs", recommended parameters for a 99.9% SLO over 30 days.
    expect(burnRateRules('P30D')).toEqual([
      { severity: 'critical', budgetConsumed: 0.02, longWindow: 'PT1H', shortWindow: 'PT5M', burnRate: 14.4 },
      { severity: 'critical', budgetConsumed: 0.05, longWindow: 'PT6H', shortWindow: 'PT30M', burnRate: 6 },
      { severity: 'warning', budgetConsumed: 0.1, longWindow: 'P3D', shortWindow: 'PT6H', burnRate: 1 },
    ]);
  });

  it('scale the rates with the period (28 days: 13.44, 5.6, 0.933...)', () => {
    const rates = burnRateRules('P28D').map((r) => r.burnRate);
    expect(rates[0]).toBeCloseTo(13.44, 10);
    expect(rates[1]).toBeCloseTo(5.6, 10);
    expect(rates[2]).toBeCloseTo(28 / 30, 10);
  });
});

describe('evaluateBurn', () => {
  const spec = { target: 0.999, period: 'P30D', window: 'PT1H', end: END };

  it('spend the budget in proportion: 0.05% bad over 30 days is half the budget, no alert', () => {
    const out = evaluateBurn(
      hourly(720, 10_000, () => 5),
      spec,
    );
    expect(out.budget.total).toBe(7_200_000);
    expect(out.budget.bad).toBe(3_600);
    expect(out.budget.consumed).toBeCloseTo(0.5, 12);
    expect(out.budget.remaining).toBeCloseTo(0.5, 12);
    expect(out.rules.map((r) => r.long.burnRate)).toEqual([0.5, 0.5, 0.5].map((x) => expect.closeTo(x, 12)));
    expect(out.level).toBe('none');
  });

  it('page when the last hour burns at 14.4x or more (hourly windows: the 5m window is the last hour)', () => {
    const out = evaluateBurn(
      hourly(720, 10_000, (k) => (k === 1 ? 150 : 0)),
      spec,
    );
    expect(out.rules[0]).toMatchObject({
      firing: true,
      long: { burnRate: expect.closeTo(15, 9), duration: 'PT1H' },
    });
    expect(out.rules[0]?.short.duration).toBe('PT1H');
    expect(out.rules[1]?.firing).toBe(false); // 150 / 60,000 over 6h = 2.5x
    expect(out.level).toBe('critical');
    // 14.3x: just under the rate, nothing fires.
    expect(
      evaluateBurn(
        hourly(720, 10_000, (k) => (k === 1 ? 143 : 0)),
        spec,
      ).level,
    ).toBe('none');
  });

  it('ticket a slow burn (1.2x over 3 days) and stop once the short window is clean', () => {
    const slow = evaluateBurn(
      hourly(720, 10_000, (k) => (k <= 72 ? 12 : 0)),
      spec,
    );
    expect(slow.rules.map((r) => r.firing)).toEqual([false, false, true]);
    expect(slow.level).toBe('warning');
    // The last 6 hours clean: the 3-day window still burns 1.1x, the short one 0: resolved.
    const stopped = evaluateBurn(
      hourly(720, 10_000, (k) => (k <= 72 && k > 6 ? 13 : 0)),
      spec,
    );
    expect(stopped.rules[2]?.long.burnRate).toBeGreaterThan(1);
    expect(stopped.level).toBe('none');
  });

  it('use the exact short windows with five-minute sub-windows', () => {
    const five = Array.from({ length: 12 }, (_, i) => ({
      start: END - (12 - i) * 300_000,
      total: 1_000,
      good: i === 11 ? 980 : 999,
    }));
    const out = evaluateBurn(five, { ...spec, window: 'PT5M' });
    expect(out.rules[0]?.short).toMatchObject({ duration: 'PT5M', bad: 20, burnRate: expect.closeTo(20, 9) });
    expect(out.rules[0]?.long).toMatchObject({ duration: 'PT1H', bad: 31 });
    expect(out.rules[0]?.firing).toBe(false); // 31 / 12,000 = 2.6x over the hour
  });

  it('burn nothing without events, and report a null SLI', () => {
    const out = evaluateBurn([], spec);
    expect(out.budget).toMatchObject({ total: 0, sli: null, consumed: 0, remaining: 1 });
    expect(out.level).toBe('none');
  });
});

describe('budgetSeries', () => {
  it('track the remaining budget across the period, overspent below 0', () => {
    const series = budgetSeries(
      hourly(720, 1_000, (k) => (k <= 24 ? 20 : 0)),
      {
        target: 0.999,
        period: 'P30D',
        window: 'PT1H',
        end: END,
      },
    );
    expect(series).toHaveLength(720);
    expect(series[0]?.remaining).toBe(1);
    expect(series[695]?.remaining).toBe(1);
    // After the period's 720 hours: 480 bad of 720,000 events, budget 720: 2/3 spent.
    expect(series.at(-1)?.remaining).toBeCloseTo(1 - 480 / 720, 12);
  });
});

describe('reaches: the rate comparison tolerates binary rounding only', () => {
  it('takes 14.4x computed through 1 - 0.999 and 1 - 0.99 as reaching 14.4, and 14.3999 as not', () => {
    expect(1440 / 100_000 / (1 - 0.999)).toBeLessThan(14.4);
    expect(reaches(1440 / 100_000 / (1 - 0.999), 14.4)).toBe(true);
    expect(reaches(14_400 / 100_000 / (1 - 0.99), 14.4)).toBe(true);
    // One bad event fewer than 14.4x of 10,000,000 at 99.9% is a real miss (14.3999x).
    expect(reaches(143_999 / 10_000_000 / (1 - 0.999), 14.4)).toBe(false);
  });
});

describe('low traffic: a page needs real budget spend', () => {
  /** 719 hours of 1,000 good events, then a last hour of `total` events with `bad` bad ones. */
  function quietLastHour(total: number, bad: number) {
    const counts: WindowCounts[] = [];
    for (let k = 720; k > 1; k--) counts.push({ start: END - k * HOUR, total: 1000, good: 1000 });
    counts.push({ start: END - HOUR, total, good: total - bad });
    return evaluateBurn(counts, { target: 0.999, period: 'P30D', window: 'PT1H', end: END });
  }

  it('does not page for 1 bad of 5 (200x, 0.14% of the budget) nor 14 of 20 (700x, 1.9%)', () => {
    for (const [total, bad] of [
      [5, 1],
      [20, 14],
    ] as const) {
      const e = quietLastHour(total, bad);
      expect(e.rules[0]!.long.burnRate).toBeGreaterThan(14.4);
      expect(e.rules[0]!.spent).toBeLessThan(0.02);
      expect(e.level).toBe('none');
    }
  });

  it('pages for 15 bad of 20 in a quiet hour: 2.08% of the budget spent in one hour', () => {
    const e = quietLastHour(20, 15);
    expect(e.rules[0]!.spent).toBeCloseTo(15 / (0.001 * 719_020), 9);
    expect(e.rules[0]!.firing).toBe(true);
    expect(e.level).toBe('critical');
  });
});

describe('evaluateSilence', () => {
  // Hourly counts ending at END: `perHour(k)` events in the hour k hours before END (1 = the last).
  const counts = (hours: number, perHour: (k: number) => number): WindowCounts[] =>
    Array.from({ length: hours }, (_, i) => hours - i)
      .map((k) => ({ start: END - k * HOUR, total: perHour(k), good: perHour(k) }))
      .filter((c) => c.total > 0);

  it('is silent when the last hour is empty and the same hour of the earlier days usually had 10 or more', () => {
    const c = counts(8 * 24, (k) => (k === 1 ? 0 : 12));
    expect(evaluateSilence(c, { window: 'PT1H', end: END })).toEqual({
      span: 'PT1H',
      observed: 0,
      usual: 12,
      days: 7,
      silent: true,
    });
  });

  it('is not silent below 10 usual events (a quiet night hour may hold none), nor with one event', () => {
    expect(
      evaluateSilence(
        counts(8 * 24, (k) => (k === 1 ? 0 : 9)),
        { window: 'PT1H', end: END },
      ).silent,
    ).toBe(false);
    expect(
      evaluateSilence(
        counts(8 * 24, (k) => (k === 1 ? 1 : 500)),
        { window: 'PT1H', end: END },
      ),
    ).toMatchObject({
      observed: 1,
      silent: false,
    });
  });

  it('takes the median of the same hour: one busy earlier day does not make a quiet hour look busy', () => {
    // The same hour 1, 2 and 3 days ago held 2, 1000 and 3 events; the other hours 1000.
    const c = counts(4 * 24, (k) => (k === 1 ? 0 : k === 25 ? 2 : k === 49 ? 1000 : k === 73 ? 3 : 1000));
    expect(evaluateSilence(c, { window: 'PT1H', end: END })).toMatchObject({
      usual: 3,
      days: 3,
      silent: false,
    });
  });

  it('does not judge before three earlier days of history (zero before the first count is unknown)', () => {
    const c = counts(2 * 24 + 5, (k) => (k === 1 ? 0 : 100));
    expect(evaluateSilence(c, { window: 'PT1H', end: END })).toEqual({
      span: 'PT1H',
      observed: 0,
      usual: null,
      days: 2,
      silent: false,
    });
    expect(evaluateSilence([], { window: 'PT1H', end: END }).usual).toBeNull();
  });

  it('judges the last hour of five-minute sub-windows', () => {
    const c: WindowCounts[] = [];
    for (let t = END - 4 * 24 * HOUR; t < END; t += 5 * 60_000) {
      // Events everywhere but the last 55 minutes: the hour still holds the one at END - 60 min.
      if (t < END - 55 * 60_000) c.push({ start: t, total: 2, good: 2 });
    }
    expect(evaluateSilence(c, { window: 'PT5M', end: END })).toMatchObject({
      span: 'PT1H',
      observed: 2,
      silent: false,
    });
    expect(evaluateSilence(c, { window: 'PT5M', end: END + 5 * 60_000 })).toMatchObject({
      observed: 0,
      usual: 24,
      silent: true,
    });
  });
});
