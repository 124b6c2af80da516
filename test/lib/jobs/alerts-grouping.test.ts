/**
 * One page per cause: the alerts job sends the decisions of one model and window as one message,
 * ranked with the top suspected cause first; the incidents stay separate. Also the quiet-day line
 * and the replay over a date range.
 */
import { describe, expect, it } from 'vitest';
import { MemoryResultStore } from '../../../lib/adapters/memory-store.js';
import { emptyState } from '../../../lib/alerts/types.js';
import { alertKeys, runAlerts, runAlertsRange, runLine } from '../../../lib/jobs/alerts.js';
import type { QualityFinding } from '../../../lib/jobs/drift-result.js';
import { resultKeys, shiftDate, windowFor } from '../../../lib/jobs/windows.js';
import { days, driftResult, makeDefinition, RecordingNotifier } from '../alerts/fixtures.js';

const clockAfter = (date: string) => ({ now: () => new Date(`${shiftDate(date, 1)}T02:00:00Z`) });

const outOfRange = (feature: string, share: number): QualityFinding => ({
  kind: 'out_of_range',
  severity: 'critical',
  feature,
  value: share,
  message: `${feature}: ${Math.round(share * 100)}% of values outside the reference range`,
});

/** Three features out of range (one of them drifting far) and the score drifting, in one window. */
const shiftedWindow = (date: string) =>
  driftResult(date, {
    features: { income: { statistic: 0.9 }, debt_to_income: { statistic: 0.3 }, age: { statistic: 0.28 } },
    prediction: { statistic: 0.5 },
    findings: [outOfRange('income', 0.38), outOfRange('debt_to_income', 0.12), outOfRange('age', 0.05)],
  });

describe('alerts job: one page per cause', () => {
  it('sends a 4-finding window as ONE message naming every finding, top cause first; a re-run sends nothing', async () => {
    // Prepare
    const definition = makeDefinition({ labels: false });
    const store = new MemoryResultStore();
    const notifier = new RecordingNotifier();
    const date = '2026-10-01';
    await store.putJson(
      resultKeys.result('credit-default', 'drift', windowFor(definition, date)),
      shiftedWindow(date),
    );
    // Act
    const first = await runAlerts({ definition, store, notifier, clock: clockAfter(date) }, date);
    const again = await runAlerts({ definition, store, notifier, clock: clockAfter(date) }, date);
    // Assess: four incidents, tracked separately, in one message.
    expect(first.decisions.map((d) => `${d.type} ${d.ruleId} ${d.subject}`)).toEqual([
      'opened feature-drift age',
      'opened feature-drift debt_to_income',
      'opened feature-drift income',
      'opened prediction-drift score',
    ]);
    expect(new Set(first.decisions.map((d) => d.incidentId)).size).toBe(4);
    expect(new Set(first.decisions.map((d) => d.messageId)).size).toBe(1);
    expect(first.sent).toBe(1);
    expect(notifier.alerts).toHaveLength(1);
    const message = notifier.alerts[0]!;
    expect(message.id).toMatch(/^grp-[0-9a-f]{16}$/);
    expect(message.subject).toBe(
      '[CRITICAL] credit-default: income: 38% of values outside the reference range, PSI 0.9 +3 more',
    );
    expect(message.subject.length).toBeLessThan(100);
    expect(message.subject).not.toMatch(/\[CRITICAL\].*\[CRITICAL\]/);
    const numbered = message.body.split('\n').filter((l) => /^\d\. /.test(l));
    expect(numbered).toEqual([
      '1. [critical, new] income: 38% of values outside the reference range, PSI 0.9',
      '2. [critical, new] debt_to_income: 12% of values outside the reference range, PSI 0.3',
      '3. [critical, new] age: 5% of values outside the reference range, PSI 0.28',
      '4. [critical, new] model output score drift (PSI 0.5)',
    ]);
    expect(message.attributes).toMatchObject({ severity: 'critical', route: 'page', event: 'grouped' });
    expect(message.attributes.incidents?.split(',')).toHaveLength(4);
    // Idempotent: the state holds the incidents, nothing new is decided or sent.
    expect(again).toMatchObject({ decisions: [], sent: 0, openIncidents: 4 });
    expect(notifier.alerts).toHaveLength(1);
  });

  it('re-sends the same grouped message once when a crash lost the state after publishing', async () => {
    const definition = makeDefinition({ labels: false });
    const store = new MemoryResultStore();
    const notifier = new RecordingNotifier();
    const date = '2026-10-01';
    await store.putJson(
      resultKeys.result('credit-default', 'drift', windowFor(definition, date)),
      shiftedWindow(date),
    );
    const first = await runAlerts({ definition, store, notifier, clock: clockAfter(date) }, date);
    await store.putJson(alertKeys.state('credit-default'), emptyState('credit-default')); // the state write lost
    const replayed = await runAlerts({ definition, store, notifier, clock: clockAfter(date) }, date);
    expect(replayed.decisions.map((d) => d.messageId)).toEqual(first.decisions.map((d) => d.messageId));
    expect(replayed.decisions.every((d) => d.delivery === 'duplicate')).toBe(true);
    expect(notifier.alerts).toHaveLength(1);
  });
});

