import { describe, expect, it } from 'vitest';
import { incidentTimings, reliability, reliabilityLine } from '../../../lib/alerts/reliability.js';
import type { Incident } from '../../../lib/alerts/types.js';
import { days, driftResult, makeDefinition } from './fixtures.js';
import { simulation, step } from './helpers.js';

function incident(spec: Partial<Incident> & Pick<Incident, 'id' | 'ruleId' | 'openedAt'>): Incident {
  return {
    model: 'm',
    kind: 'feature_drift',
    subject: 'income',
    status: 'open',
    level: 'warning',
    peakLevel: 'warning',
    route: 'alert',
    openedWindow: spec.openedAt.slice(0, 10),
    sinceWindow: spec.openedAt.slice(0, 10),
    lastEvaluatedWindow: spec.openedAt.slice(0, 10),
    last: {
      ruleId: spec.ruleId,
      kind: 'feature_drift',
      subject: 'income',
      window: spec.openedAt.slice(0, 10),
      level: 'warning',
      summary: 'x',
    },
    ...spec,
  };
}

// A constructed history, times chosen so every answer is a whole number of hours.
const AS_OF = new Date('2026-12-31T00:00:00Z');
const HISTORY: Incident[] = [
  // 10 days before asOf: first seen window ended 12-20 00:00, opened 12-21 02:00 (26 h), resolved
  // 12-23 02:00 (48 h).
  incident({
    id: 'a',
    ruleId: 'feature-drift',
    firstSeenWindow: '2026-12-19',
    firstSeenAt: '2026-12-20T00:00:00.000Z',
    openedAt: '2026-12-21T02:00:00.000Z',
    status: 'resolved',
    resolvedWindow: '2026-12-22',
    resolvedAt: '2026-12-23T02:00:00.000Z',
  }),
  // 20 days before: detected after 2 h, resolved after 96 h.
  incident({
    id: 'b',
    ruleId: 'feature-drift',
    firstSeenWindow: '2026-12-10',
    firstSeenAt: '2026-12-11T00:00:00.000Z',
    openedAt: '2026-12-11T02:00:00.000Z',
    status: 'resolved',
    resolvedAt: '2026-12-15T02:00:00.000Z',
  }),
  // A performance incident still open: first seen 2026-12-01 (ended 12-02), opened 12-26 03:00 (579 h).
  incident({
    id: 'c',
    ruleId: 'performance',
    kind: 'performance',
    firstSeenWindow: '2026-12-01',
    firstSeenAt: '2026-12-02T00:00:00.000Z',
    openedAt: '2026-12-26T03:00:00.000Z',
  }),
  // 60 days before (only in 90 d), stored before firstSeen* existed: sinceWindow 10-31 ends 11-01
  // 00:00, opened 11-01 10:00 (10 h), resolved 11-02 10:00 (24 h).
  incident({
    id: 'd',
    ruleId: 'feature-drift',
    sinceWindow: '2026-10-31',
    openedAt: '2026-11-01T10:00:00.000Z',
    status: 'resolved',
    resolvedAt: '2026-11-02T10:00:00.000Z',
  }),
  // 100 days before: outside both periods.
  incident({
    id: 'e',
    ruleId: 'feature-drift',
    openedAt: '2026-09-22T02:00:00.000Z',
    status: 'resolved',
    resolvedAt: '2026-09-23T02:00:00.000Z',
  }),
];

