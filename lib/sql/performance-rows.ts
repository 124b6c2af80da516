/**
 * Reads the rows of a performance query (lib/sql/performance-query.ts) back into per-group
 * aggregates for lib/metrics, with the label coverage of each group.
 *
 * @module
 */
import type { BinaryAggregates, CalibrationBin } from '../metrics/binary.js';
import { rankingFromCells, type ScoreCell } from '../metrics/grid.js';
import type {
  ClassProbabilityAggregates,
  ConfusionCell,
  MulticlassAggregates,
} from '../metrics/multiclass.js';
import type { RankingAggregates } from '../metrics/ranking.js';
import type { RegressionAggregates } from '../metrics/regression.js';
import { type ColumnarResult, columnsOfRows, type Row, type SqlValue } from '../ports.js';
import {
  calibrationColumns,
  type PerformanceGrouping,
  type PerformanceQuery,
  type ScoreGridQuery,
} from './performance-query.js';

/** Which group a result is for. */
export interface PerformanceGroup {
  readonly kind: PerformanceGrouping['kind'];
  /** The column grouped by; `null` for overall. */
  readonly column: string | null;
  /** The column's value cast to VARCHAR (`null` for overall, or for rows where the column is NULL). */
  readonly value: string | null;
}

/** How many of a group's predictions could be evaluated. */
export interface LabelCoverage {
  /** Predictions in the window. */
  readonly predictions: number;
  /** Of those, predictions whose id has one valid label (conflicts and invalid labels excluded). */
  readonly labelled: number;
  /** Predictions whose id's labels disagree (not labelled, not evaluated). */
  readonly labelConflicts: number;
  /** Predictions whose label is not one of the task's classes (not labelled, not evaluated). */
  readonly invalidLabels: number;
  /** Rows the metrics are computed on (a valid label and a valid score / prediction). */
  readonly evaluated: number;
  /** labelled / predictions; `null` when the group has no predictions. */
  readonly labelledShare: number | null;
}

export interface PerformanceGroupResult<A> {
  readonly group: PerformanceGroup;
  readonly coverage: LabelCoverage;
  readonly aggregates: A;
}

function num(row: Row, column: string): number {
  const v: SqlValue | undefined = row[column];
  if (v === null || v === undefined) return 0;
  const n = typeof v === 'number' ? v : Number(v);
  if (Number.isNaN(n)) throw new Error(`performance query: column ${column} is not a number: ${String(v)}`);
  return n;
}

function numOrNull(row: Row, column: string): number | null {
  const v = row[column];
  return v === null || v === undefined ? null : num(row, column);
}

function str(row: Row, column: string): string | null {
  const v = row[column];
  return v === null || v === undefined ? null : String(v);
}

function groupOf(row: Row, query: PerformanceQuery): PerformanceGroup {
  const id = num(row, 'grouping_id');
  const grouping = query.groupings.find((g) => g.id === id);
  if (!grouping) throw new Error(`performance query: unknown grouping_id ${id}`);
  return {
    kind: grouping.kind,
    column: grouping.column,
    value: grouping.column === null ? null : str(row, 'group_value'),
  };
}

function groupKey(row: Row): string {
  return `${num(row, 'grouping_id')}\u0000${str(row, 'group_value') ?? '\u0001null'}`;
}

function coverage(
  predictions: number,
  labelled: number,
  labelConflicts: number,
  evaluated: number,
  invalidLabels = 0,
): LabelCoverage {
  return {
    predictions,
    labelled,
    labelConflicts,
    invalidLabels,
    evaluated,
    labelledShare: predictions === 0 ? null : labelled / predictions,
  };
}

function ranking(row: Row): RankingAggregates {
  return {
    positives: num(row, 'positives'),
    negatives: num(row, 'negatives'),
    positiveRankSum: num(row, 'positive_rank_sum'),
    averagePrecisionSum: num(row, 'average_precision_sum'),
    delong: {
      positivePlacementSum: num(row, 'pos_placement_sum'),
      positivePlacementSumSquares: num(row, 'pos_placement_sum_sq'),
      negativePlacementSum: num(row, 'neg_placement_sum'),
      negativePlacementSumSquares: num(row, 'neg_placement_sum_sq'),
    },
  };
}

function checkTask(query: PerformanceQuery, task: PerformanceQuery['task']): void {
  if (query.task !== task)
    throw new Error(`performance query ${query.name} is a ${query.task} query, not ${task}`);
}

