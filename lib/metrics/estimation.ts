/**
 * Performance estimated from the scores alone, before labels arrive: confidence-based performance
 * estimation (CBPE, the method NannyML documents), implemented here from its description.
 *
 * 1. Calibration: on the labelled reference, the share of positives per score cell (a fixed grid of
 *    `SCORE_GRID_CELLS` equal-width cells on [0, 1], counted by SQL) is fitted by isotonic
 *    regression (lib/stats/isotonic.ts, weighted by the cell's rows), interpolated linearly between
 *    the pooled blocks' centres. Isotonic, not histogram binning: it keeps the score's order (a
 *    calibrated score never ranks a row below a lower score), needs no choice of bin count, and on
 *    grid counts it is one O(cells) pass; the interpolation keeps a window that moved within a
 *    wide block (covariate shift) from inheriting the reference's mix inside it.
 * 2. Estimation: each row of the window is a positive with probability p = the calibrated value of
 *    its cell. The expected confusion matrix at the threshold is, over predicted positives,
 *    E[TP] = sum p and E[FP] = sum (1 - p); over predicted negatives, E[FN] = sum p and
 *    E[TN] = sum (1 - p). Accuracy, precision, recall and F1 follow from it; the expected ROC-AUC
 *    counts each row as a positive with weight p and a negative with weight 1 - p, pairs ordered by
 *    score (ties within a cell count half).
 * 3. Band: the standard error of (realized - estimate) if the calibration holds, i.e. if each
 *    row's label is an independent Bernoulli(p): the sampling of the window's labels (exact
 *    Poisson-binomial variances for accuracy and precision, the correct count and the TP count over
 *    the fixed predicted positives; for recall, F1 and ROC-AUC a parametric bootstrap on the grid,
 *    labels drawn per level as Binomial(rows, p)) plus the calibration's own fitting error (the
 *    reference's labels drawn per cell from the map, the map re-fitted, the estimate recomputed).
 *    Deterministic seed. The band is estimate +- z x SE (z = 1.96 for 95%). Not in the band: a
 *    change of the score-to-outcome relation (concept drift), which the check below detects once
 *    labels come. The reported value is bias-corrected with the same re-fits (2 x estimate
 *    - their mean): isotonic fits make probabilities too extreme where the reference is thin,
 *    which overstated accuracy by 0.002 (0.22 SE) with 20,000 reference rows and a window moved
 *    towards high scores; after the correction 0.0004. Measured coverage of the 95% band over 150
 *    seeds (test/lib/metrics/estimation.test.ts): accuracy 0.92, precision 0.933, recall 0.92,
 *    F1 0.947, ROC-AUC 0.907; without the fitting error and the correction 0.89 to 0.91.
 * 4. Check: once the window's labels arrive, expected and observed positives are compared in up to
 *    10 groups of calibrated probability (a Hosmer-Lemeshow-like sum of (O - E)^2 / V); cells the
 *    reference does not support are left out. Its null includes the map's own error (PAV is biased
 *    where the reference is thin, at the score range's ends and in sparse cells, and a map that
 *    ends at p = 1 on a 20-row block claims to be exact there): a parametric bootstrap (Efron and
 *    Tibshirani) in a null world whose truth is the map with each block shrunk by the Jeffreys
 *    prior, the map re-fitted on reference labels drawn from it, and the statistic referred to the
 *    scaled chi-square a x chi-square(nu) whose mean and variance it has there (Satterthwaite's
 *    two-moment approximation, as in Rao and Scott's second-order correction; the moments are
 *    exact given the re-fits: the window's sampling part from the Poisson-binomial cumulants).
 *    A small p-value says the score-to-outcome relation changed.
 *
 * Pure: no I/O.
 *
 * @module
 */
import { chiSquareSf } from '../stats/distributions.js';
import { isotonicBlocks } from '../stats/isotonic.js';

/** Equal-width cells on [0, 1] the scores are counted in: cell k holds floor(score x cells) = k. */
export const SCORE_GRID_CELLS = 1000;
/** The band's z: 1.96 is a 95% band. */
export const ESTIMATE_BAND_Z = 1.959963984540054;
/**
 * Support: a cell is supported when the labelled reference has at least `SUPPORT_MIN_ROWS` rows
 * within `SUPPORT_HALF_WIDTH` cells of it (a 0.05-wide score neighbourhood on the 1,000-cell grid).
 * Window rows in unsupported cells lie where the map is extrapolated (held flat past its last
 * point): the band treats their p as unknown in [0, 1].
 */
