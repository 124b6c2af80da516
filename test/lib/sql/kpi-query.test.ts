/**
 * The KPI query in DuckDB against numbers computed here row by row (no SQL), for the prediction
 * log and for the outcomes joined by id (late, duplicated and out-of-window outcomes); its Athena
 * rendering parsed by a Trino grammar and checked against Athena's limits.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TrinoSQL } from 'dt-sql-parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DuckDbQueryEngine } from '../../../lib/adapters/duckdb-engine.js';
import { athenaQueryProblems } from '../../../lib/sql/athena-limits.js';
import { athenaDialect, duckdbDialect } from '../../../lib/sql/dialect.js';
import { quoteString } from '../../../lib/sql/identifiers.js';
import {
  buildKpiQuery,
  type KpiGroupRow,
  type KpiQueryItem,
  type KpiQuerySpec,
  readKpiRows,
} from '../../../lib/sql/kpi-query.js';

let engine: DuckDbQueryEngine;
let dir: string;

interface Pred {
  id: string;
  dt: string;
  score: number;
  region: string;
  version: string;
  amount: number | null;
  flag: string | null;
}
interface Outcome {
  id: string;
  dt: string;
  revenue: number;
  converted: number;
}

/** A deterministic pseudo-random sequence (LCG), so expected values are reproducible. */
function lcg(seed: number): () => number {
  let x = seed;
  return () => {
    x = (x * 1103515245 + 12345) % 2147483648;
    return x / 2147483648;
  };
}

const rand = lcg(7);
const PREDS: Pred[] = Array.from({ length: 400 }, (_, i) => ({
  id: `p${i}`,
  // 10 rows the day before the window: never counted.
  dt: i < 10 ? '2026-01-19' : '2026-01-20',
  score: Math.round(rand() * 1000) / 1000,
  region: ['north', 'south', 'east'][i % 3] as string,
  version: i % 4 === 0 ? 'v2' : 'v1',
  amount: i % 17 === 0 ? null : Math.round(rand() * 10000) / 100,
  flag: i % 13 === 0 ? null : rand() < 0.3 ? 'true' : 'false',
}));
// Outcomes for 70% of ids, arriving over several days; some ids twice (the later arrival wins),
// and some arriving after the run's bound (not yet known).
const OUTCOMES: Outcome[] = PREDS.flatMap((p, i) => {
  if (i % 10 >= 7) return [];
  const first = {
    id: p.id,
    dt: `2026-01-2${2 + (i % 5)}`,
    revenue: Math.round(rand() * 500),
    converted: rand() < 0.4 ? 1 : 0,
  };
  return i % 9 === 0
    ? [first, { id: p.id, dt: '2026-01-27', revenue: first.revenue + 100, converted: 1 }]
    : [first];
});
const UNTIL = '2026-01-27'; // outcomes in dt < 2026-01-27: the second arrivals and dt=01-27 are unseen

beforeAll(async () => {
  engine = await DuckDbQueryEngine.create({ threads: 1 });
  dir = mkdtempSync(join(tmpdir(), 'driftwatch-kpi-'));
  const csv = (name: string, header: string, rows: string[]) => {
    const file = join(dir, `${name}.csv`);
    writeFileSync(file, `${[header, ...rows].join('\n')}\n`);
    return quoteString(file);
  };
  const preds = csv(
    'preds',
    'prediction_id,dt,score,region,model_version,amount,flag',
    PREDS.map((p) => [p.id, p.dt, p.score, p.region, p.version, p.amount ?? '', p.flag ?? ''].join(',')),
  );
  await engine.execute(
    `CREATE TABLE preds AS SELECT * FROM read_csv(${preds}, header = true, nullstr = '', columns = {'prediction_id': 'VARCHAR', 'dt': 'VARCHAR', 'score': 'DOUBLE', 'region': 'VARCHAR', 'model_version': 'VARCHAR', 'amount': 'DOUBLE', 'flag': 'VARCHAR'})`,
  );
  const outs = csv(
    'outs',
    'prediction_id,dt,revenue,converted',
    OUTCOMES.map((o) => [o.id, o.dt, o.revenue, o.converted].join(',')),
  );
  await engine.execute(
    `CREATE TABLE outs AS SELECT * FROM read_csv(${outs}, header = true, columns = {'prediction_id': 'VARCHAR', 'dt': 'VARCHAR', 'revenue': 'DOUBLE', 'converted': 'INTEGER'})`,
  );
});
afterAll(async () => {
  await engine.close();
  rmSync(dir, { recursive: true, force: true });
});

