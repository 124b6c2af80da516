/**
 * Real-shaped worlds: prediction logs whose features depend on their segments (income by region,
 * age and device by channel, debt and utilization correlated with income), with labels arriving
 * late and partly missing, a training reference, and changes injected on known days. The alert
 * tests replay the schedule over them (lib/jobs/backtest.ts): a stable world must stay quiet and
 * each injected change must open the right incident within one window.
 *
 * Deterministic from the seed: every draw is a hash of one 64-bit key per (seed, day, row, stream),
 * so the data does not depend on the thread count (see lib/demo/generate.ts).
 */
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { DuckDbQueryEngine } from '../adapters/duckdb-engine.js';
import type { MonitorDefinitionInput } from '../config/schema.js';
import { quoteString } from '../sql/identifiers.js';
import { addDays } from './generate.js';

/** A change injected from a 1-based day on. */
export type WorldChange =
  /** A numeric feature moves by `sd` of its within-segment spread, for every row. */
  | {
      kind: 'feature_shift';
      feature: 'age' | 'debt_to_income' | 'credit_utilization';
      day: number;
      sd: number;
    }
  /** The same, growing by `sdPerDay` every day from `day` on (day `day` shifts by one step). */
  | {
      kind: 'gradual_shift';
      feature: 'age' | 'debt_to_income' | 'credit_utilization';
      day: number;
      sdPerDay: number;
    }
  /** The outcome stops following the model in one segment value (binary: labels become coin flips). */
  | { kind: 'segment_concept_drift'; segment: { column: 'region' | 'channel'; value: string }; day: number }
  /** Regression: the unexplained spread of the target grows by `factor` (a +10% RMSE step is 1.1). */
  | { kind: 'noise_increase'; day: number; factor: number };

export interface WorldOptions {
  outDir: string;
  task: 'binary' | 'regression';
  seed: number;
  startDate: string;
  days: number;
  rowsPerDay: number;
  referenceRows: number;
  labelDelayDays: number;
  changes: WorldChange[];
}

export const WORLD_DEFAULTS: Omit<WorldOptions, 'outDir' | 'task'> = {
  seed: 7,
  startDate: '2026-09-01',
  days: 60,
  rowsPerDay: 3000,
  referenceRows: 30_000,
  labelDelayDays: 7,
  changes: [],
};

/** Within-segment standard deviations of the features changes are expressed in. */
export const WORLD_FEATURE_SD = { age: 9, debt_to_income: 0.1, credit_utilization: 0.15 } as const;

/** Regression: the target's unexplained spread in the log, and in the (in-sample) training file. */
const REGRESSION_NOISE = { log: 45, training: 40 };

/** The shift of a feature on `day` (0 for the reference), in the feature's units. */
function shiftOn(changes: readonly WorldChange[], feature: string, day: number): number {
  let shift = 0;
  for (const c of changes) {
    if (day === 0 || day < c.day) continue;
    const sd = WORLD_FEATURE_SD[feature as keyof typeof WORLD_FEATURE_SD];
    if (c.kind === 'feature_shift' && c.feature === feature) shift += c.sd * sd;
    if (c.kind === 'gradual_shift' && c.feature === feature) shift += (day - c.day + 1) * c.sdPerDay * sd;
  }
  return shift;
}

