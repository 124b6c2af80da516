/**
 * Error budgets and multiwindow, multi-burn-rate alerting (Google's SRE workbook, chapter "Alerting
 * on SLOs"). Pure: counts of good and total events per sub-window in, budget and burn rates out.
 *
 * - The error budget is `1 - target` of the events: with a 99.9% target, 0.1% of the period's
 *   events may be bad.
 * - The burn rate over a window is its bad share divided by the budget: 1 spends the budget exactly
 *   over the period, 14.4 spends 2% of a 30-day budget in one hour.
 * - A rule fires when BOTH its long window and its short window (1/12 of the long one) burn at or
 *   above its rate: the long window makes it significant, the short one makes it stop (and resolve)
 *   soon after the burn stops; AND the long window's bad events spent at least the rule's share of
 *   the period's budget (`spent`): with uneven traffic a quiet window's rate overstates its spend.
 * - The rates are derived, not written down: a rule that alerts when `consumed` of the budget is
 *   spent within `long` burns at `consumed * period / long`. For 30 days this gives the workbook's
 *   table (14.4 over 1h and 5m, 6 over 6h and 30m, 1 over 3d and 6h); for 28 days 13.44, 5.6 and
 *   0.933 over the same windows.
 */
import { durationMillis } from '../jobs/windows.js';
import { median } from '../stats/median.js';

/** The budget-consumption policy of the workbook: what share spent within which long window alerts how. */
export const BURN_POLICY = [
  { severity: 'critical', budgetConsumed: 0.02, longWindow: 'PT1H' },
  { severity: 'critical', budgetConsumed: 0.05, longWindow: 'PT6H' },
  { severity: 'warning', budgetConsumed: 0.1, longWindow: 'P3D' },
] as const;

/** The short window is this fraction of the long one (the workbook's 5m for 1h, 30m for 6h, 6h for 3d). */
export const SHORT_WINDOW_DIVISOR = 12;

export interface BurnRateRule {
  /** critical pages (fast burn), warning tickets (slow burn). */
  severity: 'critical' | 'warning';
  /** The share of the period's budget spent within `longWindow` when the rule fires. */
  budgetConsumed: number;
  longWindow: string;
  shortWindow: string;
  /** The burn rate both windows must reach. */
  burnRate: number;
}

const DAY = 86_400_000;
const HOUR = 3_600_000;
const MINUTE = 60_000;

/** An ISO-8601 duration for whole minutes: P3D, PT6H, PT30M, PT1H30M. */
export function isoDuration(millis: number): string {
  if (millis % DAY === 0) return `P${millis / DAY}D`;
  const hours = Math.floor(millis / HOUR);
  const minutes = Math.round((millis % HOUR) / MINUTE);
  return `PT${hours ? `${hours}H` : ''}${minutes ? `${minutes}M` : ''}`;
}

/** The multiwindow, multi-burn-rate rules for an SLO period (P28D, P30D...), derived from BURN_POLICY. */
export function burnRateRules(period: string): BurnRateRule[] {
  const periodMillis = durationMillis(period, 'slo period');
  return BURN_POLICY.map((p) => {
    const long = durationMillis(p.longWindow);
    const rate = (p.budgetConsumed * periodMillis) / long;
    return {
      severity: p.severity,
      budgetConsumed: p.budgetConsumed,
      longWindow: p.longWindow,
      shortWindow: isoDuration(long / SHORT_WINDOW_DIVISOR),
      // Rounded to 12 significant digits: 0.02 * 720 is 14.400000000000002 in binary.
      burnRate: Number(rate.toPrecision(12)),
    };
  });
}

/** Good and total events of one sub-window starting at `start` (epoch milliseconds). */
export interface WindowCounts {
  start: number;
  total: number;
  good: number;
}

export interface BurnWindow {
  /** The window as evaluated: the rule's window rounded up to whole sub-windows. */
  duration: string;
  total: number;
  bad: number;
  /** bad / total (0 without events). */
  badShare: number;
  /** badShare / (1 - target). */
  burnRate: number;
}

