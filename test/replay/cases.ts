/**
 * Small deployments beside the demo, for findings the demo model cannot show: a multiclass model
 * (its class labels become query parameters) and a model with 12 numeric `ks` features (its drift
 * scan carries a 1,000-edge grid per feature). Each is a hub plus one ModelMonitor, synthesized
 * without bundling, with a few hundred rows a day written by DuckDB as Parquet under a local folder
 * laid out as the definition's S3 locations (`<model>/predictions/dt=.../`, `labels/`, `reference/`).
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { App, Stack } from 'aws-cdk-lib';
import { ModelMonitor } from '../../infra/model-monitor.js';
import { MonitoringHub } from '../../infra/monitoring-hub.js';
import type { MonitorDefinitionInput } from '../../lib/config/schema.js';
import {
  type Deployment,
  REPLAY_ACCOUNT,
  REPLAY_LOGS_BUCKET,
  REPLAY_REGION,
  readDeployment,
} from './deployment.js';

export interface ReplayCase {
  deployment: Deployment;
  /** The local folder to upload to `s3://<logs bucket>/<model>/`. */
  dataDir: string;
  model: string;
}

function deploy(definition: MonitorDefinitionInput, bucketSuffix: string): Deployment {
  const app = new App({ postCliContext: { 'aws:cdk:bundling-stacks': [] } });
  const stack = new Stack(app, 'Case', { env: { account: REPLAY_ACCOUNT, region: REPLAY_REGION } });
  const hub = new MonitoringHub(stack, 'Hub', { alertEmails: ['ml-oncall@example.com'] });
  const monitor = new ModelMonitor(stack, 'Model', { hub, ...definition });
  return readDeployment(stack, [monitor], bucketSuffix);
}

async function writeParquet(statements: string[]): Promise<void> {
  const instance = await DuckDBInstance.create(':memory:', { threads: '1' });
  const connection = await instance.connect();
  try {
    for (const sql of statements) await connection.run(sql);
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

const base = (model: string) => `s3://${REPLAY_LOGS_BUCKET}/${model}`;

/** Three days of a 3-class model (classes a, b, c), labels one day late. */
export async function multiclassCase(workDir: string): Promise<ReplayCase> {
  const model = 'segment-router';
  const dataDir = join(workDir, model);
  await mkdir(join(dataDir, 'reference'), { recursive: true });
  const rows = (days: string, n: number) => `
    WITH d AS (SELECT unnest(${days}) AS dt), r AS (
      SELECT dt, i, hash(dt || '-' || i) AS h FROM d, range(${n}) t(i)
    ), p AS (
      SELECT dt, i, 'm-' || dt || '-' || i AS id,
        CAST(dt AS TIMESTAMP) + to_seconds(CAST(i * 60 AS BIGINT)) AS ts,
        (h % 1000) / 1000.0 AS x,
        1 + (h % 7) AS wa, 1 + ((h >> 8) % 5) AS wb, 1 + ((h >> 16) % 3) AS wc,
        CASE (h >> 24) % 3 WHEN 0 THEN 'a' WHEN 1 THEN 'b' ELSE 'c' END AS label
      FROM r
    )
    SELECT id, ts, CAST(x AS DOUBLE) AS x,
      CAST(wa AS DOUBLE) / (wa + wb + wc) AS p_a, CAST(wb AS DOUBLE) / (wa + wb + wc) AS p_b,
      CAST(wc AS DOUBLE) / (wa + wb + wc) AS p_c,
      CASE WHEN wa >= wb AND wa >= wc THEN 'a' WHEN wb >= wc THEN 'b' ELSE 'c' END AS predicted,
      label, dt
    FROM p`;
  const days = "['2026-10-01', '2026-10-02', '2026-10-03']";
  await writeParquet([
    `CREATE TABLE log AS ${rows(days, 300)}`,
    `COPY (SELECT id, ts, x, p_a, p_b, p_c, predicted, dt FROM log) TO '${join(dataDir, 'predictions')}' (FORMAT parquet, PARTITION_BY (dt))`,
    `COPY (SELECT id, label, strftime(CAST(dt AS DATE) + 1, '%Y-%m-%d') AS dt FROM log) TO '${join(dataDir, 'labels')}' (FORMAT parquet, PARTITION_BY (dt))`,
    `COPY (SELECT id, ts, x, p_a, p_b, p_c, predicted, label FROM (${rows("['2026-09-01']", 1000)})) TO '${join(dataDir, 'reference', 'train.parquet')}' (FORMAT parquet)`,
  ]);
  const definition: MonitorDefinitionInput = {
    model: { id: model, task: 'multiclass' },
    predictions: {
      location: `${base(model)}/predictions/`,
      idColumn: 'id',
      timestampColumn: 'ts',
      predictionColumn: 'predicted',
      classScoreColumns: { a: 'p_a', b: 'p_b', c: 'p_c' },
    },
    features: [{ name: 'x', kind: 'numeric' }],
    labels: { location: `${base(model)}/labels/`, idColumn: 'id', labelColumn: 'label', delay: 'P1D' },
    reference: { type: 'dataset', location: `${base(model)}/reference/`, labelColumn: 'label' },
  };
  return { deployment: deploy(definition, 'multiclass'), dataDir, model };
}

/** One day of a model with 12 numeric features, every one tested with `ks`; no labels. */
export async function wideKsCase(workDir: string, features = 12): Promise<ReplayCase> {
  const model = 'wide-ks';
  const dataDir = join(workDir, model);
  await mkdir(join(dataDir, 'reference'), { recursive: true });
  const names = Array.from({ length: features }, (_, i) => `f${String(i + 1).padStart(2, '0')}`);
  // Full-precision doubles, as real features are: each of the 1,000 grid edges prints 17 digits.
  const columns = names
    .map((n, i) => `CAST(hash(i * 31 + ${i}) % 1000000007 AS DOUBLE) / 1000000007e0 * 100e0 AS ${n}`)
    .join(', ');
  const select = (n: number, dt: string) =>
    `SELECT 'w-' || i AS id, TIMESTAMP '${dt} 00:00:00' + to_seconds(CAST(i AS BIGINT)) AS ts,
       CAST((hash(i) % 1000) / 1000.0 AS DOUBLE) AS score, ${columns} FROM range(${n}) t(i)`;
  await writeParquet([
    `COPY (SELECT *, '2026-10-01' AS dt FROM (${select(500, '2026-10-01')})) TO '${join(dataDir, 'predictions')}' (FORMAT parquet, PARTITION_BY (dt))`,
    `COPY (${select(2000, '2026-09-01')}) TO '${join(dataDir, 'reference', 'train.parquet')}' (FORMAT parquet)`,
  ]);
  const definition: MonitorDefinitionInput = {
    model: { id: model, task: 'binary' },
    predictions: {
      location: `${base(model)}/predictions/`,
      idColumn: 'id',
      timestampColumn: 'ts',
      scoreColumn: 'score',
    },
    features: names.map((name) => ({ name, kind: 'numeric' as const, method: 'ks' as const })),
    reference: { type: 'dataset', location: `${base(model)}/reference/` },
  };
  return { deployment: deploy(definition, 'wide-ks'), dataDir, model };
}
