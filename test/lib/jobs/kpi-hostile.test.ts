/**
 * Hostile tests of business KPIs, MTTD / MTTR and `driftwatch incidents` (issue #17), written by a
 * tester trying to break them. Each `it.fails` demonstrates a defect: the comment says what is
 * wrong and what was expected (the lead's fix makes it fail as an `it.fails`; then make it an
 * `it`). Plain `it`s record what held up.
 *
 * Real parts: Parquet logs written by DuckDB, the KPI step on DuckDB, a memory store, the real
 * alert policy replayed morning by morning.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { DuckDbQueryEngine } from '../../../lib/adapters/duckdb-engine.js';
import { FsResultStore } from '../../../lib/adapters/fs-store.js';
import { MemoryResultStore } from '../../../lib/adapters/memory-store.js';
import { renderDigest } from '../../../lib/alerts/digest.js';
import { kpiRules, observeKpis } from '../../../lib/alerts/kpi-rules.js';
import { reliability, reliabilityLine } from '../../../lib/alerts/reliability.js';
import { resolveAlertSettings } from '../../../lib/alerts/settings.js';
import type { Incident } from '../../../lib/alerts/types.js';
import { validateDefinition } from '../../../lib/config/load.js';
import type { MonitorDefinitionInput } from '../../../lib/config/schema.js';
import { demoDefinition } from '../../../lib/demo/definition.js';
import { loadKpis, runAlerts } from '../../../lib/jobs/alerts.js';
import { runKpis } from '../../../lib/jobs/kpi.js';
import type { JobDeps } from '../../../lib/jobs/types.js';
import { resultKeys, shiftDate } from '../../../lib/jobs/windows.js';
import { quoteString } from '../../../lib/sql/identifiers.js';
import { runCli } from '../../helpers/cli.js';
import { tempDir } from '../../helpers/temp.js';
import { days, driftResult, RecordingNotifier } from '../alerts/fixtures.js';

let engine: DuckDbQueryEngine;
let dir: { path: string; cleanup: () => Promise<void> };

const START = '2026-10-01';
const DATES = days(START, 20);
const CHANGE_DAY = 14; // 0-based index of the first changed window
const ROWS = 1000;

const u = (world: number, day: number, stream: number) =>
  `((hash(CAST(((${world}::HUGEINT * 100 + ${day}) * 100000000 + i) * 16 + ${stream} AS UBIGINT)) >> 11)::DOUBLE + 0.5) / 9007199254740992.0`;

/**
 * A world of 20 days x 1,000 predictions: `approved` (0/1 with P = 0.6), `complaint` (0 until the
 * change, then 1 with P = 0.3), `flag_yn` ('Y' with P = 0.6, else 'N'), `revenue` in an outcomes log
 * that normally arrives 3 days late; from the change day on, `approved` is NULL when `nullFrom`
 * and 70% of outcomes arrive 6 days later than usual when `lateOutcomes`, and revenue falls to 30% of
 * its level when `revenueDrop` (a real business drop).
 */
async function writeWorld(
  name: string,
  world: number,
  opts: { nullApproved?: boolean; lateOutcomes?: boolean; revenueDrop?: boolean },
) {
  const parts = DATES.map((date, d) => {
    const changed = d >= CHANGE_DAY;
    const approved =
      changed && opts.nullApproved ? 'CAST(NULL AS INTEGER)' : `(${u(world, d, 4)} < 0.6)::INTEGER`;
    const complaint = changed ? `(${u(world, d, 6)} < 0.3)::INTEGER` : '0';
    const extra = changed && opts.lateOutcomes ? `CASE WHEN ${u(world, d, 7)} < 0.7 THEN 6 ELSE 0 END` : '0';
    return `SELECT 'p-${d}-' || i AS id, ${quoteString(date)} AS dt, ${u(world, d, 1)} AS score,
        CASE WHEN ${u(world, d, 2)} < 0.5 THEN 'north' ELSE 'south' END AS region,
        'v1' AS model_version,
        ${approved} AS approved, ${complaint} AS complaint,
        CASE WHEN ${u(world, d, 4)} < 0.6 THEN 'Y' ELSE 'N' END AS flag_yn,
        round(${u(world, d, 5)} * ${changed && opts.revenueDrop ? 30 : 100}, 2) AS revenue,
        strftime(${quoteString(date)}::DATE + INTERVAL (3 + ${extra}) DAY, '%Y-%m-%d') AS arrival
      FROM range(${ROWS}) t(i)`;
  });
  await engine.execute(`CREATE OR REPLACE TEMP TABLE w AS ${parts.join(' UNION ALL ')}`);
  const base = `${dir.path}/${name}`;
  await mkdir(base, { recursive: true });
  await engine.execute(
    `COPY (SELECT id, score, region, model_version, approved, complaint, flag_yn, dt FROM w) TO ${quoteString(`${base}/predictions`)} (FORMAT parquet, PARTITION_BY (dt))`,
  );
  await engine.execute(
    `COPY (SELECT id, revenue, arrival AS dt FROM w WHERE arrival <= '2026-10-31') TO ${quoteString(`${base}/outcomes`)} (FORMAT parquet, PARTITION_BY (dt))`,
  );
}

