/**
 * Generates the demo: 30 days of a credit-default classifier's prediction logs, a training
 * reference and a labels log arriving 7 days late, with known problems injected and recorded in
 * manifest.json. Its features depend on its segments as in real logs (income by region, age by
 * channel, loans with income). Deterministic from the seed: every random draw is a hash of (seed, row, stream),
 * so the data is the same whatever the thread count.
 */
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { DuckDbQueryEngine } from '../adapters/duckdb-engine.js';
import { quoteString } from '../sql/identifiers.js';

export interface DemoOptions {
  outDir: string;
  rowsPerDay: number;
  seed: number;
  /** First day of the log, YYYY-MM-DD. */
  startDate: string;
  days: number;
  referenceRows: number;
}

export const DEMO_DEFAULTS: Omit<DemoOptions, 'outDir'> = {
  rowsPerDay: 20_000,
  seed: 42,
  startDate: '2026-10-01',
  days: 30,
  referenceRows: 50_000,
};

/** One injected problem, as recorded in manifest.json. */
export interface InjectedProblem {
  kind: 'feature_shift' | 'new_category' | 'segment_label_degradation' | 'volume_drop';
  feature?: string;
  segment?: { column: string; value: string };
  startDate: string;
  endDate?: string;
  description: string;
}

export interface DemoManifest {
  seed: number;
  rowsPerDay: number;
  days: number;
  startDate: string;
  endDate: string;
  stableDays: { from: string; to: string };
  labelDelayDays: number;
  injected: InjectedProblem[];
}

export function addDays(date: string, days: number): string {
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}

/** The day number (1-based, as the problems below) from which a candidate version takes 10% of traffic. */
export const DEMO_CANARY_DAY = 8;

/** Day numbers (1-based) at which each problem starts. */
const SHIFT_DAY = 21;
const NEW_CATEGORY_DAY = 25;
const DEGRADATION_DAY = 15;
const VOLUME_DROP_DAY = 18;
const LABEL_DELAY_DAYS = 7;

export function demoManifest(options: Omit<DemoOptions, 'outDir'>): DemoManifest {
  const day = (n: number) => addDays(options.startDate, n - 1);
  return {
    seed: options.seed,
    rowsPerDay: options.rowsPerDay,
    days: options.days,
    startDate: options.startDate,
    endDate: day(options.days),
    stableDays: { from: day(1), to: day(14) },
    labelDelayDays: LABEL_DELAY_DAYS,
    injected: [
      {
        kind: 'feature_shift',
        feature: 'income',
        startDate: day(SHIFT_DAY),
        description: 'inflation: nominal incomes rise by 30%',
      },
      {
        kind: 'feature_shift',
        feature: 'debt_to_income',
        startDate: day(SHIFT_DAY),
        description: 'borrowing grows: debt-to-income rises by 0.07',
      },
      {
        kind: 'new_category',
        feature: 'employment_type',
        startDate: day(NEW_CATEGORY_DAY),
        description: 'a new category "gig_worker" appears in 12% of applications',
      },
      {
        kind: 'segment_label_degradation',
        segment: { column: 'locale', value: 'es-US' },
        startDate: day(DEGRADATION_DAY),
        description: 'defaults in locale es-US no longer follow the model (concept drift in one segment)',
      },
      {
        kind: 'volume_drop',
        startDate: day(VOLUME_DROP_DAY),
        endDate: day(VOLUME_DROP_DAY),
        description: 'an upstream outage: 80% of the day’s predictions are missing',
      },
    ],
  };
}

/**
 * The SQL of one synthetic applicant population. `day` is the 1-based day (0 for the training
 * reference), `n` the row count; `u(k)` is a uniform draw in (0, 1) from stream k.
 */
