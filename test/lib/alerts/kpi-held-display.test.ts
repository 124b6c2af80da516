/**
 * Hostile tests (issue #17): what the digest and the report show for an outcome KPI whose latest
 * computed window is HELD (its outcomes late: coverage below 0.9 x the usual) or was marked
 * `outcomesMissing`. An on-call reads the digest line as the KPI's value: a held window's partial
 * sum (30% of the outcomes, so about 30% of the revenue) must not be shown as the latest value.
 */
import { describe, expect, it } from 'vitest';
import { renderDigest } from '../../../lib/alerts/digest.js';
import { heldOutcomeKpis } from '../../../lib/alerts/kpi-rules.js';
import { performanceDisplay, recheckDays } from '../../../lib/alerts/late-display.js';
import type { KpiDefinition } from '../../../lib/config/schema.js';
import type { KpiResult } from '../../../lib/jobs/kpi-result.js';
import { kpiSection } from '../../../lib/report/kpi-section.js';
import { performanceSection } from '../../../lib/report/performance-section.js';
import { days, driftResult, makeDefinition, perfResult } from './fixtures.js';

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

  // Was a defect (MED): the digest showed a held window's partial sum as the KPI's latest value
  // ("kpis: revenue_total 15123.4 (10-11)", about 30% of the real revenue) instead of saying the
  // window is held for late outcomes. Cause: the digest takes the latest result whose item is
  // `status: 'ok'` (lib/alerts/digest.ts:131-133) and a held window is stored as `ok` with its
  // coverage (lib/jobs/kpi.ts:181); nothing there calls heldOutcomeKpis.
  it('the digest says "held: outcomes late" rather than the partial value', () => {
    const body = renderDigest(dates[10] as string, [
      { definition, drift: driftResult(dates[10] as string), kpis: history, reportLink: 'r' },
    ]).body;
    const line = body.split('\n').find((l) => l.includes('kpis:')) ?? '';
    console.log('digest line with a held window:', line);
    expect(line).not.toMatch(/15123|15,123|15\.1k/);
    expect(line).toMatch(/held.*outcomes late/i);
  });

  // Was a defect (MED): same for a window whose outcomes never came (outcomesMissing): the digest shows
  // its partial value as the latest. Cause: as above (lib/alerts/digest.ts:131-133).
  it('the digest does not show the value of a window whose outcomes never came', () => {
    const missing = [...history.slice(0, 10), result(dates[10] as string, HELD_VALUE, 0.3, true)];
    const body = renderDigest(dates[10] as string, [
      { definition, drift: driftResult(dates[10] as string), kpis: missing, reportLink: 'r' },
    ]).body;
    const line = body.split('\n').find((l) => l.includes('kpis:')) ?? '';
    console.log('digest line with outcomes missing:', line);
    expect(line).not.toMatch(/15123|15,123|15\.1k/);
    expect(line).toMatch(/outcomes (late|missing)/i);
  });

  // Was a defect (MED): the report's Business KPIs section plotted the held window's partial sum as a 70%
  // drop in the trend panel and lists it as the latest value per segment, with no mark that it is
  // held. Cause: lib/report/kpi-section.ts:21 (series) and :105 (latest values) keep every `ok`
  // item, held or not.
  it('the report does not show the held value as the latest, and says it is held', async () => {
    const html = await kpiSection(history);
    const shown = /15[,.]?123/.test(html);
    console.log('report shows the held value:', shown, '| mentions held:', /held/i.test(html));
    expect(shown).toBe(false);
    expect(html).toMatch(/held/i);
  }, 60_000);

  const withOutcomes = {
    ...definition,
    outcomes: {
      location: 'outcomes/',
      format: 'parquet' as const,
      partitioned: true,
      idColumn: 'id',
      delay: 'P3D',
      recheckWithin: 'P7D',
    },
  };

  it('the digest says when the outcomes were due and until when they are rechecked, and the last judged value', () => {
    const line =
      renderDigest(dates[10] as string, [
        { definition: withOutcomes, drift: driftResult(dates[10] as string), kpis: history, reportLink: 'r' },
      ])
        .body.split('\n')
        .find((l) => l.includes('kpis:')) ?? '';
    // matureOn of the fixture is the window's start; P7D of daily windows: 7 mornings on.
    expect(recheckDays(withOutcomes, 'P7D')).toBe(7);
    expect(line).toBe(
      '  kpis: revenue_total held: outcomes late for 10-11 (coverage 30% of usual 100%, due 10-11, rechecked until 10-18); last judged 50000 (10-10)',
    );
  });

  it('a held window older than the latest judged one: the digest shows the judged value and names the held window', () => {
    const later = [...history, result(days('2026-10-12', 1)[0] as string, 50_100, 1)];
    const line =
      renderDigest('2026-10-12', [
        { definition: withOutcomes, drift: driftResult('2026-10-12'), kpis: later, reportLink: 'r' },
      ])
        .body.split('\n')
        .find((l) => l.includes('kpis:')) ?? '';
    expect(line).toBe('  kpis: revenue_total 50100 (10-12) (held: outcomes late for 10-11)');
  });

  it('the report lists the last judged window per segment, the held window by name, and keeps it out of the trend', async () => {
    const html = await kpiSection(history, 7);
    // The breakdown: a held row for 10-11, then 10-10's values (50,000 overall, 25,000 north).
    expect(html).toMatch(/2026-10-11<\/td><td>held: outcomes late/);
    expect(html).toMatch(/2026-10-10<\/td><td>all<\/td><td[^>]*>50,?000/);
    expect(html).toMatch(/2026-10-10<\/td><td>region = north<\/td><td[^>]*>25,?000/);
    expect(html).toContain(
      'revenue_total: held: outcomes late for 2026-10-11 (coverage 30% of usual 100%, due 2026-10-11, rechecked until 2026-10-18)',
    );
    // A judged later window is the latest again; the held one stays named, not valued.
    const later = await kpiSection([...history, result('2026-10-12', 50_100, 1)], 7);
    expect(later).not.toMatch(/15[,.]?123/);
    expect(later).toMatch(/2026-10-12<\/td><td>all<\/td><td[^>]*>50,?100/);
    expect(later).toMatch(/held: outcomes late for 2026-10-11/);
  }, 60_000);
});