export interface BurnRuleResult extends BurnRateRule {
  long: BurnWindow;
  short: BurnWindow;
  /**
   * The share of the period's budget the long window's bad events spent: long.bad / allowedBad
   * (0 without events). A rule fires only when this reaches its `budgetConsumed` too.
   */
  spent: number;
  firing: boolean;
}

export interface BudgetStatus {
  target: number;
  period: string;
  /** The period evaluated, `[start, end)`, ISO instants. */
  start: string;
  end: string;
  total: number;
  bad: number;
  /** The SLI over the period: good / total (null without events). */
  sli: number | null;
  /** Bad events the budget allows for the period's events: (1 - target) * total. */
  allowedBad: number;
  /** Share of the budget spent: bad / allowedBad (0 without events; above 1 when overspent). */
  consumed: number;
  /** 1 - consumed (negative when overspent). */
  remaining: number;
}

export interface BurnEvaluation {
  budget: BudgetStatus;
  rules: BurnRuleResult[];
  /** critical when a page rule fires, warning when only the ticket rule does, else none. */
  level: 'none' | 'warning' | 'critical';
}

/**
 * `measured >= rate` up to a relative 1e-9: 1 - 0.999 is 0.0010000000000000009 in binary, so an
 * hour burning at exactly 14.4x computes as 14.399999999999986. Counts are integers, so a real
 * burn below the rate differs from it by far more than 1e-9 (1 event in 1e9).
 */
export function reaches(measured: number, rate: number): boolean {
  return measured >= rate * (1 - 1e-9);
}

function sum(counts: readonly WindowCounts[], from: number, to: number): { total: number; bad: number } {
  let total = 0;
  let bad = 0;
  for (const c of counts) {
    if (c.start >= from && c.start < to) {
      total += c.total;
      bad += c.total - c.good;
    }
  }
  return { total, bad };
}

function burnWindow(
  counts: readonly WindowCounts[],
  end: number,
  millis: number,
  windowMillis: number,
  budget: number,
): BurnWindow {
  const span = Math.max(1, Math.ceil(millis / windowMillis)) * windowMillis;
  const { total, bad } = sum(counts, end - span, end);
  const badShare = total > 0 ? bad / total : 0;
  return { duration: isoDuration(span), total, bad, badShare, burnRate: badShare / budget };
}

/**
 * The budget over the period ending at `end` and every burn-rate rule, from per-sub-window counts
 * (sub-windows of `window`, e.g. PT1H; a rule's window shorter than it is rounded up to one).
 */
export function evaluateBurn(
  counts: readonly WindowCounts[],
  spec: { target: number; period: string; window: string; end: number },
): BurnEvaluation {
  const budgetShare = 1 - spec.target;
  const windowMillis = durationMillis(spec.window, 'slo window');
  const periodMillis = durationMillis(spec.period, 'slo period');
  const start = spec.end - periodMillis;
  const { total, bad } = sum(counts, start, spec.end);
  const allowedBad = budgetShare * total;
  const consumed = total > 0 ? bad / allowedBad : 0;
  const rules = burnRateRules(spec.period).map((rule) => {
    const long = burnWindow(counts, spec.end, durationMillis(rule.longWindow), windowMillis, budgetShare);
    const short = burnWindow(counts, spec.end, durationMillis(rule.shortWindow), windowMillis, budgetShare);
    // Real spend: the burn rate is a share of the long window's events, which equals "budgetConsumed
    // of the budget" only when traffic is even; in a quiet hour (1 bad of 5 after a busy month)
    // it reads 200x while 0.14% of the budget went. So the long window's bad events must also
    // have spent the rule's share of the period's budget (the workbook's low-traffic advice).
    const spent = allowedBad > 0 ? long.bad / allowedBad : 0;
    return {
      ...rule,
      long,
      short,
      spent,
      firing:
        reaches(long.burnRate, rule.burnRate) &&
        reaches(short.burnRate, rule.burnRate) &&
        reaches(spent, rule.budgetConsumed),
    };
  });
  const level = rules.some((r) => r.firing && r.severity === 'critical')
    ? 'critical'
    : rules.some((r) => r.firing)
      ? 'warning'
      : 'none';
  return {
    budget: {
      target: spec.target,
      period: spec.period,
      start: new Date(start).toISOString().replace(/\.\d{3}Z$/, 'Z'),
      end: new Date(spec.end).toISOString().replace(/\.\d{3}Z$/, 'Z'),
      total,
      bad,
      sli: total > 0 ? (total - bad) / total : null,
      allowedBad,
      consumed,
      remaining: 1 - consumed,
    },
    rules,
    level,
  };
}

