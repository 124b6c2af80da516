/**
 * A straightforward reference aggregator: the aggregates of lib/metrics computed row by row from
 * raw arrays, in TypeScript, with no cleverness (brute-force pairs for the DeLong placements).
 * The SQL must return the same numbers.
 */
import { type BinaryAggregates, calibrationBinIndex, LOG_LOSS_EPSILON } from '../../../lib/metrics/binary.js';
import type { ConfusionCell, MulticlassAggregates } from '../../../lib/metrics/multiclass.js';
import type { RankingAggregates } from '../../../lib/metrics/ranking.js';
import type { RegressionAggregates } from '../../../lib/metrics/regression.js';

const clip = (p: number) => Math.min(1 - LOG_LOSS_EPSILON, Math.max(LOG_LOSS_EPSILON, p));

/** Ranking aggregates of scores against 0/1 truths, by sorting and brute force. */
export function referenceRanking(y: readonly number[], s: readonly number[]): RankingAggregates {
  const n = y.length;
  const order = [...y.keys()].sort((a, b) => s[a]! - s[b]!);
  // mid-ranks
  const rank = new Array<number>(n);
  for (let i = 0; i < n; ) {
    let j = i;
    while (j + 1 < n && s[order[j + 1]!] === s[order[i]!]) j += 1;
    const mid = (i + 1 + (j + 1)) / 2;
    for (let k = i; k <= j; k += 1) rank[order[k]!] = mid;
    i = j + 1;
  }
  const pos = [...y.keys()].filter((i) => y[i] === 1);
  const neg = [...y.keys()].filter((i) => y[i] === 0);
  let positiveRankSum = 0;
  for (const i of pos) positiveRankSum += rank[i]!;
  // average precision over distinct thresholds, descending
  let averagePrecisionSum = 0;
  const distinct = [...new Set(s)].sort((a, b) => b - a);
  for (const t of distinct) {
    let at = 0;
    let tpGe = 0;
    let allGe = 0;
    for (let i = 0; i < n; i += 1) {
      if (s[i]! >= t) {
        allGe += 1;
        if (y[i] === 1) tpGe += 1;
      }
      if (s[i] === t && y[i] === 1) at += 1;
    }
    if (at > 0) averagePrecisionSum += (at * tpGe) / allGe;
  }
  // DeLong placements, brute force over pairs
  let ps = 0;
  let ps2 = 0;
  let ns = 0;
  let ns2 = 0;
  for (const i of pos) {
    let v = 0;
    for (const j of neg) v += s[j]! < s[i]! ? 1 : s[j] === s[i] ? 0.5 : 0;
    ps += v;
    ps2 += v * v;
  }
  for (const j of neg) {
    let v = 0;
    for (const i of pos) v += s[i]! > s[j]! ? 1 : s[i] === s[j] ? 0.5 : 0;
    ns += v;
    ns2 += v * v;
  }
  return {
    positives: pos.length,
    negatives: neg.length,
    positiveRankSum,
    averagePrecisionSum,
    delong: {
      positivePlacementSum: ps,
      positivePlacementSumSquares: ps2,
      negativePlacementSum: ns,
      negativePlacementSumSquares: ns2,
    },
  };
}

export function referenceBinary(
  y: readonly number[],
  s: readonly number[],
  threshold = 0.5,
  bins = 10,
): BinaryAggregates {
  let tp = 0;
  let fp = 0;
  let tn = 0;
  let fn = 0;
  let logLossSum = 0;
  let brierSum = 0;
  const calibration = Array.from({ length: bins }, () => ({ count: 0, scoreSum: 0, labelSum: 0 }));
  y.forEach((yi, i) => {
    const si = s[i]!;
    const predicted = si >= threshold ? 1 : 0;
    if (predicted === 1 && yi === 1) tp += 1;
    else if (predicted === 1) fp += 1;
    else if (yi === 1) fn += 1;
    else tn += 1;
    const p = clip(si);
    logLossSum += -(yi * Math.log(p) + (1 - yi) * Math.log(1 - p));
    brierSum += (si - yi) ** 2;
    const b = calibration[calibrationBinIndex(si, bins)]!;
    b.count += 1;
    b.scoreSum += si;
    b.labelSum += yi;
  });
  return { ...referenceRanking(y, s), threshold, tp, fp, tn, fn, logLossSum, brierSum, calibration };
}

export function referenceMulticlass(
  labels: readonly string[],
  yTrue: readonly string[],
  yPred: readonly string[],
  proba?: readonly (readonly number[])[],
): MulticlassAggregates {
  const counts = new Map<string, ConfusionCell>();
  yTrue.forEach((t, i) => {
    const key = `${t}\u0000${yPred[i]}`;
    const c = counts.get(key);
    counts.set(key, { label: t, predicted: yPred[i]!, count: (c?.count ?? 0) + 1 });
  });
  const cells = [...counts.values()];
  if (!proba) return { cells };
  let logLossSum = 0;
  yTrue.forEach((t, i) => {
    const q = proba[i]!.map(clip);
    const total = q.reduce((a, b) => a + b, 0);
    logLossSum += -Math.log(q[labels.indexOf(t)]! / total);
  });
  return {
    cells,
    probabilities: {
      classes: labels,
      oneVsRest: labels.map((c, k) =>
        referenceRanking(
          yTrue.map((t) => (t === c ? 1 : 0)),
          proba.map((row) => row[k]!),
        ),
      ),
      logLossSum,
    },
  };
}

export function referenceRegression(y: readonly number[], pred: readonly number[]): RegressionAggregates {
  const n = y.length;
  let absErrorSum = 0;
  let squaredErrorSum = 0;
  let errorSum = 0;
  let targetSum = 0;
  let targetSquaresSum = 0;
  let maxAbsError: number | null = null;
  let absolutePercentageErrorSum = 0;
  let zeroTargets = 0;
  let zeroTargetAbsErrorSum = 0;
  const abs: number[] = [];
  y.forEach((yi, i) => {
    const e = pred[i]! - yi;
    absErrorSum += Math.abs(e);
    squaredErrorSum += e * e;
    errorSum += e;
    targetSum += yi;
    targetSquaresSum += yi * yi;
    maxAbsError = Math.max(maxAbsError ?? 0, Math.abs(e));
    abs.push(Math.abs(e));
    if (yi === 0) {
      zeroTargets += 1;
      zeroTargetAbsErrorSum += Math.abs(e);
    } else absolutePercentageErrorSum += Math.abs(e) / Math.abs(yi);
  });
  const mean = targetSum / n;
  const targetSumOfSquaredDeviations = y.reduce((s, yi) => s + (yi - mean) ** 2, 0);
  abs.sort((a, b) => a - b);
  const medianAbsError = n === 0 ? null : n % 2 ? abs[(n - 1) / 2]! : (abs[n / 2 - 1]! + abs[n / 2]!) / 2;
  return {
    n,
    absErrorSum,
    squaredErrorSum,
    errorSum,
    targetSum,
    targetSquaresSum,
    targetSumOfSquaredDeviations,
    maxAbsError,
    absolutePercentageErrorSum,
    zeroTargets,
    zeroTargetAbsErrorSum,
    medianAbsError,
    medianAbsErrorExact: true,
  };
}
