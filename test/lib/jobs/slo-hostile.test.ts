/**
 * Hostile tests of SLOs and burn-rate alerts (issue #16), the SLO cases of the tester's
 * test/lib/jobs/slo-canary-hostile.test.ts (branch hostile16; the canary cases are fixed elsewhere).
 * Each case that was an `it.fails` (a defect) is a plain `it` once fixed; the other cases pin
 * behaviour that was attacked and held.
 */
import { mkdir } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DuckDbQueryEngine } from '../../../lib/adapters/duckdb-engine.js';
import { MemoryResultStore } from '../../../lib/adapters/memory-store.js';
import { evaluateBurn, type WindowCounts } from '../../../lib/alerts/burn-rate.js';
import { validateDefinition } from '../../../lib/config/load.js';
import type { MonitorDefinition } from '../../../lib/config/schema.js';
import { runSlo } from '../../../lib/jobs/slo.js';
import type { JobDeps } from '../../../lib/jobs/types.js';
import { tempDir } from '../../helpers/temp.js';
import { RecordingNotifier } from '../alerts/fixtures.js';

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

/**
 * Writes `rowsPerHour` rows for each hour in `hours` of 2026-10-01 into `<location>/dt=2026-10-01/<file>.parquet`:
 * versions v1 (3/4) and v2 (1/4), latency 20-120 ms (`slowShare` of rows at 400 ms), the error
 * column as `errorSql` (an SQL expression of `bad`, the row's error draw).
 */
async function writeHours(
  location: string,
  file: string,
  hours: readonly number[],
  options: { rowsPerHour: number; slowShare?: number; errorShare?: number; errorSql?: string; seed?: number },
): Promise<void> {
  const folder = `${location}/dt=${DAY0}`;
  await mkdir(folder, { recursive: true });
  const seed = options.seed ?? 1;
  const errorSql = options.errorSql ?? 'bad';
  await engine.execute(
    `COPY (
      SELECT 'r' || h || '-' || i AS id,
        TIMESTAMP '${DAY0} 00:00:00' + to_seconds(CAST(h * 3600 + floor(${u(seed, 0)} * 3600) AS BIGINT)) AS ts,
        CASE WHEN i % 4 = 0 THEN 'v2' ELSE 'v1' END AS model_version,
        CASE WHEN ${u(seed, 1)} < ${options.slowShare ?? 0} THEN 400e0 ELSE 20 + 100 * ${u(seed, 2)} END AS latency_ms,
        ${errorSql.replaceAll('bad', `(${u(seed, 3)} < ${options.errorShare ?? 0})`)} AS error,
        ${u(seed, 4)} AS score
      FROM (SELECT unnest([${hours.join(', ')}]) AS h) t, range(${options.rowsPerHour}) s(i)
    ) TO '${folder}/${file}.parquet' (FORMAT parquet)`,
  );
}

function sloDefinition(location: string, slos: unknown[]): MonitorDefinition {
  return validateDefinition(
    {
      model: { id: 'svc', task: 'binary', tier: 2 },
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
      slos,
    },
    'test',
  );
}

function sloDeps(location: string, slos: unknown[], store: MemoryResultStore, notifier: RecordingNotifier) {
  const definition = sloDefinition(location, slos);
  return (hour: number): JobDeps & { notifier: RecordingNotifier } => ({
    definition,
    sources: { predictions: { location, format: 'parquet', partitioned: true } },
    engine,
    store,
    notifier,
    // Five past the hour, as the hourly schedule runs: the window is the hour before.
    clock: { now: () => new Date(T0 + hour * HOUR + 5 * 60_000) },
  });
}

