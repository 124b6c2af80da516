/**
 * Hostile tests of canary verdicts (issue #16; the canary cases of the tester's
 * slo-canary-hostile.test.ts on branch hostile16). An `it.fails` is a defect still open: the test
 * states what a deployment pipeline expects and fails today. Fixed defects are plain `it`; the
 * tests that held against the attack are plain `it` too.
 */
import { mkdir } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DuckDbQueryEngine } from '../../../lib/adapters/duckdb-engine.js';
import { MemoryResultStore } from '../../../lib/adapters/memory-store.js';
import {
  type CanaryWindowStats,
  canaryVerdictEvent,
  identifyArms,
  judgeCanary,
} from '../../../lib/alerts/canary.js';
import { validateDefinition } from '../../../lib/config/load.js';
import { CanarySettingsSchema } from '../../../lib/config/schema.js';
import { runJob } from '../../../lib/jobs/run-job.js';
import { tempDir } from '../../helpers/temp.js';
import { RecordingNotifier } from '../alerts/fixtures.js';
import { mulberry32 } from '../stats/support.js';

const HOUR = 3_600_000;
const DAY0 = '2026-10-01';
const T0 = Date.parse(`${DAY0}T00:00:00Z`);

let engine: DuckDbQueryEngine;
let dir: { path: string; cleanup: () => Promise<void> };

beforeAll(async () => {
  engine = await DuckDbQueryEngine.create({ threads: 1 });
  dir = await tempDir();
});

afterAll(async () => {
  await engine.close();
  await dir.cleanup();
});

/** A uniform in [0, 1) from one 64-bit key. */
const u = (seed: number, k: number) =>
  `((hash(${seed}::BIGINT * 1000003 + h * 100003 + i * 16 + ${k}) % 1000000) / 1e6)`;

function binomial(rand: () => number, n: number, p: number): number {
  let k = 0;
  for (let i = 0; i < n; i++) if (rand() < p) k++;
  return k;
}

const hourIso = (h: number) => new Date(T0 + h * HOUR).toISOString().replace('.000Z', 'Z');

/** `hours` hourly windows of v1 (incumbent) and v2 with their own rows, error and slow rates. */
function simulate(
  seed: number,
  hours: number,
  v1: { rows: number; errorRate: number; slowRate: number },
  v2: { rows: number; errorRate: number; slowRate: number },
): CanaryWindowStats[] {
  const rand = mulberry32(seed);
  const arm = (version: string, m: typeof v1, start: string) => ({
    version,
    rows: m.rows,
    firstSeen: start,
    errors: binomial(rand, m.rows, m.errorRate),
    timed: m.rows,
    slow: binomial(rand, m.rows, m.slowRate),
  });
  return Array.from({ length: hours }, (_, h) => ({
    window: { start: hourIso(h), end: hourIso(h + 1) },
    versions: [arm('v1', v1, hourIso(h)), arm('v2', v2, hourIso(h))],
  }));
}

const PLAN = { errors: true, latency: true, performance: false };

