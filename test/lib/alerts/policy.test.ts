import { describe, expect, it } from 'vitest';
import { evaluatePolicy } from '../../../lib/alerts/policy.js';
import type { AlertSettingsInput } from '../../../lib/alerts/settings.js';
import { windowFor } from '../../../lib/jobs/windows.js';
import { days, driftResult, makeDefinition, perfResult } from './fixtures.js';
import { flat, runAll, simulation, step } from './helpers.js';

const START = '2026-10-01';

describe('evaluatePolicy: feature drift', () => {
  it('opens one incident after 2 of 3 windows drift, then resolves after 2 clear windows', () => {
    // Prepare
    const sim = simulation(makeDefinition({ labels: false }));
    const dates = days(START, 10);
    for (const [i, d] of dates.entries())
      sim.drift.set(d, driftResult(d, { features: i >= 3 && i <= 5 ? { income: { statistic: 0.3 } } : {} }));
    // Act
    const events = flat(runAll(sim, dates));
    // Assess
    expect(events).toEqual([
      {
        date: '2026-10-05',
        type: 'opened',
        rule: 'feature-drift',
        subject: 'income',
        level: 'critical',
        route: 'page',
      },
      {
        date: '2026-10-08',
        type: 'resolved',
        rule: 'feature-drift',
        subject: 'income',
        level: 'critical',
        route: 'page',
      },
    ]);
    expect(sim.state.incidents[0]?.sinceWindow).toBe('2026-10-04');
  });

  it('does not fire on a single drifting window (confirmation)', () => {
    const sim = simulation(makeDefinition({ labels: false }));
    const dates = days(START, 6);
    for (const [i, d] of dates.entries())
      sim.drift.set(d, driftResult(d, { features: i === 2 ? { income: { statistic: 0.3 } } : {} }));
    expect(flat(runAll(sim, dates))).toEqual([]);
  });

  it('fires on the first window with confirm 1 of 1', () => {
    const sim = simulation(
      makeDefinition({
        labels: false,
        alerts: { rules: { 'feature-drift': { confirm: { required: 1, windows: 1 } } } },
      }),
    );
    sim.drift.set(START, driftResult(START, { features: { age: { statistic: 0.12 } } }));
    expect(flat(runAll(sim, [START]))).toMatchObject([
      { type: 'opened', subject: 'age', level: 'warning', route: 'alert' },
    ]);
  });

  it('merges a new category with the drift of the same feature into one incident', () => {
    const sim = simulation(makeDefinition({ labels: false }));
    const dates = days(START, 4);
    const finding = {
      kind: 'new_category' as const,
      severity: 'critical' as const,
      feature: 'employment_type',
      value: 0.12,
      expected: 0,
      values: ['gig_worker'],
      message: 'employment_type: 1 category never seen in the reference ("gig_worker") in 12% of rows',
    };
    for (const d of dates) {
      sim.drift.set(
        d,
        driftResult(d, { features: { employment_type: { statistic: 0.9 } }, findings: [finding] }),
      );
    }
    const events = flat(runAll(sim, dates));
    // One incident, opened on the first day: a data-quality finding needs no confirmation.
    expect(events).toMatchObject([
      { date: START, rule: 'feature-drift', subject: 'employment_type', level: 'critical' },
    ]);
    expect(sim.state.incidents[0]?.last.title).toBe(
      'employment_type: 1 unseen category: gig_worker, PSI 0.9',
    );
    expect(sim.state.incidents[0]?.last.details?.[0]).toContain('gig_worker');
  });

  it('applies a static threshold on the statistic when configured', () => {
    const sim = simulation(
      makeDefinition({
        labels: false,
        alerts: {
          rules: { 'feature-drift': { threshold: { type: 'static', warning: 0.05, critical: 0.5 } } },
        },
      }),
    );
    const dates = days(START, 2);
    for (const d of dates)
      sim.drift.set(d, driftResult(d, { features: { age: { statistic: 0.06, level: 'none' } } }));
    expect(flat(runAll(sim, dates))).toMatchObject([{ type: 'opened', subject: 'age', level: 'warning' }]);
  });

  it('learns a dynamic threshold from the statistic history and stays silent until armed', () => {
    const sim = simulation(
      makeDefinition({
        labels: false,
        alerts: {
          rules: {
            'feature-drift': {
              threshold: { type: 'dynamic', warningK: 3, criticalK: 6, windows: 14, minHistory: 7 },
              confirm: { required: 1, windows: 1 },
            },
          },
        },
      }),
    );
    const dates = days(START, 12);
    const stats = [0.01, 0.012, 0.011, 0.009, 0.01, 0.011, 0.01, 0.012, 0.009, 0.01, 0.03, 0.5];
    for (const [i, d] of dates.entries())
      sim.drift.set(d, driftResult(d, { features: { age: { statistic: stats[i]!, level: 'none' } } }));
    // A jump on day 3 (before 7 windows of history) would not fire: the rule is not armed yet.
    const early = simulation(sim.definition);
    early.drift.set(dates[0]!, driftResult(dates[0]!, {}));
    early.drift.set(
      dates[1]!,
      driftResult(dates[1]!, { features: { age: { statistic: 0.5, level: 'none' } } }),
    );
    expect(flat(runAll(early, dates.slice(0, 2)))).toEqual([]);
    // Act
    const events = flat(runAll(sim, dates));
    // Assess: 0.03 is far above mean 0.0104 +/- 3 std; 0.5 escalates it to critical.
    expect(events).toMatchObject([{ date: '2026-10-11', type: 'opened', subject: 'age', level: 'critical' }]);
  });
});

