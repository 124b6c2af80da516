/**
 * A service-shaped prediction log for SLOs and canaries: hour by hour, predictions served by one or
 * more model versions with log-normal latencies and occasional errors, and regressions injected on
 * known hours (a version's latency multiplied, its error rate raised). Only the columns an SLO reads
 * (id, timestamp, version, latency, error), Hive-partitioned by the day of the timestamp.
 *
 * Deterministic from the seed: each draw hashes one 64-bit key per (seed, hour, row, stream), as the
 * demo's generator does (lib/demo/generate.ts), so the rows do not depend on the thread count.
 */
import { mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { DuckDbQueryEngine } from '../adapters/duckdb-engine.js';
import { quoteDouble, quoteString } from '../sql/identifiers.js';

export interface ServiceVersion {
  version: string;
  /** Share of the traffic it serves (the shares are normalised). */
  share: number;
}

/** From `fromHour` (0-based, counted from `start`) to `toHour` (exclusive; default: the end), for `version` (default: all). */
export interface ServiceRegression {
  version?: string;
  fromHour: number;
  toHour?: number;
  /** Latencies multiplied by this. @default 1 */
  latencyFactor?: number;
  /** The error rate during the regression. @default - the base rate */
  errorRate?: number;
}

export interface ServiceLogOptions {
  /** Folder the log is written to (`dt=YYYY-MM-DD/` folders). */
  location: string;
  /** The first hour, an ISO instant on the hour (`2026-10-01T00:00:00Z`). */
  start: string;
  hours: number;
  rowsPerHour: number;
  seed?: number;
  versions?: ServiceVersion[];
  /** Median latency in ms; the spread is log-normal with `latencySigma`. @default 36 */
  latencyMedianMs?: number;
  /** @default 0.35 (about 2.8e-5 of requests above 150 ms at the default median) */
  latencySigma?: number;
  /** @default 0.0001 */
  errorRate?: number;
  regressions?: ServiceRegression[];
  /** Hours (from `fromHour`, to `toHour` exclusive) when nothing is served or logged: an outage. */
  outages?: { fromHour: number; toHour: number }[];
  /**
   * A daily cycle: in the night hours (00:00 to 06:00 of the timestamp's day) only this share of
   * the hour's rows is served. @default 1
   */
  nightShare?: number;
}

/** Writes the log; returns its row count (fewer than hours x rowsPerHour with outages or nights). Columns: prediction_id, ts, model_version, latency_ms, error. */
export async function generateServiceLog(
  engine: DuckDbQueryEngine,
  options: ServiceLogOptions,
): Promise<number> {
  const seed = options.seed ?? 11;
  const versions = options.versions ?? [{ version: 'v1', share: 1 }];
  const total = versions.reduce((a, v) => a + v.share, 0);
  const start = Date.parse(options.start);
  if (Number.isNaN(start) || start % 3_600_000 !== 0) {
    throw new Error(`service log start ${options.start} must be an ISO instant on the hour`);
  }
  const key = (k: number) => `((${seed % 100_000}::HUGEINT * 100000 + h) * 100000000 + i) * 256 + ${k}`;
  const u = (k: number) => `((hash(CAST(${key(k)} AS UBIGINT)) >> 11)::DOUBLE + 0.5) / 9007199254740992.0`;
  const normal = (k: number) => `(sqrt(-2 * ln(${u(k)})) * cos(2 * pi() * ${u(k + 100)}))`;
  let cumulative = 0;
  const versionCase = `CASE ${versions
    .map((v) => {
      cumulative += v.share / total;
      return `WHEN ${u(1)} < ${quoteDouble(Math.min(1, cumulative))} THEN ${quoteString(v.version)}`;
    })
    .join(' ')} ELSE ${quoteString(versions.at(-1)?.version ?? 'v1')} END`;
  const applies = (r: ServiceRegression) =>
    `(h >= ${r.fromHour}${r.toHour !== undefined ? ` AND h < ${r.toHour}` : ''}${r.version ? ` AND model_version = ${quoteString(r.version)}` : ''})`;
  const factor = (options.regressions ?? [])
    .filter((r) => r.latencyFactor !== undefined && r.latencyFactor !== 1)
    .map((r) => `CASE WHEN ${applies(r)} THEN ${quoteDouble(r.latencyFactor as number)} ELSE 1e0 END`);
  const baseError = quoteDouble(options.errorRate ?? 0.0001);
  const errorRate = (options.regressions ?? [])
    .filter((r) => r.errorRate !== undefined)
    .reduceRight(
      (rest, r) => `CASE WHEN ${applies(r)} THEN ${quoteDouble(r.errorRate as number)} ELSE ${rest} END`,
      baseError,
    );
  const outage = (options.outages ?? []).map((o) => `(h >= ${o.fromHour} AND h < ${o.toHour})`);
  const night =
    options.nightShare !== undefined && options.nightShare < 1
      ? `(hour(ts) >= 6 OR ${u(5)} < ${quoteDouble(options.nightShare)})`
      : 'true';
  const served = `${outage.length ? `NOT (${outage.join(' OR ')}) AND ` : ''}${night}`;
  const median = Math.log(options.latencyMedianMs ?? 36);
  const sigma = options.latencySigma ?? 0.35;
  const sql = `
    WITH r AS (
      SELECT h, i, TIMESTAMP '${new Date(start).toISOString().slice(0, 19).replace('T', ' ')}'
                 + to_seconds(CAST(h * 3600 + floor(${u(2)} * 3600) AS BIGINT)) AS ts
      FROM range(${options.hours}) a(h), range(${options.rowsPerHour}) b(i)
    ), v AS (SELECT *, ${versionCase} AS model_version FROM r)
    SELECT 'p' || lpad(CAST(h AS VARCHAR), 6, '0') || '-' || lpad(CAST(i AS VARCHAR), 7, '0') AS prediction_id,
      ts, model_version,
      round(exp(${quoteDouble(median)} + ${quoteDouble(sigma)} * ${normal(3)})${factor.map((f) => ` * ${f}`).join('')}, 1) AS latency_ms,
      CASE WHEN ${u(4)} < ${errorRate} THEN 'timeout' ELSE NULL END AS error,
      strftime(ts, '%Y-%m-%d') AS dt
    FROM v
    WHERE ${served}`;
  // DuckDB's COPY creates one folder level only: the parent must exist.
  await mkdir(dirname(options.location), { recursive: true });
  await engine.execute(`CREATE OR REPLACE TEMP TABLE service_log AS ${sql}`);
  await engine.execute(
    `COPY (SELECT * FROM service_log ORDER BY dt, ts) TO ${quoteString(join(options.location))}
     (FORMAT parquet, PARTITION_BY (dt), COMPRESSION zstd, OVERWRITE_OR_IGNORE true)`,
  );
  const [count] = await engine.query({
    name: 'service-log-rows',
    sql: 'SELECT count(*) AS n FROM service_log',
    parameters: [],
  });
  await engine.execute('DROP TABLE service_log');
  return Number(count?.n ?? 0);
}
