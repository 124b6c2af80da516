import { describe, expect, it } from 'vitest';
import { type BurnEvaluation, evaluateBurn, type WindowCounts } from '../../../lib/alerts/burn-rate.js';
import { evaluateSloPolicy, type SloSubjectEvaluation } from '../../../lib/alerts/slo-policy.js';
import type { AlertState } from '../../../lib/alerts/types.js';
import { validateDefinition } from '../../../lib/config/load.js';
import { isoInstant, timeWindow } from '../../../lib/jobs/windows.js';

const HOUR = 3_600_000;
const T0 = Date.parse('2026-03-01T00:00:00Z');

const definition = validateDefinition(
  {
    model: { id: 'svc', task: 'binary', tier: 3 },
    predictions: {
      location: 'p',
      idColumn: 'id',
      timestampColumn: 'ts',
      scoreColumn: 's',
      latencyColumn: 'ms',
    },
    features: [{ name: 'x', kind: 'numeric' }],
    reference: { type: 'rolling', windows: 7 },
    slos: [{ name: 'fast', sli: { kind: 'latency', thresholdMs: 100 }, target: 0.999 }],
  },
  'test',
);
const slo = definition.slos[0]!;

/** `hours` of 10,000 events an hour up to hour `end`, `bad(h)` bad in hour h. */
function burn(end: number, bad: (h: number) => number): BurnEvaluation {
  const counts: WindowCounts[] = [];
  for (let h = Math.max(0, end - 720); h < end; h++)
    counts.push({ start: T0 + h * HOUR, total: 10_000, good: 10_000 - bad(h) });
  return evaluateBurn(counts, { target: 0.999, period: 'P30D', window: 'PT1H', end: T0 + end * HOUR });
}

function run(hour: number, evaluation: BurnEvaluation, state?: AlertState) {
  const e: SloSubjectEvaluation = { slo, subject: 'fast', evaluation };
  return evaluateSloPolicy({
    definition,
    window: timeWindow(isoInstant(T0 + (hour - 1) * HOUR), 'PT1H'),
    now: new Date(T0 + hour * HOUR + 300_000),
    evaluations: [e],
    ...(state ? { state } : {}),
  });
}

describe('evaluateSloPolicy', () => {
  it('tickets a slow burn (warning, routed alert even on tier 3), escalates to a page when it turns fast, resolves once', () => {
    // 1.5x for 3 days: the ticket rule only.
    const slow = (h: number) => (h >= 100 ? 15 : 0);
    let out = run(172, burn(172, slow));
    expect(out.decisions.map((d) => [d.type, d.incident.level, d.incident.route, d.incident.ruleId])).toEqual(
      [['opened', 'warning', 'alert', 'slo-burn:fast']],
    );
    // Then 20x in the last hour: a page rule joins.
    const fast = (h: number) => (h === 172 ? 200 : slow(h));
    out = run(173, burn(173, fast), out.state);
    expect(out.decisions.map((d) => [d.type, d.incident.level, d.incident.route])).toEqual([
      ['escalated', 'critical', 'page'],
    ]);
    const id = out.decisions[0]?.incident.id;
    // A replay of the same window decides nothing new.
    expect(run(173, burn(173, fast), out.state).decisions).toEqual([]);
    // The burn stops: still open while the ticket rule's 6-hour short window sees it.
    const stopped = (h: number) => (h < 173 ? fast(h) : 0);
    for (let hour = 174; hour < 179; hour++) {
      out = run(hour, burn(hour, stopped), out.state);
      expect(out.decisions).toEqual([]);
    }
    out = run(179, burn(179, stopped), out.state);
    expect(out.decisions.map((d) => [d.type, d.incident.id, d.notify])).toEqual([['resolved', id, true]]);
  });

  it('reminds an open incident after alerts.reminderEvery counted in hours across runs', () => {
    const steady = (h: number) => (h >= 0 ? 200 : 0); // 20x every hour: pages and stays open
    let out = run(10, burn(10, steady));
    expect(out.decisions.map((d) => d.type)).toEqual(['opened']);
    for (let hour = 11; hour < 10 + 7 * 24; hour++) {
      out = run(hour, burn(hour, steady), out.state);
      expect(out.decisions).toEqual([]);
    }
    out = run(10 + 7 * 24, burn(10 + 7 * 24, steady), out.state);
    expect(out.decisions.map((d) => d.type)).toEqual(['reminder']);
  });

  it('leaves the daily rules incidents in the state alone', () => {
    const other = {
      schemaVersion: 1 as const,
      model: 'svc',
      incidents: [
        {
          id: 'inc-x',
          model: 'svc',
          ruleId: 'feature-drift',
          kind: 'feature_drift' as const,
          subject: 'x',
          status: 'open' as const,
          level: 'warning' as const,
          peakLevel: 'warning' as const,
          route: 'alert' as const,
          openedWindow: '2026-02-27',
          openedAt: '2026-02-28T02:00:00Z',
          sinceWindow: '2026-02-27',
          lastEvaluatedWindow: '2026-02-27',
          last: {
            ruleId: 'feature-drift',
            kind: 'feature_drift' as const,
            subject: 'x',
            window: '2026-02-27',
            level: 'warning' as const,
            summary: 'x drifted',
          },
        },
      ],
    };
    const out = run(
      10,
      burn(10, () => 0),
      other,
    );
    expect(out.decisions).toEqual([]);
    expect(out.state.incidents).toEqual(other.incidents);
  });
});
