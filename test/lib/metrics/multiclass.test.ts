import { describe, expect, it } from 'vitest';
import { confusionMatrix, multiclassMetrics } from '../../../lib/metrics/multiclass.js';
import { expectMulticlassOracle } from './expect-oracle.js';
import { multiclassCases } from './oracle.js';
import { referenceMulticlass } from './reference.js';

describe('multiclass metrics from aggregates against the sklearn oracle', () => {
  for (const c of multiclassCases()) {
    it(c.name, () => {
      const { labels, y_true, y_pred, y_proba } = c.input;
      const m = multiclassMetrics(referenceMulticlass(labels, y_true, y_pred, y_proba));
      expectMulticlassOracle(m, c.expected.sklearn);
    });
  }
});

describe('multiclass edge cases', () => {
  it('builds the matrix over the sorted union of labels and predictions', () => {
    expect(
      confusionMatrix([
        { label: 'b', predicted: 'a', count: 2 },
        { label: 'a', predicted: 'a', count: 3 },
      ]),
    ).toEqual({
      classes: ['a', 'b'],
      matrix: [
        [3, 0],
        [2, 0],
      ],
    });
  });
  it('without probability columns the ranking metrics are undefined, the rest computed', () => {
    const m = multiclassMetrics(referenceMulticlass(['a', 'b'], ['a', 'b', 'b'], ['a', 'a', 'b']));
    expect(m.accuracy.value).toBeCloseTo(2 / 3, 15);
    expect(m.rocAucOvrMacro.value).toBeNull();
    expect(m.logLoss.value).toBeNull();
  });
  it('a class without positives makes the OvR macro undefined, naming the class', () => {
    const m = multiclassMetrics(
      referenceMulticlass(
        ['a', 'b', 'c'],
        ['a', 'b', 'a'],
        ['a', 'b', 'b'],
        [
          [0.8, 0.1, 0.1],
          [0.2, 0.7, 0.1],
          [0.3, 0.6, 0.1],
        ],
      ),
    );
    expect(m.rocAucOvrMacro.value).toBeNull();
    expect(m.rocAucOvrMacro.value === null && m.rocAucOvrMacro.reason).toContain('"c"');
    expect(m.perClass.a!.rocAuc.value).toBe(1);
  });
  it('no labelled rows: undefined, no crash', () => {
    const m = multiclassMetrics({ cells: [] });
    expect(m.accuracy.value).toBeNull();
    expect(m.f1Macro.value).toBeNull();
  });
});