function populationSql(seed: number, day: number, n: number, firstDate: string): string {
  const date = day === 0 ? firstDate : addDays(firstDate, day - 1);
  // One 64-bit key per (seed, day, row, stream), hashed alone: DuckDB's hash of a tuple combines
  // the parts' hashes too weakly for independent streams.
  const key = (k: number) => `((${seed % 100_000}::HUGEINT * 100 + ${day}) * 100000000 + i) * 256 + ${k}`;
  const u = (k: number) => `((hash(CAST(${key(k)} AS UBIGINT)) >> 11)::DOUBLE + 0.5) / 9007199254740992.0`;
  const normal = (k: number) => `(sqrt(-2 * ln(${u(k)})) * cos(2 * pi() * ${u(k + 100)}))`;
  const shifted = day >= SHIFT_DAY;
  const newCategory = day >= NEW_CATEGORY_DAY;
  const degraded = day >= DEGRADATION_DAY;
  return `
WITH base AS (
  SELECT
    i,
    ${quoteString(date)} AS dt,
    CASE WHEN ${u(1)} < 0.35 THEN 'north' WHEN ${u(1)} < 0.6 THEN 'south' WHEN ${u(1)} < 0.82 THEN 'east' ELSE 'west' END AS region,
    CASE WHEN ${u(2)} < 0.55 THEN 'web' WHEN ${u(2)} < 0.9 THEN 'mobile' ELSE 'branch' END AS channel,
    CASE WHEN ${u(3)} < 0.72 THEN 'en-US' WHEN ${u(3)} < 0.78 THEN 'es-US' WHEN ${u(3)} < 0.93 THEN 'en-CA' ELSE 'fr-CA' END AS locale,
    greatest(0.0, least(1.5, 0.32 + 0.11 * ${normal(5)} + ${shifted ? '0.07' : '0.0'})) AS debt_to_income,
    greatest(0.0, least(1.0, pow(${u(6)}, 1.6))) AS credit_utilization,
    ${normal(4)} AS z_income,
    ${normal(7)} AS z_age,
    ${normal(8)} AS z_loan,
    CAST(floor(-ln(${u(9)}) * 4) AS INTEGER) AS open_accounts,
    CASE
      ${newCategory ? `WHEN ${u(10)} < 0.12 THEN 'gig_worker'` : ''}
      WHEN ${u(11)} < 0.58 THEN 'salaried' WHEN ${u(11)} < 0.76 THEN 'self_employed'
      WHEN ${u(11)} < 0.88 THEN 'contractor' WHEN ${u(11)} < 0.95 THEN 'retired' ELSE 'unemployed' END AS employment_type,
    CASE WHEN ${u(12)} < 0.42 THEN 'rent' WHEN ${u(12)} < 0.85 THEN 'mortgage' ELSE 'own' END AS home_ownership,
    CASE WHEN ${u(13)} < 0.38 THEN 'debt_consolidation' WHEN ${u(13)} < 0.55 THEN 'home_improvement'
      WHEN ${u(13)} < 0.72 THEN 'car' WHEN ${u(13)} < 0.8 THEN 'education' WHEN ${u(13)} < 0.88 THEN 'medical'
      ELSE 'other' END AS loan_purpose,
    ${u(14)} AS u_null,
    ${normal(15)} AS model_noise,
    ${u(16)} AS u_label,
    ${u(17)} AS u_version,
    ${u(18)} AS u_time,
    ${u(19)} AS u_labelled,
    ${normal(20)} AS latency_noise
  FROM range(${n}) t(i)
), shaped AS (
  -- Features depend on the segments, as in real logs: incomes by region, ages by channel, loans
  -- with income. Each segment is then judged against itself (segment-true baselines).
  SELECT *,
    exp(10.9 + CASE region WHEN 'north' THEN 0.2 WHEN 'south' THEN -0.15 WHEN 'east' THEN 0.05 ELSE -0.1 END
        + 0.42 * z_income) * ${shifted ? '1.3' : '1.0'} AS income_raw,
    CAST(greatest(18, least(85, round(CASE channel WHEN 'mobile' THEN 34 WHEN 'web' THEN 45 ELSE 57 END + 11 * z_age))) AS INTEGER) AS age,
    round(exp(9.4 + 0.35 * z_income + 0.6 * z_loan), -1) AS loan_amount
  FROM base
), risk AS (
  SELECT *,
    -2.2 + 9.0 * (debt_to_income - 0.32) + 2.5 * (credit_utilization - 0.4)
      - 1.5 * (ln(income_raw) - 10.9) - 0.03 * (age - 43) + 0.1 * (open_accounts - 4)
      + CASE employment_type WHEN 'unemployed' THEN 0.9 WHEN 'self_employed' THEN 0.25
          WHEN 'gig_worker' THEN 0.5 ELSE 0.0 END AS true_logit
  FROM shaped
)
SELECT
  'p-' || lpad(CAST(${day} AS VARCHAR), 2, '0') || '-' || lpad(CAST(i AS VARCHAR), 8, '0') AS prediction_id,
  CAST(${quoteString(date)} AS TIMESTAMP) + to_seconds(CAST(floor(u_time * 86400) AS BIGINT)) AS ts,
  CASE WHEN u_version < ${day >= DEMO_CANARY_DAY ? '0.1' : '0'} THEN 'v3.3.0-canary' ELSE 'v3.2.0' END AS model_version,
  CASE WHEN u_null < 0.01 THEN NULL ELSE round(income_raw, 0) END AS income,
  debt_to_income, credit_utilization, age, loan_amount, open_accounts,
  employment_type, home_ownership, loan_purpose,
  region, channel, locale,
  1 / (1 + exp(-(true_logit + 0.35 * model_noise))) AS score,
  CASE WHEN 1 / (1 + exp(-(true_logit + 0.35 * model_noise))) >= 0.5 THEN 1 ELSE 0 END AS prediction,
  round(exp(3.6 + 0.35 * latency_noise), 1) AS latency_ms,
  CASE
    WHEN ${degraded ? "locale = 'es-US'" : 'false'} THEN CASE WHEN u_label < 0.45 THEN 1 ELSE 0 END
    WHEN u_label < 1 / (1 + exp(-true_logit)) THEN 1 ELSE 0 END AS defaulted,
  u_labelled,
  dt
FROM risk`;
}

