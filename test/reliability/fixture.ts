/**
 * A small monitored model on disk for the reliability suite: a binary classifier's prediction log
 * (Hive `dt=` folders of Parquet), its labels log (one day later) and a labelled reference file,
 * plus the definition as YAML. Every part can be spoiled through SQL overrides, the way a careless
 * or hostile user would: text labels, scores x100, logits, NaN scores, duplicate ids, conflicting
 * labels, a shifted feature.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { vi } from 'vitest';
import { stringify } from 'yaml';
import { DuckDbQueryEngine } from '../../lib/adapters/duckdb-engine.js';
import { main } from '../../lib/cli/main.js';
import type { MonitorDefinitionInput } from '../../lib/config/schema.js';
import { quoteString } from '../../lib/sql/identifiers.js';

export const DAYS = ['2026-10-01', '2026-10-02', '2026-10-03', '2026-10-04', '2026-10-05'];

export interface FixtureOptions {
  rowsPerDay?: number;
  /** SQL over `s` (a uniform score in (0, 1)), `i` (row) and `d` (day index): the logged score. */
  score?: string;
  /** SQL over `u` (uniform), `s`, `i`: the logged label. */
  label?: string;
  /** SQL over `i`, `d`: the numeric feature `x`. */
  x?: string;
  /** SQL over `i`, `d`: the categorical feature `cat`. */
  cat?: string;
  /** Share of each day's rows logged twice (same id). */
  duplicateShare?: number;
  /** Share of ids with a second, opposite label. */
  conflictShare?: number;
  /** Definition overrides (merged into `labels`, top level otherwise). */
  labels?: Record<string, unknown>;
  definition?: Partial<MonitorDefinitionInput>;
}

const UNIFORM = (salt: number) => `((hash(i * 1000003 + d * 7919 + ${salt}) % 1000000) + 0.5) / 1000000.0`;

/** Writes the fixture under `dir` and returns the config path. */
export async function writeFixture(dir: string, options: FixtureOptions = {}): Promise<string> {
  const rows = options.rowsPerDay ?? 1000;
  const data = join(dir, 'data');
  await mkdir(data, { recursive: true });
  const engine = await DuckDbQueryEngine.create({ threads: 1 });
  try {
    const score = options.score ?? 's';
    const label = options.label ?? 'CAST(u < s AS INTEGER)';
    const x = options.x ?? `(${UNIFORM(3)} + ${UNIFORM(4)} + ${UNIFORM(5)}) * 10`;
    const cat = options.cat ?? `'c' || CAST(hash(i * 31 + d) % 5 AS VARCHAR)`;
    const base = (days: string) => `SELECT *, ${UNIFORM(2)} AS u FROM (
      SELECT i, d, ${UNIFORM(1)} AS s, dt FROM (
        SELECT i, d, CAST(DATE '${DAYS[0]}' + CAST(d AS INTEGER) AS VARCHAR) AS dt FROM range(${rows}) r(i), ${days}))`;
    const days = `(SELECT unnest(range(${DAYS.length})) AS d)`;
    const predictions = `SELECT 'p' || d || '-' || i AS id, TIMESTAMP '2026-10-01 12:00:00' + to_days(CAST(d AS INTEGER)) AS ts,
        ${score} AS score, ${x} AS x, ${cat} AS cat, CASE WHEN i % 3 = 0 THEN 'north' WHEN i % 3 = 1 THEN 'south' ELSE 'east' END AS region,
        ${label} AS y, dt, i, d
      FROM (${base(days)})`;
    await engine.execute(`CREATE TABLE p AS ${predictions}`);
    const dupEvery = options.duplicateShare ? Math.round(1 / options.duplicateShare) : 0;
    const logged = dupEvery
      ? `SELECT * FROM p UNION ALL SELECT * FROM p WHERE i % ${dupEvery} = 0`
      : 'SELECT * FROM p';
    await engine.execute(
      `COPY (SELECT id, ts, score, x, cat, region, dt FROM (${logged})) TO ${quoteString(join(data, 'predictions'))} (FORMAT parquet, PARTITION_BY (dt))`,
    );
    const conflictEvery = options.conflictShare ? Math.round(1 / options.conflictShare) : 0;
    const labels = `SELECT id, y, CAST(CAST(dt AS DATE) + 1 AS VARCHAR) AS dt FROM p${
      conflictEvery
        ? ` UNION ALL SELECT id, CASE WHEN CAST(y AS VARCHAR) IN ('1', 'yes', 'true') THEN 0 ELSE 1 END, CAST(CAST(dt AS DATE) + 1 AS VARCHAR) FROM p WHERE i % ${conflictEvery} = 1`
        : ''
    }`;
    await engine.execute(
      `COPY (${labels}) TO ${quoteString(join(data, 'labels'))} (FORMAT parquet, PARTITION_BY (dt))`,
    );
    await engine.execute(
      `COPY (SELECT id, score, x, cat, region, y FROM p WHERE d = 0) TO ${quoteString(join(data, 'reference.parquet'))} (FORMAT parquet)`,
    );
  } finally {
    await engine.close();
  }
  const definition: MonitorDefinitionInput = {
    model: { id: 'toy', task: 'binary' },
    predictions: {
      location: 'data/predictions',
      idColumn: 'id',
      timestampColumn: 'ts',
      scoreColumn: 'score',
    },
    features: [
      { name: 'x', kind: 'numeric' },
      { name: 'cat', kind: 'categorical' },
    ],
    segments: ['region'],
    labels: { location: 'data/labels', idColumn: 'id', labelColumn: 'y', delay: 'P1D', ...options.labels },
    reference: { type: 'dataset', location: 'data/reference.parquet', labelColumn: 'y' },
    ...options.definition,
  };
  const config = join(dir, 'monitor.yaml');
  await writeFile(config, stringify(definition));
  return config;
}

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the CLI in this process (as test/cli does), capturing stdout and stderr. */
export async function cli(args: string[]): Promise<CliRun> {
  const errors: string[] = [];
  const outputs: string[] = [];
  const err = vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => {
    errors.push(String(chunk));
    return true;
  });
  const out = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
    outputs.push(String(chunk));
    return true;
  });
  const log = vi.spyOn(console, 'log').mockImplementation((...parts) => {
    outputs.push(`${parts.join(' ')}\n`);
  });
  try {
    const code = await main(args);
    return { code, stderr: errors.join(''), stdout: outputs.join('') };
  } finally {
    err.mockRestore();
    out.mockRestore();
    log.mockRestore();
  }
}
