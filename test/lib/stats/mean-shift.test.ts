import { describe, expect, it } from 'vitest';
import { meanShift } from '../../../lib/stats/mean-shift.js';

describe('meanShift', () => {
  it('is the difference of the means in reference standard deviations, with Welch z and its two-sided p', () => {
    // se = sqrt(4/100 + 9/400) = 0.25; diff = 0.5 -> z = 2, p = 0.0455003 (scipy.stats.norm.sf(2) * 2)
    const m = meanShift({ count: 100, mean: 10, std: 2 }, { count: 400, mean: 10.5, std: 3 })!;
    expect(m.shift).toBeCloseTo(0.25, 12);
    expect(m.z).toBeCloseTo(2, 12);
    expect(m.pValue).toBeCloseTo(0.0455002638963584, 9);
  });

  it('is undefined without spread or values, and symmetric in sign', () => {
    expect(meanShift({ count: 100, mean: 1, std: 0 }, { count: 100, mean: 2, std: 1 })).toBeUndefined();
    expect(meanShift({ count: 1, mean: 1, std: 1 }, { count: 100, mean: 2, std: 1 })).toBeUndefined();
    const down = meanShift({ count: 100, mean: 10, std: 2 }, { count: 400, mean: 9.5, std: 3 })!;
    expect(down.shift).toBeCloseTo(-0.25, 12);
    expect(down.pValue).toBeCloseTo(0.0455002638963584, 9);
  });
});
