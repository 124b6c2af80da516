/**
 * The demo model's monitor definition: a credit-default binary classifier. It is also the example
 * in the README and the model the CDK demo stack deploys.
 */
import type { MonitorDefinitionInput } from '../config/schema.js';

/** The definition with locations relative to the demo's data folder. */
export function demoDefinition(dataDir: string): MonitorDefinitionInput {
  return {
    model: { id: 'credit-default', task: 'binary', tier: 1, description: 'Probability that a loan defaults' },
    predictions: {
      location: `${dataDir}/predictions`,
      format: 'parquet',
      idColumn: 'prediction_id',
      timestampColumn: 'ts',
      scoreColumn: 'score',
      predictionColumn: 'prediction',
      modelVersionColumn: 'model_version',
      latencyColumn: 'latency_ms',
    },
    features: [
      { name: 'income', kind: 'numeric' },
      { name: 'debt_to_income', kind: 'numeric' },
      { name: 'credit_utilization', kind: 'numeric' },
      { name: 'age', kind: 'numeric' },
      { name: 'loan_amount', kind: 'numeric' },
      { name: 'open_accounts', kind: 'numeric' },
      { name: 'employment_type', kind: 'categorical' },
      { name: 'home_ownership', kind: 'categorical' },
      { name: 'loan_purpose', kind: 'categorical' },
    ],
    segments: ['region', 'channel', 'locale'],
    labels: {
      location: `${dataDir}/labels`,
      format: 'parquet',
      idColumn: 'prediction_id',
      labelColumn: 'defaulted',
      delay: 'P7D',
    },
    // A business KPI: the share of applications declined (prediction 1 = predicted default). The
    // day-21 shift (more debt) really changes who is declined: about 0.08 to 0.11 (+35%), past its
    // 30% threshold, so kpi:decline_rate opens a true warning once confirmed, and it stays open
    // while the shift goes on (shifted windows stay out of the KPI's baseline).
    kpis: [
      {
        name: 'decline_rate',
        aggregate: 'rate',
        column: 'prediction',
        per: 'prediction',
        source: 'predictions',
        thresholds: { relative: 0.3 },
        direction: 'lower_is_better',
      },
    ],
    reference: {
      type: 'dataset',
      location: `${dataDir}/reference/training.parquet`,
      labelColumn: 'defaulted',
    },
    window: 'P1D',
    // 99.9% of predictions within 150 ms over 30 days, counted hourly, per model version too: the
    // demo's latencies (log-normal around 37 ms) leave about 3 in 100,000 slower, so its budget
    // stays nearly whole and no burn-rate rule fires.
    slos: [
      {
        name: 'latency-150ms',
        description: 'Scoring answers within 150 ms',
        sli: { kind: 'latency', thresholdMs: 150 },
        target: 0.999,
        period: 'P30D',
        window: 'PT1H',
        perVersion: true,
      },
    ],
    // From day 8 a candidate (v3.3.0-canary) takes 10% of the traffic: judged every hour against
    // the incumbent on latency (share over 100 ms); labels come a week later, too late for it.
    canary: {
      candidate: { newest: true },
      window: 'PT1H',
      latencyBound: 100,
      minimumRows: 1000,
      maximumDuration: 'P1D',
    },
  };
}

/**
 * The Glue (Hive) types of the demo logs' columns where they differ from the defaults the
 * ModelMonitor derives (features double or string): the generator (generate.ts) writes `age` and
 * `open_accounts` as INTEGER (Parquet INT32), which Athena reads as int, never as double.
 * `driftwatch schema --config <demo>/driftwatch.yaml` prints them from the files.
 */
export const DEMO_COLUMN_TYPES: Readonly<Record<string, string>> = { age: 'int', open_accounts: 'int' };