export const SUPPORT_MIN_ROWS = 10;
export const SUPPORT_HALF_WIDTH = 25;
/** Bootstrap draws for the standard errors that have no closed form. */
export const ESTIMATE_SIMULATIONS = 100;
const DEFAULT_SEED = 20261129;

/** The rows of one group in one score cell on one side of the threshold (SQL's aggregate). */
export interface ScoreCell {
  /** 0..cells-1. */
  readonly cell: number;
  /** Predicted positive (score >= threshold). */
  readonly above: boolean;
  /** Rows (predictions). */
  readonly rows: number;
  /** Rows with a usable 0/1 label. */
  readonly labelled: number;
  /** Labelled rows whose label is 1. */
  readonly positives: number;
}

/** The calibration map: a non-decreasing function over the grid's cells. */
export interface CalibrationMap {
  readonly method: 'isotonic';
  readonly cells: number;
  /**
   * Blocks of consecutive cells pooled by the isotonic fit: their calibrated probability `p`, the
   * reference rows in them and `at`, the rows' mean cell (where `p` is anchored). Between two
   * anchors a cell's probability is interpolated linearly (as scikit-learn's IsotonicRegression
   * does between its thresholds); below the first and above the last it is that block's `p`.
   */
  readonly blocks: readonly {
    readonly from: number;
    readonly to: number;
    readonly p: number;
    readonly rows: number;
    readonly at: number;
  }[];
  /** The reference's labelled rows and positives per cell ([cell, rows, positives], cells with rows only): the band re-fits the map from them. */
  readonly reference: readonly (readonly [number, number, number])[];
  /** Labelled rows and positives it was fitted on. */
  readonly rows: number;
  readonly positives: number;
}

export const ESTIMATED_METRICS = ['accuracy', 'precision', 'recall', 'f1', 'rocAuc'] as const;
export type EstimatedMetricName = (typeof ESTIMATED_METRICS)[number];

/** One estimated metric with its sampling band; `value` null with a reason when undefined. */
export interface EstimatedMetric {
  readonly value: number | null;
  readonly standardError: number | null;
  readonly lower: number | null;
  readonly upper: number | null;
  readonly reason?: string;
}

export interface PerformanceEstimate {
  /** Rows estimated over. */
  readonly rows: number;
  /** Of those, rows in cells the reference does not support ({@link supportedCells}): their p is extrapolated and the band takes it as unknown in [0, 1]. */
  readonly unsupported: number;
  readonly expectedConfusion: {
    readonly tp: number;
    readonly fp: number;
    readonly tn: number;
    readonly fn: number;
  };
  readonly metrics: Record<EstimatedMetricName, EstimatedMetric>;
}

function fitBlocks(n: ArrayLike<number>, k: ArrayLike<number>): CalibrationMap['blocks'] {
  const shares: number[] = [];
  const weights: number[] = [];
  for (let i = 0; i < n.length; i++) {
    shares.push(n[i]! > 0 ? k[i]! / n[i]! : 0);
    weights.push(n[i]!);
  }
  return isotonicBlocks(shares, weights).map((b) => {
    let at = 0;
    for (let i = b.from; i <= b.to; i++) at += i * n[i]!;
    return { from: b.from, to: b.to, p: b.value, rows: b.weight, at: b.weight > 0 ? at / b.weight : b.from };
  });
}

/**
 * Fits the calibration map on the labelled reference's cells (only `labelled` and `positives` are
 * read; both sides of the threshold of a cell are added up).
 * @example fitCalibration([{ cell: 0, above: false, rows: 4, labelled: 4, positives: 1 }], 1).blocks[0].p // => 0.25
 */
export function fitCalibration(cells: readonly ScoreCell[], gridCells = SCORE_GRID_CELLS): CalibrationMap {
  const n = new Float64Array(gridCells);
  const k = new Float64Array(gridCells);
  for (const c of cells) {
    if (!Number.isInteger(c.cell) || c.cell < 0 || c.cell >= gridCells)
      throw new Error(`score cell ${c.cell} is outside 0..${gridCells - 1}`);
    n[c.cell]! += c.labelled;
    k[c.cell]! += c.positives;
  }
  const rows = n.reduce((a, b) => a + b, 0);
  const positives = k.reduce((a, b) => a + b, 0);
  if (rows === 0)
    throw new Error(
      'the reference has no labelled row with a score in [0, 1]: estimation needs reference.labelColumn on a reference with scores',
    );
  if (positives === 0 || positives === rows)
    throw new Error(
      `the labelled reference has only one class (${rows} labelled rows, all ${positives === 0 ? 'negative' : 'positive'}): estimation needs both classes in reference.labelColumn`,
    );
  const reference: [number, number, number][] = [];
  for (let i = 0; i < gridCells; i++) if (n[i]! > 0) reference.push([i, n[i]!, k[i]!]);
  return { method: 'isotonic', cells: gridCells, blocks: fitBlocks(n, k), reference, rows, positives };
}