describe('evaluatePolicy: multiple testing and segments', () => {
  it('opens a segment-drift incident only when the segment test survives Benjamini-Hochberg', () => {
    const sim = simulation(makeDefinition({ labels: false }));
    const dates = days(START, 3);
    for (const d of dates) {
      sim.drift.set(
        d,
        driftResult(d, {
          segments: [
            // PSI 0.3 on 1000 rows: chi-square p ~ 0, significant after BH.
            { column: 'locale', value: 'es-US', rows: 1000, features: { age: { statistic: 0.3 } } },
            // PSI 0.11 on 150 rows: p ~ 0.04, a noise-level verdict that BH across the tests rejects.
            { column: 'locale', value: 'fr-CA', rows: 150, features: { income: { statistic: 0.11 } } },
            // Too small: never judged.
            {
              column: 'locale',
              value: 'en-CA',
              rows: 50,
              tooSmall: true,
              features: { age: { statistic: 2 } },
            },
          ],
        }),
      );
    }
    const events = flat(runAll(sim, dates));
    expect(events).toMatchObject([{ type: 'opened', rule: 'segment-drift', subject: 'age@locale=es-US' }]);
  });

  it('opens no segment-drift incident for a change shared by several values of one segment column', () => {
    // A gradual population shift shows first in a few segments before the overall distribution
    // crosses its threshold: region=east and region=west drift together, so it is not a segment's.
    const sim = simulation(makeDefinition({ labels: false }));
    const dates = days(START, 3);
    for (const d of dates) {
      sim.drift.set(
        d,
        driftResult(d, {
          features: { age: { statistic: 0.08 } },
          segments: [
            { column: 'region', value: 'east', rows: 1000, features: { age: { statistic: 0.14 } } },
            { column: 'region', value: 'west', rows: 1000, features: { age: { statistic: 0.13 } } },
            { column: 'region', value: 'north', rows: 1000 },
          ],
        }),
      );
    }
    expect(flat(runAll(sim, dates))).toEqual([]);
  });

  it('gates test-based feature verdicts with BH', () => {
    const sim = simulation(
      makeDefinition({
        labels: false,
        alerts: { rules: { 'feature-drift': { confirm: { required: 1, windows: 1 } } } },
      }),
    );
    sim.drift.set(
      START,
      driftResult(START, {
        features: {
          income: { method: 'ks', statistic: 0.2, pValue: 1e-9, level: 'warning' },
          age: { method: 'ks', statistic: 0.12, pValue: 0.009, level: 'warning' },
        },
        // 18 tests in all: p = 0.009 is the 2nd smallest and needs 2/18 x 0.05 = 0.0056 to survive.
        segments: ['en-US', 'es-US', 'fr-CA'].map((value) => ({ column: 'locale', value, rows: 1000 })),
      }),
    );
    const events = flat(runAll(sim, [START]));
    expect(events.map((e) => e.subject)).toEqual(['income']);
  });

  it('folds segment drift into the feature incident when the feature drifts overall', () => {
    const sim = simulation(makeDefinition({ labels: false }));
    const dates = days(START, 2);
    for (const d of dates) {
      sim.drift.set(
        d,
        driftResult(d, {
          features: { income: { statistic: 0.3 } },
          segments: [
            { column: 'locale', value: 'es-US', rows: 1000, features: { income: { statistic: 0.4 } } },
          ],
        }),
      );
    }
    const out = runAll(sim, dates);
    expect(flat(out).map((e) => e.rule)).toEqual(['feature-drift']);
    const opened = out.get(dates[1]!)![0]!;
    expect(opened.observation.details?.join('\n')).toContain('locale=es-US (0.4)');
    expect(opened.hints.some((h) => h.segment?.value === 'es-US')).toBe(true);
  });
});

