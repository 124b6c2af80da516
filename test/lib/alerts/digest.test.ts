import { describe, expect, it } from 'vitest';
import { modelStatus, renderDigest } from '../../../lib/alerts/digest.js';
import type { TicketRecord } from '../../../lib/alerts/tickets.js';
import { days, driftResult, makeDefinition, perfResult } from './fixtures.js';
import { runAll, simulation } from './helpers.js';

describe('renderDigest', () => {
  it('summarises every model in one short message', () => {
    // Prepare: a tier-1 model with drift and a volume incident, a tier-3 model that is healthy.
    const credit = simulation(makeDefinition({ labels: false }));
    const dates = days('2026-10-01', 3);
    for (const [i, d] of dates.entries())
      credit.drift.set(
        d,
        driftResult(d, { features: i >= 1 ? { income: { statistic: 0.3 } } : {}, ratio: i === 1 ? 0.2 : 1 }),
      );
    runAll(credit, dates);
    const churnDefinition = makeDefinition({ id: 'churn', tier: 3 });
    const ticket: TicketRecord = {
      ticketId: 'rt-0123456789abcdef',
      model: 'credit-default',
      slot: 0,
      status: 'open',
      reason: 'critical_drift',
      summary: 'critical drift in income for 3 consecutive windows',
      openedWindow: '2026-10-03',
      openedAt: '2026-10-04T02:00:00.000Z',
      evidence: { windows: [], statistics: [], segments: [] },
      links: { report: 'r', runbook: 'b' },
    };
    // Act
    const digest = renderDigest('2026-10-03', [
      {
        definition: churnDefinition,
        drift: driftResult('2026-10-03', {}, 'churn'),
        previousDrift: driftResult('2026-10-02', {}, 'churn'),
        performance: perfResult('2026-09-25', { coverage: 0.91, value: 0.774 }, 'churn'),
        reportLink: 'https://reports.example/churn',
      },
      {
        definition: credit.definition,
        drift: credit.drift.get('2026-10-03'),
        previousDrift: credit.drift.get('2026-10-02'),
        state: credit.state,
        openTicket: ticket,
        reportLink: 'https://reports.example/credit-default',
      },
    ]);
    // Assess
    expect(digest.id).toBe('digest-2026-10-03');
    expect(digest.subject).toBe('driftwatch digest 2026-10-03: 1 critical, 1 healthy');
    expect(digest.body).toBe(
      [
        'driftwatch daily digest for 2026-10-03: 2 models, 1 critical, 1 healthy.',
        '',
        'credit-default (tier 1): CRITICAL - 1 open incident, 3000 predictions',
        '  changed: new income drift; resolved volume drop; volume up to 100% of expected',
        '  open: income drift (PSI 0.3) (critical, since 10-02)',
        '  ticket: rt-0123456789abcdef open since 2026-10-03 (critical drift)',
        '  report: https://reports.example/credit-default',
        '',
        'churn (tier 3): HEALTHY, 3000 predictions',
        '  changed: nothing since yesterday',
        '  labels: 91% coverage (window 2026-09-25), rocAuc 0.774',
        '  report: https://reports.example/churn',
      ].join('\n'),
    );
    // Short enough for a phone: a few lines per model.
    expect(digest.body.split('\n').length).toBeLessThan(20);
  });

  it('reports no data when the window has no result or no rows', () => {
    const definition = makeDefinition();
    expect(modelStatus({ definition, reportLink: '' })).toBe('no data');
    expect(
      modelStatus({ definition, drift: driftResult('2026-10-01', { status: 'no_data' }), reportLink: '' }),
    ).toBe('no data');
  });
});

describe('renderDigest: MTTD / MTTR', () => {
  it('adds a line with MTTD and MTTR over 30 and 90 days when given its clock', () => {
    const sim = simulation(makeDefinition({ labels: false }));
    const dates = days('2026-10-01', 10);
    // income drifts on days 3-5: opens on day 4 (2 of 3), resolves on day 7 (2 clear windows).
    for (const [i, d] of dates.entries())
      sim.drift.set(d, driftResult(d, { features: i >= 3 && i <= 5 ? { income: { statistic: 0.3 } } : {} }));
    runAll(sim, dates);
    const base = {
      definition: sim.definition,
      drift: sim.drift.get('2026-10-10'),
      state: sim.state,
      reportLink: 'r',
    };
    const line = (asOf?: Date) =>
      renderDigest('2026-10-10', [{ ...base, ...(asOf ? { asOf } : {}) }])
        .body.split('\n')
        .find((l) => l.startsWith('  incidents:'));
    // First seen 10-04 (ended 10-05 00:00), opened 10-06 02:00 (26 h), resolved 10-09 02:00 (3 d).
    expect(sim.state.incidents[0]).toMatchObject({
      firstSeenWindow: '2026-10-04',
      openedWindow: '2026-10-05',
    });
    expect(line(new Date('2026-10-11T07:00:00Z'))).toBe(
      '  incidents: 30 d: MTTD 26.0 h, MTTR 3.0 d (1 incident); 90 d: MTTD 26.0 h, MTTR 3.0 d (1 incident)',
    );
    expect(line(new Date('2027-03-01T07:00:00Z'))).toBe('  incidents: none opened in 90 days');
    expect(line()).toBeUndefined();
  });
});

describe('renderDigest: KPIs', () => {
  it("lists each KPI's latest value, and says so when none exists yet", () => {
    const base = makeDefinition({ labels: false });
    const definition = {
      ...base,
      kpis: [
        {
          name: 'approval_rate',
          aggregate: 'rate' as const,
          column: 'approved',
          per: 'prediction' as const,
          source: 'predictions' as const,
          thresholds: { relative: 0.1 },
          direction: 'higher_is_better' as const,
        },
        {
          name: 'revenue',
          aggregate: 'sum' as const,
          column: 'revenue',
          per: 'prediction' as const,
          source: 'outcomes' as const,
          thresholds: { relative: 0.1 },
          direction: 'higher_is_better' as const,
        },
      ],
    };
    const result = (start: string, value: number) => ({
      schemaVersion: 1 as const,
      kind: 'kpi' as const,
      model: 'credit-default',
      window: { start, end: start, duration: 'P1D' },
      generatedAt: start,
      status: 'ok' as const,
      rows: 10,
      kpis: [
        {
          ...definition.kpis[0]!,
          status: 'ok' as const,
          overall: { value, n: 10 },
          segments: [],
          versions: [],
        },
        { ...definition.kpis[1]!, status: 'not_mature' as const, segments: [], versions: [] },
      ],
      engine: { name: 'duckdb', queries: 1 },
    });
    const body = renderDigest('2026-10-03', [
      {
        definition,
        drift: driftResult('2026-10-03'),
        kpis: [result('2026-10-02', 0.61), result('2026-10-03', 0.58)],
        reportLink: 'r',
      },
    ]).body;
    expect(body).toContain('  kpis: approval_rate 0.58 (10-03); revenue not yet');
  });
});