/**
 * Which cells the labelled reference supports: at least `minRows` labelled reference rows within
 * `halfWidth` cells (1 = supported), as a dense array of `map.cells`.
 */
export function supportedCells(
  map: Pick<CalibrationMap, 'cells' | 'reference'>,
  minRows = SUPPORT_MIN_ROWS,
  halfWidth = SUPPORT_HALF_WIDTH,
): Uint8Array {
  const prefix = new Float64Array(map.cells + 1);
  const n = new Float64Array(map.cells);
  for (const [cell, rows] of map.reference) n[cell] = rows;
  for (let i = 0; i < map.cells; i++) prefix[i + 1] = prefix[i]! + n[i]!;
  const out = new Uint8Array(map.cells);
  for (let i = 0; i < map.cells; i++) {
    const lo = Math.max(0, i - halfWidth);
    const hi = Math.min(map.cells, i + halfWidth + 1);
    out[i] = prefix[hi]! - prefix[lo]! >= minRows ? 1 : 0;
  }
  return out;
}

/** The calibrated probability of every cell (a dense array of `map.cells`). */
export function calibratedCells(map: Pick<CalibrationMap, 'cells' | 'blocks'>): Float64Array {
  const out = new Float64Array(map.cells);
  const anchors = map.blocks.filter((b) => b.rows > 0);
  let j = 0;
  for (let i = 0; i < map.cells; i++) {
    while (j < anchors.length && anchors[j]!.at < i) j++;
    if (j === 0) out[i] = anchors[0]!.p;
    else if (j === anchors.length) out[i] = anchors[anchors.length - 1]!.p;
    else {
      const a = anchors[j - 1]!;
      const b = anchors[j]!;
      out[i] = a.p + ((b.p - a.p) * (i - a.at)) / (b.at - a.at);
    }
  }
  return out;
}

/**
 * The same fit as {@link fitCalibration} then {@link calibratedCells}, into `out`, without
 * allocating (the band re-fits the map a few hundred times): PAV over the cells with rows on a
 * typed-array stack of (weight, positives, sum of cell x rows), then the linear interpolation
 * between the blocks' centres.
 */
function refitDense(
  n: Float64Array,
  k: Float64Array,
  out: Float64Array,
  stack: { w: Float64Array; s: Float64Array; at: Float64Array },
): void {
  const { w, s, at } = stack;
  let top = -1;
  for (let i = 0; i < n.length; i++) {
    const ni = n[i]!;
    if (ni === 0) continue;
    let bw = ni;
    let bs = k[i]!;
    let ba = i * ni;
    while (top >= 0 && s[top]! * bw > bs * w[top]!) {
      bw += w[top]!;
      bs += s[top]!;
      ba += at[top]!;
      top--;
    }
    top++;
    w[top] = bw;
    s[top] = bs;
    at[top] = ba;
  }
  let j = 0;
  for (let i = 0; i < out.length; i++) {
    while (j <= top && at[j]! / w[j]! < i) j++;
    if (j === 0) out[i] = s[0]! / w[0]!;
    else if (j > top) out[i] = s[top]! / w[top]!;
    else {
      const a0 = at[j - 1]! / w[j - 1]!;
      const a1 = at[j]! / w[j]!;
      const p0 = s[j - 1]! / w[j - 1]!;
      const p1 = s[j]! / w[j]!;
      out[i] = p0 + ((p1 - p0) * (i - a0)) / (a1 - a0);
    }
  }
}

/**
 * The calibration map fitted again on `sims` reference samples (each cell's positives drawn as
 * Binomial(rows, p) from `generator`: the fitted map for the band, the check's null map for the
 * check), as dense probability arrays. The same for every group and window estimated with this map,
 * so they are computed once per map object (a WeakMap) and shared: 100 re-fits of 1,000 cells are
 * 0.8 MB.
 */
