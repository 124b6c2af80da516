import { describe, expect, it } from 'vitest';
import { alertSubject, clip, renderAlert } from '../../../lib/alerts/messages.js';
import { resolveRules } from '../../../lib/alerts/rules.js';
import { resolveAlertSettings } from '../../../lib/alerts/settings.js';
import type { Decision } from '../../../lib/alerts/types.js';
import { days, driftResult, makeDefinition } from './fixtures.js';
import { runAll, simulation } from './helpers.js';

function openedDecision(id = 'credit-default'): Decision {
  const sim = simulation(makeDefinition({ id, labels: false }));
  for (const d of days('2026-10-01', 2)) {
    sim.drift.set(
      d,
      driftResult(
        d,
        {
          features: { income: { statistic: 0.31 }, debt_to_income: { statistic: 0.19 } },
          segments: [
            { column: 'locale', value: 'es-US', rows: 1000, features: { income: { statistic: 0.42 } } },
          ],
        },
        id,
      ),
    );
  }
  return runAll(sim, days('2026-10-01', 2))
    .get('2026-10-02')!
    .find((d) => d.incident.subject === 'income')!;
}

const rule = resolveRules(resolveAlertSettings(undefined), 'credit-default').find(
  (r) => r.id === 'feature-drift',
)!;

describe('renderAlert', () => {
  it('says model, what, how bad in the subject, and what, how much, since when, where, what to do in the body', () => {
    // Act
    const message = renderAlert(openedDecision(), {
      tier: 1,
      rule,
      reportLink: 'https://reports.example/credit-default/2026-10-02',
      windowDuration: 'P1D',
    });
    // Assess
    expect(message.subject).toBe('[CRITICAL] credit-default: income drift (PSI 0.31)');
    expect(message.attributes).toMatchObject({
      model: 'credit-default',
      severity: 'critical',
      kind: 'feature_drift',
      route: 'page',
    });
    expect(message.id).toMatch(/^inc-[0-9a-f]{16}\.opened$/);
    const body = message.body;
    expect(body).toContain('A new critical incident opened for credit-default (tier 1).');
    expect(body).toContain('Observed: income drifted: PSI 0.31 (warning 0.1, critical 0.25).');
    expect(body).toContain('By how much: PSI 0.31; warning at 0.1, critical at 0.25.');
    expect(body).toContain('Since: window 2026-10-01, confirmed in 2 of the last 3 windows.');
    expect(body).toContain('Where: feature income, all rows (window 2026-10-02, P1D).');
    expect(body).toContain('  - income: PSI 0.31 (critical)');
    expect(body).toContain('  - debt_to_income: PSI 0.19 (warning)');
    expect(body).toContain('Top drifting segments:\n  - income in locale=es-US: PSI 0.42 (critical)');
    expect(body).toContain('What to do: ');
    expect(body).toContain(
      'Runbook: https://github.com/driftwatch/driftwatch/blob/main/docs/runbooks.md#feature-drift',
    );
    expect(body).toContain('Report: https://reports.example/credit-default/2026-10-02');
    expect(body).not.toMatch(/<[a-z]+>/); // plain text
  });

  it('keeps the subject under 100 characters for long model and feature names', () => {
    const decision = openedDecision('mortgage-default-risk-scorer-'.padEnd(63, 'x'));
    decision.incident.subject = 'an_exceptionally_long_feature_name_that_goes_on_and_on_and_on';
    const subject = alertSubject(decision);
    expect(subject.length).toBeLessThan(100);
    expect(subject.startsWith('[CRITICAL] mortgage-default-risk-scorer-')).toBe(true);
  });

  it('clips on a word boundary with an ellipsis', () => {
    expect(clip('one two three four', 12)).toBe('one two...');
    expect(clip('short', 12)).toBe('short');
  });

  it('marks a resolved notice', () => {
    const decision = { ...openedDecision(), type: 'resolved' as const };
    decision.incident = { ...decision.incident, status: 'resolved', resolvedWindow: '2026-10-05' };
    const message = renderAlert(decision, { tier: 1, rule, reportLink: 'r', windowDuration: 'P1D' });
    expect(message.subject).toBe('[RESOLVED] credit-default: income drift resolved');
    expect(message.attributes.severity).toBe('resolved');
    expect(message.body).toContain('resolved 2026-10-05');
  });
});