/**
 * Reads a binary performance query's rows.
 * @example readBinaryPerformance(await engine.query(q), q)[0].aggregates.tp // => 325
 */
export function readBinaryPerformance(
  rows: readonly Row[],
  query: PerformanceQuery,
): PerformanceGroupResult<BinaryAggregates>[] {
  checkTask(query, 'binary');
  if (query.grid) return readBinaryGrid(columnsOfRows(rows), query);
  const bins = query.calibrationBins ?? 10;
  return rows.map((row) => {
    const r = ranking(row);
    let calibration: CalibrationBin[] | null = null;
    if (query.hasProbability) {
      calibration = [];
      for (let k = 0; k < bins; k += 1) {
        const c = calibrationColumns(k);
        calibration.push({
          count: num(row, c.count),
          scoreSum: num(row, c.scoreSum),
          labelSum: num(row, c.labelSum),
        });
      }
    }
    const aggregates: BinaryAggregates = {
      ...r,
      threshold: query.threshold ?? 0.5,
      tp: num(row, 'tp'),
      fp: num(row, 'fp'),
      tn: num(row, 'tn'),
      fn: num(row, 'fn'),
      logLossSum: query.hasProbability ? num(row, 'log_loss_sum') : null,
      brierSum: query.hasProbability ? num(row, 'brier_sum') : null,
      calibration,
    };
    return {
      group: groupOf(row, query),
      coverage: coverage(
        num(row, 'predictions'),
        num(row, 'labelled'),
        num(row, 'label_conflicts'),
        r.positives + r.negatives,
        num(row, 'invalid_labels'),
      ),
      aggregates,
    };
  });
}

/**
 * Reads the grid path's rows (one per group, score cell, calibration bin and side of the
 * threshold): sums the coverage, confusion, calibration, log-loss and Brier parts per group, and
 * derives the ranking aggregates and their error bounds from the cells in score order
 * (lib/metrics/grid.ts). (cell, bin, above) are each non-decreasing in the score, so their
 * lexicographic order is the scores' order. Reads the result by column (`ColumnarResult`: one
 * array per output column, no object per row; `columnsOfRows` turns rows into it).
 */
