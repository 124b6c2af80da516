/**
 * Ranking metrics from scores aggregated on a grid of cells (the performance job's grid path,
 * lib/sql/performance-query.ts `ranking: 'grid'`), with PROVEN error bounds.
 *
 * A cell is a set of scores that a monotone map sends to one key (a level floor((s - lo) x
 * scale) on an equal-width grid, refined by the calibration bin and the side of the threshold,
 * or the score itself). Because the map is monotone, every score of a lower cell is <= every
 * score of a higher cell, and two rows in different cells are ordered exactly as their scores
 * are. Only the pairs inside one cell are uncertain, and only when the cell holds more than one
 * distinct score (`singleValued: false`): a cell whose rows all share one score is a tie, which
 * the exact metrics also treat as a tie, so it is exact.
 *
 * The grid treats every cell as one tied score. With, for cell l, p_l positives and n_l negatives,
 * P and N the totals:
 *
 * ROC-AUC. AUC = (1 / PN) sum over (positive i, negative j) of [s_i > s_j] + [s_i = s_j] / 2.
 *   A pair in different cells gets the same term from the grid and from the scores. A pair in one
 *   cell gets 1/2 from the grid and one of {0, 1/2, 1} from the scores: an error of at most 1/2.
 *   So |AUC - AUC_grid| <= (sum over multi-valued cells of p_l n_l) / (2 P N). The bound is reached
 *   when, in every cell, every positive scores above every negative (test: "tight").
 *
 * DeLong standard error. A positive's placement (negatives below + half those tied) lies in
 *   [B_l, B_l + n_l] (B_l the negatives in lower cells); the grid uses the midpoint, so each
 *   differs by at most d_i = n_l / 2 (a negative's: p_l / 2). The sum of squared deviations of m
 *   values x is ||C x||^2, C the centring projection (norm 1); by the triangle inequality
 *   | ||C x|| - ||C x'|| | <= ||C (x - x')|| <= ||x - x'|| <= sqrt(D), D = sum of d_i^2. The
 *   standard error is sqrt(a SS10 + b SS01) = || (sqrt(a) ||C x10||, sqrt(b) ||C x01||) ||, with
 *   a = 1 / ((P - 1) N^2 P) and b = 1 / ((N - 1) P^2 N) (see rocAucVariance), so again by the
 *   triangle inequality |SE - SE_grid| <= sqrt(a D10 + b D01), D10 = sum of p_l (n_l / 2)^2 and
 *   D01 = sum of n_l (p_l / 2)^2 over the multi-valued cells.
 *
 * Average precision (scikit-learn's): AP = (1 / P) sum over positives i of prec(s_i), prec(s) =
 *   (positives scored >= s) / (rows scored >= s). For a positive in cell l, with A_l rows and Q_l
 *   positives in higher cells, prec = (Q_l + q) / (A_l + q + r), q the cell's positives at or
 *   above s_i (1 <= q <= p_l) and r its negatives at or above (0 <= r <= n_l). That is increasing
 *   in q (Q_l <= A_l) and decreasing in r, so prec <= (Q_l + p_l) / (A_l + p_l), and, as the j-th
 *   highest positive of the cell has q >= j, the cell's sum is >= sum over j = 1..p_l of
 *   f(j) = (Q_l + j) / (A_l + n_l + j) >= the integral of f over [0, p_l] (f is increasing)
 *   = p_l - (A_l + n_l - Q_l) ln(1 + p_l / (A_l + n_l)). The grid's term
 *   p_l (Q_l + p_l) / (A_l + p_l + n_l) = p_l f(p_l) lies between the two, so the error of the
 *   cell is at most the larger distance to them, and |AP - AP_grid| <= (sum of those) / P.
 *
 * @module
 */
import type { RankingAggregates } from './ranking.js';

/** One cell of the grid: its evaluated rows by class, and whether they all share one score. */
export interface ScoreCell {
  readonly positives: number;
  readonly negatives: number;
  /** Every evaluated row of the cell has the same score (its pairs are exact ties). */
  readonly singleValued: boolean;
}

