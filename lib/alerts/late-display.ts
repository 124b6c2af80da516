/**
 * What the digest and the report show for a window whose late data (outcomes for KPIs, labels for
 * performance) has not all arrived: never its partial value as the latest, but "held" (or
 * "missing" after its last recheck) with its coverage, the usual coverage, when the data was due
 * and until when it is rechecked, beside the last value the policy judged. The rules are the
 * policy's own: `heldOutcomeKpis` (kpi-rules.ts) for KPIs, `lateCoverage` (late-data.ts) for labels.
 */
import type { MonitorDefinition } from '../config/schema.js';
import type { KpiResult, KpiResultItem } from '../jobs/kpi-result.js';
import type { PerformanceResult } from '../jobs/performance-result.js';
import { durationDays, shiftDate } from '../jobs/windows.js';
import { heldOutcomeKpis } from './kpi-rules.js';
import { lateCoverage } from './late-data.js';

/** A window whose late data has not (all) arrived. */
export interface LateWindow {
  window: string;
  /** true: still late at its last recheck (outcomesMissing / labelsMissing); false: held, still rechecked. */
  missing: boolean;
  coverage: number;
  usualCoverage: number;
  /** When its data was due (its `matureOn`). */
  due?: string;
  /** Its last recheck: done (missing) or due (held; needs the look-back, `recheckDays`). */
  lastRecheck?: string;
}

/**
 * Days after a window's data matured through which the jobs recheck it while late: its look-back
 * (`outcomes.recheckWithin` / `labels.recheckWithin`) on the windows' grid, as
 * lib/jobs/revisions.ts `recheckWindows` counts it.
 */
export function recheckDays(definition: Pick<MonitorDefinition, 'window'>, within: string): number;
export function recheckDays(
  definition: Pick<MonitorDefinition, 'window'>,
  within: string | undefined,
): number | undefined;
export function recheckDays(
  definition: Pick<MonitorDefinition, 'window'>,
  within: string | undefined,
): number | undefined {
  // A definition built in code without validation may lack the defaulted look-back: no date then.
  if (within === undefined) return undefined;
  const windowDays = Math.max(1, Math.round(durationDays(definition.window)));
  return Math.ceil(durationDays(within) / windowDays) * windowDays;
}

/** How one KPI should be shown from its results. */
export interface KpiDisplay {
  /** The latest window the policy judges (computed, neither held nor missing); its value may be null. */
  judged?: { window: string; item: KpiResultItem; result: KpiResult };
  /** The newest computed window when it is late (held or missing): shown instead of its value. */
  late?: LateWindow;
  /** Other windows still held for late outcomes (not yet missing), oldest first. */
  held: LateWindow[];
}

/**
 * How KPI `name` should be shown from `history` (any order): the latest judged window, and the
 * late windows, by the policy's rule (a window is held when its outcome coverage is below 0.9 x
 * the usual of the windows before it; missing once marked at its last recheck). `days`: the
 * outcomes' look-back in days (`recheckDays`), for the held windows' last recheck date.
 */
export function kpiDisplay(history: readonly KpiResult[], name: string, days?: number): KpiDisplay {
  const sorted = [...history].sort((a, b) => a.window.start.localeCompare(b.window.start));
  let judged: KpiDisplay['judged'];
  const late: LateWindow[] = [];
  sorted.forEach((result, i) => {
    const item = result.kpis.find((k) => k.name === name);
    if (item?.status !== 'ok') return;
    const window = result.window.start;
    const due = item.matureOn;
    if (item.outcomesMissing) {
      late.push({
        window,
        missing: true,
        coverage: item.outcomeCoverage ?? 0,
        usualCoverage: item.outcomesMissing.usualCoverage,
        ...(due ? { due } : {}),
        lastRecheck: item.outcomesMissing.lastRecheck,
      });
      return;
    }
    const held = heldOutcomeKpis(result, sorted.slice(0, i)).find((h) => h.name === name);
    if (held) {
      late.push({
        window,
        missing: false,
        coverage: held.coverage,
        usualCoverage: held.usualCoverage,
        ...(due ? { due } : {}),
        ...(due && days !== undefined ? { lastRecheck: shiftDate(due, days) } : {}),
      });
      return;
    }
    judged = { window, item, result };
  });
  const newest = late.at(-1);
  const latest = newest && (!judged || newest.window > judged.window) ? newest : undefined;
  return {
    ...(judged ? { judged } : {}),
    ...(latest ? { late: latest } : {}),
    held: late.filter((l) => !l.missing && l !== latest),
  };
}

