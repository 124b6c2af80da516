import { describe, expect, it } from 'vitest';
import { binaryMetrics, expectedCalibrationError } from '../../../lib/metrics/binary.js';
import { rocAucStandardError } from '../../../lib/metrics/ranking.js';
import { expectBinaryOracle } from './expect-oracle.js';
import { binaryCases, close } from './oracle.js';
import { referenceBinary, referenceRanking } from './reference.js';

describe('binary metrics from aggregates against the sklearn oracle', () => {
  for (const c of binaryCases()) {
    it(`${c.name}`, () => {
      const agg = referenceBinary(c.input.y_true, c.input.y_score, c.input.threshold);
      const m = binaryMetrics(agg);
      expectBinaryOracle(m, c.expected.sklearn, c.expected.rank);
      // the two AUC constructions agree: rank sum and Mann-Whitney U (the positive placements)
      if (m.rocAuc.value !== null) {
        expect(close(agg.delong.positivePlacementSum / (agg.positives * agg.negatives), m.rocAuc.value)).toBe(
          true,
        );
      }
    });
  }
});

describe('undefined metrics', () => {
  it('no labelled rows: every metric undefined with a reason', () => {
    const m = binaryMetrics(referenceBinary([], []));
    for (const key of ['accuracy', 'precision', 'rocAuc', 'logLoss', 'ece'] as const) {
      expect(m[key].value).toBeNull();
    }
  });
  it('no predicted positive: precision is 0 (zero_division = 0), not undefined', () => {
    const m = binaryMetrics(referenceBinary([0, 1, 0], [0.1, 0.2, 0.3]));
    expect(m.precision).toEqual({ value: 0 });
    expect(m.f1).toEqual({ value: 0 });
  });
  it('only a 0/1 prediction logged: probability metrics undefined, the rest computed', () => {
    const agg = {
      ...referenceBinary([0, 1, 1, 0], [0, 1, 0, 0]),
      logLossSum: null,
      brierSum: null,
      calibration: null,
    };
    const m = binaryMetrics(agg);
    expect(m.logLoss.value).toBeNull();
    expect(m.ece.value).toBeNull();
    expect(m.accuracy).toEqual({ value: 0.75 });
    expect(m.rocAuc).toEqual({ value: 0.75 });
  });
});

describe('expected calibration error', () => {
  it('is the count-weighted mean gap between mean score and mean label per bin', () => {
    const y = [0, 1, 1, 0, 1, 1];
    const s = [0.05, 0.08, 0.55, 0.52, 0.95, 0.91];
    // bins 0: scores .05,.08 labels 0,1 -> |0.13 - 1|; bin 5: .55,.52 / 1,0 -> |1.07 - 1|; bin 9: .95,.91 / 2 -> |1.86 - 2|
    const expected = (Math.abs(0.13 - 1) + Math.abs(1.07 - 1) + Math.abs(1.86 - 2)) / 6;
    const ece = expectedCalibrationError(referenceBinary(y, s).calibration);
    expect(close(ece.value!, expected)).toBe(true);
  });
});

describe('DeLong standard error', () => {
  /** The DeLong (1988) formula written out literally from the pairwise kernel. */
  function bruteForceDeLong(y: number[], s: number[]): number {
    const pos = s.filter((_, i) => y[i] === 1);
    const neg = s.filter((_, i) => y[i] === 0);
    const psi = (x: number, z: number) => (x > z ? 1 : x === z ? 0.5 : 0);
    const v10 = pos.map((x) => neg.reduce((a, z) => a + psi(x, z), 0) / neg.length);
    const v01 = neg.map((z) => pos.reduce((a, x) => a + psi(x, z), 0) / pos.length);
    const auc = v10.reduce((a, b) => a + b, 0) / pos.length;
    const s10 = v10.reduce((a, v) => a + (v - auc) ** 2, 0) / (pos.length - 1);
    const s01 = v01.reduce((a, v) => a + (v - auc) ** 2, 0) / (neg.length - 1);
    return Math.sqrt(s10 / pos.length + s01 / neg.length);
  }

  it('matches a hand computation on four rows', () => {
    // positives 0.35, 0.8; negatives 0.1, 0.4: V10 = [1/2, 1], V01 = [1, 1/2], AUC = 3/4,
    // S10 = S01 = 1/8, var = 1/16 + 1/16 = 1/8
    const r = referenceRanking([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8]);
    expect(rocAucStandardError(r)).toEqual({ value: Math.sqrt(1 / 8) });
  });

  it('matches the brute-force DeLong formula on the bin_small oracle case (ties included)', () => {
    const c = binaryCases().find((x) => x.name === 'bin_small')!;
    const se = rocAucStandardError(referenceRanking(c.input.y_true, c.input.y_score));
    expect(close(se.value!, bruteForceDeLong(c.input.y_true, c.input.y_score), 1e-12)).toBe(true);
  });

  it('matches it on bin_ties (many ties across classes)', () => {
    const c = binaryCases().find((x) => x.name === 'bin_ties')!;
    const se = rocAucStandardError(referenceRanking(c.input.y_true, c.input.y_score));
    expect(close(se.value!, bruteForceDeLong(c.input.y_true, c.input.y_score), 1e-9)).toBe(true);
  });

  it('is undefined with fewer than two of a class', () => {
    expect(rocAucStandardError(referenceRanking([0, 1, 0], [0.1, 0.9, 0.2])).value).toBeNull();
  });
});
