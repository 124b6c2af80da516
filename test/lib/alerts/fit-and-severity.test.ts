/**
 * Thresholds that fit the metric, the honest performance baseline, severe changes at once, and
 * "worse" re-notification, on the schedule's own timing: each morning the policy sees the drift of
 * yesterday and the performance windows whose labels (7 days late) have matured.
 */
import { describe, expect, it } from 'vitest';
import { alertSubject, incidentTitle, renderAlert } from '../../../lib/alerts/messages.js';
import { changeTitle } from '../../../lib/alerts/observe.js';
import { resolveRules } from '../../../lib/alerts/rules.js';
import { type AlertSettingsInput, resolveAlertSettings } from '../../../lib/alerts/settings.js';
import type { Decision } from '../../../lib/alerts/types.js';
import { shiftDate } from '../../../lib/jobs/windows.js';
import { days, driftResult, makeDefinition, type PerfSpec, perfResult } from './fixtures.js';
import { flat, type Simulation, simulation, step } from './helpers.js';

const START = '2026-10-01';
const LABEL_LAG = 8; // a window's labels mature 7 days after it ends

/** A deterministic uniform in [-1, 1] (a linear congruential generator), so the world is fixed. */
function noise(seed: number): () => number {
  let x = seed >>> 0;
  return () => {
    x = (Math.imul(x, 1_664_525) + 1_013_904_223) >>> 0;
    return (x / 2 ** 32) * 2 - 1;
  };
}

/** Runs `n` mornings; window i's performance result (spec(i)) appears LABEL_LAG days later. */
function replay(sim: Simulation, n: number, spec: (i: number) => PerfSpec): Map<string, Decision[]> {
  const out = new Map<string, Decision[]>();
  const dates = days(START, n);
  for (const [i, d] of dates.entries()) {
    sim.drift.set(d, driftResult(d, {}, sim.definition.model.id));
    const matured = i - LABEL_LAG;
    if (matured >= 0)
      sim.performance.push(perfResult(dates[matured]!, spec(matured), sim.definition.model.id));
    out.set(d, step(sim, d).decisions);
  }
  return out;
}

function regression(alerts?: AlertSettingsInput): Simulation {
  return simulation(
    makeDefinition({ id: 'house-prices', task: 'regression', labels: false, ...(alerts ? { alerts } : {}) }),
  );
}

// RMSE stable at 43-47 (45 +/- 2); the training file's in-sample RMSE is 40 (optimistic).
const rand = noise(11);
const STABLE = Array.from({ length: 80 }, () => 45 + 2 * rand());
const STEP_AT = 40; // window index of a +10% step
const rmseSpec =
  (withStep: boolean) =>
  (i: number): PerfSpec => ({
    metric: 'rmse',
    task: 'regression',
    value: STABLE[i]! * (withStep && i >= STEP_AT ? 1.1 : 1),
    reference: 40,
  });