const REPLICATES = new WeakMap<CalibrationMap, Map<string, Float64Array[]>>();
/**
 * The same re-fits by the map's content (its reference counts), for the few most recent maps: the
 * jobs load the stored map again for every window (a new object each time), and a backtest or the
 * demo matures 20-30 windows of one map. Bounded (`RECENT_LIMIT` entries, oldest dropped first:
 * at most about 13 MB with the check's 400 re-fits); deterministic, so sharing them changes no
 * number.
 */
const RECENT = new Map<string, Float64Array[]>();
const RECENT_LIMIT = 4;

function calibrationReplicates(
  map: CalibrationMap,
  sims: number,
  seed: number,
  generator: 'fitted' | 'null' = 'fitted',
): Float64Array[] {
  let byKey = REPLICATES.get(map);
  if (!byKey) {
    byKey = new Map();
    REPLICATES.set(map, byKey);
  }
  const key = `${generator}:${sims}:${seed}`;
  const cached = byKey.get(key);
  if (cached) return cached;
  const content = `${key}|${map.cells}|${map.reference.map((c) => c.join(',')).join(';')}|${map.blocks.map((b) => b.p).join(',')}`;
  const recent = RECENT.get(content);
  if (recent) {
    byKey.set(key, recent);
    return recent;
  }
  const rand = prng(seed);
  const probabilities = generator === 'fitted' ? calibratedCells(map) : checkNullCells(map);
  const refN = new Float64Array(map.cells);
  const refK = new Float64Array(map.cells);
  for (const [cell, n] of map.reference) refN[cell] = n;
  const stack = {
    w: new Float64Array(map.cells),
    s: new Float64Array(map.cells),
    at: new Float64Array(map.cells),
  };
  const out: Float64Array[] = [];
  for (let i = 0; i < sims; i++) {
    for (const [cell, n] of map.reference) refK[cell] = binomial(n, probabilities[cell]!, rand);
    const refit = new Float64Array(map.cells);
    refitDense(refN, refK, refit, stack);
    out.push(refit);
  }
  byKey.set(key, out);
  RECENT.set(content, out);
  if (RECENT.size > RECENT_LIMIT) RECENT.delete(RECENT.keys().next().value!);
  return out;
}

/**
 * The check's null world: the fitted map with each pooled block's share shrunk by the Jeffreys
 * prior, (positives + 1/2) / (rows + 1), then made non-decreasing again (PAV over the blocks,
 * weighted by their rows), interpolated as the map is. PAV ends the map with blocks at exactly 0
 * or 1 where the reference is thin (a short run of one class); a null drawn from those would say
 * the map is exact there, which a 20-row block is not.
 */
function checkNullCells(map: Pick<CalibrationMap, 'cells' | 'blocks'>): Float64Array {
  const blocks = map.blocks.filter((b) => b.rows > 0);
  const pooled = isotonicBlocks(
    blocks.map((b) => (b.p * b.rows + 0.5) / (b.rows + 1)),
    blocks.map((b) => b.rows),
  );
  const shrunk = blocks.map((b) => ({ from: b.from, to: b.to, rows: b.rows, at: b.at, p: b.p }));
  for (const g of pooled) for (let j = g.from; j <= g.to; j++) shrunk[j]!.p = g.value;
  return calibratedCells({ cells: map.cells, blocks: shrunk });
}

interface Confusion {
  tp: number;
  fp: number;
  tn: number;
  fn: number;
}

type Point = Record<EstimatedMetricName, number | null>;

/** Precision, recall and F1 as scikit-learn defines them (zero_division = 0). */
function fromConfusion(c: Confusion): Omit<Point, 'rocAuc'> {
  const n = c.tp + c.fp + c.tn + c.fn;
  const precision = c.tp + c.fp > 0 ? c.tp / (c.tp + c.fp) : 0;
  const recall = c.tp + c.fn > 0 ? c.tp / (c.tp + c.fn) : 0;
  return {
    accuracy: n > 0 ? (c.tp + c.tn) / n : null,
    precision,
    recall,
    f1: precision + recall > 0 ? (2 * precision * recall) / (precision + recall) : 0,
  };
}

/**
 * The metrics of levels in increasing score order with positives pos[i] and negatives neg[i]
 * (expected counts, or drawn ones); ROC-AUC counts ties within a level as half.
 */
