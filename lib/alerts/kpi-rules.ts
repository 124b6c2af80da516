/**
 * Business-KPI alerts: one rule per KPI of the definition (`kpi:<name>`), judged on the KPI's
 * overall value per window (segments and versions are in the results and the report, not paged).
 *
 * Levels:
 * - relative (`thresholds.relative`, e.g. 0.1): against the (positive) MEDIAN of the KPI's own earlier
 *   windows (at least KPI_MIN_HISTORY of them; until then the relative level waits). Warning when
 *   the value moved `relative` of that median in the bad direction, critical at twice that; never
 *   closer than 3 / 5 window-to-window standard deviations of the history (NOISE_K; robust: from
 *   the median absolute deviation), so a noisy KPI does not page on its own noise. Earlier windows
 *   outside the normal level (those being confirmed among them) are left out of the history
 *   (`kpiHistory`); once more than half of the last 28 are outside it, the new level is the new normal.
 *   Hysteresis: under the warning level but not within half its distance, an open incident holds.
 * - absolute (`thresholds.absolute.min/max`): outside the bounds is critical.
 * A critical level opens at once (`severe`: a business number past twice its allowed move, or past
 * a hard bound); a warning waits for the usual confirmation (2 of 3).
 */
import type { KpiDefinition } from '../config/schema.js';
import type { KpiResult } from '../jobs/kpi-result.js';
import { median } from '../stats/median.js';
import { LATE_COVERAGE_SHARE, lateCoverage, usualCoverage as usualOf } from './late-data.js';
import type { WindowObservations } from './observe.js';
import { fmt } from './observe.js';
import type { Rule } from './rules.js';
import type { AlertSettings } from './settings.js';
import { levelOf } from './thresholds.js';
import { type Level, maxLevel, type Observation } from './types.js';

/** Earlier windows a relative KPI level needs before it judges. */
export const KPI_MIN_HISTORY = 7;
/** Earlier windows the median and spread are taken over. */
export const KPI_HISTORY_WINDOWS = 28;

export function kpiRuleId(name: string): string {
  return `kpi:${name}`;
}

/** The alert rule of each KPI. */
export function kpiRules(kpis: readonly KpiDefinition[], settings: AlertSettings, model: string): Rule[] {
  return kpis.map((k) => ({
    id: kpiRuleId(k.name),
    kind: 'kpi' as const,
    source: 'kpi' as const,
    enabled: true,
    threshold: { type: 'verdict' as const },
    direction: k.direction === 'higher_is_better' ? ('below' as const) : ('above' as const),
    metric: k.name,
    confirm: settings.confirm,
    clearWindows: settings.clearWindows,
    openAt: 'warning' as const,
    runbook: settings.runbookUrl
      .replaceAll('{rule}', kpiRuleId(k.name))
      .replaceAll('{kind}', 'kpi')
      .replaceAll('{model}', model),
    advice:
      'check what moved the KPI: the segment and model-version breakdown in the report, drift in the same windows, a business change (pricing, policy, a campaign)',
    description: `the business KPI ${k.name} (${k.aggregate} of ${k.column}) moved past its threshold`,
  }));
}

/**
 * The window-to-window spread, robust to the change being judged: 1.4826 x the median absolute
 * deviation (the standard deviation for normal noise). A sample standard deviation grows with the
 * first dropped windows in the history and resolved a 25% drop after 4 windows (test world).
 */
function robustSpread(values: readonly number[], center: number): number {
  return 1.4826 * median(values.map((v) => Math.abs(v - center)));
}

/**
 * An outcome KPI is judged only when its outcome coverage (the share of the window's predictions
 * with an outcome joined) is at least this share of its usual coverage (the median over its
 * earlier windows; 1 when it has none): 70% of outcomes arriving late is a feed delay, not a
 * business drop, and is held (not judged, not in the history) until a recheck finds its outcomes
 * (lib/jobs/kpi.ts `recheckHeldKpis`), or marks them missing at the last recheck.
 */
export const KPI_MIN_COVERAGE_SHARE = LATE_COVERAGE_SHARE;

function coverageOf(result: KpiResult | undefined, name: string): number | undefined {
  const item = result?.kpis.find((k) => k.name === name);
  return item?.status === 'ok' && item.source === 'outcomes' ? item.outcomeCoverage : undefined;
}

/** An outcome KPI's usual coverage before `result`: the median over its earlier windows, 1 without any. */
function usualCoverage(name: string, previous: readonly KpiResult[]): number {
  return usualOf(previous.map((p) => coverageOf(p, name)).filter((c): c is number => c !== undefined));
}