export function readBinaryGrid(
  result: ColumnarResult,
  query: PerformanceQuery,
): PerformanceGroupResult<BinaryAggregates>[] {
  const bins = query.calibrationBins ?? 10;
  interface Acc {
    group: PerformanceGroup;
    predictions: number;
    labelled: number;
    conflicts: number;
    invalid: number;
    tp: number;
    fp: number;
    tn: number;
    fn: number;
    logLoss: number;
    brier: number;
    calibration: { count: number; scoreSum: number; labelSum: number }[];
    cells: { key: number; cell: ScoreCell }[];
  }
  const column = (name: string): readonly SqlValue[] => result.columns[name] ?? [];
  const number = (name: string) => {
    const values = column(name);
    return (i: number): number => {
      const v = values[i];
      if (v === null || v === undefined) return 0;
      const n = typeof v === 'number' ? v : Number(v);
      if (Number.isNaN(n)) throw new Error(`performance query: column ${name} is not a number: ${String(v)}`);
      return n;
    };
  };
  const groupingId = number('grouping_id');
  const groupValues = column('group_value');
  const [predictions, labelled, conflicts, invalid, positivesOf, negativesOf, above, logLoss, brier, calBin] =
    [
      'predictions',
      'labelled',
      'label_conflicts',
      'invalid_labels',
      'positives',
      'negatives',
      'above',
      'log_loss_sum',
      'brier_sum',
      'cal_bin',
    ].map(number) as [
      (i: number) => number,
      (i: number) => number,
      (i: number) => number,
      (i: number) => number,
      (i: number) => number,
      (i: number) => number,
      (i: number) => number,
      (i: number) => number,
      (i: number) => number,
      (i: number) => number,
    ];
  const scoreSum = number('score_sum');
  const cellKey = number('cell');
  const scoreMin = column('score_min');
  const scoreMax = column('score_max');
  const groups = new Map<string, Acc>();
  for (let i = 0; i < result.rowCount; i += 1) {
    const id = groupingId(i);
    const rawValue = groupValues[i];
    const value = rawValue === null || rawValue === undefined ? null : String(rawValue);
    const key = `${id}\u0000${value ?? '\u0001null'}`;
    let acc = groups.get(key);
    if (!acc) {
      const grouping = query.groupings.find((g) => g.id === id);
      if (!grouping) throw new Error(`performance query: unknown grouping_id ${id}`);
      acc = {
        group: {
          kind: grouping.kind,
          column: grouping.column,
          value: grouping.column === null ? null : value,
        },
        predictions: 0,
        labelled: 0,
        conflicts: 0,
        invalid: 0,
        tp: 0,
        fp: 0,
        tn: 0,
        fn: 0,
        logLoss: 0,
        brier: 0,
        calibration: Array.from({ length: bins }, () => ({ count: 0, scoreSum: 0, labelSum: 0 })),
        cells: [],
      };
      groups.set(key, acc);
    }
    acc.predictions += predictions(i);
    acc.labelled += labelled(i);
    acc.conflicts += conflicts(i);
    acc.invalid += invalid(i);
    const positives = positivesOf(i);
    const negatives = negativesOf(i);
    if (positives + negatives === 0) continue;
    if (above(i) === 1) {
      acc.tp += positives;
      acc.fp += negatives;
    } else {
      acc.fn += positives;
      acc.tn += negatives;
    }
    acc.logLoss += logLoss(i);
    acc.brier += brier(i);
    const k = calBin(i);
    const b = acc.calibration[k];
    if (!b) throw new Error(`performance query: calibration bin ${k} outside 0..${bins - 1}`);
    b.count += positives + negatives;
    b.scoreSum += scoreSum(i);
    b.labelSum += positives;
    const min = scoreMin[i];
    const max = scoreMax[i];
    acc.cells.push({
      key: cellKey(i),
      cell: {
        positives,
        negatives,
        singleValued:
          (min === null || min === undefined ? null : Number(min)) ===
          (max === null || max === undefined ? null : Number(max)),
      },
    });
  }
  return [...groups.values()]
    .sort(
      (a, b) =>
        query.groupings.findIndex((g) => g.kind === a.group.kind && g.column === a.group.column) -
          query.groupings.findIndex((g) => g.kind === b.group.kind && g.column === b.group.column) ||
        (a.group.value ?? '\uffff').localeCompare(b.group.value ?? '\uffff'),
    )
    .map((acc) => {
      // The key is non-decreasing in the score and distinct per cell (see buildBinaryGrid).
      acc.cells.sort((x, y) => x.key - y.key);
      const grid = rankingFromCells(acc.cells.map((c) => c.cell));
      const r = grid.aggregates;
      const aggregates: BinaryAggregates = {
        ...r,
        threshold: query.threshold ?? 0.5,
        tp: acc.tp,
        fp: acc.fp,
        tn: acc.tn,
        fn: acc.fn,
        logLossSum: acc.logLoss,
        brierSum: acc.brier,
        calibration: acc.calibration,
        ranking: { computation: grid.exact ? 'exact' : 'approximate', errorBounds: grid.errorBounds },
      };
      return {
        group: acc.group,
        coverage: coverage(
          acc.predictions,
          acc.labelled,
          acc.conflicts,
          r.positives + r.negatives,
          acc.invalid,
        ),
        aggregates,
      };
    });
}

/**
 * Reads a regression performance query's rows.
 * @example readRegressionPerformance(await engine.query(q), q)[0].aggregates.n // => 2000
 */
export function readRegressionPerformance(
  rows: readonly Row[],
  query: PerformanceQuery,
): PerformanceGroupResult<RegressionAggregates>[] {
  checkTask(query, 'regression');
  return rows.map((row) => ({
    group: groupOf(row, query),
    coverage: coverage(
      num(row, 'predictions'),
      num(row, 'labelled'),
      num(row, 'label_conflicts'),
      num(row, 'n'),
      num(row, 'invalid_labels'),
    ),
    aggregates: {
      n: num(row, 'n'),
      absErrorSum: num(row, 'abs_error_sum'),
      squaredErrorSum: num(row, 'squared_error_sum'),
      errorSum: num(row, 'error_sum'),
      targetSum: num(row, 'target_sum'),
      targetSquaresSum: num(row, 'target_squares_sum'),
      targetSumOfSquaredDeviations: numOrNull(row, 'target_ss'),
      maxAbsError: numOrNull(row, 'max_abs_error'),
      absolutePercentageErrorSum: num(row, 'ape_sum'),
      zeroTargets: num(row, 'zero_targets'),
      zeroTargetAbsErrorSum: num(row, 'zero_target_abs_error_sum'),
      medianAbsError: numOrNull(row, 'median_abs_error'),
      medianAbsErrorExact: query.medianIsExact ?? true,
    },
  }));
}