describe('a regression model with stable RMSE and an in-sample training reference', () => {
  it('opens nothing on 60 stable days (the baseline is the first 7 matured windows, not the training file)', () => {
    const sim = regression();
    const events = flat(replay(sim, 60 + LABEL_LAG, rmseSpec(false)));
    expect(events).toEqual([]);
    expect(STABLE.slice(0, 60).every((v) => v >= 43 && v <= 47)).toBe(true);
    expect(sim.state.baselines?.rmse).toMatchObject({
      windows: days(START, 7),
    });
    const base = sim.state.baselines!.rmse!.value;
    expect(base).toBeGreaterThan(43);
    expect(base).toBeLessThan(47);
  });

  it('would page from the first matured window against the training metrics (why the default is not the reference)', () => {
    const sim = regression({ performanceBaseline: { source: 'reference' } });
    const events = flat(replay(sim, 20 + LABEL_LAG, rmseSpec(false)));
    // 45 against 40 is 12.5% worse: a warning on every window, confirmed on the second.
    expect(events.filter((e) => e.type === 'opened').map((e) => `${e.rule} ${e.level}`)).toEqual([
      'performance warning',
    ]);
  });

  it('opens ONE incident for a +10% RMSE step, within 3 windows, and keeps it open', () => {
    const sim = regression();
    const decisions = replay(sim, 70 + LABEL_LAG, rmseSpec(true));
    // Weekly reminders of the open incident aside, one opening and nothing else.
    const events = flat(decisions).filter((e) => e.type !== 'reminder');
    expect(events.map((e) => `${e.type} ${e.rule} ${e.subject}`)).toEqual(['opened performance rmse']);
    const stepMorning = shiftDate(START, STEP_AT + LABEL_LAG);
    const openedOn = events[0]!.date;
    expect(openedOn >= stepMorning).toBe(true);
    expect(openedOn <= shiftDate(stepMorning, 2)).toBe(true);
    const incident = sim.state.incidents[0]!;
    expect(incident.status).toBe('open');
    // Direction words from the metric, the ratio, and the baseline named.
    expect(incident.last.title).toMatch(/^rmse rose \d+% \([\d.]+ vs [\d.]+\)$/);
    expect(incident.last.summary).toContain(
      'against the median of the first 7 matured windows (2026-10-01 to 2026-10-07)',
    );
  });

  it('judges slice parity on RMSE as a ratio: a 1% gap does not fire, a 30% gap does', () => {
    const sim = regression({ performanceBaseline: { source: 'reference' } });
    const segments = (gap: number) => [{ column: 'region', value: 'west', metricValue: 45 * (1 + gap) }];
    replay(sim, 4 + LABEL_LAG, (i) => ({
      metric: 'rmse',
      task: 'regression',
      value: 45,
      reference: 45,
      segments: segments(i < 2 ? 0.01 : 0.3),
    }));
    const opened = sim.state.incidents.map((i) => `${i.ruleId} ${i.subject} ${i.level} ${i.openedWindow}`);
    // Windows 0-1 (1% worse) open nothing; windows 2-3 (30% worse: warning at 20%) open once confirmed.
    expect(opened).toEqual([`slice-parity region=west warning ${shiftDate(START, 3 + LABEL_LAG)}`]);
    expect(sim.state.incidents[0]?.last.title).toBe('region=west: rmse 30% worse than overall (58.5 vs 45)');
  });

  it('re-notifies an open slice incident when its gap widens by one more warning gap', () => {
    const sim = regression({ performanceBaseline: { source: 'reference' } });
    const gaps = [0.25, 0.25, 0.3, 0.5, 0.5];
    const decisions = replay(sim, gaps.length + LABEL_LAG, (i) => ({
      metric: 'rmse',
      task: 'regression',
      value: 45,
      reference: 45,
      segments: [{ column: 'region', value: 'west', metricValue: 45 * (1 + gaps[i]!) }],
    }));
    // Opens at 25% (warning, confirmed on the 2nd window); at 50% it escalates (critical at 40%).
    // Opened at 45% (critical), a gap of 70% is one more warning gap (20%) wider: "worse".
    expect(flat(decisions).map((e) => `${e.date} ${e.type} ${e.level}`)).toEqual([
      `${shiftDate(START, 1 + LABEL_LAG)} opened warning`,
      `${shiftDate(START, 3 + LABEL_LAG)} escalated critical`,
    ]);
    const more = regression({ performanceBaseline: { source: 'reference' } });
    const widening = [0.45, 0.45, 0.5, 0.7, 0.7];
    const events = flat(
      replay(more, widening.length + LABEL_LAG, (i) => ({
        metric: 'rmse',
        task: 'regression',
        value: 45,
        reference: 45,
        segments: [{ column: 'region', value: 'west', metricValue: 45 * (1 + widening[i]!) }],
      })),
    );
    expect(events.map((e) => `${e.date} ${e.type} ${e.level}`)).toEqual([
      `${shiftDate(START, 1 + LABEL_LAG)} opened critical`,
      `${shiftDate(START, 3 + LABEL_LAG)} worsened critical`,
    ]);
  });

  it('re-notifies the open incident when RMSE jumps a further +10% (it is not silent)', () => {
    // Against the training reference (40): 45 opens a warning (12.5% worse; critical at 15%), the
    // +10% jump to 49.5 escalates it, and a further +10% to 54.5 is more than one warning distance
    // (5% of 40 = 2) beyond what was sent: one "worse" notice, then nothing more.
    const sim = regression({ performanceBaseline: { source: 'reference' } });
    const decisions = replay(sim, 30 + LABEL_LAG, (i) => ({
      metric: 'rmse',
      task: 'regression',
      value: i >= 22 ? 54.5 : i >= 15 ? 49.5 : 45,
      reference: 40,
    }));
    const events = flat(decisions).filter((e) => e.type !== 'reminder');
    expect(events.map((e) => `${e.date} ${e.type} ${e.level}`)).toEqual([
      `${shiftDate(START, 1 + LABEL_LAG)} opened warning`,
      `${shiftDate(START, 15 + LABEL_LAG)} escalated critical`,
      `${shiftDate(START, 22 + LABEL_LAG)} worsened critical`,
    ]);
    const worse = [...decisions.values()].flat().find((d) => d.type === 'worsened')!;
    expect(worse.notificationId).toBe(`${worse.incident.id}.worsened.${shiftDate(START, 22 + LABEL_LAG)}`);
    expect(alertSubject(worse)).toBe('[CRITICAL] house-prices: worse: rmse rose 36% (54.5 vs 40)');
  });
});

