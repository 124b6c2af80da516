/**
 * The policy's late windows (issue #17): a window computed again out of schedule (`recheckRun`, a
 * recheck or a manual re-run with other data) is judged once per (window, revision), whatever run
 * judges it first; retries and replays judge nothing again; the slice holdback applies; the
 * opening message says the window arrived late. Pure policy, performance results built by hand.
 */
import { describe, expect, it } from 'vitest';
import type { AlertSettingsInput } from '../../../lib/alerts/settings.js';
import type { PerformanceResult } from '../../../lib/jobs/performance-result.js';
import { days, driftResult, makeDefinition, type PerfSpec, perfResult } from './fixtures.js';
import { flat, runAll, type Simulation, simulation, step } from './helpers.js';

const START = '2026-10-01';
const REFERENCE: AlertSettingsInput = { performanceBaseline: { source: 'reference' } };

/** 12 healthy windows with drift results; performance rule against the reference (0.82). */
function world(): { sim: Simulation; dates: string[] } {
  const sim = simulation(makeDefinition({ labels: false, alerts: REFERENCE }));
  const dates = days(START, 12);
  for (const d of dates) {
    sim.drift.set(d, driftResult(d));
    sim.performance.push(perfResult(d, { value: 0.82 }));
  }
  return { sim, dates };
}

/** Replaces the stored result of `window` as a job computing it again on run `run` would. */
function recompute(sim: Simulation, window: string, run: string, revision: number, spec: PerfSpec) {
  const at = sim.performance.findIndex((p) => p.window.start === window);
  const result: PerformanceResult = { ...perfResult(window, spec), revision, recheckRun: run };
  sim.performance[at] = result;
}

describe('late windows in the alert policy', () => {
  it('judges a late window once per revision: not on a retry or a later run, again on a new revision', () => {
    const { sim, dates } = world();
    runAll(sim, dates.slice(0, 10));
    const run = dates[9] as string;
    const late = dates[4] as string;
    // The window's labels landed: evaluated again on run 10 (a critical drop hidden in them).
    recompute(sim, late, run, 2, { value: 0.6 });
    const first = step(sim, run).decisions; // a second alert step of the same morning (a retry of the job)
    expect(first.map((d) => `${d.type} ${d.incident.ruleId} ${d.incident.sinceWindow}`)).toEqual([
      `opened performance ${late}`,
    ]);
    expect(first[0]?.observation.late).toContain(`window ${late} is 5 days behind this run's window ${run}`);
    expect(step(sim, run).decisions).toEqual([]);
    expect(sim.state.lateJudged?.performance?.windows[late]).toEqual({ revision: 2, run });
    // The next morning: resolved by the healthy later windows, the late window not judged again.
    expect(step(sim, dates[10] as string).decisions.map((d) => d.type)).toEqual(['resolved']);
    // A replay of an older run judges nothing.
    expect(step(sim, dates[8] as string).decisions).toEqual([]);
    // More labels land (revision 3, still critical): a new verdict, judged once more.
    recompute(sim, late, dates[11] as string, 3, { value: 0.55 });
    expect(
      step(sim, dates[11] as string).decisions.map((d) => `${d.type} ${d.incident.sinceWindow}`),
    ).toEqual([`opened ${late}`]);
    expect(step(sim, dates[11] as string).decisions).toEqual([]);
  });

  it('judges a manual re-run made after the morning alert step already ran (same run window)', () => {
    const { sim, dates } = world();
    runAll(sim, dates.slice(0, 10));
    const run = dates[9] as string;
    // Before: a through-mark at the run window made a result stamped with it look already judged.
    recompute(sim, dates[3] as string, run, 2, { value: 0.6 });
    expect(flat(runAll(sim, [dates[10] as string])).map((e) => `${e.type} ${e.rule}`)).toEqual([
      'opened performance',
    ]);
  });

  it('reads the legacy through-mark once: what it covered is not judged again', () => {
    const { sim, dates } = world();
    runAll(sim, dates.slice(0, 10));
    Reflect.deleteProperty(sim.state, 'lateJudged');
    sim.state.performanceRechecksJudgedThrough = dates[9] as string;
    recompute(sim, dates[4] as string, dates[9] as string, 2, { value: 0.6 });
    expect(step(sim, dates[10] as string).decisions).toEqual([]);
    expect(sim.state.performanceRechecksJudgedThrough).toBeUndefined();
    expect(sim.state.lateJudged?.performance?.windows[dates[4] as string]?.revision).toBe(2);
  });

  it('forgets what it judged after LATE_JUDGE_WINDOWS; a late result that old is not judged', () => {
    const { sim, dates } = world();
    runAll(sim, dates.slice(0, 10));
    recompute(sim, dates[2] as string, dates[3] as string, 2, { value: 0.6 });
    const later = days(dates[10] as string, 20);
    for (const d of later) {
      sim.drift.set(d, driftResult(d));
      sim.performance.push(perfResult(d, { value: 0.82 }));
    }
    // Recomputed on run 4, whose alert step never ran; run 25 is 21 windows later.
    expect(step(sim, later[14] as string).decisions).toEqual([]);
    expect(sim.state.lateJudged?.performance?.windows).toEqual({});
  });

  it('holds a moderate late performance drop back while a slice explains it, as for the latest window', () => {
    const segments = [{ column: 'locale', value: 'es-US', metricValue: 0.45 }];
    const judged = (withSlice: boolean) => {
      const { sim, dates } = world();
      runAll(sim, dates.slice(0, 10));
      for (const w of [dates[4], dates[5]] as string[])
        recompute(sim, w, dates[9] as string, 2, { value: 0.75, ...(withSlice ? { segments } : {}) });
      return step(sim, dates[9] as string)
        .decisions.map((d) => `${d.incident.ruleId} ${d.incident.level}`)
        .sort();
    };
    expect(judged(false)).toEqual(['performance warning']);
    expect(judged(true)).toEqual(['slice-parity critical']);
  });
});
