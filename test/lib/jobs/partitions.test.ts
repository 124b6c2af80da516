import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DuckDbQueryEngine } from '../../../lib/adapters/duckdb-engine.js';
import { resolveLocalFiles } from '../../../lib/adapters/local-files.js';
import { MemoryResultStore } from '../../../lib/adapters/memory-store.js';
import { validateDefinition } from '../../../lib/config/load.js';
import { runDrift } from '../../../lib/jobs/drift.js';
import { runPerformance } from '../../../lib/jobs/performance.js';
import type { JobDeps } from '../../../lib/jobs/types.js';
import { tempDir } from '../../helpers/temp.js';

// Partition-true reading: a job reads exactly the dt= partitions of its window, in every format.
let engine: DuckDbQueryEngine;
let dir: { path: string; cleanup: () => Promise<void> };

const FORMATS = [
  { name: 'parquet', format: 'parquet', ext: 'parquet', copy: 'FORMAT parquet' },
  { name: 'csv', format: 'csv', ext: 'csv', copy: 'FORMAT csv, HEADER true' },
  { name: 'jsonl', format: 'jsonl', ext: 'jsonl', copy: 'FORMAT json' },
  { name: 'ndjson', format: 'jsonl', ext: 'ndjson', copy: 'FORMAT json' },
  { name: 'csv.gz', format: 'csv', ext: 'csv.gz', copy: 'FORMAT csv, HEADER true, COMPRESSION gzip' },
  { name: 'jsonl.gz', format: 'jsonl', ext: 'jsonl.gz', copy: 'FORMAT json, COMPRESSION gzip' },
] as const;

/** Rows of one day: `n` predictions with ids `<day>-<i>`, x in [0, 10), c in {a, b}, a score. */
function dayRows(day: string, n: number, xAsText = false): string {
  const x = `CAST((i % 10) * 1.5 AS ${xAsText ? 'VARCHAR' : 'DOUBLE'})`;
  return `SELECT '${day}-' || i AS id, ${x} AS x, CASE WHEN i % 3 = 0 THEN 'a' ELSE 'b' END AS c,
    (i % 100) / 100.0 AS score FROM range(${n}) t(i)`;
}

async function copy(sql: string, file: string, options: string): Promise<void> {
  await mkdir(join(file, '..'), { recursive: true });
  await engine.execute(`COPY (${sql}) TO '${file}' (${options})`);
}

function definition(root: string, format: string, extra: Record<string, unknown> = {}) {
  return validateDefinition({
    model: { id: 'toy', task: 'binary' },
    predictions: {
      location: `${root}/log`,
      format,
      idColumn: 'id',
      timestampColumn: 'id',
      scoreColumn: 'score',
    },
    features: [
      { name: 'x', kind: 'numeric' },
      { name: 'c', kind: 'categorical' },
    ],
    reference: { type: 'dataset', location: `${root}/reference`, format },
    ...extra,
  });
}

function depsFor(
  root: string,
  format: 'parquet' | 'csv' | 'jsonl',
  today = '2026-01-20',
): JobDeps & { logs: string[] } {
  const logs: string[] = [];
  const def = definition(root, format, {
    labels: { location: `${root}/labels`, format, idColumn: 'id', labelColumn: 'y', delay: 'P1D' },
  });
  return {
    definition: def,
    sources: {
      predictions: { location: `${root}/log`, format, partitioned: true },
      labels: { location: `${root}/labels`, format, partitioned: true },
      reference: { location: `${root}/reference`, format, partitioned: false },
    },
    engine,
    store: new MemoryResultStore(),
    clock: { now: () => new Date(`${today}T06:00:00Z`) },
    log: (message) => logs.push(message),
    logs,
  };
}

beforeAll(async () => {
  engine = await DuckDbQueryEngine.create({ threads: 1 });
  dir = await tempDir('driftwatch-partitions-');
});

afterAll(async () => {
  await engine.close();
  await dir.cleanup();
});