function metricsOf(
  above: Uint8Array,
  pos: Float64Array,
  neg: Float64Array,
): { point: Point; confusion: Confusion } {
  const c: Confusion = { tp: 0, fp: 0, tn: 0, fn: 0 };
  let negBelow = 0;
  let pairs = 0;
  for (let i = 0; i < pos.length; i++) {
    const p = pos[i]!;
    const q = neg[i]!;
    if (above[i]) {
      c.tp += p;
      c.fp += q;
    } else {
      c.fn += p;
      c.tn += q;
    }
    pairs += p * (negBelow + 0.5 * q);
    negBelow += q;
  }
  const totalPos = c.tp + c.fn;
  return {
    point: {
      ...fromConfusion(c),
      rocAuc: totalPos > 0 && negBelow > 0 ? pairs / (totalPos * negBelow) : null,
    },
    confusion: c,
  };
}

/** A small deterministic PRNG (mulberry32): the bands are the same on every run. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Binomial(n, p): inversion when the smaller mean is under 5, else the normal approximation. */
function binomial(n: number, p: number, rand: () => number): number {
  if (p <= 0 || n === 0) return 0;
  if (p >= 1) return n;
  const q = p < 0.5 ? p : 1 - p;
  let k: number;
  if (n * q < 5) {
    const s = q / (1 - q);
    let pr = (1 - q) ** n;
    let cdf = pr;
    const u = rand();
    k = 0;
    while (u > cdf && k < n) {
      pr *= (s * (n - k)) / (k + 1);
      k++;
      cdf += pr;
    }
  } else {
    const z = Math.sqrt(-2 * Math.log(rand() || Number.MIN_VALUE)) * Math.cos(2 * Math.PI * rand());
    k = Math.min(n, Math.max(0, Math.round(n * q + Math.sqrt(n * q * (1 - q)) * z)));
  }
  return p === q ? k : n - k;
}

export interface EstimateOptions {
  /** Estimate over all rows (`rows`, default) or over the labelled ones only (`labelled`: to compare with a realized value). */
  readonly over?: 'rows' | 'labelled';
  readonly z?: number;
  readonly simulations?: number;
  readonly seed?: number;
}

function variance(xs: readonly number[]): number | null {
  if (xs.length < 2) return null;
  const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
  return xs.reduce((a, b) => a + (b - mean) ** 2, 0) / (xs.length - 1);
}

/**
 * The CBPE estimate of one group from its score cells and the calibration map. The standard
 * error adds two independent parts: the sampling of the window's labels (exact Poisson-binomial
 * variance for accuracy and precision; a parametric bootstrap, labels drawn per level from the
 * calibrated p, for recall, F1 and ROC-AUC) and the calibration's fitting error (the map re-fitted
 * on reference positives drawn per cell from the fitted map, the point estimate recomputed).
 * @example
 * const map = fitCalibration(referenceCells);
 * estimatePerformance(windowCells, map).metrics.accuracy // => { value, standardError, lower, upper }
 */
