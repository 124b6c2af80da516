/**
 * Hostile tests (issue #17): what the digest and the report show for an outcome KPI whose latest
 * computed window is HELD (its outcomes late: coverage below 0.9 x the usual) or was marked
 * `outcomesMissing`. An on-call reads the digest line as the KPI's value: a held window's partial
 * sum (30% of the outcomes, so about 30% of the revenue) must not be shown as the latest value.
 */
import { describe, expect, it } from 'vitest';
import { renderDigest } from '../../../lib/alerts/digest.js';
import { heldOutcomeKpis } from '../../../lib/alerts/kpi-rules.js';
import type { KpiDefinition } from '../../../lib/config/schema.js';
import type { KpiResult } from '../../../lib/jobs/kpi-result.js';
import { kpiSection } from '../../../lib/report/kpi-section.js';
import { days, driftResult, makeDefinition } from './fixtures.js';

const revenueKpi: KpiDefinition = {
  name: 'revenue_total',
  aggregate: 'sum',
  column: 'revenue',
  per: 'prediction',
  source: 'outcomes',
  thresholds: { relative: 0.2 },
  direction: 'higher_is_better',
};

const HELD_VALUE = 15123.4; // 30% of the outcomes arrived: a partial sum, not the KPI's value

function result(start: string, value: number, coverage: number, missing = false): KpiResult {
  return {
    schemaVersion: 1,
    kind: 'kpi',
    model: 'credit-default',
    window: { start, end: start, duration: 'P1D' },
    generatedAt: `${start}T02:00:00.000Z`,
    status: 'ok',
    rows: 1000,
    kpis: [
      {
        ...revenueKpi,
        status: 'ok',
        overall: { value, n: Math.round(1000 * coverage) },
        segments: [{ column: 'region', segment: 'north', value: value / 2, n: Math.round(500 * coverage) }],
        versions: [],
        matureOn: start,
        outcomeCoverage: coverage,
        ...(missing
          ? { outcomesMissing: { usualCoverage: 1, neededCoverage: 0.9, lastRecheck: '2026-10-20' } }
          : {}),
      },
    ],
    engine: { name: 'duckdb', queries: 1 },
  };
}

/** Ten judged windows near 50,000 at full coverage, then one held at 30% coverage. */
const dates = days('2026-10-01', 11);
const history = [
  ...dates.slice(0, 10).map((d, i) => result(d, 50_000 + (i % 3) * 250.5, 1)),
  result(dates[10] as string, HELD_VALUE, 0.3),
];
const definition = { ...makeDefinition({ labels: false }), kpis: [revenueKpi] };

describe('a held outcome-KPI window in the digest and the report', () => {
  it('is held by the rule the policy and the KPI job share', () => {
    expect(heldOutcomeKpis(history.at(-1) as KpiResult, history.slice(0, -1))).toEqual([
      expect.objectContaining({ name: 'revenue_total', coverage: 0.3 }),
    ]);
  });

  // DEFECT (MED): the digest shows a held window's partial sum as the KPI's latest value
  // ("kpis: revenue_total 15123.4 (10-11)", about 30% of the real revenue) instead of saying the
  // window is held for late outcomes. Cause: the digest takes the latest result whose item is
  // `status: 'ok'` (lib/alerts/digest.ts:131-133) and a held window is stored as `ok` with its
  // coverage (lib/jobs/kpi.ts:181); nothing there calls heldOutcomeKpis.
  it.fails('the digest says "held: outcomes late" rather than the partial value', () => {
    const body = renderDigest(dates[10] as string, [
      { definition, drift: driftResult(dates[10] as string), kpis: history, reportLink: 'r' },
    ]).body;
    const line = body.split('\n').find((l) => l.includes('kpis:')) ?? '';
    console.log('digest line with a held window:', line);
    expect(line).not.toMatch(/15123|15,123|15\.1k/);
    expect(line).toMatch(/held.*outcomes late/i);
  });

  // DEFECT (MED): same for a window whose outcomes never came (outcomesMissing): the digest shows
  // its partial value as the latest. Cause: as above (lib/alerts/digest.ts:131-133).
  it.fails('the digest does not show the value of a window whose outcomes never came', () => {
    const missing = [...history.slice(0, 10), result(dates[10] as string, HELD_VALUE, 0.3, true)];
    const body = renderDigest(dates[10] as string, [
      { definition, drift: driftResult(dates[10] as string), kpis: missing, reportLink: 'r' },
    ]).body;
    const line = body.split('\n').find((l) => l.includes('kpis:')) ?? '';
    console.log('digest line with outcomes missing:', line);
    expect(line).not.toMatch(/15123|15,123|15\.1k/);
    expect(line).toMatch(/outcomes (late|missing)/i);
  });

  // DEFECT (MED): the report's Business KPIs section plots the held window's partial sum as a 70%
  // drop in the trend panel and lists it as the latest value per segment, with no mark that it is
  // held. Cause: lib/report/kpi-section.ts:21 (series) and :105 (latest values) keep every `ok`
  // item, held or not.
  it.fails('the report does not show the held value as the latest, and says it is held', async () => {
    const html = await kpiSection(history);
    const shown = /15[,.]?123/.test(html);
    console.log('report shows the held value:', shown, '| mentions held:', /held/i.test(html));
    expect(shown).toBe(false);
    expect(html).toMatch(/held/i);
  }, 60_000);
});