describe('evaluatePolicy: other drift rules', () => {
  it('opens prediction drift at warning once confirmed, and escalates it when critical', () => {
    const sim = simulation(makeDefinition({ labels: false }));
    const dates = days(START, 6);
    for (const [i, d] of dates.entries())
      sim.drift.set(d, driftResult(d, { prediction: { statistic: i < 3 ? 0.15 : 0.3 } }));
    expect(flat(runAll(sim, dates))).toMatchObject([
      { date: '2026-10-02', type: 'opened', rule: 'prediction-drift', subject: 'score', level: 'warning' },
      {
        date: '2026-10-04',
        type: 'escalated',
        rule: 'prediction-drift',
        subject: 'score',
        level: 'critical',
      },
    ]);
  });

  it('opens a prediction drift far beyond critical (1.5x) on its first window', () => {
    const sim = simulation(makeDefinition({ labels: false }));
    sim.drift.set(START, driftResult(START, { prediction: { statistic: 0.4 } }));
    expect(flat(runAll(sim, [START]))).toMatchObject([
      { date: START, type: 'opened', rule: 'prediction-drift', level: 'critical' },
    ]);
  });

  it('opens data-quality incidents at once, per kind and feature', () => {
    const sim = simulation(makeDefinition({ labels: false }));
    sim.drift.set(
      START,
      driftResult(START, {
        findings: [
          {
            kind: 'null_rate',
            severity: 'critical',
            feature: 'age',
            value: 0.4,
            expected: 0,
            message: 'age: 40% missing',
          },
          {
            kind: 'missing_column',
            severity: 'critical',
            feature: 'income',
            value: 1,
            message: 'income is not in the log',
          },
        ],
      }),
    );
    expect(flat(runAll(sim, [START])).map((e) => `${e.rule} ${e.subject}`)).toEqual([
      'data-quality missing_column:income',
      'data-quality null_rate:age',
    ]);
  });

  it('opens a volume incident on the day of the drop and resolves it the next day', () => {
    const sim = simulation(makeDefinition({ labels: false }));
    const dates = days(START, 4);
    for (const [i, d] of dates.entries())
      sim.drift.set(d, driftResult(d, { ratio: i === 1 ? 0.2 : 1, rows: i === 1 ? 600 : 3000 }));
    expect(flat(runAll(sim, dates))).toMatchObject([
      { date: '2026-10-02', type: 'opened', rule: 'volume', level: 'critical' },
      { date: '2026-10-03', type: 'resolved', rule: 'volume' },
    ]);
  });

  it('opens a no-data meta-alert for an empty window', () => {
    const sim = simulation(makeDefinition({ labels: false }));
    sim.drift.set(START, driftResult(START, { status: 'no_data' }));
    expect(flat(runAll(sim, [START]))).toMatchObject([
      { rule: 'no-data', subject: 'predictions', level: 'critical' },
    ]);
  });
});