describe.each(FORMATS)('a $name log', ({ name, format, ext, copy: options }) => {
  let root: string;
  beforeAll(async () => {
    root = join(dir.path, name.replace('.', '-'));
    // Reference: an unpartitioned folder of two files. Log: 30 rows on 01-01, 50 on 01-02.
    await copy(dayRows('r1', 300), `${root}/reference/part-0.${ext}`, options);
    await copy(dayRows('r2', 200), `${root}/reference/part-1.${ext}`, options);
    await copy(dayRows('2026-01-01', 30), `${root}/log/dt=2026-01-01/part-0.${ext}`, options);
    await copy(dayRows('2026-01-02', 20), `${root}/log/dt=2026-01-02/part-0.${ext}`, options);
    await copy(dayRows('2026-01-02b', 30), `${root}/log/dt=2026-01-02/part-1.${ext}`, options);
    // Labels for the ids of 01-01, arriving on 01-02.
    await copy(
      `SELECT '2026-01-01-' || i AS id, CASE WHEN i % 2 = 0 THEN 1 ELSE 0 END AS y FROM range(30) t(i)`,
      `${root}/labels/dt=2026-01-02/part-0.${ext}`,
      options,
    );
  });

  it('drift reads exactly the window partition and the reference folder', async () => {
    const deps = depsFor(root, format);
    const day1 = (await runDrift(deps, '2026-01-01')).result;
    expect(day1).toMatchObject({ status: 'ok', rows: 30, reference: { rows: 500 } });
    expect(day1.quality.findings.map((f) => f.kind)).not.toContain('missing_column');
    expect((await runDrift(deps, '2026-01-02')).result.rows).toBe(50);
    const empty = (await runDrift(deps, '2026-01-05')).result;
    expect(empty.status).toBe('no_data');
    expect(empty.quality.findings.map((f) => f.kind)).toEqual(['no_data']);
  });

  it('performance joins the window with the label partitions that had arrived', async () => {
    const { result } = await runPerformance(depsFor(root, format), '2026-01-01');
    expect(result.overall).toMatchObject({ predictions: 30, labelled: 30 });
  });
});

describe('partition-true reading', () => {
  let root: string;
  beforeAll(async () => {
    root = join(dir.path, 'faults');
    await copy(dayRows('r', 500), `${root}/reference/ref.parquet`, 'FORMAT parquet');
    await copy(dayRows('2026-01-01', 40), `${root}/log/dt=2026-01-01/part-0.parquet`, 'FORMAT parquet');
    // 01-02 stores x as text; 01-03 is clean again; 01-04 holds a corrupt file.
    await copy(dayRows('2026-01-02', 40, true), `${root}/log/dt=2026-01-02/part-0.parquet`, 'FORMAT parquet');
    await copy(dayRows('2026-01-03', 40), `${root}/log/dt=2026-01-03/part-0.parquet`, 'FORMAT parquet');
    await copy(dayRows('2026-01-04', 40), `${root}/log/dt=2026-01-04/part-0.parquet`, 'FORMAT parquet');
    await writeFile(`${root}/log/dt=2026-01-04/part-1.parquet`, 'not parquet at all');
    // A stray copy of 01-01 and a folder that is no partition at all.
    await copy(dayRows('2026-01-01', 40), `${root}/log/dt=2026-01-01_old/part-0.parquet`, 'FORMAT parquet');
    await copy(dayRows('x', 5), `${root}/log/tmp/part-0.parquet`, 'FORMAT parquet');
    // Hidden files and files of another format are not read.
    await writeFile(`${root}/log/dt=2026-01-01/_SUCCESS`, '');
    await writeFile(`${root}/log/dt=2026-01-01/notes.csv`, 'a,b\n1,2\n');
  });

  it('reads an unpartitioned labels folder whole (two csv.gz files)', async () => {
    const labels = `${root}/flat-labels`;
    const ids = (from: number, to: number) =>
      `SELECT '2026-01-03-' || i AS id, i % 2 AS y FROM range(${from}, ${to}) t(i)`;
    await copy(ids(0, 15), `${labels}/a.csv.gz`, 'FORMAT csv, HEADER true, COMPRESSION gzip');
    await copy(ids(15, 25), `${labels}/b.csv.gz`, 'FORMAT csv, HEADER true, COMPRESSION gzip');
    const base = depsFor(root, 'parquet');
    const { result } = await runPerformance(
      {
        ...base,
        definition: definition(root, 'parquet', {
          labels: {
            location: labels,
            format: 'csv',
            partitioned: false,
            idColumn: 'id',
            labelColumn: 'y',
            delay: 'P1D',
          },
        }),
        sources: { ...base.sources, labels: { location: labels, format: 'csv', partitioned: false } },
      },
      '2026-01-03',
    );
    expect(result.overall).toMatchObject({ predictions: 40, labelled: 25 });
  });

  it('lists the files of the window only, and the stray folders', async () => {
    const resolved = await resolveLocalFiles(
      { location: `${root}/log`, format: 'parquet', partitioned: true },
      { from: '2026-01-01', to: '2026-01-02' },
    );
    expect(resolved.files).toEqual([`${root}/log/dt=2026-01-01/part-0.parquet`]);
    expect(resolved.partitions).toEqual(['2026-01-01']);
    expect(resolved.stray).toEqual(['dt=2026-01-01_old', 'tmp']);
  });

  it('ignores a stray folder, reports it once in the log and as a finding of its window', async () => {
    const deps = depsFor(root, 'parquet');
    const { result } = await runDrift(deps, '2026-01-01');
    expect(result.rows).toBe(40);
    const stray = result.quality.findings.filter((f) => f.kind === 'stray_partition');
    expect(stray).toHaveLength(1);
    expect(stray[0]).toMatchObject({ feature: 'dt=2026-01-01_old', severity: 'warning' });
    expect(stray[0]!.message).toMatch(
      /folder dt=2026-01-01_old is not a dt=YYYY-MM-DD partition and was not read: rename it/,
    );
    const other = (await runDrift(deps, '2026-01-03')).result;
    expect(other.quality.findings.filter((f) => f.kind === 'stray_partition')).toEqual([]);
    const lines = deps.logs.filter((l) => l.includes('not a dt=YYYY-MM-DD partition'));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain('dt=2026-01-01_old, tmp');
  });

  it('flags a text-typed column only on the day that stores it as text', async () => {
    const deps = depsFor(root, 'parquet');
    const kinds = async (day: string) =>
      (await runDrift(deps, day)).result.quality.findings.filter((f) => f.kind === 'type_change');
    expect(await kinds('2026-01-01')).toEqual([]);
    const day2 = await kinds('2026-01-02');
    expect(day2).toHaveLength(1);
    expect(day2[0]!.message).toBe('x is VARCHAR in the log but DOUBLE in the reference');
    expect(await kinds('2026-01-03')).toEqual([]);
  });

  it('a corrupt file touches only its own window, and is named there', async () => {
    const deps = depsFor(root, 'parquet');
    expect((await runDrift(deps, '2026-01-03')).result.rows).toBe(40);
    await expect(runDrift(deps, '2026-01-04')).rejects.toThrow(
      /cannot read data file \/.*\/dt=2026-01-04\/part-1\.parquet: Invalid Input Error: .*re-write or remove it/,
    );
    const perf = await runPerformance(
      {
        ...deps,
        definition: definition(root, 'parquet', {
          labels: { location: `${root}/log`, idColumn: 'id', labelColumn: 'x', delay: 'P1D' },
        }),
        sources: {
          ...deps.sources,
          labels: { location: `${root}/log`, format: 'parquet', partitioned: true },
        },
        clock: { now: () => new Date('2026-01-03T06:00:00Z') },
      },
      '2026-01-03',
    );
    // Labels read up to the run date (01-03): the corrupt 01-04 partition is not opened.
    expect(perf.result.overall.predictions).toBe(40);
  });
});

