/**
 * Reads the rows of a drift scan (lib/sql/drift-query.ts) back into plain objects: one
 * ScanGroup for the whole window and one per segment value. With `combinations` grouping every
 * row is one combination of segment values, and the groups are merged here: counts and
 * histograms add up, min and max combine, mean and std merge with Chan's parallel formula
 * (Chan, Golub and LeVeque, "Updating formulae and a pairwise algorithm for computing sample
 * variances", 1979), exact up to rounding.
 */
import type { QueryEngine, Row, SqlValue } from '../ports.js';
import type { SqlDialect } from '../sql/dialect.js';
import {
  buildDriftScan,
  type DriftScanSpec,
  driftAliases,
  regroupCounts,
  scanBounds,
  splitDriftScan,
} from '../sql/drift-query.js';

export interface NumericScan {
  present: number;
  valid: number;
  invalid: number;
  infinite: number;
  /** Null when there are no finite values, or when the scan left min and max out (`minMax: false`). */
  min: number | null;
  max: number | null;
  mean: number | null;
  std: number | null;
  below: number;
  above: number;
  binCounts: number[];
  /** Counts on the fine grid, when the scan asked for one; the whole window only (never a segment's). */
  fineCounts?: number[];
}

export interface CategoricalScan {
  nulls: number;
  /** Count per category, at most the scan's category limit (the most frequent ones). */
  categories: Record<string, number>;
  /**
   * Non-null values of categories not listed (exact). When it is 0 every category is listed (an
   * absent one has count 0); otherwise an absent category's count is unknown (somewhere in here).
   */
  other: number;
}

export interface ScanGroup {
  /** `undefined` for the whole window. */
  segment?: { column: string; value: string };
  rows: number;
  numeric: NumericScan[];
  categorical: CategoricalScan[];
}

/** The label used for a null segment value. */
export const NULL_SEGMENT = '(null)';

function num(value: SqlValue | undefined): number {
  return typeof value === 'number' ? value : value === null || value === undefined ? 0 : Number(value);
}

function maybe(value: SqlValue | undefined): number | null {
  return value === null || value === undefined ? null : Number(value);
}

/** Counts per reference bin (and fine-grid bin), below and above the range, from the counts on `scanBounds`. */
function splitBounds(
  feature: DriftScanSpec['numeric'][number],
  counts: number[],
): Pick<NumericScan, 'binCounts' | 'below' | 'above' | 'fineCounts'> {
  const { bounds, lowIndex, highIndex } = scanBounds(feature);
  const sum = (from: number, to: number) => counts.slice(from, to).reduce((x, y) => x + y, 0);
  return {
    binCounts: regroupCounts(bounds, counts, feature.edges),
    // counts[j] holds [bounds[j-1], bounds[j]): below the range is j <= lowIndex, above j > highIndex.
    below: lowIndex === undefined ? 0 : sum(0, lowIndex + 1),
    above: highIndex === undefined ? 0 : sum(highIndex + 1, counts.length),
    ...(feature.fineEdges?.length ? { fineCounts: regroupCounts(bounds, counts, feature.fineEdges) } : {}),
  };
}

function readGroup(row: Row, spec: DriftScanSpec, dialect: SqlDialect): ScanGroup {
  const rows = num(row[driftAliases.rows]);
  const group: ScanGroup = {
    rows,
    numeric: spec.numeric.map((feature, f) => {
      const a = driftAliases.numeric(f);
      const { bounds } = scanBounds(feature);
      const present = num(row[a.present]);
      const parsed = feature.numericType ? present : num(row[a.parsed]);
      const counts = bounds.length
        ? dialect.readFineHistogram((row[a.bins] as string | null) ?? null, bounds)
        : undefined;
      const valid = counts ? counts.reduce((x, y) => x + y, 0) : num(row[a.valid]);
      const split = counts ? splitBounds(feature, counts) : { binCounts: [valid], below: 0, above: 0 };
      return {
        present,
        valid,
        invalid: present - parsed,
        infinite: parsed - valid,
        min: feature.minMax === false ? null : maybe(row[a.min]),
        max: feature.minMax === false ? null : maybe(row[a.max]),
        mean: maybe(row[a.mean]),
        std: maybe(row[a.std]),
        ...split,
      };
    }),
    categorical: spec.categorical.map((_, f) => {
      const raw = row[driftAliases.categorical(f).counts];
      const categories =
        typeof raw === 'string' && raw.length ? (JSON.parse(raw) as Record<string, number>) : {};
      let listed = 0;
      for (const count of Object.values(categories)) listed += count;
      const presentRaw = row[driftAliases.categorical(f).present];
      const present = presentRaw === null || presentRaw === undefined ? listed : Number(presentRaw);
      return { nulls: rows - present, categories, other: Math.max(0, present - listed) };
    }),
  };
  return group;
}

