/** Windows and result keys: the deterministic layout every store shares. */
import type { MonitorDefinition } from '../config/schema.js';
import type { Clock } from '../ports.js';

export interface Window {
  /** First day, YYYY-MM-DD (inclusive). */
  start: string;
  /** Day after the last, YYYY-MM-DD (exclusive). */
  end: string;
  /** The ISO-8601 duration, e.g. P1D. */
  duration: string;
}

const DATE = /^\d{4}-\d{2}-\d{2}$/;

export function parseDate(date: string, field = 'date'): Date {
  const parsed = new Date(`${date}T00:00:00Z`);
  if (!DATE.test(date) || Number.isNaN(parsed.getTime()) || parsed.toISOString().slice(0, 10) !== date) {
    throw new Error(`${field} ${JSON.stringify(date)} is not a valid date: use YYYY-MM-DD, e.g. 2026-10-21`);
  }
  return parsed;
}

export function shiftDate(date: string, days: number): string {
  const d = parseDate(date);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}

/** Whole days in an ISO-8601 duration (P1D, P2W, PT48H); windows are whole days. */
export function durationDays(duration: string): number {
  const match = /^P(?:(\d+)W|(?:(\d+)D)?(?:T(?:(\d+)H)?)?)$/.exec(duration);
  if (!match) throw new Error(`duration ${JSON.stringify(duration)} is not ISO-8601 (e.g. P1D)`);
  const hours = Number(match[1] ?? 0) * 168 + Number(match[2] ?? 0) * 24 + Number(match[3] ?? 0);
  return hours / 24;
}

export function windowFor(definition: MonitorDefinition, start: string): Window {
  const days = durationDays(definition.window);
  if (!Number.isInteger(days) || days < 1) {
    throw new Error(`window ${definition.window} is not a whole number of days: use P1D, P7D or similar`);
  }
  parseDate(start, 'window start');
  return { start, end: shiftDate(start, days), duration: definition.window };
}

/** Days between two dates (b - a). */
export function daysBetween(a: string, b: string): number {
  return Math.round((parseDate(b).getTime() - parseDate(a).getTime()) / 86_400_000);
}

export const resultKeys = {
  profile: (model: string) => `${model}/baseline/reference-profile.json`,
  result: (model: string, job: string, window: Window) =>
    `${model}/${job}/dt=${window.start}/${window.duration}.json`,
  jobPrefix: (model: string, job: string) => `${model}/${job}/`,
} as const;

/** The window start encoded in a result key, if any. */
export function dateOfKey(key: string): string | undefined {
  return /\/dt=(\d{4}-\d{2}-\d{2})\//.exec(key)?.[1];
}

/** The start of the last complete window before `now` (yesterday for daily windows). */
export function lastCompleteWindow(deps: { definition: MonitorDefinition; clock: Clock }): string {
  const today = deps.clock.now().toISOString().slice(0, 10);
  return shiftDate(today, -Math.max(1, Math.round(durationDays(deps.definition.window))));
}

/**
 * The start of the window whose labels have just matured, as of `now`: the last complete window
 * moved back by the label delay, rounded up to whole windows so it stays on the windows' grid
 * (for daily windows, yesterday minus the delay in days). The scheduled performance job and the
 * demo both evaluate this window. Labels that arrive after the delay are not picked up by the
 * schedule: run the performance job for that window again (`date`), which keeps the earlier
 * result as a revision. Without labels it is the last complete window.
 */
export function maturedWindow(definition: MonitorDefinition, now: Date): string {
  const last = lastCompleteWindow({ definition, clock: { now: () => now } });
  if (!definition.labels) return last;
  const windowDays = Math.max(1, Math.round(durationDays(definition.window)));
  const delayDays = Math.max(0, durationDays(definition.labels.delay));
  return shiftDate(last, -Math.ceil(delayDays / windowDays) * windowDays);
}