// A CSV log with malformed rows. Before CSV_DIALECT pinned the delimiter, one row with an extra
// field made DuckDB's sniffer read the file with `|`, so x and c came out as critical
// `missing_column` findings: a wrong diagnosis, with nothing naming the bad row.
describe('a CSV log with a malformed row', () => {
  let root: string;
  const header = 'id,x,c,score';
  const rows = (day: string, n: number) =>
    Array.from({ length: n }, (_, i) => `${day}-${i},${(i % 10) * 1.5},${i % 3 ? 'b' : 'a'},0.${i % 10}`);
  beforeAll(async () => {
    root = join(dir.path, 'csv-rows');
    await copy(dayRows('r', 300), `${root}/reference/ref.csv`, 'FORMAT csv, HEADER true');
    const write = async (day: string, lines: string[]) => {
      await mkdir(`${root}/log/dt=${day}`, { recursive: true });
      await writeFile(`${root}/log/dt=${day}/part-0.csv`, `${[header, ...lines].join('\n')}\n`);
    };
    await write('2026-01-01', rows('2026-01-01', 40));
    const extra = rows('2026-01-02', 40);
    extra[20] = '2026-01-02-20,3.0,a,0.5,extra';
    extra[30] = '2026-01-02-30,4.5,b,0.1,more,fields';
    await write('2026-01-02', extra);
    const quote = rows('2026-01-03', 40);
    quote[5] = '2026-01-03-5,"3.0,a,0.5';
    await write('2026-01-03', quote);
  });

  it('fails the window naming the file, the first bad line, its text and the count', async () => {
    const deps = depsFor(root, 'csv');
    await expect(runDrift(deps, '2026-01-02')).rejects.toThrow(
      /cannot read data file \/.*\/dt=2026-01-02\/part-0\.csv: line 22 \("2026-01-02-20,3\.0,a,0\.5,extra"\): Expected Number of Columns: 4 Found: 5 \(2 bad rows in the file\); fix or remove those rows, or remove the file/,
    );
  });

  it('names an unterminated quote too', async () => {
    await expect(runDrift(depsFor(root, 'csv'), '2026-01-03')).rejects.toThrow(
      /cannot read data file \/.*\/dt=2026-01-03\/part-0\.csv: line 7 \("2026-01-03-5,\\"3\.0,a,0\.5"\): Value with unterminated quote found\.; fix or remove that row, or remove the file/,
    );
  });

  it('leaves the other windows whole', async () => {
    const { result } = await runDrift(depsFor(root, 'csv'), '2026-01-01');
    expect(result.rows).toBe(40);
    expect(result.quality.findings.filter((f) => f.kind === 'missing_column')).toEqual([]);
  });
});
