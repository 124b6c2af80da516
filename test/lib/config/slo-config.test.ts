import { describe, expect, it } from 'vitest';
import { validateDefinition } from '../../../lib/config/load.js';

const base = {
  model: { id: 'm', task: 'binary' },
  predictions: {
    location: 'p',
    idColumn: 'id',
    timestampColumn: 'ts',
    scoreColumn: 's',
    latencyColumn: 'latency_ms',
  },
  features: [{ name: 'x', kind: 'numeric' }],
  reference: { type: 'rolling', windows: 7 },
};

const withSlos = (slos: unknown[]) => () => validateDefinition({ ...base, slos }, 'monitor.yaml');

describe('slos in the definition', () => {
  it('fill the defaults: a 30-day period, hourly windows, no per-version budgets, a 6-hour recount', () => {
    const def = validateDefinition(
      { ...base, slos: [{ name: 'fast', sli: { kind: 'latency', thresholdMs: 100 }, target: 0.999 }] },
      'monitor.yaml',
    );
    expect(def.slos).toEqual([
      {
        name: 'fast',
        sli: { kind: 'latency', thresholdMs: 100 },
        target: 0.999,
        period: 'P30D',
        window: 'PT1H',
        perVersion: false,
        recount: 'PT6H',
      },
    ]);
    expect(validateDefinition(base, 'monitor.yaml').slos).toEqual([]);
  });

  it('refuse a target of 100%, a period and a window outside the lists, naming the field', () => {
    expect(withSlos([{ name: 'a', sli: { kind: 'latency', thresholdMs: 100 }, target: 1 }])).toThrow(
      /slos\[0\]\.target.*below 1 \(an SLO of 100% has no error budget\)/,
    );
    expect(
      withSlos([{ name: 'a', sli: { kind: 'latency', thresholdMs: 100 }, target: 0.99, period: 'P7D' }]),
    ).toThrow(/slos\[0\]\.period.*"P28D", "P30D"/);
    expect(
      withSlos([{ name: 'a', sli: { kind: 'latency', thresholdMs: 100 }, target: 0.99, window: 'PT7M' }]),
    ).toThrow(/slos\[0\]\.window/);
  });

  it('refuse SLIs whose columns the predictions do not name', () => {
    expect(withSlos([{ name: 'e', sli: { kind: 'errors' }, target: 0.99 }])).toThrow(
      /slos\[0\]\.sli.*predictions\.errorColumn for an errors SLI/,
    );
    expect(
      withSlos([{ name: 'v', sli: { kind: 'latency', thresholdMs: 5 }, target: 0.99, perVersion: true }]),
    ).toThrow(/slos\[0\]\.perVersion.*predictions\.modelVersionColumn/);
    expect(
      withSlos([
        { name: 'a', sli: { kind: 'latency', thresholdMs: 5 }, target: 0.99 },
        { name: 'a', sli: { kind: 'latency', thresholdMs: 9 }, target: 0.9 },
      ]),
    ).toThrow(/slos\[1\]\.name.*not already used by slos\[0\]/);
  });

  it('take a condition as column, operator and value, never SQL', () => {
    const good = (g: unknown) => withSlos([{ name: 'c', sli: { kind: 'condition', good: g }, target: 0.99 }]);
    expect(good({ column: 'status', operator: 'in', value: ['ok', 'cached'] })).not.toThrow();
    expect(good({ column: 'fallback', operator: 'is null' })).not.toThrow();
    expect(good({ column: "status' OR 1=1 --", operator: '=', value: 'ok' })).toThrow(
      /slos\[0\]\.sli\.good\.column/,
    );
    expect(good({ column: 'status', operator: 'like', value: 'ok%' })).toThrow(
      /slos\[0\]\.sli\.good\.operator/,
    );
    expect(good({ column: 'status', operator: 'in', value: 'ok' })).toThrow(
      /a list of values with operator 'in'/,
    );
    expect(good({ column: 'status', operator: 'is null', value: 1 })).toThrow(
      /no value with operator 'is null'/,
    );
  });
});
