import { describe, expect, it } from 'vitest';
import { MemoryResultStore } from '../../../lib/adapters/memory-store.js';
import type { MonitorDefinition } from '../../../lib/config/schema.js';
import { resultKeys, shiftDate, type Window } from '../../../lib/jobs/windows.js';
import { loadReportInput, previousWindows } from '../../../lib/report/load.js';
import { driftResult, feature, performanceResult } from './fixtures.js';

const definition = {
  model: { id: 'churn', task: 'binary', tier: 2, description: 'Who leaves' },
  // No score column: not estimable, so no estimate is read (see the estimated test below).
  predictions: { idColumn: 'id' },
  window: 'P1D',
} as MonitorDefinition;

const window = (start: string): Window => ({ start, end: shiftDate(start, 1), duration: 'P1D' });
const CURRENT = window('2026-03-31');

describe('previousWindows', () => {
  it('steps back one window duration at a time, oldest first', () => {
    expect(previousWindows({ start: '2026-03-15', end: '2026-03-22', duration: 'P7D' }, 2)).toEqual([
      { start: '2026-03-01', end: '2026-03-08', duration: 'P7D' },
      { start: '2026-03-08', end: '2026-03-15', duration: 'P7D' },
    ]);
  });
});

describe('loadReportInput', () => {
  async function seeded(): Promise<MemoryResultStore> {
    const store = new MemoryResultStore();
    // 40 days of drift, one missing day; performance only for a few older windows.
    for (let day = -39; day <= 0; day++) {
      const start = shiftDate(CURRENT.start, day);
      if (day === -5) continue;
      await store.putJson(
        resultKeys.result('churn', 'drift', window(start)),
        driftResult(start, [feature('plan', 0.01)]),
      );
    }
    for (const day of [-12, -11, -10]) {
      const start = shiftDate(CURRENT.start, day);
      await store.putJson(
        resultKeys.result('churn', 'performance', window(start)),
        performanceResult(start, 0.8),
      );
    }
    // A later window must not leak into the history.
    const later = shiftDate(CURRENT.start, 1);
    await store.putJson(resultKeys.result('churn', 'drift', window(later)), driftResult(later, []));
    return store;
  }

  it('reads the current window and the 30 before it, skipping missing windows', async () => {
    const input = await loadReportInput(await seeded(), definition, CURRENT, {
      clock: { now: () => new Date('2026-04-01T06:00:00Z') },
    });

    expect(input.drift?.window.start).toBe(CURRENT.start);
    expect(input.driftHistory).toHaveLength(29);
    expect(input.driftHistory[0]?.window.start).toBe(shiftDate(CURRENT.start, -30));
    expect(input.driftHistory.map((d) => d.window.start)).not.toContain(shiftDate(CURRENT.start, -5));
    expect(input.performance).toBeUndefined();
    expect(input.performanceHistory.map((p) => p.window.start)).toEqual([
      shiftDate(CURRENT.start, -12),
      shiftDate(CURRENT.start, -11),
      shiftDate(CURRENT.start, -10),
    ]);
    expect(input.model).toEqual({ id: 'churn', task: 'binary', tier: 2, description: 'Who leaves' });
    expect(input.generatedAt).toBe('2026-04-01T06:00:00.000Z');
    expect(input.links).toEqual([
      { label: 'Drift result (JSON)', href: 'memory://churn/drift/dt=2026-03-31/P1D.json' },
    ]);
  });

  it('takes the history length, incidents and extra links from the options', async () => {
    const incidents = [
      { id: 'i1', title: 'plan drifted', severity: 'warning' as const, openedAt: '2026-03-30' },
    ];
    const input = await loadReportInput(await seeded(), definition, CURRENT, {
      historyWindows: 3,
      incidents,
      links: [{ label: 'Runbook', href: 'https://example.com/runbook' }],
    });

    expect(input.driftHistory.map((d) => d.window.start)).toEqual(['2026-03-28', '2026-03-29', '2026-03-30']);
    expect(input.incidents).toBe(incidents);
    expect(input.links?.[0]).toEqual({ label: 'Runbook', href: 'https://example.com/runbook' });
  });

  it('returns an input without results for a window nothing ran for', async () => {
    const input = await loadReportInput(new MemoryResultStore(), definition, CURRENT);

    expect(input.drift).toBeUndefined();
    expect(input.driftHistory).toEqual([]);
    expect(input.performanceHistory).toEqual([]);
    expect(input.links).toEqual([]);
  });

  it('reads the estimates of a model that can be estimated (binary, score, labelled reference), with the label delay', async () => {
    const estimable = {
      ...definition,
      predictions: { idColumn: 'id', scoreColumn: 'score' },
      reference: { type: 'dataset', location: 'ref.parquet', labelColumn: 'label' },
      labels: { delay: 'P7D' },
    } as MonitorDefinition;
    const store = new MemoryResultStore();
    for (const day of [-3, 0]) {
      const w = window(shiftDate(CURRENT.start, day));
      await store.putJson(resultKeys.result('churn', 'estimated', w), { kind: 'estimated', window: w });
    }
    const input = await loadReportInput(store, estimable, CURRENT);
    expect(input.estimated?.map((e) => e.window.start)).toEqual([
      shiftDate(CURRENT.start, -3),
      CURRENT.start,
    ]);
    expect(input.labelDelayDays).toBe(7);
    expect(input.links).toContainEqual({
      label: 'Estimated performance (JSON)',
      href: 'memory://churn/estimated/dt=2026-03-31/P1D.json',
    });
    // Not estimable: no estimate read, no section.
    expect((await loadReportInput(store, definition, CURRENT)).estimated).toBeUndefined();
  });
});
