import { describe, expect, it } from 'vitest';
import { MemoryResultStore } from '../../../lib/adapters/memory-store.js';
import { alertKeys, runAlerts, runDigest } from '../../../lib/jobs/alerts.js';
import { openTicketOf } from '../../../lib/jobs/alerts-tickets.js';
import { resultKeys, shiftDate, windowFor } from '../../../lib/jobs/windows.js';
import { days, driftResult, makeDefinition, perfResult, RecordingNotifier } from '../alerts/fixtures.js';

const clockAfter = (date: string) => ({ now: () => new Date(`${shiftDate(date, 1)}T02:00:00Z`) });

async function seed(
  store: MemoryResultStore,
  definition: ReturnType<typeof makeDefinition>,
  dates: string[],
  spec: (i: number) => Parameters<typeof driftResult>[1],
) {
  for (const [i, d] of dates.entries()) {
    await store.putJson(
      resultKeys.result(definition.model.id, 'drift', windowFor(definition, d)),
      driftResult(d, spec(i), definition.model.id),
    );
  }
}

describe('runAlerts', () => {
  it('publishes an opened incident once, stores the state, and sends nothing new when the window is re-run', async () => {
    // Prepare
    const definition = makeDefinition({ labels: false });
    const store = new MemoryResultStore();
    const notifier = new RecordingNotifier();
    const dates = days('2026-10-01', 2);
    await seed(store, definition, dates, () => ({ features: { income: { statistic: 0.3 } } }));
    // Act
    const first = await runAlerts({ definition, store, notifier, clock: clockAfter(dates[0]!) }, dates[0]!);
    const second = await runAlerts({ definition, store, notifier, clock: clockAfter(dates[1]!) }, dates[1]!);
    const again = await runAlerts({ definition, store, notifier, clock: clockAfter(dates[1]!) }, dates[1]!);
    // Assess
    expect(first.decisions).toEqual([]);
    expect(second.decisions).toMatchObject([
      { type: 'opened', ruleId: 'feature-drift', subject: 'income', delivery: 'sent', route: 'page' },
    ]);
    expect(again).toMatchObject({ decisions: [], sent: 0, openIncidents: 1 });
    expect(notifier.alerts).toHaveLength(1);
    expect(notifier.alerts[0]?.subject).toBe('[CRITICAL] credit-default: income drift (PSI 0.3)');
    expect(notifier.alerts[0]?.body).toContain(
      'Report: memory://credit-default/drift/dt=2026-10-02/P1D.json',
    );
    const state = await store.getJson<{ incidents: unknown[] }>(alertKeys.state('credit-default'));
    expect(state?.incidents).toHaveLength(1);
    expect(
      await store.getJson(alertKeys.run('credit-default', windowFor(definition, dates[1]!))),
    ).toMatchObject({
      kind: 'alerts',
      decisions: [{ type: 'opened' }],
    });
  });

  it('re-sends nothing when a crash lost the state after publishing (the Notifier drops the duplicate)', async () => {
    const definition = makeDefinition({ labels: false });
    const store = new MemoryResultStore();
    const notifier = new RecordingNotifier();
    const dates = days('2026-10-01', 2);
    await seed(store, definition, dates, () => ({ features: { income: { statistic: 0.3 } } }));
    await runAlerts({ definition, store, notifier, clock: clockAfter(dates[1]!) }, dates[0]!);
    await runAlerts({ definition, store, notifier, clock: clockAfter(dates[1]!) }, dates[1]!);
    // The state write is lost: the next run decides the same again, with the same ids.
    store.objects.delete(alertKeys.state('credit-default'));
    const rerun = await runAlerts({ definition, store, notifier, clock: clockAfter(dates[1]!) }, dates[1]!);
    expect(rerun.decisions).toMatchObject([{ type: 'opened', delivery: 'duplicate' }]);
    expect(notifier.alerts).toHaveLength(1);
  });

  it('keeps digest-only incidents out of the alert channel', async () => {
    const definition = makeDefinition({ tier: 3, labels: false });
    const store = new MemoryResultStore();
    const notifier = new RecordingNotifier();
    const dates = days('2026-10-01', 2);
    await seed(store, definition, dates, () => ({ features: { age: { statistic: 0.15 } } }));
    for (const d of dates) await runAlerts({ definition, store, notifier, clock: clockAfter(d) }, d);
    expect(notifier.alerts).toHaveLength(0);
    const state = await store.getJson<{ incidents: { route: string }[] }>(alertKeys.state('credit-default'));
    expect(state?.incidents[0]?.route).toBe('digest');
  });

  it('reports a failed job passed in by the caller', async () => {
    const definition = makeDefinition({ labels: false });
    const store = new MemoryResultStore();
    const notifier = new RecordingNotifier();
    await seed(store, definition, ['2026-10-01'], () => ({}));
    const out = await runAlerts(
      {
        definition,
        store,
        notifier,
        clock: clockAfter('2026-10-01'),
        failures: [{ job: 'drift', message: 'Athena: HIVE_BAD_DATA' }],
      },
      '2026-10-01',
    );
    expect(out.decisions).toMatchObject([{ ruleId: 'job-failed', subject: 'drift', delivery: 'sent' }]);
    expect(notifier.alerts[0]?.body).toContain('HIVE_BAD_DATA');
  });

  it('a failed window older than the 30 windows of history it loads: stays open, and resolves once its result is stored', async () => {
    const definition = makeDefinition({ labels: false });
    const store = new MemoryResultStore();
    const notifier = new RecordingNotifier();
    const dates = days('2026-10-01', 46);
    await seed(
      store,
      definition,
      dates.filter((d) => d !== '2026-10-04'),
      () => ({}),
    );
    const failures = [
      { job: 'drift', window: '2026-10-04', message: 'cannot read data file dt=2026-10-04/x.parquet' },
    ];
    const types: string[] = [];
    for (const d of dates.slice(0, 45)) {
      const out = await runAlerts(
        { definition, store, notifier, clock: clockAfter(d), ...(d === '2026-10-04' ? { failures } : {}) },
        d,
      );
      types.push(...out.decisions.map((x) => `${d} ${x.type} ${x.ruleId}`));
    }
    expect(types.filter((t) => !t.includes('reminder'))).toEqual(['2026-10-04 opened job-failed']);
    // The window is re-run 42 days later: its result is outside the history the policy is given.
    await seed(store, definition, ['2026-10-04'], () => ({}));
    const last = dates.at(-1)!;
    const out = await runAlerts({ definition, store, notifier, clock: clockAfter(last) }, last);
    expect(out.decisions).toMatchObject([{ type: 'resolved', ruleId: 'job-failed', subject: 'drift' }]);
  });

  it('raises one retraining ticket and publishes it once', async () => {
    const definition = makeDefinition({ labels: false });
    const store = new MemoryResultStore();
    const notifier = new RecordingNotifier();
    const dates = days('2026-10-01', 6);
    await seed(store, definition, dates, () => ({ features: { income: { statistic: 0.3 } } }));
    const summaries = [];
    for (const d of dates)
      summaries.push(await runAlerts({ definition, store, notifier, clock: clockAfter(d) }, d));
    for (const d of dates) await runAlerts({ definition, store, notifier, clock: clockAfter(d) }, d);
    expect(summaries[2]?.ticket).toMatchObject({ created: true, delivery: 'sent' });
    expect(summaries[3]?.ticket).toMatchObject({ created: false });
    expect(notifier.tickets).toHaveLength(1);
    expect(notifier.tickets[0]?.detail).toMatchObject({
      model: 'credit-default',
      reason: 'critical_drift',
      window: '2026-10-03',
    });
    expect((await openTicketOf(store, 'credit-default'))?.ticketId).toBe(notifier.tickets[0]?.id);
  });
});

