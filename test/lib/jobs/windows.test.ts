import { describe, expect, it } from 'vitest';
import { validateDefinition } from '../../../lib/config/load.js';
import { maturityDate } from '../../../lib/jobs/performance.js';
import { maturedWindow, windowFor } from '../../../lib/jobs/windows.js';

function definition(window: string, delay?: string) {
  return validateDefinition(
    {
      model: { id: 'm', task: 'binary' },
      predictions: { location: 'p', idColumn: 'id', timestampColumn: 'ts', scoreColumn: 's' },
      features: [{ name: 'x', kind: 'numeric' }],
      reference: { type: 'rolling', windows: 7 },
      window,
      ...(delay ? { labels: { location: 'l', idColumn: 'id', labelColumn: 'y', delay } } : {}),
    },
    'test',
  );
}

describe('maturedWindow', () => {
  it.each([
    ['P1D', 'P7D', '2026-01-14'],
    ['P1D', 'PT36H', '2026-01-19'],
    ['P1D', 'P0D', '2026-01-21'],
    ['P7D', 'P3D', '2026-01-08'],
  ])('window %s, label delay %s: the window is %s, and it is mature that morning', (window, delay, start) => {
    const def = definition(window, delay);
    const now = new Date('2026-01-22T03:00:00Z');

    const date = maturedWindow(def, now);

    expect(date).toBe(start);
    expect(maturityDate(def, windowFor(def, date)) <= '2026-01-22').toBe(true);
  });

  it('is the last complete window for a model without labels', () => {
    expect(maturedWindow(definition('P1D'), new Date('2026-01-22T03:00:00Z'))).toBe('2026-01-21');
  });
});