describe('alerts job: quiet days and replays', () => {
  it('says "no alerts (N rules clear)" on a quiet day', async () => {
    const definition = makeDefinition({ labels: false });
    const store = new MemoryResultStore();
    const date = '2026-10-01';
    await store.putJson(
      resultKeys.result('credit-default', 'drift', windowFor(definition, date)),
      driftResult(date),
    );
    const summary = await runAlerts(
      { definition, store, notifier: new RecordingNotifier(), clock: clockAfter(date) },
      date,
    );
    expect(runLine(summary)).toBe('credit-default 2026-10-01: no alerts (13 of 13 rules clear)');
  });

  it('replays the policy over a range in date order, carrying the state: the same as day-by-day runs', async () => {
    const definition = makeDefinition({ labels: false });
    const dates = days('2026-10-01', 6);
    const seed = async (store: MemoryResultStore) => {
      for (const [i, d] of dates.entries())
        await store.putJson(
          resultKeys.result('credit-default', 'drift', windowFor(definition, d)),
          i >= 2 && i < 4 ? driftResult(d, { features: { income: { statistic: 0.3 } } }) : driftResult(d),
        );
    };
    const ranged = new MemoryResultStore();
    await seed(ranged);
    const summaries = await runAlertsRange(
      { definition, store: ranged, notifier: new RecordingNotifier(), clock: clockAfter(dates[0]!) },
      dates[0]!,
      dates.at(-1)!,
      { clockFor: (w) => clockAfter(w.start) },
    );
    expect(summaries.map(runLine)).toEqual([
      'credit-default 2026-10-01: no alerts (13 of 13 rules clear)',
      'credit-default 2026-10-02: no alerts (13 of 13 rules clear)',
      'credit-default 2026-10-03: no alerts (12 of 13 rules clear)',
      'credit-default 2026-10-04: 1 opened; 1 message sent, 1 open incident',
      'credit-default 2026-10-05: no alerts (13 of 13 rules clear, 1 open incident)',
      'credit-default 2026-10-06: 1 resolved; 1 message sent',
    ]);
    const daily = new MemoryResultStore();
    await seed(daily);
    const notifier = new RecordingNotifier();
    for (const d of dates) await runAlerts({ definition, store: daily, notifier, clock: clockAfter(d) }, d);
    expect(await daily.getJson(alertKeys.state('credit-default'))).toEqual(
      await ranged.getJson(alertKeys.state('credit-default')),
    );
  });

  it('refuses a range whose start is after its end', async () => {
    const definition = makeDefinition({ labels: false });
    const deps = {
      definition,
      store: new MemoryResultStore(),
      notifier: new RecordingNotifier(),
      clock: clockAfter('2026-10-01'),
    };
    await expect(runAlertsRange(deps, '2026-10-05', '2026-10-01')).rejects.toThrow(
      'alerts range: from 2026-10-05 is after to 2026-10-01: swap them',
    );
  });
});