function rowsSql(options: WorldOptions, day: number, n: number): string {
  const { seed, changes, task } = options;
  const date = day === 0 ? addDays(options.startDate, -60) : addDays(options.startDate, day - 1);
  const key = (k: number) => `((${seed % 100_000}::HUGEINT * 1000 + ${day}) * 100000000 + i) * 256 + ${k}`;
  const u = (k: number) => `((hash(CAST(${key(k)} AS UBIGINT)) >> 11)::DOUBLE + 0.5) / 9007199254740992.0`;
  const normal = (k: number) => `(sqrt(-2 * ln(${u(k)})) * cos(2 * pi() * ${u(k + 100)}))`;
  const shift = (feature: string) => {
    const s = shiftOn(changes, feature, day);
    return s === 0 ? '' : ` + ${s}`;
  };
  const concept = changes.filter(
    (c): c is Extract<WorldChange, { kind: 'segment_concept_drift' }> =>
      c.kind === 'segment_concept_drift' && day > 0 && day >= c.day,
  );
  const conceptCondition = concept.length
    ? concept.map((c) => `${c.segment.column} = ${quoteString(c.segment.value)}`).join(' OR ')
    : 'false';
  const noise =
    day === 0
      ? REGRESSION_NOISE.training
      : changes.reduce(
          (acc, c) => (c.kind === 'noise_increase' && day >= c.day ? acc * c.factor : acc),
          REGRESSION_NOISE.log,
        );
  const outcome =
    task === 'binary'
      ? `1 / (1 + exp(-(true_logit + 0.4 * ${normal(20)}))) AS score,
    CASE WHEN ${conceptCondition} THEN CASE WHEN ${u(21)} < 0.3 THEN 1 ELSE 0 END
         WHEN ${u(21)} < 1 / (1 + exp(-true_logit)) THEN 1 ELSE 0 END AS label`
      : `round(true_mean + 12 * ${normal(20)}, 2) AS predicted_cost,
    round(true_mean + ${noise} * ${normal(21)}, 2) AS label`;
  return `
WITH seg AS (
  SELECT i,
    CASE WHEN ${u(1)} < 0.4 THEN 'north' WHEN ${u(1)} < 0.7 THEN 'south' WHEN ${u(1)} < 0.9 THEN 'east' ELSE 'west' END AS region,
    CASE WHEN ${u(2)} < 0.5 THEN 'web' WHEN ${u(2)} < 0.85 THEN 'mobile' ELSE 'branch' END AS channel
  FROM range(${n}) t(i)
), f AS (
  SELECT *,
    -- income depends on the region, age on the channel: segments differ from the population
    exp(10.8 + CASE region WHEN 'north' THEN 0.35 WHEN 'south' THEN -0.2 WHEN 'east' THEN 0.05 ELSE -0.45 END
        + 0.4 * ${normal(3)}) AS income,
    (CASE channel WHEN 'mobile' THEN 31 WHEN 'web' THEN 42 ELSE 58 END) + ${WORLD_FEATURE_SD.age} * ${normal(4)}${shift('age')} AS age_raw,
    CASE channel
      WHEN 'mobile' THEN CASE WHEN ${u(5)} < 0.55 THEN 'ios' WHEN ${u(5)} < 0.97 THEN 'android' ELSE 'desktop' END
      WHEN 'web' THEN CASE WHEN ${u(5)} < 0.8 THEN 'desktop' WHEN ${u(5)} < 0.9 THEN 'ios' ELSE 'android' END
      ELSE CASE WHEN ${u(5)} < 0.7 THEN 'tablet' ELSE 'desktop' END END AS device,
    CASE region
      WHEN 'west' THEN CASE WHEN ${u(6)} < 0.35 THEN 'salaried' WHEN ${u(6)} < 0.75 THEN 'self_employed' ELSE 'contractor' END
      ELSE CASE WHEN ${u(6)} < 0.7 THEN 'salaried' WHEN ${u(6)} < 0.85 THEN 'self_employed' WHEN ${u(6)} < 0.95 THEN 'contractor' ELSE 'retired' END END
      AS employment_type,
    ${normal(7)} AS z_debt, ${normal(8)} AS z_util, ${normal(9)} AS z_loan
  FROM seg
), g AS (
  SELECT *,
    -- debt falls with income, utilization rises with debt, loans grow with income
    greatest(0.0, 0.34 - 0.08 * (ln(income) - 10.8) + ${WORLD_FEATURE_SD.debt_to_income} * z_debt${shift('debt_to_income')}) AS debt_to_income,
    least(1.0, greatest(0.0, 0.4 + 0.6 * (0.34 - 0.08 * (ln(income) - 10.8) - 0.34)
        + ${WORLD_FEATURE_SD.credit_utilization} * (0.5 * z_debt + 0.87 * z_util)${shift('credit_utilization')})) AS credit_utilization,
    round(exp(ln(income) - 1.6 + 0.5 * z_loan), -1) AS loan_amount,
    CAST(round(greatest(18, least(90, age_raw))) AS INTEGER) AS age
  FROM f
), m AS (
  SELECT *,
    -2.0 + 8.0 * (debt_to_income - 0.34) + 2.2 * (credit_utilization - 0.4) - 1.2 * (ln(income) - 10.8)
      - 0.025 * (age - 42) + CASE employment_type WHEN 'self_employed' THEN 0.3 WHEN 'contractor' THEN 0.45 ELSE 0.0 END
      AS true_logit,
    120 + 0.004 * loan_amount + 300 * debt_to_income + 90 * credit_utilization - 0.8 * (age - 42)
      + CASE region WHEN 'west' THEN 40 WHEN 'north' THEN -15 ELSE 0 END AS true_mean
  FROM g
)
SELECT
  'w' || lpad(CAST(${day} AS VARCHAR), 3, '0') || '-' || lpad(CAST(i AS VARCHAR), 7, '0') AS prediction_id,
  CAST(${quoteString(date)} AS TIMESTAMP) + to_seconds(CAST(floor(${u(30)} * 86400) AS BIGINT)) AS ts,
  'v1' AS model_version,
  round(income, 0) AS income, age, round(debt_to_income, 4) AS debt_to_income,
  round(credit_utilization, 4) AS credit_utilization, loan_amount, device, employment_type,
  region, channel,
  ${outcome},
  ${u(31)} AS u_labelled,
  ${u(32)} AS u_late,
  ${quoteString(date)} AS dt
FROM m`;
}

