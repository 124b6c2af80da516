/**
 * Multiclass classification metrics from aggregates: the confusion counts (label x predicted
 * class) and, when one probability column per class is logged, one-vs-rest ranking aggregates per
 * class. Follows scikit-learn 1.2.1 (checked against test/fixtures/oracle): the classes of
 * precision, recall and F1 are the sorted union of the labels and the predictions,
 * zero_division = 0, micro/macro/weighted averages as in `precision_recall_fscore_support`, and
 * one-vs-rest ROC-AUC as in `roc_auc_score(multi_class="ovr")`.
 *
 * @module
 */
import { defined, type MetricValue, NO_LABELLED_ROWS, undefinedMetric } from './metric-value.js';
import { averagePrecision, type RankingAggregates, rocAuc } from './ranking.js';

/** How many labelled rows had this label and this predicted class. */
export interface ConfusionCell {
  readonly label: string;
  readonly predicted: string;
  readonly count: number;
}

/** Aggregates of the class probabilities, when one probability column per class is logged. */
export interface ClassProbabilityAggregates {
  /** The classes that have a probability column, in the order of `oneVsRest`. */
  readonly classes: readonly string[];
  /** Per class: the class's probability as the score, the label being that class as the truth. */
  readonly oneVsRest: readonly RankingAggregates[];
  /**
   * Sum over rows of -ln(q_y), q = the probabilities clipped to [eps, 1 - eps] and divided by
   * their row sum (scikit-learn's log loss), y the row's label. Rows whose label has no
   * probability column contribute nothing (and make log loss undefined).
   */
  readonly logLossSum: number;
}

export interface MulticlassAggregates {
  /** Confusion counts of the labelled rows that have a prediction. Zero cells may be omitted. */
  readonly cells: readonly ConfusionCell[];
  readonly probabilities?: ClassProbabilityAggregates | undefined;
}

/** Metrics of one class, one-vs-rest. */
export interface ClassMetrics {
  readonly precision: MetricValue;
  readonly recall: MetricValue;
  readonly f1: MetricValue;
  /** Labelled rows of this class. */
  readonly support: number;
  /** Rows predicted as this class. */
  readonly predicted: number;
  /** One-vs-rest ROC-AUC of the class's probability (undefined without probability columns). */
  readonly rocAuc: MetricValue;
  /** One-vs-rest average precision of the class's probability. */
  readonly averagePrecision: MetricValue;
}

export interface MulticlassMetrics {
  /** Labelled rows with a prediction. */
  readonly n: number;
  /** Sorted union of the labels and the predicted classes seen. */
  readonly classes: readonly string[];
  /** Rows = label, columns = predicted class, both in `classes` order. */
  readonly confusionMatrix: readonly (readonly number[])[];
  readonly accuracy: MetricValue;
  readonly precisionMacro: MetricValue;
  readonly recallMacro: MetricValue;
  readonly f1Macro: MetricValue;
  readonly precisionMicro: MetricValue;
  readonly recallMicro: MetricValue;
  readonly f1Micro: MetricValue;
  readonly precisionWeighted: MetricValue;
  readonly recallWeighted: MetricValue;
  readonly f1Weighted: MetricValue;
  readonly perClass: Readonly<Record<string, ClassMetrics>>;
  /** Mean of the per-class one-vs-rest ROC-AUCs (every probability class must have both truths). */
  readonly rocAucOvrMacro: MetricValue;
  /** The same, weighted by each class's support. */
  readonly rocAucOvrWeighted: MetricValue;
  /** Mean of the per-class one-vs-rest average precisions. */
  readonly averagePrecisionOvrMacro: MetricValue;
  readonly logLoss: MetricValue;
}

const NO_PROBABILITIES = 'no class probability columns are logged';

function ratioOrZero(numerator: number, denominator: number): number {
  return denominator === 0 ? 0 : numerator / denominator;
}