describe('a performance window with late labels in the digest and the report', () => {
  const labelled = { ...makeDefinition({ labels: true }) };
  const perf = [
    ...dates.slice(0, 10).map((d) => perfResult(d, { coverage: 0.95, value: 0.81 })),
    perfResult(dates[10] as string, { coverage: 0.3, value: 0.62 }),
  ];
  const labelsLine = (performance: typeof perf) =>
    renderDigest(dates[10] as string, [
      {
        definition: labelled,
        drift: driftResult(dates[10] as string),
        performance: performance.at(-1),
        performanceHistory: performance,
        reportLink: 'r',
      },
    ])
      .body.split('\n')
      .find((l) => l.includes('labels:')) ?? '';

  it('the digest says the labels are late and leads with the last complete window, not the partial metric', () => {
    expect(recheckDays(labelled, labelled.labels?.recheckWithin as string)).toBe(7);
    const line = labelsLine(perf);
    console.log('digest labels line, labels late:', line);
    // matureOn of the fixture is the window's start + 8; P7D: rechecked until 7 mornings on.
    expect(line).toBe(
      '  labels: held: labels late for 10-11 (coverage 30% of usual 95%, due 10-19, rechecked until 10-26); last complete window 10-10: 95% coverage, rocAuc 0.81',
    );
    expect(line).not.toContain('0.62');
    // On time: as before.
    const onTime = [...perf.slice(0, 10), perfResult(dates[10] as string, { coverage: 0.94, value: 0.8 })];
    expect(labelsLine(onTime)).toBe('  labels: 94% coverage (window 2026-10-11), rocAuc 0.8');
  });

  it('once the labels are missing, the digest gives the final partial metric as such', () => {
    const missing = [
      ...perf.slice(0, 10),
      {
        ...(perf[10] as (typeof perf)[number]),
        labelsMissing: { usualCoverage: 0.95, neededCoverage: 0.855, lastRecheck: '2026-10-26' },
      },
    ];
    expect(labelsLine(missing)).toBe(
      '  labels: labels missing for 10-11 (coverage 30% of usual 95% at its last recheck 10-26), rocAuc 0.62 on the labels that came; last complete window 10-10: 95% coverage, rocAuc 0.81',
    );
  });

  it('the report notes the late labels above the metrics and names the last complete window', () => {
    const html = performanceSection(undefined, perf.at(-1), performanceDisplay(perf, 7));
    expect(html).toContain(
      '<strong>held: labels late for 2026-10-11 (coverage 30% of usual 95%, due 2026-10-19, rechecked until 2026-10-26)</strong>: its metrics below cover only the labels that came so far',
    );
    expect(html).toMatch(/Last window with its usual labels: 2026-10-10, rocAuc 0\.81/);
    expect(performanceSection(undefined, perf[9], performanceDisplay(perf.slice(0, 10), 7))).not.toMatch(
      /labels late/,
    );
  });
});