describe('evaluatePolicy: performance rules', () => {
  function perfSim(specs: Parameters<typeof perfResult>[1][], alerts?: AlertSettingsInput) {
    const sim = simulation(makeDefinition({ labels: false, ...(alerts ? { alerts } : {}) }));
    const dates = days(START, specs.length);
    for (const [i, d] of dates.entries()) {
      sim.drift.set(d, driftResult(d));
      sim.performance.push(perfResult(d, specs[i]));
    }
    return { sim, dates };
  }

  const REFERENCE = { performanceBaseline: { source: 'reference' as const } };

  it('fires when ROC-AUC falls 0.05 below the reference (relative threshold)', () => {
    const { sim, dates } = perfSim([{ value: 0.81 }, { value: 0.76 }, { value: 0.765 }], REFERENCE);
    expect(flat(runAll(sim, dates))).toMatchObject([
      { date: '2026-10-03', type: 'opened', rule: 'performance', subject: 'rocAuc', level: 'warning' },
    ]);
    expect(sim.state.incidents[0]?.last.summary).toBe(
      'rocAuc fell 0.055 (0.765 vs 0.82), against the reference',
    );
  });

  it('falls back to a dynamic threshold when the reference has no labels', () => {
    const values = [0.8, 0.81, 0.79, 0.8, 0.805, 0.795, 0.8, 0.8, 0.79, 0.81, 0.7, 0.69];
    const { sim, dates } = perfSim(values.map((value) => ({ value, reference: null })));
    expect(flat(runAll(sim, dates))).toMatchObject([
      { date: '2026-10-12', type: 'opened', rule: 'performance', level: 'critical' },
    ]);
  });

  it('opens a slice-parity incident naming the segment while the overall metric is healthy, skipping too-small segments', () => {
    const segments = [
      { column: 'locale', value: 'es-US', metricValue: 0.5 },
      { column: 'locale', value: 'fr-CA', metricValue: 0.3, tooSmall: true },
      { column: 'locale', value: 'en-US', metricValue: 0.84 },
    ];
    const { sim, dates } = perfSim([
      { value: 0.8, segments },
      { value: 0.8, segments },
    ]);
    // A gap of 0.3 is 1.5x the critical gap (0.2): it opens on its first window.
    expect(flat(runAll(sim, dates))).toEqual([
      {
        date: '2026-10-01',
        type: 'opened',
        rule: 'slice-parity',
        subject: 'locale=es-US',
        level: 'critical',
        route: 'page',
      },
    ]);
  });

  it('lets a firing slice explain a moderate overall drop, but not a critical one', () => {
    const segments = [{ column: 'locale', value: 'es-US', metricValue: 0.45 }];
    const moderate = perfSim(
      [
        { value: 0.75, segments },
        { value: 0.75, segments },
      ],
      REFERENCE,
    );
    expect(flat(runAll(moderate.sim, moderate.dates)).map((e) => e.rule)).toEqual(['slice-parity']);
    const severe = perfSim(
      [
        { value: 0.7, segments },
        { value: 0.7, segments },
      ],
      REFERENCE,
    );
    expect(
      flat(runAll(severe.sim, severe.dates))
        .map((e) => e.rule)
        .sort(),
    ).toEqual(['performance', 'slice-parity']);
  });

  it('opens label-coverage incidents, including for windows with no labels', () => {
    const { sim, dates } = perfSim([{ coverage: 0.3 }, { status: 'no_labels', coverage: 0 }]);
    expect(flat(runAll(sim, dates))).toMatchObject([
      { date: '2026-10-02', rule: 'label-coverage', level: 'critical' },
    ]);
  });

  it('watches operational metrics: dynamic latency, static error rate', () => {
    const latencies = [40, 41, 39, 40, 42, 38, 40, 41, 40, 39, 90, 95];
    const { sim, dates } = perfSim(
      latencies.map((latencyP95, i) => ({ latencyP95, errorRate: i >= 10 ? 0.02 : 0 })),
    );
    expect(flat(runAll(sim, dates)).map((e) => `${e.date} ${e.rule} ${e.subject} ${e.level}`)).toEqual([
      '2026-10-12 latency latencyMs.p95 critical',
      '2026-10-12 error-rate errorRate warning',
    ]);
  });

  it('evaluates custom rules on any result value', () => {
    const { sim, dates } = perfSim([{ value: 0.8 }, { value: 0.8 }], {
      custom: [
        {
          id: 'accuracy-floor',
          source: 'performance',
          path: 'overall.metrics.accuracy',
          direction: 'below',
          threshold: { type: 'static', warning: 0.9, critical: 0.5 },
          confirm: { required: 1, windows: 1 },
        },
      ],
    });
    expect(flat(runAll(sim, dates))).toMatchObject([
      { date: '2026-10-01', rule: 'accuracy-floor', subject: 'overall.metrics.accuracy', level: 'warning' },
    ]);
  });
});