describe('MTTD / MTTR on a constructed incident history', () => {
  it('times each incident from the end of its first window showing the problem', () => {
    const t = new Map(incidentTimings(HISTORY, 1).map((x) => [x.id, x]));
    expect(t.get('a')).toMatchObject({ detectHours: 26, resolveHours: 48 });
    expect(t.get('b')).toMatchObject({ detectHours: 2, resolveHours: 96 });
    expect(t.get('c')?.detectHours).toBe(579);
    expect(t.get('c')?.resolveHours).toBeUndefined();
    expect(t.get('d')).toMatchObject({ firstSeenWindow: '2026-10-31', detectHours: 10, resolveHours: 24 });
    // A 7-day window: the fallback end of sinceWindow moves 6 days later.
    expect(incidentTimings(HISTORY, 7).find((x) => x.id === 'd')?.detectHours).toBe(10 - 6 * 24);
  });

  it('averages per model and rule over the incidents opened in 30 and 90 days', () => {
    const stats = reliability(HISTORY, { asOf: AS_OF, windowDays: 1 });
    const get = (ruleId: string, d: number) => stats.find((s) => s.ruleId === ruleId && s.days === d);
    // 30 d: a, b, c. MTTD (26 + 2 + 579) / 3; MTTR over a, b: (48 + 96) / 2.
    expect(get('*', 30)).toEqual({
      model: 'm',
      ruleId: '*',
      days: 30,
      opened: 3,
      resolved: 2,
      open: 1,
      // The performance incident, opened 12-26 03:00: 4 d 21 h before 12-31.
      oldestOpenDays: 4.875,
      mttdHours: 607 / 3,
      mttrHours: 72,
    });
    // 90 d adds d: MTTD (607 + 10) / 4, MTTR (144 + 24) / 3.
    expect(get('*', 90)).toMatchObject({
      opened: 4,
      resolved: 3,
      open: 1,
      mttdHours: 617 / 4,
      mttrHours: 56,
    });
    expect(get('feature-drift', 30)).toMatchObject({ opened: 2, mttdHours: 14, mttrHours: 72 });
    expect(get('performance', 90)).toMatchObject({ opened: 1, open: 1, mttdHours: 579 });
    expect(get('performance', 90)?.mttrHours).toBeUndefined();
    expect(stats.map((s) => `${s.ruleId}/${s.days}`)).toEqual([
      '*/30',
      '*/90',
      'feature-drift/30',
      'feature-drift/90',
      'performance/30',
      'performance/90',
    ]);
    expect(reliabilityLine(stats)).toBe(
      '30 d: MTTD 8.4 d, MTTR 3.0 d (3 incidents, 1 open, oldest opened 4.9 d ago); 90 d: MTTD 6.4 d, MTTR 2.3 d (4 incidents, 1 open, oldest opened 4.9 d ago)',
    );
  });

  it('does not count a resolution after asOf (a replay seen from an earlier morning)', () => {
    const stats = reliability(HISTORY, { asOf: new Date('2026-12-22T00:00:00Z'), windowDays: 1 });
    const all30 = stats.find((s) => s.ruleId === '*' && s.days === 30);
    // a opened 12-21 but resolved 12-23: open as of 12-22; b resolved 12-15.
    expect(all30).toMatchObject({ opened: 2, resolved: 1, open: 1, mttrHours: 96 });
  });

  it('says nothing for a model without incidents in 90 days', () => {
    expect(reliability(HISTORY.slice(4), { asOf: AS_OF, windowDays: 1 })).toEqual([]);
    expect(reliabilityLine([])).toBeUndefined();
  });
});

describe('the policy records the first window showing the problem', () => {
  it('is the first warning window of the run that led to a critical-only opening', () => {
    // feature-drift opens only at critical here; warnings on days 2-4, critical from day 5.
    const sim = simulation(
      makeDefinition({ labels: false, alerts: { rules: { 'feature-drift': { openAt: 'critical' } } } }),
    );
    const dates = days('2026-10-01', 8);
    const stat = [0, 0, 0.12, 0.12, 0.12, 0.3, 0.3, 0.3];
    for (const [i, d] of dates.entries())
      sim.drift.set(d, driftResult(d, { features: stat[i] ? { income: { statistic: stat[i] } } : {} }));
    let openedOn: string | undefined;
    for (const d of dates) {
      if (step(sim, d).decisions.some((x) => x.type === 'opened')) openedOn ??= d;
    }
    const inc = sim.state.incidents[0];
    expect(openedOn).toBeDefined();
    expect(inc?.openedWindow).toBe(openedOn);
    expect((inc?.sinceWindow ?? '') >= '2026-10-06').toBe(true);
    expect(inc?.firstSeenWindow).toBe('2026-10-03');
    expect(inc?.firstSeenAt).toBe('2026-10-04T00:00:00.000Z');
    // Opened at 02:00 the day after its window: MTTD = from 10-04 00:00 to then.
    const hours = (Date.parse(inc?.openedAt ?? '') - Date.parse('2026-10-04T00:00:00Z')) / 3_600_000;
    expect(incidentTimings(sim.state.incidents, 1)[0]?.detectHours).toBe(hours);
    expect(hours).toBeGreaterThanOrEqual(2 * 24 + 2);
  });

  it('is the opening window itself when nothing led up to it', () => {
    const sim = simulation(
      makeDefinition({
        labels: false,
        alerts: { rules: { 'feature-drift': { confirm: { required: 1, windows: 1 } } } },
      }),
    );
    sim.drift.set('2026-10-01', driftResult('2026-10-01', { features: { age: { statistic: 0.12 } } }));
    step(sim, '2026-10-01');
    expect(sim.state.incidents[0]).toMatchObject({
      firstSeenWindow: '2026-10-01',
      firstSeenAt: '2026-10-02T00:00:00.000Z',
      openedAt: '2026-10-02T02:00:00.000Z',
    });
    expect(incidentTimings(sim.state.incidents, 1)[0]?.detectHours).toBe(2);
  });
});