const PREDICTION_COLUMNS = `prediction_id, ts, model_version, income, debt_to_income, credit_utilization, age,
  loan_amount, open_accounts, employment_type, home_ownership, loan_purpose, region, channel, locale,
  score, prediction, latency_ms`;

/** Writes the demo data under `outDir/data` and returns its manifest. */
export async function generateDemo(engine: DuckDbQueryEngine, options: DemoOptions): Promise<DemoManifest> {
  const manifest = demoManifest(options);
  const dataDir = join(options.outDir, 'data');
  await rm(dataDir, { recursive: true, force: true });
  await mkdir(join(dataDir, 'reference'), { recursive: true });

  const days: string[] = [];
  for (let day = 1; day <= options.days; day++) {
    const rows = day === VOLUME_DROP_DAY ? Math.round(options.rowsPerDay * 0.2) : options.rowsPerDay;
    days.push(populationSql(options.seed, day, rows, options.startDate));
  }
  await engine.execute(
    `CREATE OR REPLACE TEMP TABLE demo_log AS ${days.map((d) => `(${d})`).join(' UNION ALL ')}`,
  );

  await engine.execute(
    `COPY (SELECT ${PREDICTION_COLUMNS}, dt FROM demo_log ORDER BY dt, prediction_id)
     TO ${quoteString(join(dataDir, 'predictions'))} (FORMAT parquet, PARTITION_BY (dt), COMPRESSION zstd, OVERWRITE_OR_IGNORE true)`,
  );
  // Labels arrive LABEL_DELAY_DAYS after their prediction, for 96% of predictions; only what has
  // arrived by the last day of the log exists.
  const lastDay = manifest.endDate;
  await engine.execute(
    `COPY (
       SELECT prediction_id, defaulted,
              CAST(ts AS DATE) + INTERVAL ${LABEL_DELAY_DAYS} DAY + INTERVAL 6 HOUR AS labelled_at,
              strftime(CAST(ts AS DATE) + INTERVAL ${LABEL_DELAY_DAYS} DAY, '%Y-%m-%d') AS dt
       FROM demo_log
       WHERE u_labelled < 0.96
         AND strftime(CAST(ts AS DATE) + INTERVAL ${LABEL_DELAY_DAYS} DAY, '%Y-%m-%d') <= ${quoteString(lastDay)}
       ORDER BY dt, prediction_id)
     TO ${quoteString(join(dataDir, 'labels'))} (FORMAT parquet, PARTITION_BY (dt), COMPRESSION zstd, OVERWRITE_OR_IGNORE true)`,
  );
  await engine.execute(
    `COPY (SELECT ${PREDICTION_COLUMNS}, defaulted FROM (${populationSql(options.seed + 1, 0, options.referenceRows, addDays(options.startDate, -90))}))
     TO ${quoteString(join(dataDir, 'reference', 'training.parquet'))} (FORMAT parquet, COMPRESSION zstd)`,
  );
  await engine.execute('DROP TABLE demo_log');
  await writeFile(join(options.outDir, 'data', 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  return manifest;
}