const KPIS_PRED: KpiQueryItem[] = [
  { aggregate: 'rate', column: 'flag', per: 'prediction' },
  { aggregate: 'mean', column: 'amount', per: 'positive_decision' },
  {
    aggregate: 'sum',
    column: 'amount',
    per: 'prediction',
    where: { column: 'region', operator: '!=', value: 'east' },
  },
  {
    aggregate: 'mean',
    column: 'amount',
    per: 'prediction',
    where: { column: 'score', operator: '<', value: 0.25 },
  },
];

function spec(extra: Partial<KpiQuerySpec> = {}): KpiQuerySpec {
  return {
    dialect: duckdbDialect,
    predictionsRelation: 'preds',
    predictionIdColumn: 'prediction_id',
    window: { from: '2026-01-20', to: '2026-01-21' },
    segmentColumns: ['region'],
    modelVersionColumn: 'model_version',
    decision: { scoreColumn: 'score', threshold: 0.5 },
    kpis: KPIS_PRED,
    ...extra,
  };
}

/** The expected cell of one KPI over `rows`, computed row by row. */
function expected(
  rows: readonly Pred[],
  k: KpiQueryItem,
  read: (p: Pred, column: string) => unknown,
): { n: number; s: number; value: number | null } {
  let n = 0;
  let s = 0;
  for (const p of rows) {
    if (k.per === 'positive_decision' && !(p.score >= 0.5)) continue;
    if (k.where) {
      const v = read(p, k.where.column);
      if (v === null || v === undefined) continue;
      const w = k.where.value;
      const truth = v === 1 || v === true || v === 'true';
      const ok =
        typeof w === 'boolean'
          ? truth === w
          : k.where.operator === '!='
            ? v !== w
            : k.where.operator === '<'
              ? (v as number) < (w as number)
              : v === w;
      if (!ok) continue;
    }
    const v = read(p, k.column);
    if (v === null || v === undefined) continue;
    n += 1;
    s += k.aggregate === 'rate' ? (v === 'true' || v === 1 ? 1 : 0) : (v as number);
  }
  return { n, s, value: k.aggregate === 'sum' ? s : n ? s / n : null };
}

function groupRows(all: readonly Pred[], g: KpiGroupRow['group']): Pred[] {
  const inWindow = all.filter((p) => p.dt === '2026-01-20');
  if (g.kind === 'overall') return inWindow;
  if (g.kind === 'segment') return inWindow.filter((p) => p.region === g.value);
  return inWindow.filter((p) => p.version === g.value);
}

function expectCells(
  actual: KpiGroupRow,
  kpis: readonly KpiQueryItem[],
  read: (p: Pred, c: string) => unknown,
) {
  const rows = groupRows(PREDS, actual.group);
  expect(actual.rows).toBe(rows.length);
  kpis.forEach((k, i) => {
    const e = expected(rows, k, read);
    const a = actual.cells[i]!;
    expect(a.n).toBe(e.n);
    expect(a.s).toBeCloseTo(e.s, 6);
    if (e.value === null) expect(a.value).toBeNull();
    else expect(a.value).toBeCloseTo(e.value, 9);
  });
}

describe('buildKpiQuery on the prediction log', () => {
  it('matches row-by-row sums overall, per segment and per model version', async () => {
    const s = spec();
    const groups = readKpiRows(await engine.query(buildKpiQuery(s)), s);
    expect(groups.map((g) => (g.group.kind === 'overall' ? 'all' : g.group.value))).toEqual([
      'all',
      'east',
      'north',
      'south',
      'v1',
      'v2',
    ]);
    for (const g of groups) expectCells(g, KPIS_PRED, (p, c) => (p as unknown as Record<string, unknown>)[c]);
    // The numbers are not trivial: the window's rows only, some NULLs skipped.
    expect(groups[0]!.rows).toBe(390);
    expect(groups[0]!.cells[0]!.n).toBeLessThan(390);
  });

  it('reads a positive decision from a 0/1 prediction column when there is no score', async () => {
    const s = spec({
      segmentColumns: [],
      modelVersionColumn: undefined,
      decision: { predictionColumn: 'flag', threshold: 0.5 },
      kpis: [{ aggregate: 'mean', column: 'amount', per: 'positive_decision' }],
    });
    const [all] = readKpiRows(await engine.query(buildKpiQuery(s)), s);
    const rows = PREDS.filter((p) => p.dt === '2026-01-20' && p.flag === 'true' && p.amount !== null);
    expect(all!.cells[0]!.n).toBe(rows.length);
    expect(all!.cells[0]!.value).toBeCloseTo(
      rows.reduce((a, p) => a + (p.amount as number), 0) / rows.length,
      9,
    );
  });

  it('keeps a hostile where value a literal', async () => {
    const s = spec({
      kpis: [
        {
          aggregate: 'rate',
          column: 'flag',
          per: 'prediction',
          where: { column: 'region', operator: '=', value: "x'); DROP TABLE preds; --" },
        },
      ],
    });
    const groups = readKpiRows(await engine.query(buildKpiQuery(s)), s);
    expect(groups[0]!.cells[0]).toEqual({ n: 0, s: 0, value: null, nulls: 0, unreadable: 0 });
    expect(
      (await engine.query({ sql: 'SELECT count(*) AS n FROM preds', parameters: [], name: 't' }))[0]!.n,
    ).toBe(400);
  });
});

