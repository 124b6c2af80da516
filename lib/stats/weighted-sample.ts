/**
 * Weighted samples: sorted distinct values with their counts. The query engine returns value
 * counts (never more rows than the window), so KS and Wasserstein work on this form.
 *
 * @module
 */

import { StatsInputError } from './errors.js';

/** Sorted distinct finite values and their positive integer counts. */
export interface WeightedSample {
  values: number[];
  counts: number[];
}

/**
 * Build a weighted sample (sorted distinct values + counts) from raw finite values.
 *
 * @throws StatsInputError when a value is not finite.
 * @example
 * ```ts
 * toWeightedSample([3, 1, 3, 2]) // => { values: [1, 2, 3], counts: [1, 1, 2] }
 * ```
 */
export function toWeightedSample(values: readonly number[]): WeightedSample {
  for (const v of values) {
    if (!Number.isFinite(v))
      throw new StatsInputError(`toWeightedSample: value ${v} is not finite; clean first`);
  }
  const sorted = Float64Array.from(values).sort();
  const outValues: number[] = [];
  const outCounts: number[] = [];
  for (const v of sorted) {
    const last = outValues.length - 1;
    if (last >= 0 && outValues[last] === v) outCounts[last] = (outCounts[last] as number) + 1;
    else {
      outValues.push(v);
      outCounts.push(1);
    }
  }
  return { values: outValues, counts: outCounts };
}

/**
 * Check a weighted sample (strictly increasing finite values, non-negative integer counts,
 * same lengths, positive total) and return its total count.
 *
 * @throws StatsInputError when the sample is malformed or empty.
 * @example
 * ```ts
 * validateWeightedSample({ values: [1, 2], counts: [3, 4] }, 'reference') // => 7
 * ```
 */
export function validateWeightedSample(sample: WeightedSample, label: string): number {
  const { values, counts } = sample;
  if (values.length !== counts.length) {
    throw new StatsInputError(
      `${label}: values (${values.length}) and counts (${counts.length}) differ in length`,
    );
  }
  let total = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i] as number;
    const c = counts[i] as number;
    if (!Number.isFinite(v)) throw new StatsInputError(`${label}: value ${v} is not finite`);
    if (i > 0 && !(v > (values[i - 1] as number))) {
      throw new StatsInputError(`${label}: values must be strictly increasing (index ${i})`);
    }
    if (!(c >= 0) || !Number.isInteger(c))
      throw new StatsInputError(`${label}: count ${c} is not a non-negative integer`);
    total += c;
  }
  if (total <= 0) throw new StatsInputError(`${label}: no observations`);
  return total;
}