describe('severe changes open at once', () => {
  const auc = (alerts?: AlertSettingsInput) =>
    simulation(makeDefinition({ labels: false, ...(alerts ? { alerts } : {}) }));

  it('opens on a one-window ROC-AUC fall from 0.903 to 0.8035 (a hair under critical, but z > 10)', () => {
    const sim = auc();
    const decisions = replay(sim, 10 + LABEL_LAG, (i) => ({
      value: i === 9 ? 0.8035 : 0.903,
      standardError: 0.0065,
      reference: 0.95,
    }));
    const events = flat(decisions);
    expect(events.map((e) => `${e.date} ${e.type} ${e.rule} ${e.level}`)).toEqual([
      `${shiftDate(START, 9 + LABEL_LAG)} opened performance warning`,
    ]);
    const opened = [...decisions.values()].flat()[0]!;
    expect(opened.observation.title).toBe('rocAuc fell 0.0995 (0.8035 vs 0.903)');
    expect(opened.observation.severe).toMatch(/^z = \d+(\.\d+)?, p < 0.0001$/);
    const rule = resolveRules(resolveAlertSettings(undefined), 'credit-default').find(
      (r) => r.id === 'performance',
    )!;
    const message = renderAlert(opened, { tier: 1, rule, reportLink: 'r', windowDuration: 'P1D' });
    expect(message.body).toContain('opened at once (z = ');
  });

  it('keeps confirmation for the same borderline fall without standard errors', () => {
    const sim = auc();
    const events = flat(
      replay(sim, 10 + LABEL_LAG, (i) => ({ value: i === 9 ? 0.8035 : 0.903, reference: 0.95 })),
    );
    expect(events).toEqual([]);
  });

  it('opens at once beyond 1.5x the critical distance, without standard errors', () => {
    const sim = auc();
    const events = flat(
      replay(sim, 10 + LABEL_LAG, (i) => ({ value: i === 9 ? 0.74 : 0.903, reference: 0.95 })),
    );
    expect(events.map((e) => `${e.type} ${e.level}`)).toEqual(['opened critical']);
  });

  it('opens a new segment value at once, one incident per column=value, with a human title', () => {
    const sim = simulation(makeDefinition({ labels: false }));
    const finding = (value: string) => ({
      kind: 'new_segment' as const,
      severity: 'warning' as const,
      segment: { column: 'region', value },
      value: 412,
      message: `region=${value}: a segment value absent from the reference (412 rows)`,
    });
    for (const d of days(START, 3))
      sim.drift.set(d, driftResult(d, { findings: [finding('mars'), finding('venus')] }));
    const events = flat(new Map(days(START, 3).map((d) => [d, step(sim, d).decisions])));
    expect(events.map((e) => `${e.date} ${e.type} ${e.rule} ${e.subject} ${e.level}`)).toEqual([
      `${START} opened data-quality new_segment:region=mars warning`,
      `${START} opened data-quality new_segment:region=venus warning`,
    ]);
    expect(sim.state.incidents[0]?.last.title).toBe(
      'new segment region=mars (412 rows, absent from the reference)',
    );
    expect(incidentTitle('data_quality', 'new_segment:region=mars')).toBe('new segment region=mars');
  });

  it('opens an out-of-range finding at once with a human subject', () => {
    const sim = simulation(makeDefinition({ id: 'wine', labels: false }));
    sim.drift.set(
      START,
      driftResult(
        START,
        {
          findings: [
            {
              kind: 'out_of_range',
              severity: 'critical',
              feature: 'income',
              value: 0.38,
              message: 'income: 38% of values outside the reference range',
            },
          ],
        },
        'wine',
      ),
    );
    const [opened] = step(sim, START).decisions;
    expect(opened?.incident).toMatchObject({ ruleId: 'feature-drift', subject: 'income', level: 'critical' });
    expect(alertSubject(opened!)).toBe('[CRITICAL] wine: income: 38% of values outside the reference range');
  });
});

describe('direction words', () => {
  it('says rose for a rising error and fell for a falling score, never "drop" for a rise', () => {
    expect(changeTitle('rmse', 47.1, 42, true)).toBe('rmse rose 12% (47.1 vs 42)');
    expect(changeTitle('rocAuc', 0.8035, 0.903, false)).toBe('rocAuc fell 0.0995 (0.8035 vs 0.903)');
    expect(incidentTitle('performance', 'rmse')).toBe('rmse rise');
    expect(incidentTitle('performance', 'rocAuc')).toBe('rocAuc drop');
  });

  it('resolves with the same measure and words, and the value it came back to', () => {
    const sim = regression({ performanceBaseline: { source: 'reference' } });
    const decisions = replay(sim, 12 + LABEL_LAG, (i) => ({
      metric: 'rmse',
      task: 'regression',
      value: i >= 2 && i < 6 ? 47 : 40.5,
      reference: 40,
    }));
    const all = [...decisions.values()].flat();
    expect(all.map((d) => d.type)).toEqual(['opened', 'resolved']);
    const resolved = all[1]!;
    expect(alertSubject(resolved)).toBe(
      '[RESOLVED] house-prices: rmse rise resolved, back to 40.5 (baseline 40)',
    );
    const rule = resolveRules(resolveAlertSettings(undefined), 'house-prices').find(
      (r) => r.id === 'performance',
    )!;
    const body = renderAlert(resolved, { tier: 1, rule, reportLink: 'r', windowDuration: 'P1D' }).body;
    expect(body).toMatch(
      /Last over the limit \(window [\d-]+\): rmse rose 18% \(47 vs 40\), against the reference\./,
    );
    expect(body).toMatch(/Now \(window [\d-]+\): rmse rose 1.2% \(40.5 vs 40\), against the reference\./);
    expect(body).not.toContain('critical at 0.2');
  });
});