describe('evaluatePolicy: meta-alerts', () => {
  it('alerts on a window with no drift result once it is overdue, and clears when it appears', () => {
    const sim = simulation(makeDefinition({ labels: false }));
    const dates = days(START, 5);
    for (const d of dates) if (d !== '2026-10-03') sim.drift.set(d, driftResult(d));
    const out = flat(runAll(sim, dates));
    expect(out).toMatchObject([
      { date: '2026-10-04', type: 'opened', rule: 'missing-result', subject: 'drift', level: 'critical' },
    ]);
    // The drift job is re-run for the 3rd; the next run clears the meta-alert.
    sim.drift.set('2026-10-03', driftResult('2026-10-03'));
    expect(flat(runAll(sim, ['2026-10-06']))).toMatchObject([{ type: 'resolved', rule: 'missing-result' }]);
  });

  it('does not alert before the result is due', () => {
    const sim = simulation(makeDefinition({ labels: false }));
    sim.drift.set(START, driftResult(START));
    const out = step(sim, '2026-10-02', new Date('2026-10-03T01:00:00Z'));
    expect(out.decisions).toEqual([]);
  });

  it('alerts on a missing matured performance result when labels are configured', () => {
    const sim = simulation(makeDefinition());
    const dates = days(START, 10);
    for (const d of dates) sim.drift.set(d, driftResult(d));
    expect(flat(runAll(sim, dates))).toMatchObject([
      { date: '2026-10-09', rule: 'missing-result', subject: 'performance', level: 'warning' },
    ]);
  });

  it('alerts on a failed job passed in by the caller', () => {
    const sim = simulation(makeDefinition({ labels: false }));
    sim.drift.set(START, driftResult(START));
    sim.failures = new Map([
      [START, [{ job: 'performance', window: START, message: 'Athena query timed out' }]],
    ]);
    const out = step(sim, START);
    expect(out.decisions).toMatchObject([
      { type: 'opened', incident: { ruleId: 'job-failed', subject: 'performance' } },
    ]);
    expect(out.decisions[0]?.observation.summary).toContain('Athena query timed out');
  });
});