describe('SLOs: the error column', () => {
  // FIXED (was high, wrong page; lib/sql/error-flag.ts). A float error flag (0.0 / 1.0, what pandas writes for a flag column
  // with a missing value, and what many loggers emit) is read as text: CAST(0.0 AS VARCHAR) is
  // '0.0', which is not in ('', '0', 'false'), so EVERY row is an error. Expected: 0.0 good, 1.0
  // bad (1% errors here: budget 1% of a 99% target, no page). Seen: sli 0, budget consumed 100x,
  // a critical page on a healthy service. The canary's error guardrail has the same test
  // (lib/sql/canary-query.ts), so both arms count 100% errors there and the guardrail is blind.
  it('counts a DOUBLE error flag 0.0 as no error', async () => {
    const location = `${dir.path}/float-error`;
    await writeHours(location, 'a', [0, 1, 2], {
      rowsPerHour: 400,
      errorShare: 0.01,
      errorSql: 'CAST(bad AS DOUBLE)',
    });
    const notifier = new RecordingNotifier();
    const at = sloDeps(
      location,
      [{ name: 'no-errors', sli: { kind: 'errors' }, target: 0.99 }],
      new MemoryResultStore(),
      notifier,
    );
    const { result } = await runSlo(at(3));
    const slo = result.slos[0]!;
    expect(slo.budget.total).toBe(1200);
    expect(slo.budget.bad).toBeLessThan(40);
    expect(slo.level).toBe('none');
    expect(notifier.alerts).toHaveLength(0);
  });

  it('counts integer, boolean and text flags as documented (0/false/empty good, anything else bad)', async () => {
    const location = `${dir.path}/text-error`;
    // Every row's error is one of these, by row index: good, good, good, good, bad ('yes'), bad ('1').
    await writeHours(location, 'a', [0], {
      rowsPerHour: 600,
      errorSql: `(['0', 'false', 'FALSE', '', 'yes', '1'])[1 + i % 6]`,
    });
    const at = sloDeps(
      location,
      [{ name: 'no-errors', sli: { kind: 'errors' }, target: 0.99 }],
      new MemoryResultStore(),
      new RecordingNotifier(),
    );
    const { result } = await runSlo(at(1));
    expect(result.slos[0]!.budget).toMatchObject({ total: 600, bad: 200 });
  });
});

/** One hour (00:00-01:00) of rows with the given latency and status texts, as VARCHAR columns. */
async function writeTexts(name: string, rows: readonly [string | null, string | null][]): Promise<string> {
  const location = `${dir.path}/${name}`;
  await mkdir(`${location}/dt=${DAY0}`, { recursive: true });
  const values = rows
    .map(([latency, status], i) => {
      const q = (v: string | null) => (v === null ? 'NULL::VARCHAR' : `'${v.replaceAll("'", "''")}'`);
      return `('t${i}', TIMESTAMP '${DAY0} 00:10:00', 'v1', ${q(latency)}, ${q(status)}, 0.5)`;
    })
    .join(', ');
  await engine.execute(
    `COPY (SELECT * FROM (VALUES ${values}) AS t(id, ts, model_version, latency_ms, status, score), (SELECT false AS error))
     TO '${location}/dt=${DAY0}/a.parquet' (FORMAT parquet)`,
  );
  return location;
}