beforeAll(async () => {
  engine = await DuckDbQueryEngine.create({ threads: 1 });
  dir = await tempDir('driftwatch-kpi-hostile-');
  await writeWorld('base', 1, {});
  await writeWorld('nulls', 2, { nullApproved: true });
  await writeWorld('late', 3, { lateOutcomes: true });
  await writeWorld('drop', 4, { revenueDrop: true });
}, 120_000);

afterAll(async () => {
  await engine?.close();
  await dir?.cleanup();
});

type Kpi = NonNullable<MonitorDefinitionInput['kpis']>[number];

function definitionWith(kpis: Kpi[]) {
  return validateDefinition({
    model: { id: 'lending', task: 'binary', tier: 1 },
    predictions: {
      location: 'p',
      idColumn: 'id',
      timestampColumn: 'id',
      scoreColumn: 'score',
      modelVersionColumn: 'model_version',
    },
    features: [{ name: 'score', kind: 'numeric' }],
    segments: ['region'],
    // An outcomes log only with a KPI that reads it (the definition refuses one that none reads).
    ...(kpis.some((k) => k.source === 'outcomes')
      ? { outcomes: { location: 'o', idColumn: 'id', delay: 'P3D' } }
      : {}),
    kpis,
    reference: { type: 'range', from: START, to: START },
  });
}

const morningAfter = (date: string) => ({ now: () => new Date(`${shiftDate(date, 1)}T02:00:00Z`) });

/** The schedule per morning (KPIs of yesterday, of the window whose outcomes matured, then alerts). */
async function replay(world: string, kpis: Kpi[]) {
  const definition = definitionWith(kpis);
  const store = new MemoryResultStore();
  const notifier = new RecordingNotifier();
  const deps = (date: string): JobDeps => ({
    definition,
    sources: {
      predictions: { location: `${dir.path}/${world}/predictions`, format: 'parquet', partitioned: true },
      outcomes: { location: `${dir.path}/${world}/outcomes`, format: 'parquet', partitioned: true },
    },
    engine,
    store,
    clock: morningAfter(date),
  });
  const opened: { date: string; ruleId: string; level: string; subject: string }[] = [];
  const values: Record<
    string,
    { date: string; value: number | null | undefined; status: string; n?: number; coverage?: number }[]
  > = {};
  for (const date of DATES) {
    const today = await runKpis(deps(date), date);
    const matured = await runKpis(deps(date), shiftDate(date, -3));
    for (const r of [today, matured])
      for (const k of r?.result.kpis ?? [])
        if (k.status !== 'not_mature') {
          values[k.name] = values[k.name] ?? [];
          values[k.name]!.push({
            date: r!.result.window.start,
            value: k.overall?.value,
            status: k.status,
            n: k.overall?.n,
            ...(k.outcomeCoverage !== undefined ? { coverage: k.outcomeCoverage } : {}),
          });
        }
    const summary = await runAlerts({ definition, store, notifier, clock: morningAfter(date) }, date);
    for (const d of summary.decisions.filter((x) => x.type === 'opened'))
      opened.push({ date, ruleId: d.ruleId, level: d.level, subject: notifier.alerts.at(-1)?.subject ?? '' });
  }
  return { opened, values, notifier, store };
}

