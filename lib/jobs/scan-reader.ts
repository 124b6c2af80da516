/**
 * Reads the rows of a drift scan (lib/sql/drift-query.ts) back into plain objects: one
 * ScanGroup for the whole window and one per segment value.
 */
import type { Row, SqlValue } from '../ports.js';
import type { SqlDialect } from '../sql/dialect.js';
import { type DriftScanSpec, driftAliases } from '../sql/drift-query.js';

export interface NumericScan {
  present: number;
  valid: number;
  invalid: number;
  infinite: number;
  min: number | null;
  max: number | null;
  mean: number | null;
  std: number | null;
  below: number;
  above: number;
  binCounts: number[];
  /** Counts on the fine grid, when the scan asked for one. */
  fineCounts?: number[];
}

export interface CategoricalScan {
  nulls: number;
  categories: Record<string, number>;
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

function readGroup(row: Row, spec: DriftScanSpec, dialect: SqlDialect): ScanGroup {
  const group: ScanGroup = {
    rows: num(row[driftAliases.rows]),
    numeric: spec.numeric.map((feature, f) => {
      const a = driftAliases.numeric(f);
      return {
        present: num(row[a.present]),
        valid: num(row[a.valid]),
        invalid: num(row[a.invalid]),
        infinite: num(row[a.infinite]),
        min: maybe(row[a.min]),
        max: maybe(row[a.max]),
        mean: maybe(row[a.mean]),
        std: maybe(row[a.std]),
        below: num(row[a.below]),
        above: num(row[a.above]),
        binCounts: feature.edges.length
          ? dialect.readFineHistogram((row[a.bins] as string | null) ?? null, feature.edges)
          : [num(row[a.valid])],
        ...(feature.fineEdges?.length
          ? {
              fineCounts: dialect.readFineHistogram(
                (row[a.fine] as string | null) ?? null,
                feature.fineEdges,
              ),
            }
          : {}),
      };
    }),
    categorical: spec.categorical.map((_, f) => {
      const a = driftAliases.categorical(f);
      const raw = row[a.counts];
      const parsed = typeof raw === 'string' && raw.length ? (JSON.parse(raw) as Record<string, number>) : {};
      return { nulls: num(row[a.nulls]), categories: parsed };
    }),
  };
  spec.segments.forEach((column, s) => {
    if (num(row[driftAliases.segmentFlag(s)]) === 0) {
      const value = row[driftAliases.segmentValue(s)];
      group.segment = { column, value: value === null || value === undefined ? NULL_SEGMENT : String(value) };
    }
  });
  return group;
}

/** Splits scan rows into the overall group and the segment groups (sorted by column, then value). */
export function readDriftScan(
  rows: Row[],
  spec: DriftScanSpec,
  dialect: SqlDialect,
): { overall: ScanGroup; segments: ScanGroup[] } {
  const groups = rows.map((row) => readGroup(row, spec, dialect));
  const overall = groups.find((g) => !g.segment) ?? {
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
    categorical: spec.categorical.map(() => ({ nulls: 0, categories: {} })),
  };
  const order = new Map(spec.segments.map((s, i) => [s, i]));
  const segments = groups
    .filter((g) => g.segment)
    .sort(
      (x, y) =>
        (order.get(x.segment!.column) ?? 0) - (order.get(y.segment!.column) ?? 0) ||
        x.segment!.value.localeCompare(y.segment!.value),
    );
  return { overall, segments };
}