describe('SLOs: hostile SLI values', () => {
  it('compares condition strings with quotes, SQL and unicode as data (no injection)', async () => {
    const evil = "ok' OR '1'='1";
    const location = await writeTexts('evil', [
      ['10', evil],
      ['10', 'ok'],
      ['10', "x'); DROP TABLE t; --"],
      // 'café' decomposed (e + U+0301): another string than the composed one in the condition.
      ['10', 'cafe\u0301'],
      ['10', 'café'],
      ['10', null],
    ]);
    const at = sloDeps(
      location,
      [
        {
          name: 'evil',
          sli: { kind: 'condition', good: { column: 'status', operator: '=', value: evil } },
          target: 0.9,
        },
        {
          name: 'cafe',
          sli: {
            kind: 'condition',
            good: { column: 'status', operator: 'in', value: ['café', "x'); DROP TABLE t; --"] },
          },
          target: 0.9,
        },
        {
          name: 'not-ok',
          sli: { kind: 'condition', good: { column: 'status', operator: '!=', value: 'ok' } },
          target: 0.9,
        },
      ],
      new MemoryResultStore(),
      new RecordingNotifier(),
    );
    const { result } = await runSlo(at(1));
    // 6 rows: one equals the evil string; two are in the list; four differ from 'ok' (NULL is unknown: bad).
    expect(result.slos.map((x) => [x.name, x.budget.total, x.budget.total - x.budget.bad])).toEqual([
      ['evil', 6, 1],
      ['cafe', 6, 2],
      ['not-ok', 6, 4],
    ]);
  });

  it('counts a latency that is NULL, not a number, NaN or infinite as bad (README: missing or non-numeric is bad)', async () => {
    const location = await writeTexts('latency-text', [
      ['12', 'ok'],
      ['150', 'ok'],
      [null, 'ok'],
      ['12ms', 'ok'],
      ['NaN', 'ok'],
      ['Infinity', 'ok'],
      ['150.0001', 'ok'],
    ]);
    const at = sloDeps(
      location,
      [{ name: 'latency-150ms', sli: { kind: 'latency', thresholdMs: 150 }, target: 0.9 }],
      new MemoryResultStore(),
      new RecordingNotifier(),
    );
    const { result } = await runSlo(at(1));
    expect(result.slos[0]!.budget).toMatchObject({ total: 7, bad: 5 });
  });

  // FIXED (was low, hidden logging bug; goodEventSql: BETWEEN 0 AND threshold). A negative latency (a clock step between the two timestamps
  // a latency is computed from, or -1 as "not measured") is counted as GOOD (-1 <= 150), while a
  // NULL one is bad. Expected: a negative latency is not a good event (bad, like a missing one).
  // Seen: 2 of 2 negative latencies good.
  it('does not count a negative latency as a good event', async () => {
    const location = await writeTexts('latency-negative', [
      ['-1', 'ok'],
      ['-250', 'ok'],
    ]);
    const at = sloDeps(
      location,
      [{ name: 'latency-150ms', sli: { kind: 'latency', thresholdMs: 150 }, target: 0.9 }],
      new MemoryResultStore(),
      new RecordingNotifier(),
    );
    const { result } = await runSlo(at(1));
    expect(result.slos[0]!.budget.bad).toBe(2);
  });
});

describe('SLOs: timestamps with an offset', () => {
  // FIXED (was medium-high on local runs, wrong hours; duckdbDialect.eventTime). DuckDB's CAST('2026-10-01T02:30:00+02:00' AS
  // TIMESTAMP) DROPS the offset (02:30, not 00:30 UTC), and the DuckDB dialect's eventTime is that
  // cast, while Athena's from_iso8601_timestamp honours it. A JSON-lines log written with local
  // offsets (a service in Berlin) is counted two hours late locally: the 00:00Z hour sees none of
  // its rows, the 02:00Z hour sees them, so burn windows, pages and canary windows shift, and local
  // and AWS runs disagree. Expected: the 00:00-01:00Z window counts the 100 rows stamped
  // 02:xx+02:00. Seen: 0.
  it('puts a row stamped 02:30+02:00 in the 00:00Z hour', async () => {
    const location = `${dir.path}/offset`;
    await mkdir(`${location}/dt=${DAY0}`, { recursive: true });
    await engine.execute(
      `COPY (SELECT 'o' || i AS id, '${DAY0}T02:' || lpad(CAST(i % 60 AS VARCHAR), 2, '0') || ':00+02:00' AS ts,
          'v1' AS model_version, 20e0 AS latency_ms, false AS error, 0.5 AS score
        FROM range(100) s(i)) TO '${location}/dt=${DAY0}/a.parquet' (FORMAT parquet)`,
    );
    const at = sloDeps(
      location,
      [{ name: 'latency-150ms', sli: { kind: 'latency', thresholdMs: 150 }, target: 0.99 }],
      new MemoryResultStore(),
      new RecordingNotifier(),
    );
    const { result } = await runSlo(at(1));
    expect(result.slos[0]!.budget.total).toBe(100);
  });
});