const approvalRate: Kpi = {
  name: 'approval_rate',
  aggregate: 'rate',
  column: 'approved',
  per: 'prediction',
  source: 'predictions',
  thresholds: { relative: 0.1 },
  direction: 'higher_is_better',
};

describe('business KPIs under hostile data', () => {
  it('stays quiet on the stable base world (approval rate, revenue sum)', async () => {
    const { opened, values } = await replay('base', [
      approvalRate,
      {
        name: 'revenue_total',
        aggregate: 'sum',
        column: 'revenue',
        per: 'prediction',
        source: 'outcomes',
        thresholds: { relative: 0.2 },
        direction: 'higher_is_better',
      },
    ]);
    console.log(
      'base approval_rate',
      values.approval_rate!.slice(-3),
      'revenue_total',
      values.revenue_total!.slice(-3),
    );
    expect(opened).toEqual([]);
  }, 120_000);

  // DEFECT (high: a missed alert). From day 15 the logged `approved` column is NULL in every row
  // (the logging of the decision broke). The rate leaves NULL rows out, so n = 0 and the value is
  // null; the KPI rule then skips the window (not applicable), so kpi:approval_rate never opens
  // and nothing says the KPI can no longer be computed: 6 windows in a row without a business
  // number, silently. Expected: an incident (or a data-quality / no-data observation) for a KPI
  // whose population has no usable value while the window has predictions.
  it('alerts when a rate KPI has no usable value because its column became all NULL', async () => {
    const { opened, values } = await replay('nulls', [approvalRate]);
    console.log(
      'all-NULL approval_rate',
      values.approval_rate!.filter((v) => v.date >= DATES[CHANGE_DAY - 1]!),
      'opened',
      opened,
    );
    expect(opened.length).toBeGreaterThan(0);
  }, 120_000);

  // DEFECT (medium: misleading digest). In the same all-NULL world the digest's KPI line says
  // "approval_rate not yet", the wording for an outcome KPI still maturing, though the window is
  // complete and the KPI simply has no usable value (n = 0 of 1,000 predictions). Expected: a
  // wording that says the KPI could not be computed (e.g. "no value: approved is NULL in all
  // 1,000 rows"), not "not yet".
  it('does not say "not yet" in the digest for a KPI whose column is all NULL', async () => {
    const { store } = await replay('nulls', [approvalRate]);
    const definition = definitionWith([approvalRate]);
    const last = DATES.at(-1)!;
    const body = renderDigest(last, [
      {
        definition,
        drift: driftResult(last, {}, 'lending'),
        reportLink: 'r',
        kpis: await loadKpis(store, definition, 'P1D', last),
      },
    ]).body;
    const line = body.split('\n').find((l) => l.trim().startsWith('kpis:'));
    console.log('digest KPI line with an all-NULL column:', line);
    expect(line).toBeDefined();
    expect(line).not.toMatch(/not yet/);
  }, 120_000);

  // DEFECT (high: a missed alert). A lower-is-better complaint rate that is 0 for 14 windows and
  // then 0.30 (every third customer complains) never opens kpi:complaint_rate: the relative
  // level needs a positive median ("a rate of 0 has no 10% lower") and is silently disarmed, so
  // the KPI has no threshold at all. The README does not say a relative threshold is ignored
  // while the median is 0 (or negative: a mean margin in the red is never judged either), and the
  // definition is accepted without a word. Expected: an incident (a rise from 0 is an infinite
  // relative move in the bad direction, and far beyond the history's spread), or the definition
  // refused / warned that a relative threshold needs an absolute bound beside it for such KPIs.
  it('opens an incident when a lower-is-better rate rises from a median of 0 to 0.30', async () => {
    const { opened, values } = await replay('base', [
      {
        name: 'complaint_rate',
        aggregate: 'rate',
        column: 'complaint',
        per: 'prediction',
        source: 'predictions',
        thresholds: { relative: 0.5 },
        direction: 'lower_is_better',
      },
    ]);
    console.log(
      'complaint_rate',
      values.complaint_rate!.filter((v) => v.date >= DATES[CHANGE_DAY - 1]!),
      'opened',
      opened,
    );
    expect(opened.map((o) => o.ruleId)).toContain('kpi:complaint_rate');
  }, 120_000);

  const revenueTotal: Kpi = {
    name: 'revenue_total',
    aggregate: 'sum',
    column: 'revenue',
    per: 'prediction',
    source: 'outcomes',
    thresholds: { relative: 0.2, absolute: { min: 40_000 } },
    direction: 'higher_is_better',
  };

  // DEFECT (high: outcome KPIs never alert). Revenue (an outcome KPI, outcomes 3 days late) falls
  // to 30% of its level from day 15: the KPI results show it (about 15,000 vs 50,000, status ok,
  // coverage 1) and observeKpis judges those windows CRITICAL ("fell 70%", below the absolute
  // minimum 40,000), yet kpi:revenue_total never opens. Cause (lib/alerts/policy.ts): a rule's
  // subjects are collected only from observations in the LAST max(confirm.windows, clearWindows)
  // windows of the KPI series, and for an outcome KPI those windows are always the not-yet-mature
  // ones (no observation), so the rule is never judged. Any outcome KPI whose delay is at least
  // about 3 windows can never page; the existing KPI test has an outcome KPI but never checks
  // that it can alert. Expected: kpi:revenue_total opens (critical) the morning the first dropped
  // window's outcomes mature.
  it('opens kpi:revenue_total when a matured outcome KPI falls to 30%', async () => {
    const { opened, values } = await replay('drop', [revenueTotal]);
    console.log(
      'revenue drop',
      values
        .revenue_total!.filter((v) => v.date >= DATES[CHANGE_DAY - 1]!)
        .map((v) => `${v.date} ${v.value?.toFixed(0)} (${v.status}, coverage ${v.coverage})`),
      'opened',
      opened,
    );
    expect(opened.map((o) => o.ruleId)).toContain('kpi:revenue_total');
  }, 120_000);

  // DEFECT (high once the defect above is fixed: a false critical from late data). An outcome KPI
  // is computed ONCE, the morning its window is `outcomes.delay` old, and stored as final (status
  // ok). From day 15, 70% of the outcomes arrive 6 days later than usual (a delayed feed, not a
  // business change): the sum falls to about 30% (15,436 vs 49,986) with outcomeCoverage 0.302,
  // and observeKpis judges it CRITICAL ("revenue_total fell 69.1% (15435.6 vs median 49986.2)"),
  // with no word on coverage, which was 1.0 in every earlier window. The window is never
  // recomputed when the late outcomes land. Expected: a window whose outcome coverage is far below
  // its usual coverage not judged as final (held, or recomputed later), or at least the
  // observation saying only 30% of the outcomes had arrived.
  it('does not judge an outcome sum critical when only 30% of its outcomes arrived', async () => {
    const { store } = await replay('late', [revenueTotal]);
    const definition = definitionWith([revenueTotal]);
    const results = await loadKpis(store, definition, 'P1D', DATES[19]!);
    const rules = kpiRules(definition.kpis, resolveAlertSettings(definition.alerts), 'lending');
    const i = results.findIndex((r) => r.window.start === DATES[CHANGE_DAY]);
    const item = results[i]!.kpis[0]!;
    const seen = observeKpis(results[i]!, rules, definition.kpis, results.slice(0, i)).observations;
    console.log(
      'late outcomes:',
      DATES[CHANGE_DAY],
      item.overall,
      'coverage',
      item.outcomeCoverage,
      seen.map((o) => `${o.level}: ${o.title}`),
    );
    expect(item.outcomeCoverage!).toBeLessThan(0.35);
    const judgedAsFinal = seen.some(
      (o) => o.level !== 'none' && !/coverage|arrived|outcomes/i.test(o.title ?? ''),
    );
    expect(judgedAsFinal).toBe(false);
  }, 120_000);

  // DEFECT (medium: a silently wrong rate). A flag logged as 'Y' / 'N' (very common) is read as
  // true only when it is 1 or 'true': the approval rate of a column that is 'Y' in 60% of the
  // rows comes out as 0.000 with n = 1,000, status ok. No option says which value is true, and
  // nothing warns that none of the non-null values reads as true or false. Expected: about 0.6,
  // or the KPI refused / flagged ("column flag_yn has values Y, N: neither true nor false").
  it("reads a 'Y' / 'N' flag as a rate, or says it cannot", async () => {
    const { values } = await replay('base', [{ ...approvalRate, name: 'approval_yn', column: 'flag_yn' }]);
    const first = values.approval_yn![0]!;
    console.log("'Y'/'N' rate", first);
    expect(first.value === null || Math.abs((first.value ?? 0) - 0.6) < 0.05).toBe(true);
  }, 120_000);

  // Fix (issue #17 finding 5): `trueValue` says which text is true; without it the Y / N column has
  // no usable value and kpi:approval_yn opens at once, saying why.
  it("reads a 'Y' / 'N' flag with trueValue: 'Y', and alerts without it", async () => {
    const yn = { ...approvalRate, name: 'approval_yn', column: 'flag_yn' };
    const { values } = await replay('base', [{ ...yn, trueValue: 'Y' }]);
    expect(values.approval_yn![0]!.value).toBeCloseTo(0.6, 1);
    expect(values.approval_yn![0]!.n).toBe(ROWS);
    const { opened, notifier } = await replay('base', [yn]);
    expect(opened.map((o) => [o.date, o.ruleId])).toEqual([[DATES[0], 'kpi:approval_yn']]);
    expect(JSON.stringify(notifier.alerts[0])).toMatch(
      /flag_yn has 1000 non-null values that are neither true nor false/,
    );
  }, 120_000);
});

