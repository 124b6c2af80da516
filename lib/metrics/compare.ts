/**
 * Is a candidate model version better or worse than the incumbent? Two tests on the metrics of
 * the two versions over the same window (each version scores its own, disjoint rows):
 * - accuracy: the pooled two-proportion z-test, two-sided;
 * - ROC-AUC: the difference over sqrt(var1 + var2) with each variance from DeLong's method;
 *   the rows are disjoint, so the two AUCs are independent and have no covariance term (the
 *   paired DeLong test is for two scores of the SAME rows).
 *
 * @module
 */
import { type BinaryAggregates, binaryMetrics } from './binary.js';
import { twoSidedPValue } from './normal.js';
import { rocAuc, rocAucVariance } from './ranking.js';

export type ComparisonVerdict = 'candidate_better' | 'candidate_worse' | 'no_significant_difference';

/** The result of comparing a metric between two model versions. */
export type Comparison =
  | {
      readonly metric: string;
      readonly candidate: number;
      readonly incumbent: number;
      /** candidate - incumbent. */
      readonly difference: number;
      /** Standard error of the difference used by the test. */
      readonly standardError: number;
      readonly z: number;
      /** Two-sided p-value. */
      readonly pValue: number;
      readonly alpha: number;
      readonly verdict: ComparisonVerdict;
    }
  | { readonly metric: string; readonly verdict: 'undefined'; readonly reason: string };

/** The default significance level of a comparison. */
export const DEFAULT_COMPARISON_ALPHA = 0.05;

function checkAlpha(alpha: number): void {
  if (!(alpha > 0 && alpha < 1)) throw new RangeError(`alpha must be in (0, 1), got ${alpha}`);
}

function verdictOf(difference: number, pValue: number, alpha: number): ComparisonVerdict {
  if (pValue >= alpha || difference === 0) return 'no_significant_difference';
  return difference > 0 ? 'candidate_better' : 'candidate_worse';
}

/**
 * Pooled two-proportion z-test, two-sided: z = (p1 - p2) / sqrt(p (1 - p) (1 / n1 + 1 / n2)),
 * p = (x1 + x2) / (n1 + n2). When p is 0 or 1 both proportions are equal: z = 0, p-value 1.
 * @example
 * compareProportions('accuracy', { successes: 90, n: 100 }, { successes: 80, n: 100 })
 * // => { difference: 0.1, z: 1.98..., pValue: 0.0477..., verdict: 'candidate_better', ... }
 */
export function compareProportions(
  metric: string,
  candidate: { readonly successes: number; readonly n: number },
  incumbent: { readonly successes: number; readonly n: number },
  alpha = DEFAULT_COMPARISON_ALPHA,
): Comparison {
  checkAlpha(alpha);
  if (candidate.n === 0 || incumbent.n === 0) {
    return { metric, verdict: 'undefined', reason: 'a model version has no labelled rows in this window' };
  }
  const p1 = candidate.successes / candidate.n;
  const p2 = incumbent.successes / incumbent.n;
  const pooled = (candidate.successes + incumbent.successes) / (candidate.n + incumbent.n);
  const standardError = Math.sqrt(pooled * (1 - pooled) * (1 / candidate.n + 1 / incumbent.n));
  const difference = p1 - p2;
  const z = standardError === 0 ? 0 : difference / standardError;
  const pValue = standardError === 0 ? 1 : twoSidedPValue(z);
  return {
    metric,
    candidate: p1,
    incumbent: p2,
    difference,
    standardError,
    z,
    pValue,
    alpha,
    verdict: verdictOf(difference, pValue, alpha),
  };
}

/**
 * z-test of the difference of two independent estimates: z = (a - b) / sqrt(va + vb).
 * @example
 * compareIndependentEstimates('rocAuc', { value: 0.85, variance: 0.0001 }, { value: 0.8, variance: 0.0001 })
 * // => { difference: 0.05, standardError: 0.01414..., z: 3.535..., pValue: 0.000407..., verdict: 'candidate_better', ... }
 */
export function compareIndependentEstimates(
  metric: string,
  candidate: { readonly value: number; readonly variance: number },
  incumbent: { readonly value: number; readonly variance: number },
  alpha = DEFAULT_COMPARISON_ALPHA,
): Comparison {
  checkAlpha(alpha);
  const difference = candidate.value - incumbent.value;
  const standardError = Math.sqrt(candidate.variance + incumbent.variance);
  if (standardError === 0) {
    if (difference === 0) {
      return {
        metric,
        candidate: candidate.value,
        incumbent: incumbent.value,
        difference,
        standardError,
        z: 0,
        pValue: 1,
        alpha,
        verdict: 'no_significant_difference',
      };
    }
    return { metric, verdict: 'undefined', reason: 'both estimates have zero variance: no test is possible' };
  }
  const z = difference / standardError;
  const pValue = twoSidedPValue(z);
  return {
    metric,
    candidate: candidate.value,
    incumbent: incumbent.value,
    difference,
    standardError,
    z,
    pValue,
    alpha,
    verdict: verdictOf(difference, pValue, alpha),
  };
}

/**
 * Compares the accuracy at the decision threshold of two model versions (pooled two-proportion z-test).
 * @example compareAccuracy(candidateAggregates, incumbentAggregates, 0.05).verdict // => 'no_significant_difference'
 */
export function compareAccuracy(
  candidate: BinaryAggregates,
  incumbent: BinaryAggregates,
  alpha = DEFAULT_COMPARISON_ALPHA,
): Comparison {
  const c = binaryMetrics(candidate);
  const i = binaryMetrics(incumbent);
  return compareProportions(
    'accuracy',
    { successes: candidate.tp + candidate.tn, n: c.n },
    { successes: incumbent.tp + incumbent.tn, n: i.n },
    alpha,
  );
}

/**
 * Compares the ROC-AUC of two model versions scoring disjoint rows: z from the two DeLong variances.
 * @example compareRocAuc(candidateAggregates, incumbentAggregates).verdict // => 'candidate_better'
 */
export function compareRocAuc(
  candidate: BinaryAggregates,
  incumbent: BinaryAggregates,
  alpha = DEFAULT_COMPARISON_ALPHA,
): Comparison {
  const parts = [
    ['candidate', rocAuc(candidate), rocAucVariance(candidate)],
    ['incumbent', rocAuc(incumbent), rocAucVariance(incumbent)],
  ] as const;
  for (const [who, auc, variance] of parts) {
    const bad = auc.value === null ? auc : variance.value === null ? variance : undefined;
    if (bad && bad.value === null)
      return { metric: 'rocAuc', verdict: 'undefined', reason: `${who}: ${bad.reason}` };
  }
  return compareIndependentEstimates(
    'rocAuc',
    { value: parts[0][1].value as number, variance: parts[0][2].value as number },
    { value: parts[1][1].value as number, variance: parts[1][2].value as number },
    alpha,
  );
}