describe('SLOs: late and missing hours', () => {
  // FIXED (was high, missed page / wrong numbers; slos[].recount, PT6H by default). The logging pipeline is down 10:00-13:00: no row
  // arrives, the hourly runs count those hours as zero events (burn 0: no page, no "no data"
  // signal in the result), and when the rows are backfilled at 15:00 (half of them slow), the
  // ledger only recounts from one hour before its end, so the outage's bad events are never
  // counted. Expected: the budget after the backfill equals a direct count of the log over the
  // period (as the job's own tests check for on-time data). Seen: the 2,400 backfilled rows and
  // their ~1,200 bad events are missing for good (only `--start` for an older window rewinds it,
  // and nothing tells the operator to do that).
  it('counts hours backfilled after their run (a logging outage) in the budget', async () => {
    const location = `${dir.path}/backfill`;
    const onTime = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 13, 14, 15];
    await writeHours(location, 'on-time', onTime, { rowsPerHour: 800, seed: 3 });
    const store = new MemoryResultStore();
    const at = sloDeps(
      location,
      [{ name: 'latency-150ms', sli: { kind: 'latency', thresholdMs: 150 }, target: 0.999 }],
      store,
      new RecordingNotifier(),
    );
    for (let h = 1; h <= 15; h++) await runSlo(at(h));
    // 15:10: the outage's rows arrive (late, in their own day's partition, as a backfill writes them).
    await writeHours(location, 'backfill', [10, 11, 12], { rowsPerHour: 800, slowShare: 0.5, seed: 4 });
    await runSlo(at(16));
    const { result } = await runSlo(at(17));
    const direct = await engine.query({
      name: 'direct',
      sql: `SELECT count(*) AS total, count_if(latency_ms > 150) AS bad FROM read_parquet('${location}/**/*.parquet') WHERE ts < TIMESTAMP '${DAY0} 17:00:00'`,
      parameters: [],
    });
    expect(result.slos[0]!.budget.total).toBe(Number(direct[0]!.total));
    expect(result.slos[0]!.budget.bad).toBe(Number(direct[0]!.bad));
  });

  it('misses a backfill older than `recount` (PT1H here: the documented limit) and counts it with P1D', async () => {
    const totals: number[] = [];
    for (const recount of ['PT1H', 'P1D']) {
      const location = `${dir.path}/backfill-${recount}`;
      const onTime = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 13, 14, 15];
      await writeHours(location, 'on-time', onTime, { rowsPerHour: 100, seed: 3 });
      const at = sloDeps(
        location,
        [{ name: 'latency-150ms', sli: { kind: 'latency', thresholdMs: 150 }, target: 0.999, recount }],
        new MemoryResultStore(),
        new RecordingNotifier(),
      );
      for (let h = 1; h <= 15; h++) await runSlo(at(h));
      await writeHours(location, 'backfill', [10, 11, 12], { rowsPerHour: 100, seed: 4 });
      totals.push((await runSlo(at(16))).result.slos[0]!.budget.total);
    }
    expect(totals).toEqual([1300, 1600]);
  });

  it('refuses a recount that is not one of the listed durations, naming the field', () => {
    expect(() =>
      sloDefinition('p', [{ name: 'a', sli: { kind: 'errors' }, target: 0.99, recount: 'PT5H' }]),
    ).toThrow(
      /slos\[0\]\.recount: got "PT5H"; expected one of "PT1H", "PT2H", "PT3H", "PT6H", "PT12H", "P1D"/,
    );
  });
});

describe('SLOs: the ledger under skipped, repeated, rewound and concurrent runs', () => {
  it('counts every row once: runs at 1, 2, (3-5 skipped), 6, 6 again, 4 (rewind), then 7 and 5 at once, then 8', async () => {
    const location = `${dir.path}/ledger`;
    await writeHours(location, 'a', [0, 1, 2, 3, 4, 5, 6, 7], { rowsPerHour: 300, slowShare: 0.01, seed: 5 });
    const store = new MemoryResultStore();
    const at = sloDeps(
      location,
      [{ name: 'latency-150ms', sli: { kind: 'latency', thresholdMs: 150 }, target: 0.99, perVersion: true }],
      store,
      new RecordingNotifier(),
    );
    for (const h of [1, 2, 6, 6, 4]) await runSlo(at(h));
    await Promise.all([runSlo(at(7)), runSlo(at(5))]);
    const { result } = await runSlo(at(8));
    const direct = await engine.query({
      name: 'direct',
      sql: `SELECT model_version AS v, count(*) AS total, count_if(latency_ms > 150) AS bad FROM read_parquet('${location}/**/*.parquet') GROUP BY 1 ORDER BY 1`,
      parameters: [],
    });
    const slo = result.slos[0]!;
    expect(slo.budget.total).toBe(2400);
    expect(slo.budget.bad).toBe(direct.reduce((a, r) => a + Number(r.bad), 0));
    expect(slo.versions.map((v) => [v.version, v.budget.total, v.budget.bad])).toEqual(
      direct.map((r) => [r.v, Number(r.total), Number(r.bad)]),
    );
  });
});

