/** Windows and result keys: the deterministic layout every store shares. */
import type { MonitorDefinition } from '../config/schema.js';
import type { Clock } from '../ports.js';
import { touchedDays } from '../sql/dialect.js';

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

// ---------------------------------------------------------------------------------------------
// Sub-day windows (SLOs, canary verdicts): `[start, end)` between two aligned UTC instants.
// ---------------------------------------------------------------------------------------------

/** Sub-day windows are multiples of five minutes. */
export const SUB_DAY_GRAIN_MILLIS = 5 * 60_000;
const DAY_MILLIS = 86_400_000;

/**
 * A window between two UTC instants, `[start, end)`, each an ISO timestamp with a `Z`
 * (`2026-10-21T05:00:00Z`), aligned on its duration (an hourly window starts on the hour, a
 * five-minute one on a multiple of five minutes). It is read from the `dt` partitions of every
 * day it touches (`partitionRange`) and filtered on `predictions.timestampColumn`
 * (`timeWindowFilter` in lib/sql/dialect.ts).
 */
export interface TimeWindow {
  /** First instant, inclusive: `YYYY-MM-DDTHH:MM:SSZ`. */
  start: string;
  /** Last instant, exclusive: `YYYY-MM-DDTHH:MM:SSZ`. */
  end: string;
  /** The ISO-8601 duration of `end - start`, e.g. PT1H, PT5M. */
  duration: string;
}

const SUB_DAY_DURATION = /^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?)?$/;

/**
 * Milliseconds in an ISO-8601 duration of days, hours and minutes (PT5M, PT1H, PT6H, P3D, P1DT12H),
 * a positive multiple of five minutes.
 */
export function durationMillis(duration: string, field = 'duration'): number {
  const match = SUB_DAY_DURATION.exec(duration);
  const millis = match
    ? ((Number(match[1] ?? 0) * 24 + Number(match[2] ?? 0)) * 60 + Number(match[3] ?? 0)) * 60_000
    : Number.NaN;
  if (!match || duration.endsWith('T') || !(millis > 0) || millis % SUB_DAY_GRAIN_MILLIS !== 0) {
    throw new Error(
      `${field} ${JSON.stringify(duration)} is not a positive ISO-8601 duration in multiples of five minutes: use PT5M, PT1H, PT6H or P1D`,
    );
  }
  return millis;
}

/** An instant as the ISO timestamp windows use: `2026-10-21T05:00:00Z` (no milliseconds). */
export function isoInstant(time: number | Date): string {
  return new Date(time).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

const INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/;

/** Parses a window boundary (`YYYY-MM-DDTHH:MM:SSZ`), refusing anything else. */
export function parseInstant(instant: string, field = 'time'): number {
  const time = Date.parse(instant);
  if (!INSTANT.test(instant) || Number.isNaN(time) || isoInstant(time) !== instant) {
    throw new Error(
      `${field} ${JSON.stringify(instant)} is not a UTC timestamp: use YYYY-MM-DDTHH:MM:SSZ, e.g. 2026-10-21T05:00:00Z`,
    );
  }
  return time;
}

/**
 * The window of `duration` starting at `start`. The duration must divide a day (PT5M, PT10M,
 * PT15M, PT30M, PT1H, PT2H, PT3H, PT4H, PT6H, PT8H, PT12H) or be whole days, and `start` must lie on
 * its grid (hourly windows on the hour, five-minute windows on multiples of five minutes, counted
 * from midnight UTC).
 */
export function timeWindow(start: string, duration: string): TimeWindow {
  const millis = durationMillis(duration, 'window duration');
  if (millis < DAY_MILLIS ? DAY_MILLIS % millis !== 0 : millis % DAY_MILLIS !== 0) {
    throw new Error(
      `window duration ${duration} does not divide a day: use PT5M, PT15M, PT30M, PT1H, PT6H or whole days`,
    );
  }
  const from = parseInstant(start, 'window start');
  const grid = Math.min(millis, DAY_MILLIS);
  if (from % grid !== 0) {
    const aligned = isoInstant(from - (from % grid));
    throw new Error(
      `window start ${start} is not on the ${duration} grid: windows of ${duration} start at ${aligned}, ${isoInstant(from - (from % grid) + grid)}, ...`,
    );
  }
  return { start, end: isoInstant(from + millis), duration };
}

/** The last complete window of `duration` before `now` (the 05:00 to 06:00 window at 06:07). */
export function lastCompleteTimeWindow(now: Date, duration: string): TimeWindow {
  const millis = Math.min(durationMillis(duration, 'window duration'), DAY_MILLIS);
  const end = now.getTime() - (now.getTime() % millis);
  return timeWindow(isoInstant(end - durationMillis(duration)), duration);
}

/**
 * The consecutive windows of `duration` covering `[start, end)` (both on the grid), oldest first:
 * the sub-windows a query over a range groups by.
 */
export function timeWindowsIn(range: { start: string; end: string }, duration: string): TimeWindow[] {
  const millis = durationMillis(duration, 'window duration');
  const from = parseInstant(range.start, 'range start');
  const to = parseInstant(range.end, 'range end');
  if (to < from) throw new Error(`range end ${range.end} is before its start ${range.start}`);
  if ((to - from) % millis !== 0) {
    throw new Error(`range ${range.start} to ${range.end} is not a whole number of ${duration} windows`);
  }
  const windows: TimeWindow[] = [];
  for (let t = from; t < to; t += millis) windows.push(timeWindow(isoInstant(t), duration));
  return windows;
}

/**
 * The `dt` partitions a time range reads: every day it touches, `[day of start, day after the
 * day of the last instant)`. `2026-10-21T23:00:00Z` to `2026-10-22T00:00:00Z` reads 2026-10-21
 * only; `2026-10-21T23:00:00Z` to `2026-10-22T01:00:00Z` reads both days.
 */
export function partitionRange(range: { start: string; end: string }): { from: string; to: string } {
  parseInstant(range.start, 'range start');
  parseInstant(range.end, 'range end');
  return touchedDays(range);
}

/**
 * The result key of a sub-day window: `<model>/<job>/dt=<day>/<HHMM>Z-<duration>.json`
 * (`credit-default/slo/dt=2026-10-21/0500Z-PT1H.json`): the day first, as every other key, so
 * `dateOfKey` and day listings work; then the time of day, which sorts in time order.
 */
export function timeWindowKey(model: string, job: string, window: TimeWindow): string {
  const day = window.start.slice(0, 10);
  const time = window.start.slice(11, 16).replace(':', '');
  return `${model}/${job}/dt=${day}/${time}Z-${window.duration}.json`;
}