/** How the latest performance window should be shown (labels late or not). */
export interface PerformanceDisplay {
  /** The latest window whose labels came as usual (undefined: none in the history). */
  complete?: PerformanceResult;
  /** The latest window, when its labels are late (held) or missing: its metrics are partial. */
  late?: LateWindow;
}

/** A window's label coverage as the late-labels rule reads it (no_labels: 0); undefined when not evaluated. */
function labelCoverage(r: PerformanceResult): number | undefined {
  return r.status === 'ok' ? r.overall.coverage : r.status === 'no_labels' ? 0 : undefined;
}

/**
 * The late state of the latest matured performance window of `history` (oldest first, matured
 * windows), by the performance job's rule (`lateCoverage` against the earlier windows' coverages,
 * at least one of them; missing once marked `labelsMissing`), and the latest complete window.
 * `days`: the labels' look-back in days (`recheckDays`), for a held window's last recheck date.
 */
export function performanceDisplay(history: readonly PerformanceResult[], days?: number): PerformanceDisplay {
  const lateOf = (r: PerformanceResult, earlier: readonly PerformanceResult[]): LateWindow | undefined => {
    const coverage = labelCoverage(r);
    const before = earlier.map(labelCoverage).filter((c): c is number => c !== undefined);
    const due = r.maturity.matureOn;
    if (r.labelsMissing)
      return {
        window: r.window.start,
        missing: true,
        coverage: coverage ?? 0,
        usualCoverage: r.labelsMissing.usualCoverage,
        due,
        lastRecheck: r.labelsMissing.lastRecheck,
      };
    if (coverage === undefined || !before.length) return undefined;
    const late = lateCoverage(coverage, before);
    return late
      ? {
          window: r.window.start,
          missing: false,
          coverage,
          usualCoverage: late.usualCoverage,
          due,
          ...(days !== undefined ? { lastRecheck: shiftDate(due, days) } : {}),
        }
      : undefined;
  };
  let complete: PerformanceResult | undefined;
  let latest: LateWindow | undefined;
  history.forEach((r, i) => {
    const late = lateOf(r, history.slice(0, i));
    if (i === history.length - 1) latest = late;
    if (!late && r.status === 'ok') complete = r;
  });
  return { ...(complete ? { complete } : {}), ...(latest ? { late: latest } : {}) };
}

const percent = (share: number) => `${Math.round(share * 100)}%`;

/**
 * The words for a late window: "held: outcomes late for 10-11 (coverage 30% of usual 100%, due
 * 10-12, rechecked until 10-19)" or "outcomes missing for 10-11 (coverage 30% of usual 100% at its
 * last recheck 10-19)". `short`: dates as MM-DD (the digest).
 */
export function lateWords(late: LateWindow, data: 'outcomes' | 'labels', short = true): string {
  const d = (date: string) => (short ? date.slice(5) : date);
  const coverage = `coverage ${percent(late.coverage)} of usual ${percent(late.usualCoverage)}`;
  if (late.missing)
    return `${data} missing for ${d(late.window)} (${coverage}${late.lastRecheck ? ` at its last recheck ${d(late.lastRecheck)}` : ''})`;
  const due = late.due ? `, due ${d(late.due)}` : '';
  const until = late.lastRecheck ? `, rechecked until ${d(late.lastRecheck)}` : '';
  return `held: ${data} late for ${d(late.window)} (${coverage}${due}${until})`;
}
