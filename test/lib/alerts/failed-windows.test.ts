/**
 * Windows without a result (lib/alerts/failed-windows.ts): one job-failed incident per job, listing
 * its failed windows, open until each has a result or is listed as unrecoverable; a missing window
 * never ages out of its incident. The pure policy, run morning by morning (helpers.ts `step`: the
 * alert run at 02:00 the day after the window).
 */
import { describe, expect, it } from 'vitest';
import { renderAlert } from '../../../lib/alerts/messages.js';
import { evaluatePolicy } from '../../../lib/alerts/policy.js';
import { resolveRules } from '../../../lib/alerts/rules.js';
import { type AlertSettingsInput, resolveAlertSettings } from '../../../lib/alerts/settings.js';
import type { Decision, JobFailure } from '../../../lib/alerts/types.js';
import { windowFor } from '../../../lib/jobs/windows.js';
import { days, driftResult, makeDefinition } from './fixtures.js';
import { flat, runAll, type Simulation, simulation, step } from './helpers.js';

const START = '2026-10-01';
const TRUNCATED = (d: string) =>
  `cannot read data file data/predictions/dt=${d}/data_0.parquet: truncated footer: re-write or remove it`;

function world(options: { failed: Record<string, string>; alerts?: AlertSettingsInput; n?: number }) {
  const sim = simulation(
    makeDefinition({ labels: false, ...(options.alerts ? { alerts: options.alerts } : {}) }),
  );
  const dates = days(START, options.n ?? 12);
  for (const d of dates) if (!(d in options.failed)) sim.drift.set(d, driftResult(d));
  sim.failures = new Map(
    Object.entries(options.failed).map(([window, message]): [string, JobFailure[]] => [
      window,
      [{ job: 'drift', window, message }],
    ]),
  );
  return { sim, dates };
}

function message(sim: Simulation, decision: Decision) {
  const settings = resolveAlertSettings(sim.definition.alerts);
  const rule = resolveRules(settings, sim.definition.model.id).find(
    (r) => r.id === decision.incident.ruleId,
  )!;
  return renderAlert(decision, { tier: 1, rule, reportLink: 'file:///report', windowDuration: 'P1D' });
}

