import { describe, expect, it } from 'vitest';
import { validateDefinition } from '../../../lib/config/load.js';
import { demoDefinition } from '../../../lib/demo/definition.js';

function withCanary(canary: unknown, predictions: Record<string, unknown> = {}) {
  const def = demoDefinition('data') as unknown as Record<string, Record<string, unknown>>;
  return { ...def, predictions: { ...def.predictions, ...predictions }, canary };
}

describe('canary settings', () => {
  it('fills the defaults: the newest version, hourly windows, alpha 0.05', () => {
    const def = validateDefinition(withCanary({ latencyBound: 250 }));
    expect(def.canary).toMatchObject({
      candidate: { newest: true },
      window: 'PT1H',
      falseRollbackRate: 0.05,
      minimumRows: 1000,
      margins: { errorRate: 0.005, latencyOverBound: 0.02, misclassification: 0.02, scoreShift: 0.25 },
    });
  });

  it('names the field, the value and the fix for a bad canary', () => {
    expect(() => validateDefinition(withCanary({ window: 'PT5H' }))).toThrow(
      /canary.window: got "PT5H"; expected whole hours that divide a day/,
    );
    expect(() => validateDefinition(withCanary({ candidate: { newest: false } }))).toThrow(
      /canary.candidate/,
    );
    expect(() => validateDefinition(withCanary({ falseRollbackRate: 0.7 }))).toThrow(
      /canary.falseRollbackRate/,
    );
    expect(() => validateDefinition(withCanary({}, { modelVersionColumn: undefined }))).toThrow(
      /predictions.modelVersionColumn: missing; expected the column naming the model version/,
    );
    expect(() => validateDefinition(withCanary({ maximumDuration: 'PT1H', window: 'PT2H' }))).toThrow(
      /canary.maximumDuration: got "PT1H"; expected at least one canary window/,
    );
  });

  it('takes the strictest latency SLO threshold as the latency bound when none is given', () => {
    const base = withCanary({}, { latencyColumn: 'latency_ms' }) as Record<string, unknown>;
    const slos = [
      { name: 'p-300', sli: { kind: 'latency', thresholdMs: 300 }, target: 0.99 },
      { name: 'p-150', sli: { kind: 'latency', thresholdMs: 150 }, target: 0.999 },
      {
        name: 'ok-status',
        sli: { kind: 'condition', good: { column: 'region', operator: 'is not null' } },
        target: 0.99,
      },
    ];
    expect(validateDefinition({ ...base, slos }).canary?.latencyBound).toBe(150);
    // An explicit bound wins; without a latency SLO there is none.
    const explicit = withCanary({ latencyBound: 250 }, { latencyColumn: 'latency_ms' }) as Record<
      string,
      unknown
    >;
    expect(validateDefinition({ ...explicit, slos }).canary?.latencyBound).toBe(250);
    expect(validateDefinition({ ...base, slos: slos.slice(2) }).canary?.latencyBound).toBeUndefined();
  });
});