/**
 * Reads a multiclass performance query's rows (coverage, confusion and one-vs-rest parts) into
 * one result per group.
 * @example readMulticlassPerformance(await engine.query(q), q)[0].aggregates.cells.length // => 9
 */
export function readMulticlassPerformance(
  rows: readonly Row[],
  query: PerformanceQuery,
): PerformanceGroupResult<MulticlassAggregates>[] {
  checkTask(query, 'multiclass');
  const classes = query.probabilityClasses ?? [];
  interface Acc {
    group: PerformanceGroup;
    predictions: number;
    labelled: number;
    conflicts: number;
    cells: ConfusionCell[];
    ovr: (RankingAggregates | undefined)[];
    logLossSum: number;
  }
  const groups = new Map<string, Acc>();
  for (const row of rows) {
    const key = groupKey(row);
    let acc = groups.get(key);
    if (!acc) {
      acc = {
        group: groupOf(row, query),
        predictions: 0,
        labelled: 0,
        conflicts: 0,
        cells: [],
        ovr: [],
        logLossSum: 0,
      };
      groups.set(key, acc);
    }
    switch (row.part) {
      case 'coverage':
        acc.predictions += num(row, 'predictions');
        acc.labelled += num(row, 'labelled');
        acc.conflicts += num(row, 'label_conflicts');
        break;
      case 'confusion':
        acc.cells.push({
          label: str(row, 'label')!,
          predicted: str(row, 'predicted')!,
          count: num(row, 'n'),
        });
        break;
      case 'ovr':
        acc.ovr[num(row, 'class_index')] = ranking(row);
        acc.logLossSum += num(row, 'log_loss_sum');
        break;
      default:
        throw new Error(`performance query: unknown part ${String(row.part)}`);
    }
  }
  const empty: RankingAggregates = {
    positives: 0,
    negatives: 0,
    positiveRankSum: 0,
    averagePrecisionSum: 0,
    delong: {
      positivePlacementSum: 0,
      positivePlacementSumSquares: 0,
      negativePlacementSum: 0,
      negativePlacementSumSquares: 0,
    },
  };
  return [...groups.values()].map((acc) => {
    let probabilities: ClassProbabilityAggregates | undefined;
    if (classes.length > 0) {
      probabilities = {
        classes,
        oneVsRest: classes.map((_, i) => acc.ovr[i] ?? empty),
        logLossSum: acc.logLossSum,
      };
    }
    const evaluated = acc.cells.reduce((s, c) => s + c.count, 0);
    return {
      group: acc.group,
      coverage: coverage(acc.predictions, acc.labelled, acc.conflicts, evaluated),
      aggregates: { cells: acc.cells, probabilities },
    };
  });
}

/** One group's score cells from a score grid query. */
export interface ScoreGridGroup {
  readonly group: PerformanceGroup;
  readonly cells: {
    readonly cell: number;
    readonly above: boolean;
    readonly rows: number;
    readonly labelled: number;
    readonly positives: number;
  }[];
  /** Rows whose score is missing, not finite or outside [0, 1] (not in any cell). */
  invalidScores: number;
}

/** Reads a score grid query's rows (lib/sql/performance-query.ts `buildScoreGridQuery`) per group. */
export function readScoreGrid(rows: readonly Row[], query: ScoreGridQuery): ScoreGridGroup[] {
  const groups = new Map<string, ScoreGridGroup>();
  for (const row of rows) {
    const id = num(row, 'grouping_id');
    const grouping = query.groupings.find((g) => g.id === id);
    if (!grouping) throw new Error(`score grid query: unknown grouping_id ${id}`);
    const raw = row.group_value;
    const value = grouping.kind === 'overall' || raw === null || raw === undefined ? null : String(raw);
    const key = `${id}\u0000${value === null ? '\u0001' : value}`;
    let group = groups.get(key);
    if (!group) {
      group = { group: { kind: grouping.kind, column: grouping.column, value }, cells: [], invalidScores: 0 };
      groups.set(key, group);
    }
    const cell = num(row, 'cell');
    if (cell === -1) {
      group.invalidScores += num(row, 'n');
      continue;
    }
    if (!Number.isInteger(cell) || cell < 0 || cell >= query.cells)
      throw new Error(`score grid query: cell ${cell} is outside 0..${query.cells - 1}`);
    group.cells.push({
      cell,
      above: num(row, 'above') === 1,
      rows: num(row, 'n'),
      labelled: num(row, 'labelled'),
      positives: num(row, 'positives'),
    });
  }
  return [...groups.values()];
}