describe('a failed window', () => {
  it('opens one job-failed incident naming the window, the file and the re-run command; the re-run of that window resolves it', () => {
    const { sim, dates } = world({ failed: { '2026-10-04': TRUNCATED('2026-10-04') } });
    const first = runAll(sim, dates.slice(0, 8));
    const opened = [...first.values()].flat();
    expect(flat(first)).toEqual([
      {
        date: '2026-10-04',
        type: 'opened',
        rule: 'job-failed',
        subject: 'drift',
        level: 'critical',
        route: 'page',
      },
    ]);
    const page = message(sim, opened[0]!);
    expect(page.subject).toBe('[CRITICAL] credit-default: drift job failed for 2026-10-04');
    expect(page.body).toContain('dt=2026-10-04/data_0.parquet: truncated footer: re-write or remove it');
    expect(page.body).toContain('driftwatch run --config <definition> --job drift --date 2026-10-04');
    expect(page.body).toContain('alerts.unrecoverableWindows');
    // The window is re-run after the fix (10-09): the next alert run resolves it, saying why.
    sim.drift.set('2026-10-04', driftResult('2026-10-04'));
    const after = runAll(sim, dates.slice(8));
    expect(flat(after)).toMatchObject([{ date: '2026-10-09', type: 'resolved', rule: 'job-failed' }]);
    const resolved = message(sim, after.get('2026-10-09')![0]!);
    expect(resolved.subject).toBe('[RESOLVED] credit-default: drift job failed resolved');
    expect(resolved.body).toContain('every window it listed has a result now: 2026-10-04 has a result');
  });

  it('never fixed: stays open for 40 mornings, no missing-result page, no false resolve, a reminder a week and nothing else', () => {
    const { sim, dates } = world({ failed: { '2026-10-04': TRUNCATED('2026-10-04') }, n: 45 });
    const out = flat(runAll(sim, dates));
    expect(out.map((d) => `${d.date} ${d.type} ${d.rule}`)).toEqual([
      '2026-10-04 opened job-failed',
      ...['2026-10-11', '2026-10-18', '2026-10-25', '2026-11-01', '2026-11-08'].map(
        (d) => `${d} reminder job-failed`,
      ),
    ]);
    // 10-04 is now older than the 30 windows of history the job loads: the job reads its result
    // (`windowResults`); without it nothing resolves, with it the incident does.
    const open = sim.state.incidents.find((i) => i.status === 'open');
    expect(open?.pendingWindows?.map((p) => p.window)).toEqual(['2026-10-04']);
    const definition = sim.definition;
    const run = (windowResults?: { job: string; window: string }[]) =>
      evaluatePolicy({
        definition,
        window: windowFor(definition, '2026-11-14'),
        now: new Date('2026-11-15T09:00:00Z'),
        drift: days('2026-10-16', 30).map((window) => ({ window, result: driftResult(window) })),
        performance: [],
        monitoringSince: START,
        ...(windowResults ? { windowResults } : {}),
        state: sim.state,
      }).decisions.map((d) => `${d.type} ${d.incident.ruleId}`);
    expect(run()).toEqual([]);
    expect(run([{ job: 'drift', window: '2026-10-04' }])).toEqual(['resolved job-failed']);
  });

  it('two failed windows: one incident; a second window with the same cause joins it silently, a new cause notifies once; resolved only when both have results', () => {
    const { sim, dates } = world({
      failed: {
        '2026-10-04': TRUNCATED('2026-10-04'),
        '2026-10-06': TRUNCATED('2026-10-06'),
        '2026-10-08': 'Athena: Access denied when writing output to s3://results/: grant s3:PutObject',
      },
      n: 14,
    });
    const out = runAll(sim, dates.slice(0, 10));
    expect(flat(out).map((d) => `${d.date} ${d.type} ${d.rule}`)).toEqual([
      '2026-10-04 opened job-failed',
      '2026-10-08 worsened job-failed',
    ]);
    const worse = message(sim, out.get('2026-10-08')![0]!);
    expect(worse.subject).toBe(
      '[CRITICAL] credit-default: worse: drift job failed for 2026-10-04, 2026-10-06, 2026-10-08',
    );
    expect(worse.body).toContain('2026-10-08: Athena: Access denied');
    expect(worse.body).toContain('2026-10-06: cannot read data file data/predictions/dt=2026-10-06/');
    // 10-04 and 10-08 are re-run: still open for 10-06, and quiet.
    sim.drift.set('2026-10-04', driftResult('2026-10-04'));
    sim.drift.set('2026-10-08', driftResult('2026-10-08'));
    expect(flat(runAll(sim, dates.slice(10, 12)))).toEqual([]);
    expect(
      sim.state.incidents.find((i) => i.status === 'open')?.pendingWindows?.map((p) => p.window),
    ).toEqual(['2026-10-06']);
    sim.drift.set('2026-10-06', driftResult('2026-10-06'));
    expect(flat(runAll(sim, dates.slice(12))).map((d) => `${d.date} ${d.type} ${d.rule}`)).toEqual([
      '2026-10-13 resolved job-failed',
    ]);
    expect(sim.state.incidents.filter((i) => i.ruleId === 'job-failed')).toHaveLength(1);
  });

  it('Lambda retries: three failed attempts page once; a retry that succeeds resolves it the same morning', () => {
    const { sim, dates } = world({ failed: {} });
    runAll(sim, dates.slice(0, 3));
    const failure = [{ job: 'drift', window: '2026-10-04', message: 'HIVE_CURSOR_ERROR: transient' }];
    const attempts = ['02:00', '02:01', '02:03'].map((t) => {
      sim.failures = new Map([['2026-10-04', failure]]);
      return step(sim, '2026-10-04', new Date(`2026-10-05T${t}:00Z`)).decisions.map((d) => d.type);
    });
    expect(attempts).toEqual([['opened'], [], []]);
    // The 4th delivery (or a manual re-run) succeeds; the 03:00 alert step knows of no failure.
    sim.failures = new Map();
    sim.drift.set('2026-10-04', driftResult('2026-10-04'));
    const alertStep = step(sim, '2026-10-04', new Date('2026-10-05T03:00:00Z'));
    expect(alertStep.decisions.map((d) => `${d.type} ${d.incident.ruleId}`)).toEqual(['resolved job-failed']);
    expect(flat(runAll(sim, dates.slice(4)))).toEqual([]);
  });

  it('a window that can never be computed: listing it in alerts.unrecoverableWindows resolves the incident with the reason, and it is never missing', () => {
    const failed = { '2026-10-04': TRUNCATED('2026-10-04') };
    const { sim, dates } = world({ failed });
    expect(flat(runAll(sim, dates.slice(0, 6))).map((d) => d.type)).toEqual(['opened']);
    // The team decides the data is gone and says so in the definition.
    const reason = 'the partition was deleted by the retention policy';
    const written = world({
      failed,
      alerts: { unrecoverableWindows: [{ job: 'drift', window: '2026-10-04', reason }] },
    });
    written.sim.state = sim.state;
    const out = runAll(written.sim, dates.slice(6));
    expect(flat(out).map((d) => `${d.date} ${d.type} ${d.rule}`)).toEqual(['2026-10-07 resolved job-failed']);
    expect(message(written.sim, out.get('2026-10-07')![0]!).body).toContain(
      `2026-10-04 listed as unrecoverable: ${reason}`,
    );
  });
});