/**
 * The budget remaining after each sub-window of the period ending at `end`, for the report's chart:
 * at sub-window k, 1 - (bad so far) / ((1 - target) * (events so far)), counting from the period's
 * start. Sub-windows without events repeat the previous value (1 before the first event).
 */
export function budgetSeries(
  counts: readonly WindowCounts[],
  spec: { target: number; period: string; window: string; end: number },
): { start: number; remaining: number; total: number; bad: number }[] {
  const windowMillis = durationMillis(spec.window, 'slo window');
  const from = spec.end - durationMillis(spec.period, 'slo period');
  const byStart = new Map<number, { total: number; bad: number }>();
  for (const c of counts) {
    if (c.start < from || c.start >= spec.end) continue;
    const seen = byStart.get(c.start) ?? { total: 0, bad: 0 };
    byStart.set(c.start, { total: seen.total + c.total, bad: seen.bad + c.total - c.good });
  }
  const out: { start: number; remaining: number; total: number; bad: number }[] = [];
  let total = 0;
  let bad = 0;
  for (let t = from; t < spec.end; t += windowMillis) {
    const c = byStart.get(t);
    if (c) {
      total += c.total;
      bad += c.bad;
    }
    out.push({
      start: t,
      remaining: total > 0 ? 1 - bad / ((1 - spec.target) * total) : 1,
      total: c?.total ?? 0,
      bad: c?.bad ?? 0,
    });
  }
  return out;
}

/** The span judged for silence: the page rule's long window (PT1H), in whole sub-windows. */
export const SILENCE_SPAN = 'PT1H';
/** Earlier days whose same span makes the usual count (the same hour of day: traffic has a daily cycle). */
export const SILENCE_DAYS = 7;
/** Fewer earlier days with history than this: no usual count, no judgement. */
export const SILENCE_MIN_DAYS = 3;
/**
 * The usual count (median of the same span on the earlier days) at or above which a span without a
 * single event is a silence: for Poisson traffic at 10 events a span, P(0 events) = e^-10 = 4.5e-5.
 */
export const SILENCE_MIN_USUAL = 10;

/**
 * No events at all in the last span, where the same span of the earlier days usually had many. A
 * service that stops serving, or whose logging stops, has no bad events either: its burn rates read
 * 0 and its budget looks healthy, so silence is judged on its own.
 */
export interface Silence {
  span: string;
  /** Events in the last span (every version). */
  observed: number;
  /** Median events in the same span on each of up to SILENCE_DAYS earlier days with history; null below SILENCE_MIN_DAYS. */
  usual: number | null;
  /** Earlier days the median was taken over. */
  days: number;
  silent: boolean;
}

/**
 * Silence over the span ending at `end`, from every version's counts per sub-window. A day counts
 * as history only from the ledger's first counted sub-window on (before it, zero is unknown, not
 * quiet).
 */
export function evaluateSilence(
  counts: readonly WindowCounts[],
  spec: { window: string; end: number },
): Silence {
  const windowMillis = durationMillis(spec.window, 'slo window');
  const span = Math.max(1, Math.ceil(durationMillis(SILENCE_SPAN) / windowMillis)) * windowMillis;
  const observed = sum(counts, spec.end - span, spec.end).total;
  const first = counts.length ? Math.min(...counts.map((c) => c.start)) : Number.POSITIVE_INFINITY;
  const earlier: number[] = [];
  for (let d = 1; d <= SILENCE_DAYS; d++) {
    const end = spec.end - d * DAY;
    if (end - span < first) break;
    earlier.push(sum(counts, end - span, end).total);
  }
  const usual = earlier.length >= SILENCE_MIN_DAYS ? median(earlier) : null;
  return {
    span: isoDuration(span),
    observed,
    usual,
    days: earlier.length,
    silent: observed === 0 && usual !== null && usual >= SILENCE_MIN_USUAL,
  };
}