function emptyGroup(spec: DriftScanSpec): ScanGroup {
  return {
    rows: 0,
    numeric: spec.numeric.map((f) => ({
      present: 0,
      valid: 0,
      invalid: 0,
      infinite: 0,
      min: null,
      max: null,
      mean: null,
      std: null,
      below: 0,
      above: 0,
      binCounts: new Array(f.edges.length + 1).fill(0),
      ...(f.fineEdges?.length ? { fineCounts: new Array(f.fineEdges.length + 1).fill(0) } : {}),
    })),
    categorical: spec.categorical.map(() => ({ nulls: 0, categories: {}, other: 0 })),
  };
}

const addArrays = (x: number[], y: number[]) => x.map((v, i) => v + (y[i] ?? 0));

function mergeNumeric(x: NumericScan, y: NumericScan): NumericScan {
  const valid = x.valid + y.valid;
  let mean: number | null = null;
  let std: number | null = null;
  if (x.valid === 0) ({ mean, std } = y);
  else if (y.valid === 0) ({ mean, std } = x);
  else {
    // Chan et al.: M2 = M2x + M2y + delta^2 * nx * ny / n, mean = mean_x + delta * ny / n.
    const delta = y.mean! - x.mean!;
    mean = x.mean! + (delta * y.valid) / valid;
    const m2 = x.std! ** 2 * x.valid + y.std! ** 2 * y.valid + (delta * delta * x.valid * y.valid) / valid;
    std = Math.sqrt(Math.max(m2, 0) / valid);
  }
  return {
    present: x.present + y.present,
    valid,
    invalid: x.invalid + y.invalid,
    infinite: x.infinite + y.infinite,
    min: x.min === null ? y.min : y.min === null ? x.min : Math.min(x.min, y.min),
    max: x.max === null ? y.max : y.max === null ? x.max : Math.max(x.max, y.max),
    mean,
    std,
    below: x.below + y.below,
    above: x.above + y.above,
    binCounts: addArrays(x.binCounts, y.binCounts),
    ...(x.fineCounts && y.fineCounts ? { fineCounts: addArrays(x.fineCounts, y.fineCounts) } : {}),
  };
}

/**
 * Adds two groups' category counts, exactly: a category stays listed only when both sides know its
 * count (listed, or a side without `other` where absent means 0); any other listed count moves into
 * `other`, so the listed counts and the total stay exact.
 */
export function mergeCategorical(x: CategoricalScan, y: CategoricalScan): CategoricalScan {
  const categories: Record<string, number> = {};
  let other = x.other + y.other;
  for (const [value, count] of Object.entries(x.categories)) {
    const theirs = y.categories[value];
    if (theirs !== undefined) categories[value] = count + theirs;
    else if (y.other === 0) categories[value] = count;
    else other += count;
  }
  for (const [value, count] of Object.entries(y.categories)) {
    if (value in x.categories) continue;
    if (x.other === 0) categories[value] = count;
    else other += count;
  }
  return { nulls: x.nulls + y.nulls, categories, other };
}

/** The sum of scan groups (the groups must come from the same spec). */
export function mergeGroups(groups: readonly ScanGroup[], spec: DriftScanSpec): ScanGroup {
  return groups.reduce<ScanGroup>(
    (acc, g) => ({
      rows: acc.rows + g.rows,
      numeric: acc.numeric.map((n, i) => mergeNumeric(n, g.numeric[i]!)),
      categorical: acc.categorical.map((c, i) => mergeCategorical(c, g.categorical[i]!)),
    }),
    emptyGroup(spec),
  );
}

function segmentValue(value: SqlValue | undefined): string {
  return value === null || value === undefined ? NULL_SEGMENT : String(value);
}