describe('runDigest', () => {
  it('publishes one digest for all models, once per date', async () => {
    const credit = makeDefinition({ labels: false });
    const churn = makeDefinition({ id: 'churn', tier: 2 });
    const store = new MemoryResultStore();
    const notifier = new RecordingNotifier();
    const dates = days('2026-10-01', 3);
    await seed(store, credit, dates, (i) => ({ ratio: i === 2 ? 0.1 : 1, rows: i === 2 ? 300 : 3000 }));
    await store.putJson(
      resultKeys.result('churn', 'performance', windowFor(churn, '2026-09-24')),
      perfResult('2026-09-24', { coverage: 0.8 }, 'churn'),
    );
    for (const d of dates) await runAlerts({ definition: credit, store, notifier, clock: clockAfter(d) }, d);
    const deps = { definitions: [credit, churn], store, notifier, clock: clockAfter('2026-10-03') };
    // Act
    const { message, delivery } = await runDigest(deps, '2026-10-03');
    const again = await runDigest(deps, '2026-10-03');
    // Assess
    expect(delivery.status).toBe('sent');
    expect(again.delivery.status).toBe('duplicate');
    expect(notifier.digests).toHaveLength(1);
    expect(message.subject).toBe('driftwatch digest 2026-10-03: 1 critical, 1 no data');
    expect(message.body).toContain('credit-default (tier 1): CRITICAL - 1 open incident, 300 predictions');
    expect(message.body).toContain('  changed: new volume drop; volume down to 10% of expected');
    expect(message.body).toContain('churn (tier 2): NO DATA, no result');
    expect(message.body).toContain('  labels: 80% coverage (window 2026-09-24), rocAuc 0.82');
    expect(store.objects.get('digests/dt=2026-10-03/digest.txt')).toContain(message.body);
  });
});