describe('burn-rate rules: low traffic', () => {
  // FIXED (was medium-high, false page; a rule also needs its long window to spend its budget share). The fast-burn rule is documented as "2% of the budget spent
  // in 1h", but it compares the hour's bad SHARE with 14.4x the budget share, which only equals
  // that when traffic is uniform. A quiet hour (5 requests at night, 1 slow) after 30 days of
  // 1,000 requests an hour burns at 200x and pages, although it spent 1 / (0.001 x 720,005) =
  // 0.14% of the budget. Expected: no page (the workbook's low-traffic caveat: require a minimum
  // of events, or compare bad events with the budget). Seen: level critical, the 1h rule firing.
  it('does not page for one slow request in a quiet hour (0.14% of the budget)', () => {
    const end = T0 + 30 * 24 * HOUR;
    const counts: WindowCounts[] = [];
    for (let t = end - 30 * 24 * HOUR; t < end - HOUR; t += HOUR)
      counts.push({ start: t, total: 1000, good: 1000 });
    counts.push({ start: end - HOUR, total: 5, good: 4 });
    const evaluation = evaluateBurn(counts, { target: 0.999, period: 'P30D', window: 'PT1H', end });
    expect(evaluation.budget.consumed).toBeCloseTo(1 / (0.001 * 719_005), 6);
    expect(evaluation.level).toBe('none');
  });

  /** 30 days of 100,000 good events an hour, then a last hour burning at `rate` x the budget. */
  function lastHourAt(rate: number, target: number, end: number) {
    const bad = Math.round(rate * (1 - target) * 100_000);
    const counts: WindowCounts[] = [];
    for (let t = end - 30 * 24 * HOUR; t < end - HOUR; t += HOUR)
      counts.push({ start: t, total: 100_000, good: 100_000 });
    counts.push({ start: end - HOUR, total: 100_000, good: 100_000 - bad });
    return { bad, evaluation: evaluateBurn(counts, { target, period: 'P30D', window: 'PT1H', end }) };
  }

  it('matches the workbook at 99.9% and 99% (30 days) by hand: 14.5x for an hour pages, 14.3x does not', () => {
    const end = Date.parse('2026-11-01T00:00:00Z'); // the month end: the windows straddle midnight and October 31
    for (const target of [0.999, 0.99]) {
      for (const [rate, level] of [
        [14.5, 'critical'],
        [14.3, 'none'],
      ] as const) {
        const { bad, evaluation } = lastHourAt(rate, target, end);
        expect(evaluation.level, `${target} at ${rate}x`).toBe(level);
        // bad / (budget share x events in 30 days)
        expect(evaluation.budget.consumed).toBeCloseTo(bad / ((1 - target) * 720 * 100_000), 9);
      }
    }
  });

  // FIXED (was low, boundary; burn-rate.ts reaches(), relative 1e-9). The rules fire "at or above" the rate (README, burn-rate.ts), but an
  // hour burning at exactly 14.4x (1,440 slow of 100,000 at 99.9%; 14,400 at 99%) does not page:
  // the budget share is 1 - 0.999 = 0.0010000000000000009 in binary, so the burn rate computes as
  // 14.399999999999986 < 14.4. The rule's rate is rounded to 12 digits; the measured rate is not.
  // Expected: critical at exactly 14.4x. Seen: none, for both targets.
  it('pages at exactly the workbook rate (14.4x for an hour, 99.9% and 99%)', () => {
    const end = Date.parse('2026-11-01T00:00:00Z');
    for (const target of [0.999, 0.99])
      expect(lastHourAt(14.4, target, end).evaluation.level).toBe('critical');
  });

  it('says nothing is spent (not NaN, not overspent) over a period with no events', () => {
    const end = T0;
    const e = evaluateBurn([], { target: 0.999, period: 'P28D', window: 'PT1H', end });
    expect(e.budget).toMatchObject({ total: 0, bad: 0, sli: null, consumed: 0, remaining: 1 });
    expect(e.level).toBe('none');
  });
});
