import { describe, expect, it } from 'vitest';
import { chooseMethod, getMethod, listMethods, UnknownDriftMethodError } from '../../../lib/stats/index.js';

describe('registry', () => {
  it('describes every method', () => {
    expect(listMethods().map((d) => d.name)).toEqual([
      'psi',
      'kl',
      'jensenshannon',
      'wasserstein',
      'hellinger',
      'ks',
      'chisquare',
      'ztest',
      'linf',
    ]);
    for (const d of listMethods()) {
      expect(d.defaultThresholds.warning).toBeLessThan(d.defaultThresholds.critical);
      expect(d.featureKinds.length).toBeGreaterThan(0);
    }
  });

  it('has PSI defaults 0.1 and 0.25', () => {
    expect(getMethod('psi').defaultThresholds).toEqual({ warning: 0.1, critical: 0.25 });
    expect(getMethod('ks').kind).toBe('test');
  });

  it('throws UnknownDriftMethodError listing the available names', () => {
    let err: unknown;
    try {
      getMethod('psy');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(UnknownDriftMethodError);
    expect((err as Error).name).toBe('UnknownDriftMethodError');
    expect((err as Error).message).toContain('psi, kl, jensenshannon');
  });
});

describe('chooseMethod', () => {
  it('picks by kind and size', () => {
    expect(chooseMethod('numeric', 500, 800)).toBe('ks');
    expect(chooseMethod('numeric', 1_000_000, 800)).toBe('ks');
    expect(chooseMethod('numeric', 5000, 5000)).toBe('psi');
    expect(chooseMethod('categorical', 500, 500, 2)).toBe('ztest');
    expect(chooseMethod('categorical', 500, 500, 5)).toBe('chisquare');
    expect(chooseMethod('categorical', 50_000, 50_000, 2)).toBe('psi');
  });
});
