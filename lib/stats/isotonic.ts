/**
 * Weighted isotonic (non-decreasing) regression by pool-adjacent-violators (PAV): the
 * non-decreasing sequence f minimizing sum w_i (y_i - f_i)^2. Used to calibrate binary scores
 * (lib/metrics/estimation.ts): the points are score cells in increasing score order, y the share
 * of positives in the cell and w its row count. One pass with a stack of blocks, O(n).
 *
 * @module
 */

/** One pooled block of consecutive points: indexes `[from, to]`, its weight and fitted value. */
export interface IsotonicBlock {
  readonly from: number;
  readonly to: number;
  readonly weight: number;
  readonly value: number;
}

/**
 * Fits a non-decreasing step function to `values` with `weights` (points of weight 0 are carried
 * by their neighbours: they take the value of the block they fall in). Returns the blocks in
 * order; every point belongs to exactly one.
 * @example isotonicBlocks([1, 3, 2, 4], [1, 1, 1, 1]).map((b) => b.value) // => [1, 2.5, 4]
 */
export function isotonicBlocks(values: readonly number[], weights: readonly number[]): IsotonicBlock[] {
  if (values.length !== weights.length)
    throw new Error(`isotonic regression: ${values.length} values but ${weights.length} weights`);
  const stack: { from: number; to: number; weight: number; sum: number }[] = [];
  for (let i = 0; i < values.length; i++) {
    const w = weights[i]!;
    const y = values[i]!;
    if (!(w >= 0) || !Number.isFinite(w))
      throw new Error(`isotonic regression: weight ${w} at ${i} is not >= 0`);
    if (w > 0 && !Number.isFinite(y))
      throw new Error(`isotonic regression: value ${y} at ${i} is not finite`);
    // A zero-weight point joins the previous block (or starts one that the next point absorbs).
    if (w === 0) {
      const top = stack[stack.length - 1];
      if (top) top.to = i;
      else stack.push({ from: i, to: i, weight: 0, sum: 0 });
      continue;
    }
    let block = { from: i, to: i, weight: w, sum: w * y };
    const top0 = stack[stack.length - 1];
    if (top0 && top0.weight === 0) {
      // Leading zero-weight points: absorbed by the first weighted point.
      stack.pop();
      block = { from: top0.from, to: i, weight: w, sum: w * y };
    }
    // Pool while the previous block's mean exceeds this one's.
    while (stack.length) {
      const prev = stack[stack.length - 1]!;
      if (prev.sum / prev.weight <= block.sum / block.weight) break;
      stack.pop();
      block = {
        from: prev.from,
        to: block.to,
        weight: prev.weight + block.weight,
        sum: prev.sum + block.sum,
      };
    }
    stack.push(block);
  }
  return stack.map((b) => ({
    from: b.from,
    to: b.to,
    weight: b.weight,
    value: b.weight > 0 ? b.sum / b.weight : Number.NaN,
  }));
}

/** The fitted value of every point (see {@link isotonicBlocks}). */
export function isotonicFit(values: readonly number[], weights: readonly number[]): number[] {
  const out = new Array<number>(values.length);
  for (const b of isotonicBlocks(values, weights)) for (let i = b.from; i <= b.to; i++) out[i] = b.value;
  return out;
}
