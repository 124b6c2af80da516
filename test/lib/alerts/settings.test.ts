import { describe, expect, it } from 'vitest';
import { resolveRules } from '../../../lib/alerts/rules.js';
import { resolveAlertSettings } from '../../../lib/alerts/settings.js';
import { makeDefinition } from './fixtures.js';

describe('alert settings', () => {
  it('fills every default when the section is absent', () => {
    expect(makeDefinition().alerts).toBeUndefined();
    const settings = resolveAlertSettings(undefined);
    expect(settings).toMatchObject({
      enabled: true,
      reminderEvery: 'P7D',
      confirm: { required: 2, windows: 3 },
      clearWindows: 2,
      falseDiscoveryRate: 0.05,
      lateAfter: 'PT6H',
      tickets: { enabled: true, driftWindows: 3, onPerformance: true },
    });
    const rules = resolveRules(settings, 'm');
    expect(rules.find((r) => r.id === 'prediction-drift')?.openAt).toBe('warning');
    expect(rules.find((r) => r.id === 'volume')).toMatchObject({
      confirm: { required: 1, windows: 1 },
      clearWindows: 1,
    });
  });

  it('applies overrides and runbook patterns', () => {
    const settings = resolveAlertSettings({
      runbookUrl: 'https://wiki.example/{model}/{rule}',
      rules: { performance: { threshold: { type: 'relative', warning: 0.02, critical: 0.04 } } },
    });
    const perf = resolveRules(settings, 'churn').find((r) => r.id === 'performance');
    expect(perf).toMatchObject({
      threshold: { warning: 0.02 },
      runbook: 'https://wiki.example/churn/performance',
    });
  });

  it('refuses unknown rule overrides and custom ids that clash with built-ins, naming the field', () => {
    expect(() => makeDefinition({ alerts: { rules: { 'no-such-rule': {} } as never } })).toThrow(
      /alerts\.rules/,
    );
    expect(() =>
      makeDefinition({
        alerts: {
          custom: [
            {
              id: 'volume',
              source: 'drift',
              path: 'rows',
              threshold: { type: 'static', warning: 1, critical: 0 },
            },
          ],
        },
      }),
    ).toThrow(/alerts\.custom/);
  });
});