function incident(spec: Partial<Incident> & Pick<Incident, 'id' | 'ruleId' | 'openedAt'>): Incident {
  const day = spec.openedAt.slice(0, 10);
  return {
    model: 'm',
    kind: 'feature_drift',
    subject: 'income',
    status: 'open',
    level: 'warning',
    peakLevel: 'warning',
    route: 'alert',
    openedWindow: day,
    sinceWindow: day,
    firstSeenWindow: day,
    firstSeenAt: `${day}T00:00:00.000Z`,
    lastEvaluatedWindow: day,
    last: {
      ruleId: spec.ruleId,
      kind: 'feature_drift',
      subject: 'income',
      window: day,
      level: 'warning',
      summary: 'x',
    },
    ...spec,
  };
}

describe('MTTD / MTTR and driftwatch incidents under hostile histories', () => {
  // DEFECT (medium: a festering incident vanishes from the numbers). An incident opened 120 days
  // before the clock and STILL OPEN is in neither period: reliability() keeps only incidents
  // OPENED in the last 30 / 90 days, and a model whose only incident is that one is left out
  // entirely (the digest's line then reads "incidents: none opened in 90 days"; the open incident
  // is listed elsewhere in the digest, but no MTTR figure accounts for it), and the 90-day line of
  // a model with other incidents says "0 open" with an MTTR of 24 h. The brief (and any stakeholder) wants open incidents neither
  // counted as resolved nor silently dropped; the README says "Open ones are counted beside it",
  // which is true only for those opened inside the period. Expected: the 90-day stats of model m
  // count the incident as open (e.g. `open` = incidents open at asOf, whenever opened), or a
  // (measured: 90 d `open: 0`, line "90 d: MTTD 2.0 h, MTTR 24.0 h (1 incident)"; alone: [])
  // separate figure says it is open and for how long.
  it('does not drop an incident opened 120 days ago and still open', () => {
    const asOf = new Date('2026-12-31T00:00:00Z');
    const history = [
      incident({ id: 'old-open', ruleId: 'performance', openedAt: '2026-09-02T02:00:00.000Z' }),
      incident({
        id: 'recent',
        ruleId: 'feature-drift',
        openedAt: '2026-12-20T02:00:00.000Z',
        status: 'resolved',
        resolvedAt: '2026-12-21T02:00:00.000Z',
      }),
    ];
    const stats = reliability(history, { asOf, windowDays: 1 });
    const all90 = stats.find((s) => s.ruleId === '*' && s.days === 90);
    console.log('stats with a 120-day-old open incident', stats, reliabilityLine(stats));
    expect(all90?.open).toBeGreaterThanOrEqual(1);
    expect(reliability([history[0]!], { asOf, windowDays: 1 })).not.toEqual([]);
  });
});

