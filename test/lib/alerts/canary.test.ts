import { describe, expect, it } from 'vitest';
import { identifyArms, judgeCanary } from '../../../lib/alerts/canary.js';
import { CanarySettingsSchema } from '../../../lib/config/schema.js';
import { mixtureSprt } from '../../../lib/stats/sequential.js';
import { mulberry32 } from '../stats/support.js';
import { type ArmModel, SIM_PLAN, SIM_SETTINGS, STABLE_SCORES, simulateCanary } from './canary-sim.js';

const INCUMBENT: ArmModel = { rows: 4000, errorRate: 0.02, slowRate: 0.05, scoreShares: STABLE_SCORES };
const HEALTHY: ArmModel = { ...INCUMBENT, rows: 1000 };

describe('mixtureSprt', () => {
  it('matches the closed form of the normal mixture likelihood ratio', () => {
    const look = mixtureSprt({ n: 1000, events: 60 }, { n: 1000, events: 40 }, { tau: 0.02, alpha: 0.05 });
    const pooled = 100.5 / 2001;
    const v = pooled * (1 - pooled) * (2 / 1000);
    const t2 = 0.0004;
    const expected = 0.5 * Math.log(v / (v + t2)) + (t2 * 0.02 ** 2) / (2 * v * (v + t2));
    expect(look.difference).toBeCloseTo(0.02, 12);
    expect(look.logLikelihoodRatio).toBeCloseTo(expected, 12);
    expect(look.pValue).toBeCloseTo(Math.exp(-expected), 12);
    expect(look.lower).toBeLessThan(0.02);
    expect(look.upper).toBeGreaterThan(0.02);
  });

  it('keeps its false rejections under alpha when looked at 50 times (2,000 null sequences)', () => {
    const rand = mulberry32(7);
    let rejected = 0;
    for (let run = 0; run < 2000; run++) {
      const c = { n: 0, events: 0 };
      const i = { n: 0, events: 0 };
      for (let look = 0; look < 50; look++) {
        for (let r = 0; r < 200; r++) {
          c.n++;
          i.n++;
          if (rand() < 0.05) c.events++;
          if (rand() < 0.05) i.events++;
        }
        if (mixtureSprt(c, i, { tau: 0.02, alpha: 0.05 }).pValue <= 0.05) {
          rejected++;
          break;
        }
      }
    }
    // Measured: 38 of 2,000 (1.9%); a 5% z test looked at the same 50 times rejected 635 (31.8%).
    expect(rejected / 2000).toBeLessThan(0.05);
  });

  it('refuses impossible counts with the arm and the values', () => {
    expect(() => mixtureSprt({ n: 10, events: 11 }, { n: 10, events: 0 }, { tau: 0.1, alpha: 0.05 })).toThrow(
      /candidate: events must be between 0 and n, got 11 of 10/,
    );
  });
});

describe('identifyArms', () => {
  const w = (start: string, versions: [string, number, string][]) => ({
    window: { start, end: start },
    versions: versions.map(([version, rows, firstSeen]) => ({ version, rows, firstSeen })),
  });
  const windows = [
    w('2026-03-01T00:00:00Z', [['v1', 100, '2026-03-01T00:00:01Z']]),
    w('2026-03-01T01:00:00Z', [
      ['v1', 90, '2026-03-01T01:00:01Z'],
      ['v2', 10, '2026-03-01T01:30:00Z'],
    ]),
  ];
  it('takes the newest version as candidate and the busiest other as incumbent', () => {
    expect(identifyArms(windows, { newest: true })).toEqual({ candidate: 'v2', incumbent: 'v1' });
  });
  it('takes a configured version, and says so when it has not served yet', () => {
    expect(identifyArms(windows, { version: 'v1' })).toEqual({ candidate: 'v1', incumbent: 'v2' });
    expect(identifyArms(windows, { version: 'v3' })).toMatchObject({
      problem: { code: 'candidate_not_seen' },
    });
    expect(identifyArms(windows.slice(0, 1), { newest: true })).toMatchObject({
      problem: { code: 'single_version' },
    });
  });
});