describe('buildKpiQuery with the outcomes joined by id', () => {
  const kpis: KpiQueryItem[] = [
    { aggregate: 'sum', column: 'revenue', per: 'positive_decision' },
    { aggregate: 'rate', column: 'converted', per: 'prediction' },
    {
      aggregate: 'mean',
      column: 'revenue',
      per: 'prediction',
      where: { column: 'converted', operator: '=', value: true },
    },
  ];
  const s = spec({
    kpis,
    outcomes: { relation: 'outs', idColumn: 'prediction_id', partitioned: true, until: UNTIL },
  });

  // The outcome each id has as of UNTIL: the latest arrival before it.
  const known = new Map<string, Outcome>();
  for (const o of [...OUTCOMES].sort((a, b) => a.dt.localeCompare(b.dt)))
    if (o.dt < UNTIL) known.set(o.id, o);
  const read = (p: Pred, c: string) =>
    (known.get(p.id) as unknown as Record<string, unknown> | undefined)?.[c];

  it('matches row-by-row sums, with only the outcomes that had arrived', async () => {
    const groups = readKpiRows(await engine.query(buildKpiQuery(s)), s);
    expect(groups).toHaveLength(6);
    for (const g of groups) {
      expectCells(g, kpis, read);
      expect(g.outcomeRows).toBe(groupRows(PREDS, g.group).filter((p) => known.has(p.id)).length);
    }
  });

  it('sees the later arrivals once the bound moves past them', async () => {
    const later = { ...s, outcomes: { ...s.outcomes!, until: '2026-02-01' } };
    const [before] = readKpiRows(await engine.query(buildKpiQuery(s)), s);
    const [after] = readKpiRows(await engine.query(buildKpiQuery(later)), later);
    // The 2nd arrivals replace the first ones (converted 1): more conversions, same outcome count.
    expect(after!.outcomeRows).toBe(before!.outcomeRows);
    expect(after!.cells[1]!.s).toBeGreaterThan(before!.cells[1]!.s);
  });

  it('reads only the outcomes that arrived from the lower bound on (the partitions Athena then prunes)', async () => {
    const FROM = '2026-01-24';
    const bounded = { ...s, outcomes: { ...s.outcomes!, from: FROM } };
    const seen = new Map<string, Outcome>();
    for (const o of [...OUTCOMES].sort((a, b) => a.dt.localeCompare(b.dt)))
      if (o.dt >= FROM && o.dt < UNTIL) seen.set(o.id, o);
    const readBounded = (p: Pred, c: string) =>
      (seen.get(p.id) as unknown as Record<string, unknown> | undefined)?.[c];
    const groups = readKpiRows(await engine.query(buildKpiQuery(bounded)), bounded);
    for (const g of groups) {
      expectCells(g, kpis, readBounded);
      expect(g.outcomeRows).toBe(groupRows(PREDS, g.group).filter((p) => seen.has(p.id)).length);
    }
    // The bound removed some outcomes (those of 01-22 and 01-23), so it was applied.
    expect(groups[0]!.outcomeRows).toBeLessThan(
      PREDS.filter((p) => p.dt === '2026-01-20' && known.has(p.id)).length,
    );
    const athena = buildKpiQuery({ ...bounded, dialect: athenaDialect, predictionsRelation: '"db"."p"' });
    expect(athena.parameters).toEqual(['2026-01-20', '2026-01-21', FROM, UNTIL]);
    expect(athena.sql).toContain('FROM outs WHERE "dt" >= ? AND "dt" < ?)');
  });

  it('renders valid Trino SQL within Athena limits, parameters only in WHERE', () => {
    const athena = buildKpiQuery({ ...s, dialect: athenaDialect, predictionsRelation: '"db"."p"' });
    expect(athena.parameters).toEqual(['2026-01-20', '2026-01-21', UNTIL]);
    expect(athenaQueryProblems(athena.name, athena.sql)).toEqual([]);
    expect(new TrinoSQL().validate(athena.sql.replaceAll('?', "'x'"))).toEqual([]);
    const plain = buildKpiQuery({ ...spec(), dialect: athenaDialect });
    expect(athenaQueryProblems(plain.name, plain.sql)).toEqual([]);
    expect(new TrinoSQL().validate(plain.sql.replaceAll('?', "'x'"))).toEqual([]);
  });
});