/** The coverage an outcome KPI needs in `result`, from its earlier windows (undefined: not an outcome KPI). */
function neededCoverage(result: KpiResult, name: string, previous: readonly KpiResult[]): number | undefined {
  if (coverageOf(result, name) === undefined) return undefined;
  return KPI_MIN_COVERAGE_SHARE * usualCoverage(name, previous);
}

/** An outcome KPI held in a window: its coverage below what it needs. */
export interface HeldKpi {
  name: string;
  coverage: number;
  usualCoverage: number;
  neededCoverage: number;
}

/**
 * The outcome KPIs of `result` that are held (outcomes late: coverage below
 * KPI_MIN_COVERAGE_SHARE x the usual coverage of the `previous` windows, oldest first). The same
 * rule the policy applies: the KPI job rechecks exactly these windows (lib/jobs/kpi.ts).
 */
export function heldOutcomeKpis(result: KpiResult, previous: readonly KpiResult[]): HeldKpi[] {
  // A window without predictions (before the log's first day, a day the model did not serve) has
  // no outcome to wait for: nothing is held, nothing rechecked (each recheck is an Athena query).
  if (result.rows === 0) return [];
  return result.kpis.flatMap((k) => {
    const coverage = coverageOf(result, k.name);
    if (coverage === undefined) return [];
    const late = lateCoverage(
      coverage,
      previous.map((p) => coverageOf(p, k.name)).filter((c): c is number => c !== undefined),
    );
    return late ? [{ name: k.name, ...late }] : [];
  });
}

const percent = (share: number) => `${Number((share * 100).toFixed(1))}%`;

/** A rate's scale when its median is 0 or below: a relative 0.5 then warns 0.05 from the median. */
export const KPI_RATE_SCALE_FLOOR = 0.1;
/** The smallest scale of a mean / sum whose history is all 0: any move in the bad direction is critical. */
const ZERO_SCALE = 1e-9;

/**
 * What a relative threshold is a share of when the median is 0 or below (no share of it is a
 * move): max(|median|, a floor), the floor being 0.1 for a rate and the median of the history's
 * absolute values for a mean or sum (a KPI that was always 0 then has any bad move critical).
 */
function relativeScale(
  k: Pick<KpiDefinition, 'aggregate'>,
  history: readonly number[],
  center: number,
): number {
  const floor = k.aggregate === 'rate' ? KPI_RATE_SCALE_FLOOR : median(history.map(Math.abs));
  return Math.max(Math.abs(center), floor, ZERO_SCALE);
}

