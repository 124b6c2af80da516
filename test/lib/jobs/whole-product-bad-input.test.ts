/**
 * Hostile test of the product as a whole, part 3: the inputs go wrong in a world with every
 * monitoring feature on (test/lib/jobs/whole-product-world.ts). Labels stop arriving for a week;
 * bad files land in the prediction log (another table's export, a truncated file, an empty file).
 * Each must alert within one window with the right rule and subject and nothing else, name the bad
 * file, and leave the later windows unpoisoned.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { day, describeDecisions, replayWhole, type WholeReplay } from './whole-product-world.js';

const cleanups: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const c of cleanups) await c();
});

describe('bad input, every monitoring feature on', () => {
  it('labels stop arriving for a week: label-coverage opens within one window, nothing else, and resolves after', async () => {
    const r = await replayWhole({ seed: 41, days: 34, inject: { labelGap: { from: 20, days: 7 } } });
    cleanups.push(r.cleanup);
    expect(r.mornings.flatMap((m) => m.failures)).toEqual([]);
    // Window 13's labels were due on day 20; it is evaluated the morning of day 21 (alert run 20).
    expect(
      r.opened.map((o) => o.incident),
      describeDecisions(r),
    ).toEqual(['label-coverage:labels']);
    expect(r.opened[0]!.date <= day(21)).toBe(true);
    expect(r.decisions.some((d) => d.type === 'resolved' && d.incident === 'label-coverage:labels')).toBe(
      true,
    );
  }, 600_000);
});

describe("bad files in three partitions of the prediction log (day 14: another table's export; day 18: its file truncated; day 22: an extra empty file)", () => {
  let r: WholeReplay;
  let log: string;
  const byDay = (n: number) => r.mornings.find((m) => m.date === day(n))!;
  beforeAll(async () => {
    r = await replayWhole({
      seed: 42,
      days: 30,
      inject: {
        badFiles: [
          { day: 14, kind: 'wrong_schema' },
          { day: 18, kind: 'truncated' },
          { day: 22, kind: 'empty' },
        ],
      },
    });
    cleanups.push(r.cleanup);
    log = `${describeDecisions(r)}\n${r.mornings
      .map(
        (m) =>
          `${m.date} drift=${m.drift?.status ?? '-'} findings=${(m.drift?.quality.findings ?? []).map((f) => f.kind).join(',')} failures=${m.failures.map((f) => `${f.job}@${f.window}: ${f.message}`).join(' | ')}`,
      )
      .join('\n')}`;
  }, 600_000);

  it("the truncated and the empty file fail their own window's jobs with a one-line error naming the file", () => {
    const failed = (n: number, job: string) =>
      r.mornings.flatMap((m) => m.failures).find((f) => f.job === job && f.window === day(n))?.message;
    expect(failed(18, 'drift'), log).toMatch(
      /cannot read data file \S*dt=2026-09-18\/data_0\.parquet: .*re-write or remove it/,
    );
    expect(failed(22, 'drift'), log).toMatch(
      /cannot read data file \S*dt=2026-09-22\/part-empty\.parquet: .*too small/,
    );
    // And again when their labels mature (mornings of days 26 and 30).
    expect(failed(18, 'performance'), log).toMatch(/cannot read data file \S*dt=2026-09-18\/data_0\.parquet/);
    expect(failed(22, 'performance'), log).toMatch(
      /cannot read data file \S*dt=2026-09-22\/part-empty\.parquet/,
    );
    expect(r.opened.find((o) => o.incident === 'job-failed:drift')?.date, log).toBe(day(18));
  });

  // DEFECT (HIGH, a bad day poisons later windows): the drift job of a HEALTHY window three days
  // after a bad one fails ("query kpi-predictions failed: cannot read data file .../dt=2026-09-18/
  // data_0.parquet"). Cause: after storing its drift result, runDrift (lib/jobs/drift.ts:543-545;
  // on main at be2bb8b drift.ts:544 -> runScheduledKpis, lib/jobs/kpi.ts:278-284, unchanged in
  // this respect) runs the KPIs of the window whose OUTCOMES matured that morning (window -
  // outcomes.delay), and runKpis (lib/jobs/kpi.ts:107-115 here) re-reads that older window's
  // predictions (its prediction KPIs are recomputed, and the outcome KPIs join its predictions); the
  // error propagates out of
  // runDrift, so on AWS the whole 02:00 invocation fails (functions/shared/runtime.ts:132-136):
  // job-failed for the healthy window, no estimate for it, Lambda retries, then the DLQ. The KPI
  // step of the matured window should fail on its own (a KPI finding or its own failure), and
  // should not recompute prediction KPIs it already stored.
  it.fails('the drift job of every other window runs (days 21 and 25 read the bad days only for their matured outcome KPIs)', () => {
    const others = r.mornings.filter((m) => ![14, 18, 22].some((n) => m.date === day(n)));
    expect(
      others
        .filter((m) => m.failures.length > 0 && m.failures.some((f) => f.window === m.date))
        .map((m) => m.date),
      log,
    ).toEqual([]);
  });

  // DEFECT (MED, a bad day loses a healthy window's outcome KPI for good): the outcome KPI of
  // window 15 matures the morning of day 19, whose drift job reads the truncated day 18 and fails
  // before its KPI step; nothing computes window 15's outcome KPI again, so it stays `not_mature`
  // (the same for window 19, behind the empty file of day 22). Cause: the KPI step runs only after
  // a successful drift scan, inside runDrift (lib/jobs/drift.ts:543-545; runScheduledKpis on
  // main). Expected: the matured
  // outcome KPIs do not depend on the day's drift window being readable.
  it.fails("the outcome KPIs of healthy windows mature even when the morning's own window is bad", async () => {
    for (const n of [15, 19]) {
      const revenue = (await r.kpi(day(n)))?.kpis.find((k) => k.name === 'revenue_per_prediction');
      expect(revenue?.status, `window ${day(n)}`).toBe('ok');
    }
  });

  // DEFECT (MED, bad input not named): another table's export dropped into a partition (no column in
  // common with the log) is read as 400 rows of NULLs: null_rate findings on every feature and a
  // new_segment (a NULL region / channel), none naming the file: 9 data-quality incidents open at
  // once (7 critical null_rate pages, region=(null) and channel=(null)), and the reader hunts for
  // seven broken feeds that do not exist. Cause: every relation reads with `union_by_name = true`
  // (lib/sql/dialect.ts:232; on Athena the Glue table maps Parquet columns by name the same way),
  // and nothing checks each file's columns against the definition. Expected: a finding or error
  // naming dt=2026-09-14/export-customers.parquet.
  it.fails("another table's export in a partition is reported naming the file", () => {
    const day14 = byDay(14);
    const texts = [
      ...(day14.drift?.quality.findings ?? []).map((f) => JSON.stringify(f)),
      ...day14.failures.map((f) => f.message),
    ];
    expect(
      texts.some((t) => t.includes('export-customers.parquet')),
      log,
    ).toBe(true);
  });

  it("nothing opens on drift, performance, KPIs or the estimate; the export's data-quality incidents open on its day only and resolve", () => {
    const rules = new Set(r.opened.map((o) => o.incident.split(':')[0]));
    expect(
      [...rules].every((i) => ['job-failed', 'missing-result', 'data-quality'].includes(i!)),
      log,
    ).toBe(true);
    const quality = r.opened.filter((o) => o.incident.startsWith('data-quality:'));
    expect(quality.length, log).toBeGreaterThan(0);
    expect(
      quality.every((o) => o.date === day(14)),
      log,
    ).toBe(true);
    const resolved = new Set(r.decisions.filter((d) => d.type === 'resolved').map((d) => d.incident));
    expect(
      quality.every((o) => resolved.has(o.incident)),
      log,
    ).toBe(true);
  });

  // DEFECT (MED, two pages and a false all-clear per failed window): the drift job fails for
  // window 18 -> job-failed:drift pages; the next morning it RESOLVES (window 19's drift ran) and
  // missing-result:drift pages for the same window 18; two mornings later that resolves too,
  // although window 18 never got a result (same for window 22, and for the performance job of both
  // windows when their labels matured). Causes: failedJobRecovered (lib/alerts/policy.ts:242-253; 243 on main)
  // accepts any drift result newer than the failure, not one for the failed window; and
  // missingResultObservations (lib/alerts/policy.ts:189-194; 190 on main) looks back only
  // `alerts.lookbackWindows` (3) windows, so the hole ages out of the check and its incident
  // resolves with a notice. Expected: one incident per failed window that stays open until that
  // window has a result.
  it.fails('a failed window is one incident, open until the window has a result', () => {
    // Windows 18 and 22 never get a drift or performance result in this world.
    expect(
      r.decisions.filter((d) => /^(job-failed|missing-result):/.test(d.incident) && d.type === 'resolved'),
      log,
    ).toEqual([]);
    expect(
      r.opened.filter((o) => o.incident.startsWith('missing-result:')),
      log,
    ).toEqual([]);
  });
});