const COLUMNS = `prediction_id, ts, model_version, income, age, debt_to_income, credit_utilization,
  loan_amount, device, employment_type, region, channel`;

/** The monitor definition of a world, locations relative to its folder. */
export function worldDefinition(task: WorldOptions['task'], dataDir: string): MonitorDefinitionInput {
  return {
    model: {
      id: task === 'binary' ? 'world-binary' : 'world-regression',
      task,
      tier: 1,
      description: task === 'binary' ? 'Probability of default' : 'Expected claim cost',
    },
    predictions: {
      location: `${dataDir}/predictions`,
      format: 'parquet',
      idColumn: 'prediction_id',
      timestampColumn: 'ts',
      ...(task === 'binary' ? { scoreColumn: 'score' } : { predictionColumn: 'predicted_cost' }),
      modelVersionColumn: 'model_version',
    },
    features: [
      { name: 'income', kind: 'numeric' },
      { name: 'age', kind: 'numeric' },
      { name: 'debt_to_income', kind: 'numeric' },
      { name: 'credit_utilization', kind: 'numeric' },
      { name: 'loan_amount', kind: 'numeric' },
      { name: 'device', kind: 'categorical' },
      { name: 'employment_type', kind: 'categorical' },
    ],
    segments: ['region', 'channel'],
    labels: {
      location: `${dataDir}/labels`,
      format: 'parquet',
      idColumn: 'prediction_id',
      labelColumn: 'label',
      delay: 'P7D',
    },
    reference: { type: 'dataset', location: `${dataDir}/reference/training.parquet`, labelColumn: 'label' },
    window: 'P1D',
  };
}

/**
 * Writes a world under `outDir/data`: Hive-partitioned predictions, labels partitioned by the day
 * they ARRIVE (85% after `labelDelayDays`, 8% two to four days later, 7% never), and a training
 * reference with labels. Returns the last day of the log.
 */
export async function generateWorld(
  engine: DuckDbQueryEngine,
  options: WorldOptions,
): Promise<{ endDate: string }> {
  const dataDir = join(options.outDir, 'data');
  await rm(dataDir, { recursive: true, force: true });
  await mkdir(join(dataDir, 'reference'), { recursive: true });
  const scoreColumn = options.task === 'binary' ? 'score' : 'predicted_cost';
  const days = Array.from(
    { length: options.days },
    (_, d) => `(${rowsSql(options, d + 1, options.rowsPerDay)})`,
  );
  await engine.execute(`CREATE OR REPLACE TEMP TABLE world_log AS ${days.join(' UNION ALL ')}`);
  await engine.execute(
    `COPY (SELECT ${COLUMNS}, ${scoreColumn}, dt FROM world_log ORDER BY dt, prediction_id)
     TO ${quoteString(join(dataDir, 'predictions'))} (FORMAT parquet, PARTITION_BY (dt), COMPRESSION zstd, OVERWRITE_OR_IGNORE true)`,
  );
  const endDate = addDays(options.startDate, options.days - 1);
  const arrival = `CAST(ts AS DATE) + INTERVAL (${options.labelDelayDays} + CASE WHEN u_late < 0.08 THEN 2 + CAST(floor(u_late * 37.5) AS INTEGER) ELSE 0 END) DAY`;
  await engine.execute(
    `COPY (
       SELECT prediction_id, label, strftime(${arrival}, '%Y-%m-%d') AS dt
       FROM world_log
       WHERE u_labelled < 0.93 AND strftime(${arrival}, '%Y-%m-%d') <= ${quoteString(endDate)}
       ORDER BY dt, prediction_id)
     TO ${quoteString(join(dataDir, 'labels'))} (FORMAT parquet, PARTITION_BY (dt), COMPRESSION zstd, OVERWRITE_OR_IGNORE true)`,
  );
  await engine.execute(
    `COPY (SELECT ${COLUMNS}, ${scoreColumn}, label FROM (${rowsSql(options, 0, options.referenceRows)}))
     TO ${quoteString(join(dataDir, 'reference', 'training.parquet'))} (FORMAT parquet, COMPRESSION zstd)`,
  );
  await engine.execute('DROP TABLE world_log');
  await writeFile(
    join(dataDir, 'world.json'),
    `${JSON.stringify({ ...options, outDir: undefined, endDate }, null, 2)}\n`,
  );
  return { endDate };
}
