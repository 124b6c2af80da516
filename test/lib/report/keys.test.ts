import { describe, expect, it } from 'vitest';
import { MemoryResultStore } from '../../../lib/adapters/memory-store.js';
import { reportKeys } from '../../../lib/report/keys.js';
import { writeReport } from '../../../lib/report/write.js';

describe('reportKeys', () => {
  it('puts a window report beside the results and a latest report per model', () => {
    expect(reportKeys.window('churn', { start: '2026-03-01', duration: 'P1D' })).toBe(
      'churn/reports/dt=2026-03-01/P1D.html',
    );
    expect(reportKeys.latest('churn')).toBe('churn/reports/latest.html');
  });
});

describe('writeReport', () => {
  it('stores the HTML as text under the key', async () => {
    const store = new MemoryResultStore();
    await writeReport(store, reportKeys.latest('churn'), '<!doctype html><p>hi</p>');
    expect(store.objects.get('churn/reports/latest.html')).toBe('<!doctype html><p>hi</p>');
  });
});