function overallValue(result: KpiResult | undefined, name: string, minCoverage?: number): number | undefined {
  const item = result?.kpis.find((k) => k.name === name);
  if (minCoverage !== undefined && (item?.outcomeCoverage ?? 1) < minCoverage) return undefined;
  const v = item?.status === 'ok' ? item.overall?.value : undefined;
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

/** The level of a KPI value against its relative threshold and history (undefined: no relative level yet). */
function relativeLevel(
  k: Pick<KpiDefinition, 'aggregate' | 'direction' | 'thresholds'>,
  value: number,
  history: readonly number[],
): { level: Level; warning?: number; critical?: number; baseline: number } | undefined {
  const relative = k.thresholds.relative;
  if (relative === undefined || history.length < KPI_MIN_HISTORY) return undefined;
  const bad = k.direction === 'higher_is_better' ? 'below' : 'above';
  const baseline = median(history);
  const noise = robustSpread(history, baseline);
  const judged = levelOf({
    value,
    direction: bad,
    threshold: { type: 'relative', warning: relative, critical: 2 * relative, scale: 'ratio' },
    reference: baseline,
    ratio: true,
    noise,
  });
  // A share of the median needs a positive median (a rate of 0 has no "10% lower"): with a
  // median of 0 or below, the relative threshold applies to a scale instead (relativeScale).
  const scale = relativeScale(k, history, baseline);
  const used = judged.armed
    ? judged
    : levelOf({
        value,
        direction: bad,
        threshold: { type: 'relative', warning: relative * scale, critical: 2 * relative * scale },
        reference: baseline,
        noise,
      });
  return {
    level: used.level,
    ...(used.warning !== undefined ? { warning: used.warning } : {}),
    ...(used.critical !== undefined ? { critical: used.critical } : {}),
    baseline,
  };
}

/**
 * Past the threshold, or under it but not within half the warning distance of the median (the
 * hysteresis band an open incident does not resolve in): not a window of the KPI's normal level.
 */
function outsideNormal(
  k: Pick<KpiDefinition, 'direction'>,
  value: number,
  judged: { level: Level; warning?: number; baseline: number },
): boolean {
  if (judged.level !== 'none') return true;
  if (judged.warning === undefined) return false;
  const distance = k.direction === 'higher_is_better' ? judged.baseline - value : value - judged.baseline;
  return distance > Math.abs(judged.warning - judged.baseline) / 2;
}

/**
 * The history a KPI window is judged against, from the values of the earlier windows (oldest
 * first; undefined: no judged value, e.g. held for late outcomes): the last KPI_HISTORY_WINDOWS of
 * them WITHOUT the windows that were themselves outside the normal level (past the relative
 * threshold, or in the hysteresis band under it: `outsideNormal`; each judged the same way against
 * its own history). So a sustained shift does not leak into its own baseline: its windows neither
 * move the median nor widen the spread (with them in, a 36% decline-rate rise "resolved" after 8
 * shifted windows while the shift went on, as the spread doubled), and the windows being confirmed
 * (the previous ones, when bad) are left out by the same rule. When more than half of the last
 * KPI_HISTORY_WINDOWS were outside, the new level is the new normal: they all count again
 * (`newLevel` says how many).
 */
export function kpiHistory(
  k: Pick<KpiDefinition, 'aggregate' | 'direction' | 'thresholds'>,
  values: readonly (number | undefined)[],
): { history: number[]; newLevel?: { bad: number; of: number } } {
  const bad: boolean[] = [];
  const pick = (j: number) => {
    const candidates: number[] = [];
    for (let i = 0; i < j; i++) if (values[i] !== undefined) candidates.push(i);
    const last = candidates.slice(-KPI_HISTORY_WINDOWS);
    const badCount = last.filter((i) => bad[i]).length;
    const accepted = badCount * 2 > last.length;
    const chosen = accepted ? last : last.filter((i) => !bad[i]);
    return {
      history: chosen.map((i) => values[i] as number),
      ...(accepted ? { newLevel: { bad: badCount, of: last.length } } : {}),
    };
  };
  for (let j = 0; j < values.length; j++) {
    const v = values[j];
    const judged = v === undefined ? undefined : relativeLevel(k, v, pick(j).history);
    bad.push(v !== undefined && judged !== undefined && outsideNormal(k, v, judged));
  }
  return pick(values.length);
}

/**
 * Why a KPI of a complete window (status ok, predictions in it) has no usable value, or undefined
 * when it has one (or when it is an outcome KPI: missing outcomes are a coverage question).
 */
export function noValueReason(
  result: KpiResult,
  k: Pick<KpiDefinition, 'name' | 'column'>,
): string | undefined {
  const item = result.kpis.find((x) => x.name === k.name);
  const o = item?.overall;
  if (!o || item?.status !== 'ok' || item.source === 'outcomes' || result.rows <= 0) return undefined;
  if (o.n > 0 || o.value !== null) return undefined;
  const unreadable = o.unreadable ?? 0;
  const nulls = o.nulls ?? 0;
  if (unreadable > 0)
    return `${k.column} has ${unreadable} non-null values that are neither true nor false (1 / 0, true / false); set trueValue (e.g. 'Y')`;
  if (nulls > 0) return `${k.column} is NULL in all ${nulls} rows (column all NULL)`;
  return `no row of its population in ${result.rows} predictions`;
}

/** What each KPI rule sees in one KPI result. `previous`: earlier KPI results, oldest first. */
export function observeKpis(
  result: KpiResult,
  rules: readonly Rule[],
  kpis: readonly KpiDefinition[],
  previous: readonly KpiResult[],
): WindowObservations {
  const window = result.window.start;
  const out: WindowObservations = { window, applicable: new Set(), observations: [], hints: [] };
  for (const k of kpis) {
    const rule = rules.find((r) => r.id === kpiRuleId(k.name) && r.enabled);
    if (!rule) continue;
    const missing = noValueReason(result, k);
    if (missing !== undefined) {
      // A complete window whose KPI has no usable value: a data-quality finding, opened at once.
      out.applicable.add(rule.id);
      const title = `${k.name} has no value: ${missing}`;
      out.observations.push({
        ruleId: rule.id,
        kind: 'kpi',
        subject: k.name,
        window,
        level: 'warning',
        measure: `${k.aggregate} of ${k.column}`,
        title,
        summary: title,
        severe: 'the KPI cannot be computed (kpi_no_data)',
      });
      continue;
    }
    const minCoverage = neededCoverage(result, k.name, previous);
    // An outcome KPI whose outcomes have not arrived as usual is held: not judged as final.
    const value = overallValue(result, k.name, minCoverage);
    const missingOutcomes = result.kpis.find((x) => x.name === k.name)?.outcomesMissing;
    if (value === undefined && missingOutcomes && minCoverage !== undefined) {
      // Still held at its last recheck: the outcomes never came. A finding, opened at once.
      const coverage = coverageOf(result, k.name) ?? 0;
      const title = `outcomes_missing: ${k.name} of ${window} has outcomes for ${percent(coverage)} of its predictions (usual ${percent(missingOutcomes.usualCoverage)}) at its last recheck on ${missingOutcomes.lastRecheck}`;
      out.applicable.add(rule.id);
      out.observations.push({
        ruleId: rule.id,
        kind: 'kpi',
        subject: k.name,
        window,
        level: 'warning',
        value: coverage,
        measure: 'outcome coverage',
        title,
        summary: `${title}; the window is not judged. Fix: load that window's outcomes into the outcomes log, then run the drift job for ${window} again (driftwatch run --job drift --date ${window}; on AWS the model's function with {"job":"drift","date":"${window}"}), which recomputes its KPIs and keeps this result as a revision; or raise outcomes.recheckWithin if the feed is often this late`,
        severe: 'the outcomes of a window never arrived (outcomes_missing)',
      });
      continue;
    }
    if (value === undefined) continue;
    out.applicable.add(rule.id);
    const bad = k.direction === 'higher_is_better' ? 'below' : 'above';
    const coverage = coverageOf(result, k.name);
    const values = previous.map((p, i) =>
      overallValue(p, k.name, neededCoverage(p, k.name, previous.slice(0, i))),
    );
    const { history, newLevel } = kpiHistory(k, values);
    const judged = relativeLevel(k, value, history);
    let level: Level = judged?.level ?? 'none';
    const warning = judged?.warning;
    const critical = judged?.critical;
    const baseline = judged?.baseline;
    const reasons: string[] = [];
    const { min, max } = k.thresholds.absolute ?? {};
    if ((min !== undefined && value < min) || (max !== undefined && value > max)) {
      level = maxLevel(level, 'critical');
      reasons.push(
        min !== undefined && value < min
          ? `below its minimum ${fmt(min)}`
          : `above its maximum ${fmt(max as number)}`,
      );
    }
    if (level === 'none') {
      // Not a page: what the latest window says, for the resolve message of an open incident, and
      // hysteresis: under the warning level but not within half its distance is not clear yet.
      if (baseline === undefined || warning === undefined) continue;
      const holding = !newLevel && outsideNormal(k, value, { level, warning, baseline });
      const summary = newLevel
        ? `${k.name} at ${fmt(value)} is the new normal: ${newLevel.bad} of its last ${newLevel.of} windows were outside its normal level, so they are now its baseline (median ${fmt(baseline)})`
        : `${k.name} at ${fmt(value)} (median ${fmt(baseline)}, warning at ${fmt(warning)})${holding ? ', not yet within half the warning distance' : ''}`;
      out.applicable.add(rule.id);
      out.observations.push({
        ruleId: rule.id,
        kind: 'kpi',
        subject: k.name,
        window,
        level: 'none',
        value,
        baseline,
        warning,
        measure: `${k.aggregate} of ${k.column}`,
        ...(newLevel ? { title: summary } : {}),
        summary,
        ...(holding ? { holding: true } : {}),
      });
      continue;
    }
    const word =
      baseline === undefined ? 'is' : value > baseline ? 'rose' : value < baseline ? 'fell' : 'held';
    const change =
      baseline !== undefined && baseline !== 0
        ? ` ${Number((Math.abs(value / baseline - 1) * 100).toFixed(1))}% (${fmt(value)} vs median ${fmt(baseline)})`
        : baseline !== undefined
          ? ` to ${fmt(value)} from a median of ${fmt(baseline)}`
          : ` ${fmt(value)}`;
    const late =
      result.recheckRun !== undefined ? ` (arrived late: judged at the recheck of ${result.recheckRun})` : '';
    const covered =
      coverage !== undefined
        ? `, outcomes for ${Number((coverage * 100).toFixed(1))}% of predictions${late}`
        : '';
    const title = `${k.name} ${word}${change}${reasons.length ? `, ${reasons.join(', ')}` : ''}${covered}`;
    const observation: Observation = {
      ruleId: rule.id,
      kind: 'kpi',
      subject: k.name,
      window,
      level,
      value,
      ...(warning !== undefined ? { warning } : {}),
      ...(critical !== undefined ? { critical } : {}),
      ...(baseline !== undefined ? { baseline } : {}),
      measure: `${k.aggregate} of ${k.column}${k.per === 'positive_decision' ? ' per positive decision' : ''}`,
      title,
      summary: `${title}${baseline !== undefined ? ` over the median of ${history.length} earlier windows` : ''}`,
      ...(level === 'critical'
        ? {
            severe: reasons.length
              ? `the KPI is ${reasons.join(', ')}`
              : 'the KPI moved past twice its allowed relative change',
          }
        : {}),
      ...(warning !== undefined && baseline !== undefined ? { worseStep: Math.abs(warning - baseline) } : {}),
      badDirection: bad,
    };
    out.observations.push(observation);
  }
  return out;
}
