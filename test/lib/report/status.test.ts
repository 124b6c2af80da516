import { describe, expect, it } from 'vitest';
import { overallStatus, rankFeatures, thresholdRatio } from '../../../lib/report/status.js';
import { driftResult, feature, noDataResult } from './fixtures.js';

describe('rankFeatures', () => {
  it('orders critical, warning, insufficient data, none, then by statistic over threshold, then by name', () => {
    const ranked = rankFeatures([
      feature('alpha', 0.01),
      feature('beta', 0.15),
      feature('gamma', 0.3),
      feature('delta', null),
      feature('epsilon', 0.2),
      feature('zeta', 0.2, { threshold: 0.05 }),
      feature('aardvark', 0.01),
    ]);
    expect(ranked.map((f) => f.name)).toEqual([
      'gamma',
      'zeta',
      'epsilon',
      'beta',
      'delta',
      'aardvark',
      'alpha',
    ]);
  });
});

describe('thresholdRatio', () => {
  it('divides the statistic by the warning threshold and is null without a statistic', () => {
    expect(thresholdRatio({ statistic: 0.3, threshold: 0.1 })).toBeCloseTo(3);
    expect(thresholdRatio({ statistic: null, threshold: 0.1 })).toBeNull();
    expect(thresholdRatio({ statistic: 0.3, threshold: 0 })).toBeNull();
  });
});

describe('overallStatus', () => {
  const calm = driftResult('2026-03-01', [feature('a', 0.01)], {
    quality: { findings: [], features: [], volume: { rows: 500 } },
  });

  it('is healthy without drift, finding or incident', () => {
    expect(overallStatus(calm, [])).toBe('healthy');
  });

  it('takes the worst of features, findings and incidents', () => {
    expect(overallStatus(driftResult('2026-03-01', [feature('a', 0.01)]), [])).toBe('warning');
    expect(overallStatus(driftResult('2026-03-01', [feature('a', 0.3)]), [])).toBe('critical');
    expect(overallStatus(calm, [{ id: 'i', title: 't', severity: 'critical', openedAt: '2026-03-01' }])).toBe(
      'critical',
    );
  });

  it('is no data without a result or for a window without predictions', () => {
    expect(overallStatus(undefined, [])).toBe('no_data');
    expect(overallStatus(noDataResult('2026-03-01'), [])).toBe('no_data');
  });
});