export function estimatePerformance(
  cells: readonly ScoreCell[],
  map: CalibrationMap,
  options: EstimateOptions = {},
): PerformanceEstimate {
  const z = options.z ?? ESTIMATE_BAND_Z;
  const which = options.over ?? 'rows';
  const levels = cells
    .filter((c) => c[which] > 0)
    .map((c) => ({ cell: c.cell, above: c.above, rows: c[which] }))
    .sort((a, b) => a.cell - b.cell || Number(a.above) - Number(b.above));
  const L = levels.length;
  const above = new Uint8Array(L);
  const rowsOf = new Float64Array(L);
  const cellOf = new Int32Array(L);
  levels.forEach((l, i) => {
    above[i] = l.above ? 1 : 0;
    rowsOf[i] = l.rows;
    cellOf[i] = l.cell;
  });
  const rows = rowsOf.reduce((a, b) => a + b, 0);
  const undefinedAll = (reason: string): EstimatedMetric => ({
    value: null,
    standardError: null,
    lower: null,
    upper: null,
    reason,
  });
  if (rows === 0) {
    const none = undefinedAll('no prediction with a score in [0, 1] in this group');
    return {
      rows: 0,
      unsupported: 0,
      expectedConfusion: { tp: 0, fp: 0, tn: 0, fn: 0 },
      metrics: { accuracy: none, precision: none, recall: none, f1: none, rocAuc: none },
    };
  }
  const pos = new Float64Array(L);
  const neg = new Float64Array(L);
  const expectedAt = (p: Float64Array) => {
    for (let i = 0; i < L; i++) {
      pos[i] = rowsOf[i]! * p[cellOf[i]!]!;
      neg[i] = rowsOf[i]! - pos[i]!;
    }
    return metricsOf(above, pos, neg);
  };
  const probabilities = calibratedCells(map);
  const { point, confusion: expected } = expectedAt(probabilities);
  let varCorrect = 0;
  let varTp = 0;
  let predictedPositive = 0;
  for (let i = 0; i < L; i++) {
    const p = probabilities[cellOf[i]!]!;
    const v = rowsOf[i]! * p * (1 - p);
    varCorrect += v;
    if (above[i]) {
      varTp += v;
      predictedPositive += rowsOf[i]!;
    }
  }

  const sims = options.simulations ?? ESTIMATE_SIMULATIONS;
  const rand = prng(options.seed ?? DEFAULT_SEED);
  const sampled: Record<'recall' | 'f1' | 'rocAuc', number[]> = { recall: [], f1: [], rocAuc: [] };
  const refitted: Record<EstimatedMetricName, number[]> = {
    accuracy: [],
    precision: [],
    recall: [],
    f1: [],
    rocAuc: [],
  };
  const drawnPos = new Float64Array(L);
  const drawnNeg = new Float64Array(L);
  const replicates = calibrationReplicates(map, sims, (options.seed ?? DEFAULT_SEED) ^ 0x5bd1e995);
  for (let s = 0; s < sims; s++) {
    // The window's labels drawn from the calibrated probabilities: the metric's sampling spread.
    for (let i = 0; i < L; i++) {
      const k = binomial(rowsOf[i]!, probabilities[cellOf[i]!]!, rand);
      drawnPos[i] = k;
      drawnNeg[i] = rowsOf[i]! - k;
    }
    const drawn = metricsOf(above, drawnPos, drawnNeg);
    if (drawn.confusion.tp + drawn.confusion.fn > 0) {
      sampled.recall.push(drawn.point.recall!);
      sampled.f1.push(drawn.point.f1!);
    }
    if (drawn.point.rocAuc !== null) sampled.rocAuc.push(drawn.point.rocAuc);
    // The map fitted again on reference labels drawn from it: the calibration's spread.
    const again = expectedAt(replicates[s]!).point;
    for (const m of ESTIMATED_METRICS) if (again[m] !== null) refitted[m].push(again[m]!);
  }
  const se = (sampling: number | null, m: EstimatedMetricName): number | null => {
    const fit = variance(refitted[m]);
    return sampling === null || fit === null ? null : Math.sqrt(sampling + fit);
  };
  const standardErrors: Record<EstimatedMetricName, number | null> = {
    accuracy: se(varCorrect / (rows * rows), 'accuracy'),
    precision: se(predictedPositive > 0 ? varTp / (predictedPositive * predictedPositive) : 0, 'precision'),
    recall: se(variance(sampled.recall), 'recall'),
    f1: se(variance(sampled.f1), 'f1'),
    rocAuc: se(variance(sampled.rocAuc), 'rocAuc'),
  };
  // Rows where the reference has no support: the map is extrapolated there, so their p is taken as
  // unknown in [0, 1] and the band reaches the extreme values of the metric over the assignments
  // all-correct, all-wrong, all-positive and all-negative of those rows (exact bounds for accuracy,
  // precision, recall and F1; the end points for ROC-AUC).
  const support = supportedCells(map);
  let unsupported = 0;
  for (let i = 0; i < L; i++) if (!support[cellOf[i]!]) unsupported += rowsOf[i]!;
  const extremes: Record<EstimatedMetricName, { min: number; max: number } | null> = {
    accuracy: null,
    precision: null,
    recall: null,
    f1: null,
    rocAuc: null,
  };
  if (unsupported > 0) {
    const assignments: ((above: boolean) => number)[] = [
      (a) => (a ? 1 : 0),
      (a) => (a ? 0 : 1),
      () => 1,
      () => 0,
    ];
    for (const assign of assignments) {
      for (let i = 0; i < L; i++) {
        const c = cellOf[i]!;
        const pi = support[c] ? probabilities[c]! : assign(above[i] === 1);
        pos[i] = rowsOf[i]! * pi;
        neg[i] = rowsOf[i]! - pos[i]!;
      }
      const at = metricsOf(above, pos, neg).point;
      for (const m of ESTIMATED_METRICS) {
        const v = at[m];
        if (v === null) continue;
        const e = extremes[m];
        extremes[m] = e ? { min: Math.min(e.min, v), max: Math.max(e.max, v) } : { min: v, max: v };
      }
    }
  }
  const metrics = {} as Record<EstimatedMetricName, EstimatedMetric>;
  for (const m of ESTIMATED_METRICS) {
    // Bootstrap bias correction: the re-fitted maps' mean estimate minus this one estimates the
    // isotonic fit's finite-sample bias (it makes probabilities too extreme where data is thin).
    const refits = refitted[m];
    const raw = point[m];
    const value =
      raw === null || refits.length < 2
        ? raw
        : Math.min(1, Math.max(0, 2 * raw - refits.reduce((a, b) => a + b, 0) / refits.length));
    const e = standardErrors[m];
    const x = extremes[m];
    const lo = x ? Math.min(value ?? x.min, x.min) : value;
    const hi = x ? Math.max(value ?? x.max, x.max) : value;
    metrics[m] =
      value === null
        ? undefinedAll(
            m === 'rocAuc' ? 'the calibrated scores expect one class only' : 'no prediction in this group',
          )
        : e === null
          ? { value, standardError: null, lower: null, upper: null }
          : {
              value,
              standardError: e,
              lower: Math.max(0, lo! - z * e),
              upper: Math.min(1, hi! + z * e),
            };
  }
  return { rows, unsupported, expectedConfusion: expected, metrics };
}