describe('a missing window (the job never ran)', () => {
  it('opens missing-result once, keeps the window past the lookback (no aging out, no resolve), and resolves when it is backfilled', () => {
    const sim = simulation(makeDefinition({ labels: false }));
    const dates = days(START, 20);
    for (const d of dates) if (d !== '2026-10-04') sim.drift.set(d, driftResult(d));
    const before = flat(runAll(sim, dates.slice(0, 15)));
    expect(before.map((d) => `${d.date} ${d.type} ${d.rule}`)).toEqual([
      '2026-10-05 opened missing-result',
      '2026-10-12 reminder missing-result',
    ]);
    sim.drift.set('2026-10-04', driftResult('2026-10-04'));
    expect(flat(runAll(sim, dates.slice(15))).map((d) => `${d.date} ${d.type} ${d.rule}`)).toEqual([
      '2026-10-16 resolved missing-result',
    ]);
  });

  it('a window whose job failed is not also missing; a missing one whose job then fails moves to job-failed', () => {
    const sim = simulation(makeDefinition({ labels: false }));
    const dates = days(START, 10);
    for (const d of dates) if (d !== '2026-10-04') sim.drift.set(d, driftResult(d));
    const before = flat(runAll(sim, dates.slice(0, 6)));
    expect(before.map((d) => `${d.date} ${d.type} ${d.rule}`)).toEqual(['2026-10-05 opened missing-result']);
    // The backfill of 10-04 is run on 10-07's morning and fails: the failure explains the hole.
    sim.failures = new Map([
      ['2026-10-07', [{ job: 'drift', window: '2026-10-04', message: TRUNCATED('2026-10-04') }]],
    ]);
    const out = runAll(sim, dates.slice(6));
    expect(flat(out).map((d) => `${d.date} ${d.type} ${d.rule}`)).toEqual([
      '2026-10-07 opened job-failed',
      '2026-10-07 resolved missing-result',
    ]);
    expect(out.get('2026-10-07')![1]!.current?.summary).toContain(
      '2026-10-04 the job ran and failed for it: see the job-failed incident',
    );
  });
});