describe('canary: false roll backs under continuous monitoring', () => {
  // DEFECT (high, wrong roll back). The mSPRT's normal approximation with a plug-in (pooled)
  // variance is not valid for rare events at small canary traffic: an A/A canary (both versions
  // 0.1% errors, 0.2% slow) with the candidate at 20 rows an hour beside 5,000 (a 0.4% canary),
  // looked at every hour for 24 hours (defaults; never promotable here), rolled back 30 of 200
  // runs (15%; 147 of 1,000 = 14.7% with other seeds) against falseRollbackRate 0.05. One error
  // in 20 candidate rows is a 5% share against 0.1%, and the pooled variance calls that
  // near-certain. At 50 candidate rows and 0.2%/0.5%: 26 of 400 (6.5%). At the documented 1,000
  // rows with 2%/5% it holds (1 of 200). Expected: at most alpha (0.05) at any traffic. Seen: 0.15.
  it('keeps false roll backs under alpha for a small canary with rare events (A/A, 200 runs)', () => {
    const settings = CanarySettingsSchema.parse({
      candidate: { version: 'v2' },
      latencyBound: 250,
      maximumDuration: 'PT24H',
    });
    let rolledBack = 0;
    for (let run = 0; run < 200; run++) {
      const v = judgeCanary(
        simulate(
          1000 + run,
          24,
          { rows: 5000, errorRate: 0.001, slowRate: 0.002 },
          {
            rows: 20,
            errorRate: 0.001,
            slowRate: 0.002,
          },
        ),
        settings,
        PLAN,
      );
      if (v.verdict === 'roll_back') rolledBack++;
    }
    expect(rolledBack / 200).toBeLessThanOrEqual(0.05);
  });

  // DEFECT (medium, wrong roll back by the config's own words). `margins.latencyOverBound` is
  // "how much worse the candidate may be and still be promoted" (0.02 by default), but the roll
  // back tests "worse at all" (theta > 0), not "worse than the margin". A candidate 1 point slower
  // (6% vs 5% over the bound, half the tolerated margin; 4,000 + 1,000 rows an hour) is rolled back
  // in 105 of these 200 runs (52.5%; 141 of 200, 70%, with other seeds and the default error
  // margin); at 40,000 + 10,000 rows an hour a 0.5-point regression (a quarter of the margin) was
  // rolled back in 32 of 100 (.scratch/ab.ts). Expected: a candidate within the margin is rolled
  // back no more often than alpha (test theta > margin for roll back, or document that any
  // detectable regression rolls back and the margin only gates promote). Seen: 52.5%.
  it('does not roll back a candidate that is worse by less than the configured margin', () => {
    const settings = CanarySettingsSchema.parse({
      candidate: { version: 'v2' },
      latencyBound: 250,
      maximumDuration: 'PT24H',
      margins: { errorRate: 0.01, latencyOverBound: 0.02 },
    });
    let rolledBack = 0;
    for (let run = 0; run < 200; run++) {
      const v = judgeCanary(
        simulate(
          5000 + run,
          24,
          { rows: 4000, errorRate: 0.02, slowRate: 0.05 },
          {
            rows: 1000,
            errorRate: 0.02,
            slowRate: 0.06,
          },
        ),
        settings,
        PLAN,
      );
      if (v.verdict === 'roll_back') rolledBack++;
    }
    expect(rolledBack / 200).toBeLessThanOrEqual(0.05);
  });

  // DEFECT (high, wrong roll back). The arms' counts are pooled over all windows, but a canary is
  // normally RAMPED (1% of traffic, then 25%) and the service's own error and latency change over
  // the day. Pooling then compares a candidate whose rows are mostly from busy hours with an
  // incumbent whose rows are spread over quiet and busy ones (Simpson's paradox). A/A here: in
  // every hour both versions behave identically (00-06h: 0.5% errors, 2% slow; 06-24h: 1% errors,
  // 8% slow); the canary ramps at 06:00 from 50 of 4,050 rows an hour to 1,000 of 4,000. Default
  // settings. Expected: false roll backs <= falseRollbackRate (0.05). Seen: 200 of 200 rolled
  // back (median at the 7th window, the second busy hour). A test stratified by window (compare
  // the arms within each window, then combine) would not be fooled.
  it('does not roll back an identical candidate ramped up into busier hours (A/A, 200 runs)', () => {
    const settings = CanarySettingsSchema.parse({
      candidate: { version: 'v2' },
      latencyBound: 250,
      maximumDuration: 'PT24H',
    });
    let rolledBack = 0;
    for (let run = 0; run < 200; run++) {
      const rand = mulberry32(7000 + run);
      const windows: CanaryWindowStats[] = Array.from({ length: 24 }, (_, h) => {
        const quiet = h < 6;
        const arm = (version: string, rows: number) => ({
          version,
          rows,
          firstSeen: hourIso(h),
          errors: binomial(rand, rows, quiet ? 0.005 : 0.01),
          timed: rows,
          slow: binomial(rand, rows, quiet ? 0.02 : 0.08),
        });
        return {
          window: { start: hourIso(h), end: hourIso(h + 1) },
          versions: [arm('v1', quiet ? 4000 : 3000), arm('v2', quiet ? 50 : 1000)],
        };
      });
      if (judgeCanary(windows, settings, PLAN).verdict === 'roll_back') rolledBack++;
    }
    expect(rolledBack / 200).toBeLessThanOrEqual(0.05);
  });

  it('rolls back a clear regression on one guardrail even when the candidate is better on the other', () => {
    const settings = CanarySettingsSchema.parse({ candidate: { version: 'v2' }, latencyBound: 250 });
    const v = judgeCanary(
      simulate(
        9,
        3,
        { rows: 4000, errorRate: 0.02, slowRate: 0.05 },
        { rows: 1000, errorRate: 0.0, slowRate: 0.2 },
      ),
      settings,
      PLAN,
    );
    expect(v.verdict).toBe('roll_back');
    expect(v.reasons.map((r) => r.code)).toEqual(['latency_worse']);
  });
});