function compareCodePoints(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * The confusion matrix over the sorted union of labels and predictions.
 * @example
 * confusionMatrix([{ label: 'b', predicted: 'a', count: 2 }, { label: 'a', predicted: 'a', count: 3 }])
 * // => { classes: ['a', 'b'], matrix: [[3, 0], [2, 0]] }
 */
export function confusionMatrix(cells: readonly ConfusionCell[]): { classes: string[]; matrix: number[][] } {
  const classes = [...new Set(cells.filter((c) => c.count > 0).flatMap((c) => [c.label, c.predicted]))].sort(
    compareCodePoints,
  );
  const index = new Map(classes.map((c, i) => [c, i]));
  const matrix = classes.map(() => classes.map(() => 0));
  for (const cell of cells) {
    if (cell.count === 0) continue;
    matrix[index.get(cell.label)!]![index.get(cell.predicted)!]! += cell.count;
  }
  return { classes, matrix };
}

function mean(values: readonly number[]): number {
  return values.reduce((s, v) => s + v, 0) / values.length;
}

function weightedMean(values: readonly number[], weights: readonly number[]): MetricValue {
  const total = weights.reduce((s, w) => s + w, 0);
  if (total === 0) return undefinedMetric(NO_LABELLED_ROWS);
  return defined(values.reduce((s, v, i) => s + v * weights[i]!, 0) / total);
}

function ovrSummary(
  probabilities: ClassProbabilityAggregates | undefined,
  n: number,
): Pick<
  MulticlassMetrics,
  'rocAucOvrMacro' | 'rocAucOvrWeighted' | 'averagePrecisionOvrMacro' | 'logLoss'
> & {
  perClass: Map<string, { rocAuc: MetricValue; averagePrecision: MetricValue }>;
} {
  const perClass = new Map<string, { rocAuc: MetricValue; averagePrecision: MetricValue }>();
  if (!probabilities) {
    const none = undefinedMetric(NO_PROBABILITIES);
    return {
      rocAucOvrMacro: none,
      rocAucOvrWeighted: none,
      averagePrecisionOvrMacro: none,
      logLoss: none,
      perClass,
    };
  }
  const aucs: MetricValue[] = [];
  const aps: MetricValue[] = [];
  probabilities.classes.forEach((cls, i) => {
    const r = probabilities.oneVsRest[i]!;
    const auc = rocAuc(r);
    const ap = averagePrecision(r);
    aucs.push(auc);
    aps.push(ap);
    perClass.set(cls, { rocAuc: auc, averagePrecision: ap });
  });
  const failing = (values: readonly MetricValue[]) =>
    probabilities.classes.filter((_, i) => values[i]!.value === null).map((c) => JSON.stringify(c));
  const aucFailing = failing(aucs);
  const apFailing = failing(aps);
  const supports = probabilities.oneVsRest.map((r) => r.positives);
  const covered = supports.reduce((s, v) => s + v, 0);
  let rocAucOvrMacro: MetricValue;
  let rocAucOvrWeighted: MetricValue;
  if (n === 0) {
    rocAucOvrMacro = rocAucOvrWeighted = undefinedMetric(NO_LABELLED_ROWS);
  } else if (aucFailing.length > 0) {
    rocAucOvrMacro = rocAucOvrWeighted = undefinedMetric(
      `one-vs-rest ROC-AUC is not defined for class ${aucFailing.join(', ')} (a class without positive or negative labels)`,
    );
  } else {
    const values = aucs.map((a) => a.value as number);
    rocAucOvrMacro = defined(mean(values));
    rocAucOvrWeighted = weightedMean(values, supports);
  }
  const averagePrecisionOvrMacro: MetricValue =
    n === 0
      ? undefinedMetric(NO_LABELLED_ROWS)
      : apFailing.length > 0
        ? undefinedMetric(
            `average precision is not defined for class ${apFailing.join(', ')} (no positive label)`,
          )
        : defined(mean(aps.map((a) => a.value as number)));
  const logLoss: MetricValue =
    n === 0
      ? undefinedMetric(NO_LABELLED_ROWS)
      : covered !== n
        ? undefinedMetric(`${n - covered} labelled rows have a label without a probability column`)
        : defined(probabilities.logLossSum / n);
  return { rocAucOvrMacro, rocAucOvrWeighted, averagePrecisionOvrMacro, logLoss, perClass };
}

/**
 * Computes every multiclass metric from a group's aggregates. Nothing throws: undefined metrics
 * come back as `{ value: null, reason }`.
 * @example
 * const m = multiclassMetrics({ cells: [{ label: 'cat', predicted: 'cat', count: 556 }, ...] });
 * m.f1Macro // => { value: 0.7624142170002548 }
 */
export function multiclassMetrics(a: MulticlassAggregates): MulticlassMetrics {
  const { classes, matrix } = confusionMatrix(a.cells);
  const k = classes.length;
  const support = matrix.map((row) => row.reduce((s, v) => s + v, 0));
  const predicted = classes.map((_, j) => matrix.reduce((s, row) => s + row[j]!, 0));
  const tp = classes.map((_, i) => matrix[i]![i]!);
  const n = support.reduce((s, v) => s + v, 0);
  const ovr = ovrSummary(a.probabilities, n);
  const noProbabilityClass = a.probabilities ? 'this class has no probability column' : NO_PROBABILITIES;

  const precision = classes.map((_, i) => ratioOrZero(tp[i]!, predicted[i]!));
  const recall = classes.map((_, i) => ratioOrZero(tp[i]!, support[i]!));
  const f1 = classes.map((_, i) => ratioOrZero(2 * tp[i]!, support[i]! + predicted[i]!));
  const perClass: Record<string, ClassMetrics> = {};
  classes.forEach((cls, i) => {
    const ranking = ovr.perClass.get(cls);
    perClass[cls] = {
      precision: defined(precision[i]!),
      recall: defined(recall[i]!),
      f1: defined(f1[i]!),
      support: support[i]!,
      predicted: predicted[i]!,
      rocAuc: ranking?.rocAuc ?? undefinedMetric(noProbabilityClass),
      averagePrecision: ranking?.averagePrecision ?? undefinedMetric(noProbabilityClass),
    };
  });

  if (n === 0 || k === 0) {
    const none = undefinedMetric(NO_LABELLED_ROWS);
    return {
      n,
      classes,
      confusionMatrix: matrix,
      accuracy: none,
      precisionMacro: none,
      recallMacro: none,
      f1Macro: none,
      precisionMicro: none,
      recallMicro: none,
      f1Micro: none,
      precisionWeighted: none,
      recallWeighted: none,
      f1Weighted: none,
      perClass,
      rocAucOvrMacro: ovr.rocAucOvrMacro,
      rocAucOvrWeighted: ovr.rocAucOvrWeighted,
      averagePrecisionOvrMacro: ovr.averagePrecisionOvrMacro,
      logLoss: ovr.logLoss,
    };
  }
  const correct = tp.reduce((s, v) => s + v, 0);
  const predictedTotal = predicted.reduce((s, v) => s + v, 0);
  const microP = ratioOrZero(correct, predictedTotal);
  const microR = ratioOrZero(correct, n);
  return {
    n,
    classes,
    confusionMatrix: matrix,
    accuracy: defined(correct / n),
    precisionMacro: defined(mean(precision)),
    recallMacro: defined(mean(recall)),
    f1Macro: defined(mean(f1)),
    precisionMicro: defined(microP),
    recallMicro: defined(microR),
    f1Micro: defined(ratioOrZero(2 * microP * microR, microP + microR)),
    precisionWeighted: weightedMean(precision, support),
    recallWeighted: weightedMean(recall, support),
    f1Weighted: weightedMean(f1, support),
    perClass,
    rocAucOvrMacro: ovr.rocAucOvrMacro,
    rocAucOvrWeighted: ovr.rocAucOvrWeighted,
    averagePrecisionOvrMacro: ovr.averagePrecisionOvrMacro,
    logLoss: ovr.logLoss,
  };
}