/** Splits scan rows into the overall group and the segment groups (sorted by column, then value). */
export function readDriftScan(
  rows: Row[],
  spec: DriftScanSpec,
  dialect: SqlDialect,
): { overall: ScanGroup; segments: ScanGroup[] } {
  const read = rows.map((row) => ({ row, group: readGroup(row, spec, dialect) }));
  let overall: ScanGroup;
  const segments: ScanGroup[] = [];
  if (spec.grouping === 'sets') {
    // One row per grouping set: the overall row has every flag set.
    overall = emptyGroup(spec);
    for (const { row, group } of read) {
      const s = spec.segments.findIndex((_, i) => num(row[driftAliases.segmentFlag(i)]) === 0);
      if (s < 0) overall = group;
      else
        segments.push({
          ...group,
          segment: { column: spec.segments[s]!, value: segmentValue(row[driftAliases.segmentValue(s)]) },
        });
    }
  } else {
    overall = mergeGroups(
      read.map((r) => r.group),
      spec,
    );
    spec.segments.forEach((column, s) => {
      const byValue = new Map<string, ScanGroup[]>();
      for (const { row, group } of read) {
        const value = segmentValue(row[driftAliases.segmentValue(s)]);
        const groups = byValue.get(value) ?? [];
        groups.push(group);
        byValue.set(value, groups);
      }
      for (const [value, groups] of byValue)
        segments.push({ ...mergeGroups(groups, spec), segment: { column, value } });
    });
  }
  // Segments are judged on their (merged) decile bins, never on the fine grid: its counts serve
  // the whole window's KS and Wasserstein only (a segment's KS uses its bins), so they are not
  // kept per segment (148 segment values made a 19.9 MB profile of fine counts before).
  for (const g of segments) {
    g.numeric = g.numeric.map(({ fineCounts: _, ...rest }) => rest);
  }
  const order = new Map(spec.segments.map((s, i) => [s, i]));
  segments.sort(
    (x, y) =>
      (order.get(x.segment!.column) ?? 0) - (order.get(y.segment!.column) ?? 0) ||
      x.segment!.value.localeCompare(y.segment!.value),
  );
  return { overall, segments };
}

/**
 * The most query text one query may have per engine, in bytes, for the queries that grow with the
 * columns (drift scan, order statistics): Athena refuses more than 262,144; the budget leaves room.
 * DuckDB has no limit (one query).
 */
export const QUERY_TEXT_BUDGET: Readonly<Record<SqlDialect['name'], number>> = {
  athena: 200_000,
  duckdb: Number.POSITIVE_INFINITY,
};

/**
 * Runs the drift scan of `spec` on `engine` and reads it: one query, or, when its text would
 * exceed the engine's budget, one query per column group (splitDriftScan) whose groups are joined
 * back column by column. The result is the same as one scan's.
 */
export async function runDriftScan(
  engine: QueryEngine,
  spec: DriftScanSpec,
  budget = QUERY_TEXT_BUDGET[engine.dialect.name],
): Promise<{ overall: ScanGroup; segments: ScanGroup[] }> {
  const parts = splitDriftScan(spec, engine.dialect, budget);
  const read: { overall: ScanGroup; segments: ScanGroup[] }[] = [];
  for (const part of parts) {
    read.push(readDriftScan(await engine.query(buildDriftScan(part, engine.dialect)), part, engine.dialect));
  }
  if (read.length === 1) return read[0]!;
  const join = (groups: ScanGroup[]): ScanGroup => ({
    ...groups[0]!,
    numeric: groups.flatMap((g) => g.numeric),
    categorical: groups.flatMap((g) => g.categorical),
  });
  const key = (g: ScanGroup) => `${g.segment!.column}\u0000${g.segment!.value}`;
  const bySegment = new Map<string, ScanGroup[]>();
  for (const part of read) {
    for (const g of part.segments) bySegment.set(key(g), [...(bySegment.get(key(g)) ?? []), g]);
  }
  const segments = read[0]!.segments.map((g) => {
    const groups = bySegment.get(key(g))!;
    if (groups.length !== read.length)
      throw new Error(`drift scan parts disagree on segment ${g.segment!.column}=${g.segment!.value}`);
    return join(groups);
  });
  return { overall: join(read.map((r) => r.overall)), segments };
}