describe('driftwatch alerts --as-of then driftwatch incidents', () => {
  let out: { path: string; cleanup: () => Promise<void> };
  const dates = days('2026-10-01', 12);
  beforeAll(async () => {
    out = await tempDir('driftwatch-incidents-hostile-');
    const { labels: _labels, ...definition } = demoDefinition('data');
    await writeFile(join(out.path, 'monitor.yaml'), stringify(definition));
    const store = new FsResultStore(join(out.path, 'out', 'results'));
    // income far beyond critical on days 3-5 and again on days 9-10.
    for (const [i, d] of dates.entries())
      await store.putJson(
        resultKeys.result('credit-default', 'drift', { start: d, end: shiftDate(d, 1), duration: 'P1D' }),
        driftResult(
          d,
          (i >= 2 && i <= 4) || (i >= 8 && i <= 9) ? { features: { income: { statistic: 0.6 } } } : {},
        ),
      );
  }, 60_000);
  afterAll(async () => out?.cleanup());

  // DEFECT (medium: impossible numbers). `alerts --from/--to --as-of` accepts a clock BEFORE the
  // windows it replays (here --as-of 2026-10-02 for windows up to 10-12): every incident is
  // "opened" at 2026-10-02 02:00, before the end of its first window showing the problem, and
  // `incidents` reports negative detection times (measured: -46 h and -190 h for the two
  // incidents, first seen 10-04 and 10-10, both "opened" 10-02 02:00) and a negative MTTD.
  // Expected: `alerts` refuses an --as-of earlier than the end of a window it evaluates (one line
  // naming both dates), or MTTD never negative.
  it('never reports a negative detection time', async () => {
    const args = ['--config', join(out.path, 'monitor.yaml'), '--out', join(out.path, 'out')];
    const replay = await runCli([
      'alerts',
      ...args,
      '--from',
      dates[0]!,
      '--to',
      dates.at(-1)!,
      '--as-of',
      '2026-10-02',
    ]);
    const json = await runCli([
      'incidents',
      '--out',
      join(out.path, 'out'),
      '--format',
      'json',
      '--as-of',
      '2026-10-20',
    ]);
    const doc = JSON.parse(json.stdout || '{"incidents":[],"reliability":[]}') as {
      incidents: { id: string; firstSeenAt: string; openedAt: string; detectHours: number }[];
      reliability: { ruleId: string; days: number; mttdHours?: number }[];
    };
    console.log(
      'alerts exit',
      replay.code,
      replay.stderr.trim(),
      'incidents',
      doc.incidents.map((i) => [i.firstSeenAt, i.openedAt, i.detectHours]),
    );
    if (replay.code !== 0) {
      expect(replay.code).toBe(2);
      expect(replay.stderr).toMatch(/as-of 2026-10-02 is before the end of the window 2026-10-12/);
      return;
    }
    for (const i of doc.incidents) expect(i.detectHours).toBeGreaterThanOrEqual(0);
    for (const s of doc.reliability) expect(s.mttdHours ?? 0).toBeGreaterThanOrEqual(0);
  }, 60_000);

  it('counts a recurrence as a second incident, each with its own times (recorded behaviour)', async () => {
    const args = ['--config', join(out.path, 'monitor.yaml'), '--out', join(out.path, 'out2')];
    const store = new FsResultStore(join(out.path, 'out2', 'results'));
    for (const [i, d] of dates.entries())
      await store.putJson(
        resultKeys.result('credit-default', 'drift', { start: d, end: shiftDate(d, 1), duration: 'P1D' }),
        driftResult(
          d,
          (i >= 2 && i <= 4) || (i >= 8 && i <= 9) ? { features: { income: { statistic: 0.6 } } } : {},
        ),
      );
    // Each morning with its own clock, as the schedule runs.
    for (const d of dates) {
      const r = await runCli(['alerts', ...args, '--date', d, '--as-of', shiftDate(d, 1)]);
      expect(r.code).toBe(0);
    }
    const json = await runCli([
      'incidents',
      '--out',
      join(out.path, 'out2'),
      '--format',
      'json',
      '--as-of',
      '2026-10-20',
    ]);
    const doc = JSON.parse(json.stdout) as {
      incidents: {
        ruleId: string;
        subject: string;
        status: string;
        detectHours: number;
        resolveHours?: number;
      }[];
      reliability: unknown[];
    };
    const income = doc.incidents.filter((i) => i.subject === 'income');
    console.log('recurrence', income, doc.reliability);
    // Nothing in the export links the second incident to the first (no reopen count, no "recurred").
    expect(income.length).toBeGreaterThanOrEqual(2);
  }, 60_000);
});