describe('canary: which version is the candidate', () => {
  // DEFECT (medium-high, roles reversed). With `candidate: { newest: true }` the candidate is the
  // version first seen LAST, at one-second resolution, and a tie is broken by LEXICAL order of the
  // names. When both versions are first seen in the same second (the canary job enabled, or its
  // versions.json lost, while a canary already serves: both appear at HH:00:00 of the first window
  // read), 'v9' sorts after 'v10', so the incumbent v9 (3,000 rows) is judged as the candidate
  // against v10 (1,000 rows): a regression in v10 would read as v9 being better, never as a roll
  // back of v10. Expected: v10 (the version with less traffic, or a numeric-aware order, or
  // inconclusive "ambiguous candidate"). Seen: { candidate: 'v9', incumbent: 'v10' }.
  it('does not take the incumbent v9 as the candidate against v10 on a first-seen tie', () => {
    const windows: CanaryWindowStats[] = [
      {
        window: { start: hourIso(0), end: hourIso(1) },
        versions: [
          { version: 'v10', rows: 1000, firstSeen: hourIso(0) },
          { version: 'v9', rows: 3000, firstSeen: hourIso(0) },
        ],
      },
    ];
    expect(identifyArms(windows, { newest: true })).toEqual({ candidate: 'v10', incumbent: 'v9' });
  });

  it('refuses to guess (ambiguous_candidate, naming both) when two versions first seen together have equal traffic', () => {
    const windows: CanaryWindowStats[] = [
      {
        window: { start: hourIso(0), end: hourIso(1) },
        versions: [
          { version: 'a', rows: 500, firstSeen: '2026-10-01T00:00:01Z' },
          { version: 'b', rows: 500, firstSeen: '2026-10-01T00:00:00Z' },
        ],
      },
    ];
    const arms = identifyArms(windows, { newest: true });
    expect(arms).toMatchObject({ candidate: null, problem: { code: 'ambiguous_candidate' } });
    expect('problem' in arms && arms.problem.message).toMatch(/"a".*"b"|"b".*"a"/);
  });

  it('orders v10 after v9 by first-seen time, not by name, when they were first seen apart', () => {
    const windows: CanaryWindowStats[] = [
      {
        window: { start: hourIso(0), end: hourIso(1) },
        versions: [{ version: 'v9', rows: 100, firstSeen: hourIso(0) }],
      },
      {
        window: { start: hourIso(1), end: hourIso(2) },
        versions: [
          { version: 'v10', rows: 10, firstSeen: '2026-10-01T01:20:00Z' },
          { version: 'v9', rows: 90, firstSeen: hourIso(1) },
        ],
      },
    ];
    expect(identifyArms(windows, { newest: true })).toEqual({ candidate: 'v10', incumbent: 'v9' });
  });
});

describe('canary config', () => {
  // DEFECT (low, a canary that can never promote). maximumDuration PT1H with minimumWindows 5 is
  // accepted, though a promote needs 5 windows and the canary is inconclusive after 1. Expected: a
  // one-line refusal naming canary.maximumDuration (or minimumWindows). Seen: accepted.
  it('refuses a maximum duration shorter than the minimum windows a promote needs', () => {
    expect(() =>
      validateDefinition(
        {
          model: { id: 'toy', task: 'binary' },
          predictions: {
            location: 'p',
            idColumn: 'id',
            timestampColumn: 'ts',
            scoreColumn: 'score',
            modelVersionColumn: 'model_version',
            errorColumn: 'error',
          },
          features: [{ name: 'score', kind: 'numeric' }],
          reference: { type: 'rolling', windows: 7 },
          canary: { maximumDuration: 'PT1H', minimumWindows: 5 },
        },
        'test',
      ),
    ).toThrow(/maximumDuration|minimumWindows/);
  });
});