describe('evaluatePolicy: incidents over time', () => {
  it('escalates once and reminds at most every reminderEvery while open', () => {
    const sim = simulation(makeDefinition({ labels: false, alerts: { reminderEvery: 'P3D' } }));
    const dates = days(START, 10);
    for (const [i, d] of dates.entries())
      sim.drift.set(d, driftResult(d, { features: { income: { statistic: i < 4 ? 0.15 : 0.3 } } }));
    expect(flat(runAll(sim, dates)).map((e) => `${e.date} ${e.type} ${e.level}`)).toEqual([
      '2026-10-02 opened warning',
      '2026-10-05 escalated critical',
      '2026-10-08 reminder critical',
    ]);
  });

  it('routes by tier: tier 3 warnings go to the digest only, tier 1 criticals page', () => {
    const run = (tier: 1 | 2 | 3, statistic: number) => {
      const sim = simulation(makeDefinition({ tier, labels: false }));
      const dates = days(START, 2);
      for (const d of dates) sim.drift.set(d, driftResult(d, { features: { income: { statistic } } }));
      return runAll(sim, dates).get(dates[1]!)![0]!;
    };
    expect(run(3, 0.15)).toMatchObject({ notify: false, incident: { route: 'digest' } });
    expect(run(3, 0.3)).toMatchObject({ notify: true, incident: { route: 'alert' } });
    expect(run(2, 0.3)).toMatchObject({ notify: true, incident: { route: 'alert' } });
    expect(run(1, 0.3)).toMatchObject({ notify: true, incident: { route: 'page' } });
    expect(run(1, 0.15)).toMatchObject({ notify: true, incident: { route: 'alert' } });
  });

  it('changes nothing when a window is re-run or older windows are replayed', () => {
    const sim = simulation(makeDefinition({ labels: false }));
    const dates = days(START, 12);
    for (const [i, d] of dates.entries())
      sim.drift.set(
        d,
        driftResult(d, { features: i >= 2 ? { income: { statistic: 0.3 } } : {}, ratio: i === 5 ? 0.1 : 1 }),
      );
    const first = flat(runAll(sim, dates));
    expect(first.map((e) => `${e.type} ${e.rule}`)).toEqual([
      'opened feature-drift',
      'opened volume',
      'resolved volume',
      'reminder feature-drift',
    ]);
    const state = JSON.stringify(sim.state);
    // Act: the last window again, then the whole history again.
    expect(step(sim, dates.at(-1)!).decisions).toEqual([]);
    expect(flat(runAll(sim, dates))).toEqual([]);
    expect(JSON.stringify(sim.state)).toBe(state);
  });

  it('uses deterministic incident and notification ids', () => {
    const make = () => {
      const sim = simulation(makeDefinition({ labels: false }));
      for (const d of days(START, 2))
        sim.drift.set(d, driftResult(d, { features: { income: { statistic: 0.3 } } }));
      return runAll(sim, days(START, 2)).get('2026-10-02')![0]!;
    };
    expect(make().notificationId).toBe(make().notificationId);
    expect(make().notificationId).toMatch(/^inc-[0-9a-f]{16}\.opened$/);
  });

  it('does nothing when alerts are disabled', () => {
    const definition = makeDefinition({ labels: false, alerts: { enabled: false } });
    const out = evaluatePolicy({
      definition,
      window: windowFor(definition, START),
      now: new Date(),
      drift: [{ window: START, result: driftResult(START, { status: 'no_data' }) }],
      performance: [],
    });
    expect(out.decisions).toEqual([]);
  });
});

describe('evaluatePolicy: job failed', () => {
  const definition = makeDefinition({ labels: false });
  const run = (
    window: string,
    now: string,
    drift: { window: string; result?: ReturnType<typeof driftResult> }[],
    state?: unknown,
    failures = false,
  ) =>
    evaluatePolicy({
      definition,
      window: windowFor(definition, window),
      now: new Date(now),
      drift,
      performance: [],
      ...(failures ? { failures: [{ job: 'drift', window, message: 'HIVE_CURSOR_ERROR' }] } : {}),
      ...(state ? { state: state as never } : {}),
    });

  it('stays open until the failed window has a result: not when another job’s alert step runs, nor when the next window’s job succeeds', () => {
    // 10-05 02:00 the drift job for 10-04 fails; results up to 10-03 exist (generated before).
    const before = days(START, 3).map((d) => ({ window: d, result: driftResult(d) }));
    const failed = run(
      '2026-10-04',
      '2026-10-05T02:00:00Z',
      [...before, { window: '2026-10-04' }],
      undefined,
      true,
    );
    expect(failed.decisions.map((d) => `${d.type} ${d.incident.ruleId}`)).toEqual(['opened job-failed']);
    // 03:00: the performance job's alert step, knowing of no failure, must not resolve it.
    const later = run(
      '2026-10-04',
      '2026-10-05T03:00:00Z',
      [...before, { window: '2026-10-04' }],
      failed.state,
    );
    expect(later.decisions.filter((d) => d.type === 'resolved')).toEqual([]);
    // Next morning the drift job succeeds for 10-05: 10-04 still has no result, still open.
    const ok = { window: '2026-10-05', result: driftResult('2026-10-05') };
    const next = run(
      '2026-10-05',
      '2026-10-06T02:30:00Z',
      [...before, { window: '2026-10-04' }, ok],
      later.state,
    );
    expect(next.decisions).toEqual([]);
    // 10-04 is re-run after the fix: resolved at the next alert run.
    const rerun = run(
      '2026-10-05',
      '2026-10-06T09:00:00Z',
      [...before, { window: '2026-10-04', result: driftResult('2026-10-04') }, ok],
      next.state,
    );
    expect(rerun.decisions.filter((d) => d.type === 'resolved').map((d) => d.incident.ruleId)).toEqual([
      'job-failed',
    ]);
  });
});