describe('judgeCanary', () => {
  it('rolls a latency regression of the candidate back within two hourly windows', () => {
    for (let seed = 1; seed <= 20; seed++) {
      const windows = simulateCanary(seed, 2, INCUMBENT, () => ({ ...HEALTHY, slowRate: 0.2 }));
      const verdict = judgeCanary(windows, SIM_SETTINGS, SIM_PLAN);
      expect(verdict.verdict).toBe('roll_back');
      expect(verdict.reasons.map((r) => r.code)).toEqual(['latency_worse']);
      expect(verdict.evidence.decidedAt).not.toBeNull();
    }
  });

  it('rolls back on errors, and not on a score shift alone (that holds a promote back)', () => {
    const errors = judgeCanary(
      simulateCanary(3, 3, INCUMBENT, () => ({ ...HEALTHY, errorRate: 0.1 })),
      SIM_SETTINGS,
      SIM_PLAN,
    );
    expect(errors.verdict).toBe('roll_back');
    expect(errors.reasons[0]).toMatchObject({ code: 'errors_worse', guardrail: 'errors' });
    const shifted = [...STABLE_SCORES].reverse();
    const scores = judgeCanary(
      simulateCanary(3, 24, INCUMBENT, () => ({ ...HEALTHY, scoreShares: shifted })),
      SIM_SETTINGS,
      SIM_PLAN,
    );
    expect(scores.verdict).toBe('inconclusive');
    expect(scores.reasons.map((r) => r.code)).toContain('score_shift');
  });

  it('holds while evidence accrues, then promotes a healthy candidate', () => {
    const windows = simulateCanary(11, 24, INCUMBENT, () => HEALTHY);
    expect(judgeCanary(windows.slice(0, 1), SIM_SETTINGS, SIM_PLAN).verdict).toBe('hold');
    const verdict = judgeCanary(windows, SIM_SETTINGS, SIM_PLAN);
    expect(verdict.verdict).toBe('promote');
    expect(verdict.evidence.candidateRows).toBeGreaterThanOrEqual(SIM_SETTINGS.minimumRows);
    for (const g of verdict.evidence.guardrails) expect(g.upper!).toBeLessThan(g.margin);
  });

  it('promotes healthy candidates across 200 simulated stable canaries, rolling back fewer than alpha of them', () => {
    const outcomes = new Map<string, number>();
    const promotedAfter: number[] = [];
    for (let seed = 1000; seed < 1200; seed++) {
      const verdict = judgeCanary(
        simulateCanary(seed, 24, INCUMBENT, () => HEALTHY),
        SIM_SETTINGS,
        SIM_PLAN,
      );
      outcomes.set(verdict.verdict, (outcomes.get(verdict.verdict) ?? 0) + 1);
      if (verdict.verdict === 'promote') promotedAfter.push(verdict.evidence.windows);
    }
    // The guarantee is a rate (at most 5% of healthy canaries rolled back, 10 of 200), not "never":
    // measured on these seeds, 1 of 200 (seed 1081: latency 5.97% vs 4.52% in window 3, p = 0.0244).
    const rolledBack = outcomes.get('roll_back') ?? 0;
    expect(rolledBack / 200).toBeLessThan(SIM_SETTINGS.falseRollbackRate);
    expect(rolledBack).toBeLessThanOrEqual(1);
    expect(outcomes.get('promote')).toBe(200 - rolledBack);
    // The configured evidence: 4,000 candidate rows at 1,000 an hour.
    expect(Math.min(...promotedAfter)).toBeGreaterThanOrEqual(4);
  });

  it('keeps the false-rollback rate under falseRollbackRate when the candidate is never promoted (1,000 runs)', () => {
    // Promotion stops a canary early; here it cannot (minimumRows out of reach), so every run is
    // looked at for all 24 windows: the worst case of continuous monitoring.
    const settings = CanarySettingsSchema.parse({ ...SIM_SETTINGS, minimumRows: 10 ** 9 });
    let rolledBack = 0;
    for (let seed = 0; seed < 1000; seed++) {
      const small = { ...HEALTHY, rows: 200 };
      const verdict = judgeCanary(
        simulateCanary(seed, 24, { ...INCUMBENT, rows: 800 }, () => small),
        settings,
        SIM_PLAN,
      );
      if (verdict.verdict === 'roll_back') rolledBack++;
    }
    // Measured: 12 of 2,000 runs over seeds 0..1999 (0.6%).
    expect(rolledBack / 1000).toBeLessThan(settings.falseRollbackRate);
  });

  it('is inconclusive without a candidate or incumbent, and after the maximum duration undecided', () => {
    const alone = simulateCanary(5, 2, INCUMBENT, () => HEALTHY).map((w) => ({
      ...w,
      versions: w.versions.filter((v) => v.version === 'v1'),
    }));
    expect(judgeCanary(alone, SIM_SETTINGS, SIM_PLAN)).toMatchObject({
      verdict: 'inconclusive',
      reasons: [{ code: 'candidate_not_seen' }],
    });
    const tiny = simulateCanary(5, 24, INCUMBENT, () => ({ ...HEALTHY, rows: 20 }));
    const verdict = judgeCanary(tiny, SIM_SETTINGS, SIM_PLAN);
    expect(verdict.verdict).toBe('inconclusive');
    expect(verdict.reasons[0]).toMatchObject({ code: 'maximum_duration' });
  });

  it('gives the same verdict whatever the replay: a re-run window replaces, never adds', () => {
    const windows = simulateCanary(21, 6, INCUMBENT, () => HEALTHY);
    const once = judgeCanary(windows, SIM_SETTINGS, SIM_PLAN);
    expect(judgeCanary([...windows], SIM_SETTINGS, SIM_PLAN)).toEqual(once);
  });
});
