/** Where reports live in the result store, beside the result documents they show. */
import type { Window } from '../jobs/windows.js';

export const reportKeys = {
  /** The report of one window: `<model>/reports/dt=<start>/<duration>.html`. */
  window: (model: string, window: Pick<Window, 'start' | 'duration'>) =>
    `${model}/reports/dt=${window.start}/${window.duration}.html`,
  /** The most recent report, overwritten at every run: `<model>/reports/latest.html`. */
  latest: (model: string) => `${model}/reports/latest.html`,
} as const;