/** The proven bounds |exact - grid| of the ranking metrics. */
export interface RankingErrorBounds {
  readonly rocAuc: number;
  readonly rocAucStandardError: number;
  readonly averagePrecision: number;
}

/** The ranking aggregates the grid implies, and how far the metrics from them can be from exact. */
export interface GridRanking {
  /** As if every cell were one tied score: feed them to rocAuc, averagePrecision, rocAucStandardError. */
  readonly aggregates: RankingAggregates;
  readonly errorBounds: RankingErrorBounds;
  /** Every bound is 0: the metrics equal the exact ones (up to floating point). */
  readonly exact: boolean;
}

/**
 * Ranking aggregates and error bounds from cells in ascending score order.
 * @example
 * // one cell holding a positive above a negative (AUC 1), graded as a tie (0.5): bound 0.5
 * rankingFromCells([{ positives: 1, negatives: 1, singleValued: false }]).errorBounds.rocAuc // => 0.5
 */
export function rankingFromCells(cells: readonly ScoreCell[]): GridRanking {
  let positives = 0;
  let negatives = 0;
  for (const c of cells) {
    positives += c.positives;
    negatives += c.negatives;
  }
  // Ascending: a positive's placement = negatives in lower cells + half the cell's negatives.
  let negativesBelow = 0;
  let positivePlacementSum = 0;
  let positivePlacementSumSquares = 0;
  let pairsInCells = 0;
  let d10 = 0;
  let d01 = 0;
  for (const c of cells) {
    const x = negativesBelow + c.negatives / 2;
    positivePlacementSum += c.positives * x;
    positivePlacementSumSquares += c.positives * x * x;
    negativesBelow += c.negatives;
    if (!c.singleValued) {
      pairsInCells += c.positives * c.negatives;
      d10 += (c.positives * c.negatives * c.negatives) / 4;
      d01 += (c.negatives * c.positives * c.positives) / 4;
    }
  }
  // Descending: a negative's placement = positives in higher cells + half the cell's positives;
  // the precision at a cell counts the rows at or above it.
  let positivesAbove = 0;
  let rowsAbove = 0;
  let negativePlacementSum = 0;
  let negativePlacementSumSquares = 0;
  let averagePrecisionSum = 0;
  let averagePrecisionSlack = 0;
  for (let l = cells.length - 1; l >= 0; l -= 1) {
    const c = cells[l]!;
    const y = positivesAbove + c.positives / 2;
    negativePlacementSum += c.negatives * y;
    negativePlacementSumSquares += c.negatives * y * y;
    if (c.positives > 0) {
      const p = c.positives;
      const grid = (p * (positivesAbove + p)) / (rowsAbove + p + c.negatives);
      averagePrecisionSum += grid;
      if (!c.singleValued) {
        const high = (p * (positivesAbove + p)) / (rowsAbove + p);
        const base = rowsAbove + c.negatives;
        const gap = base - positivesAbove;
        const low = gap === 0 ? p : p - gap * Math.log1p(p / base);
        averagePrecisionSlack += Math.max(high - grid, grid - low, 0);
      }
    }
    positivesAbove += c.positives;
    rowsAbove += c.positives + c.negatives;
  }
  const both = positives > 0 && negatives > 0;
  const rocAuc = both ? pairsInCells / (2 * positives * negatives) : 0;
  let standardError = 0;
  if (positives >= 2 && negatives >= 2) {
    const a = 1 / ((positives - 1) * negatives * negatives * positives);
    const b = 1 / ((negatives - 1) * positives * positives * negatives);
    standardError = Math.sqrt(a * d10 + b * d01);
  }
  const averagePrecision = positives > 0 ? averagePrecisionSlack / positives : 0;
  return {
    aggregates: {
      positives,
      negatives,
      positiveRankSum: positivePlacementSum + (positives * (positives + 1)) / 2,
      averagePrecisionSum,
      delong: {
        positivePlacementSum,
        positivePlacementSumSquares,
        negativePlacementSum,
        negativePlacementSumSquares,
      },
    },
    errorBounds: { rocAuc, rocAucStandardError: standardError, averagePrecision },
    exact: rocAuc === 0 && standardError === 0 && averagePrecision === 0,
  };
}