describe('canary job (DuckDB): a 40%-slow v2 beside v1 from the first hour of the log', () => {
  /** Six hours: 1,500 v1 and 500 v2 rows an hour from 00:00; v2 slower than 250 ms 40% of the time, v1 5%. */
  async function slowCandidateLog(): Promise<string> {
    const location = `${dir.path}/canary-slow`;
    await mkdir(`${location}/dt=${DAY0}`, { recursive: true });
    await engine.execute(
      `COPY (
        SELECT 'c' || h || '-' || i AS id,
          TIMESTAMP '${DAY0} 00:00:00' + to_seconds(CAST(h * 3600 + floor(${u(7, 0)} * 3600) AS BIGINT)) AS ts,
          CASE WHEN i % 4 = 0 THEN 'v2' ELSE 'v1' END AS model_version,
          CASE WHEN ${u(7, 1)} < (CASE WHEN i % 4 = 0 THEN 0.4 ELSE 0.05 END) THEN 400e0 ELSE 50e0 END AS latency_ms,
          false AS error,
          ${u(7, 2)} AS score
        FROM range(6) t(h), range(2000) s(i)
      ) TO '${location}/dt=${DAY0}/a.parquet' (FORMAT parquet)`,
    );
    return location;
  }

  /** The hourly schedule (ten past each hour) over hours 0..5; the published events. */
  async function runHourly(candidate: unknown) {
    const location = await slowCandidateLog();
    const definition = validateDefinition(
      {
        model: { id: 'toy', task: 'binary' },
        predictions: {
          location,
          idColumn: 'id',
          timestampColumn: 'ts',
          scoreColumn: 'score',
          modelVersionColumn: 'model_version',
          latencyColumn: 'latency_ms',
          errorColumn: 'error',
        },
        features: [{ name: 'latency_ms', kind: 'numeric' }],
        reference: { type: 'rolling', windows: 7 },
        canary: { candidate, latencyBound: 250, maximumDuration: 'PT3H' },
      },
      'test',
    );
    const store = new MemoryResultStore();
    const notifier = new RecordingNotifier();
    for (let h = 0; h < 6; h++) {
      await runJob(
        { job: 'canary' },
        {
          definition,
          sources: { predictions: { location, format: 'parquet', partitioned: true } },
          engine,
          store,
          notifier,
          clock: { now: () => new Date(T0 + (h + 1) * HOUR + 10 * 60_000) },
        },
      );
    }
    return notifier.canaryVerdicts.map((e) => e.detail);
  }

  // DEFECT (high, a regression promoted instead of rolled back). With `candidate: { newest: true }`
  // (the default) the candidate is the version whose EARLIEST row is latest. When both versions
  // serve from the first window the job reads (the log or the job starts during a canary; the
  // issue's own generated-log scenario), that is a race between the arms' first requests of the
  // hour: the candidate's first request comes first with a probability about equal to its traffic
  // share (25% here). Here v2's first row (00:00:0x) precedes v1's, so v1 (1,500 rows an hour) is
  // taken as the candidate and the 40%-slow v2 as the incumbent: hour 0 holds ("1500 candidate and
  // 500 incumbent rows"), hour 1 PROMOTES v1 ("candidate 4.90% vs incumbent 39.80%"), and v2 is
  // never rolled back. Expected: candidate v2 and a roll back within two windows. Seen: promote
  // (v1 vs v2) at every hour from 01:00. (test/lib/jobs/canary.test.ts passes only because its
  // seeds happen to put v2's first row after v1's; it uses newest: true too.)
  it('rolls back the slow v2 (newest: true) when both versions serve from the first hour', async () => {
    const events = await runHourly({ newest: true });
    expect(events.slice(0, 2).map((e) => [e.verdict, e.candidate])).toContainEqual(['roll_back', 'v2']);
  });

  // DEFECT (medium, a pipeline acts more than once). The README says a pipeline acts on the first
  // promote or roll back once, and consumers de-duplicate on verdictId. But every later hourly run
  // re-judges, finds the same decided verdict (decidedAt unchanged) and publishes it under a NEW
  // verdictId (the id hashes the judged window), so a candidate rolled back at 00:00 is "rolled
  // back" again at every hour, also after the maximum duration (PT3H here). Expected: one roll_back
  // event for the pair (or later ones under the decision's id). Seen: 6 roll_back events, 6 ids.
  it('publishes a decided roll back once, not every hour after it', async () => {
    const events = await runHourly({ version: 'v2' });
    const rollBacks = events.filter((e) => e.verdict === 'roll_back');
    expect(rollBacks.length).toBeGreaterThan(0);
    expect(new Set(rollBacks.map((e) => (e.evidence as { decidedAt: string }).decidedAt)).size).toBe(1);
    expect(rollBacks).toHaveLength(1);
  });

  // DEFECT (high, a regression never rolled back). The candidate's first window is the first time
  // its version was EVER seen (versions.json, merged by minimum), and the replay is cut at
  // maximumDuration after it. A version that served a few requests once (a smoke test, a shadow
  // call, an aborted canary, or a fixed build redeployed under the same name) and starts its real
  // canary later is never judged again: here v2 answers 5 requests at 00:xx on day 1, then from
  // 06:00 on day 2 serves 25% of the traffic, 40% of it slower than 250 ms. Expected: roll_back by
  // 08:00 on day 2 (two windows). Seen: hold, hold, then "inconclusive" (no decision after PT3H)
  // for every window from day 1 02:00 on (31 of 31), including the day-2 windows of the regression.
  it('judges a canary that starts long after its version answered a smoke test', async () => {
    const location = `${dir.path}/canary-smoke`;
    await engine.execute(
      `COPY (
        SELECT 'k' || h || '-' || i AS id,
          TIMESTAMP '${DAY0} 00:00:00' + to_seconds(CAST(h * 3600 + floor(${u(8, 0)} * 3600) AS BIGINT)) AS ts,
          CASE WHEN (h >= 30 AND i % 4 = 0) OR (h = 0 AND i < 5) THEN 'v2' ELSE 'v1' END AS model_version,
          CASE WHEN ${u(8, 1)} < (CASE WHEN h >= 30 AND i % 4 = 0 THEN 0.4 ELSE 0.05 END) THEN 400e0 ELSE 50e0 END AS latency_ms,
          false AS error,
          ${u(8, 2)} AS score,
          strftime(TIMESTAMP '${DAY0} 00:00:00' + to_seconds(CAST(h * 3600 AS BIGINT)), '%Y-%m-%d') AS dt
        FROM range(33) t(h), range(2000) s(i)
      ) TO '${location}' (FORMAT parquet, PARTITION_BY (dt))`,
    );
    const definition = validateDefinition(
      {
        model: { id: 'toy', task: 'binary' },
        predictions: {
          location,
          idColumn: 'id',
          timestampColumn: 'ts',
          scoreColumn: 'score',
          modelVersionColumn: 'model_version',
          latencyColumn: 'latency_ms',
          errorColumn: 'error',
        },
        features: [{ name: 'latency_ms', kind: 'numeric' }],
        reference: { type: 'rolling', windows: 7 },
        canary: { latencyBound: 250, maximumDuration: 'PT3H' },
      },
      'test',
    );
    const store = new MemoryResultStore();
    const notifier = new RecordingNotifier();
    const verdicts: string[] = [];
    for (let h = 0; h < 33; h++) {
      const summary = await runJob(
        { job: 'canary' },
        {
          definition,
          sources: { predictions: { location, format: 'parquet', partitioned: true } },
          engine,
          store,
          notifier,
          clock: { now: () => new Date(T0 + (h + 1) * HOUR + 10 * 60_000) },
        },
      );
      verdicts.push(summary.message.split(' ')[0]!);
    }
    // Hours 30 and 31 are the regression's first two windows.
    expect(verdicts.slice(30, 32)).toContain('roll_back');
  });

  it('gives the same verdict the same id only within one window (the id hashes the window)', () => {
    const settings = CanarySettingsSchema.parse({ candidate: { version: 'v2' }, latencyBound: 250 });
    const windows = simulate(
      9,
      3,
      { rows: 4000, errorRate: 0.02, slowRate: 0.05 },
      {
        rows: 1000,
        errorRate: 0.02,
        slowRate: 0.3,
      },
    );
    const verdict = judgeCanary(windows, settings, PLAN);
    const a = canaryVerdictEvent(
      'toy',
      { start: hourIso(1), end: hourIso(2), duration: 'PT1H' },
      verdict,
      hourIso(2),
    );
    const b = canaryVerdictEvent(
      'toy',
      { start: hourIso(2), end: hourIso(3), duration: 'PT1H' },
      verdict,
      hourIso(3),
    );
    expect(a.detail.evidence.decidedAt).toBe(b.detail.evidence.decidedAt);
    expect(a.id).not.toBe(b.id);
  });
});