/** Re-fits of the map in the calibration check's null world (the moments of its statistic come from them). */
export const CHECK_SIMULATIONS = 400;

/** The calibration check of a window's labelled rows against the map. */
export interface CalibrationCheck {
  readonly labelled: number;
  readonly expectedPositives: number;
  readonly observedPositives: number;
  /** Sum over groups of (observed - expected)^2 / variance. */
  readonly statistic: number;
  /** The scaled chi-square its null distribution is matched to: statistic / scale ~ chi-square(degreesOfFreedom), both from the bootstrap's mean and variance (not an integer). */
  readonly scale: number;
  readonly degreesOfFreedom: number;
  readonly pValue: number | null;
  /** Per group of calibrated probability: labelled rows, mean calibrated p, observed positive share. */
  readonly groups: readonly {
    readonly labelled: number;
    readonly expected: number;
    readonly observed: number;
  }[];
}

/**
 * Compares the labelled rows' positives with the calibrated expectation in up to `groups` groups of
 * consecutive supported cells (about equal labelled rows each): T = sum over groups of
 * (O - E)^2 / V. Its null distribution includes the map's own error, since the map was fitted on a
 * finite reference and PAV is biased where the reference is thin (its ends, sparse cells): a
 * parametric bootstrap (Efron and Tibshirani) in a null world whose truth is the map shrunk away
 * from 0 and 1 ({@link checkNullCells}); each draw fits the map again on reference labels drawn
 * from that truth; the window's labels are Bernoulli from it too (their part of T's moments is
 * exact, from the Poisson-binomial's cumulants: no label draws). T, with the same V, is then
 * referred to the scaled chi-square a x chi-square(nu) with its mean and variance there
 * (Satterthwaite's two-moment approximation, as in Rao and Scott's second-order correction of
 * chi-square tests): the groups' errors are correlated through the map, so T is not a sum of
 * independent squares. V (the weights) = the Poisson-binomial variance sum p (1 - p) under the null
 * truth plus the variance of the group's expectation over the re-fits.
 */
export function checkCalibration(
  cells: readonly ScoreCell[],
  map: CalibrationMap,
  groups = 10,
): CalibrationCheck {
  const p = calibratedCells(map);
  const truth = checkNullCells(map);
  // Cells the reference does not support are left out: a miss there is extrapolation, not a
  // changed score-to-outcome relation.
  const support = supportedCells(map);
  const perCell = new Map<number, { labelled: number; positives: number }>();
  for (const c of cells) {
    if (c.labelled === 0 || !support[c.cell]) continue;
    const e = perCell.get(c.cell) ?? { labelled: 0, positives: 0 };
    e.labelled += c.labelled;
    e.positives += c.positives;
    perCell.set(c.cell, e);
  }
  const ordered = [...perCell.entries()].sort((a, b) => a[0] - b[0]);
  const labelled = ordered.reduce((a, [, e]) => a + e.labelled, 0);
  const out: { labelled: number; e: number; o: number; v: number; cells: [number, number][] }[] = [];
  let current = { labelled: 0, e: 0, o: 0, v: 0, cells: [] as [number, number][] };
  let seen = 0;
  for (const [cell, e] of ordered) {
    const t = truth[cell]!;
    current.cells.push([cell, e.labelled]);
    current.labelled += e.labelled;
    current.e += e.labelled * p[cell]!;
    current.o += e.positives;
    current.v += e.labelled * t * (1 - t);
    seen += e.labelled;
    if (seen >= ((out.length + 1) * labelled) / groups) {
      out.push(current);
      current = { labelled: 0, e: 0, o: 0, v: 0, cells: [] };
    }
  }
  if (current.labelled > 0) out.push(current);
  const replicates = calibrationReplicates(map, CHECK_SIMULATIONS, DEFAULT_SEED ^ 0x1b873593, 'null');
  const G = out.length;
  const B = replicates.length;
  // Each group's expectation under each re-fitted map (plain loops: this runs for every group of
  // every matured window).
  const refitted = out.map((g) => {
    const e = new Float64Array(B);
    for (let b = 0; b < B; b++) {
      const r = replicates[b]!;
      let sum = 0;
      for (const [cell, n] of g.cells) sum += n * r[cell]!;
      e[b] = sum;
    }
    return e;
  });
  out.forEach((g, i) => {
    const e = refitted[i]!;
    let mean = 0;
    for (let b = 0; b < B; b++) mean += e[b]!;
    mean /= B;
    let ss = 0;
    for (let b = 0; b < B; b++) ss += (e[b]! - mean) ** 2;
    if (B > 1) g.v += ss / (B - 1);
  });
  let statistic = 0;
  for (const g of out) statistic += (g.o - g.e) ** 2 / g.v;
  // The null's two moments, exactly for the draws: under the null, O - E' = X + Y with X = the
  // window's sampling (O minus its null expectation: independent per group, mean 0, the
  // Poisson-binomial's cumulants) and Y = the null expectation minus a re-fitted map's (the map's
  // error, bias included, correlated across groups: taken from the re-fits as they are).
  const pb = new Float64Array(G);
  const k3 = new Float64Array(G);
  const k4 = new Float64Array(G);
  const y1 = new Float64Array(G);
  const y2 = new Float64Array(G);
  const y4 = new Float64Array(G);
  const squares = out.map(() => new Float64Array(B));
  out.forEach((g, i) => {
    let mean = 0;
    for (const [cell, n] of g.cells) {
      const t = truth[cell]!;
      const q = t * (1 - t);
      mean += n * t;
      pb[i]! += n * q;
      k3[i]! += n * q * (1 - 2 * t);
      k4[i]! += n * q * (1 - 6 * q);
    }
    const e = refitted[i]!;
    const sq = squares[i]!;
    for (let b = 0; b < B; b++) {
      const d = mean - e[b]!;
      sq[b] = d * d;
      y1[i]! += d / B;
      y2[i]! += (d * d) / B;
      y4[i]! += (d * d * d * d) / B;
    }
  });
  let m1 = 0;
  let m2 = 0;
  for (let i = 0; i < G; i++) {
    const vi = out[i]!.v;
    m1 += (pb[i]! + y2[i]!) / vi;
    m2 += (k4[i]! + 3 * pb[i]! ** 2 + 4 * k3[i]! * y1[i]! + 6 * pb[i]! * y2[i]! + y4[i]!) / (vi * vi);
    for (let j = i + 1; j < G; j++) {
      const si = squares[i]!;
      const sj = squares[j]!;
      let both = 0;
      for (let b = 0; b < B; b++) both += si[b]! * sj[b]!;
      const cross = pb[i]! * pb[j]! + pb[i]! * y2[j]! + pb[j]! * y2[i]! + both / B;
      m2 += (2 * cross) / (vi * out[j]!.v);
    }
  }
  const spread = m2 - m1 * m1;
  const scale = m1 > 0 && spread > 0 ? spread / (2 * m1) : 1;
  const dof = m1 > 0 && spread > 0 ? (2 * m1 * m1) / spread : G;
  return {
    labelled,
    expectedPositives: out.reduce((a, g) => a + g.e, 0),
    observedPositives: out.reduce((a, g) => a + g.o, 0),
    statistic,
    scale,
    degreesOfFreedom: dof,
    pValue: G === 0 ? null : chiSquareSf(statistic / scale, dof),
    groups: out.map((g) => ({
      labelled: g.labelled,
      expected: g.e / g.labelled,
      observed: g.o / g.labelled,
    })),
  };
}
