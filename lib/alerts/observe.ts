/**
 * From result documents to observations: what each rule sees, per subject, in one window. Drift
 * results feed the drift rules (features, segments, prediction, data quality, volume, no data);
 * performance results the performance rules (metric, slice parity, label coverage, operational).
 */
import type { DriftResult, FeatureDrift, QualityFinding } from '../jobs/drift-result.js';
import type { EstimatedResult } from '../jobs/estimate.js';
import type { PerformanceResult } from '../jobs/performance-result.js';
import { isRatioScaled } from '../metrics/direction.js';
import { normalQuantile } from '../stats/distributions.js';
import { benjaminiHochberg, driftPValue } from './multiple-testing.js';
import type { Rule } from './rules.js';
import { badDirectionOfMetric, levelOf } from './thresholds.js';
import { type Hint, type Level, maxLevel, type Observation } from './types.js';

/** The observations of one window of one source, and which rules could evaluate it. */
export interface WindowObservations {
  window: string;
  /** Rule ids that had data to judge in this window (a missing value is not a clear window). */
  applicable: Set<string>;
  observations: Observation[];
  hints: Hint[];
}

const FEATURE_FINDINGS = new Set<QualityFinding['kind']>(['new_category', 'out_of_range']);
// `new_segment` (no feature) goes to the data-quality rule, which opens at once.
const OWN_RULE_FINDINGS = new Set<QualityFinding['kind']>(['volume', 'no_data']);
// Shown in the result and the report, never paged: nothing the data can do resolves them.
const REPORT_ONLY_FINDINGS = new Set<QualityFinding['kind']>(['unjudged_segments']);

export function fmt(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  const abs = Math.abs(value);
  if (abs !== 0 && (abs < 0.001 || abs >= 1e6)) return value.toPrecision(3);
  return String(Number(value.toFixed(abs >= 100 ? 1 : 3)));
}

function pct(share: number): string {
  return `${Number((share * 100).toFixed(share < 0.1 ? 1 : 0))}%`;
}

function driftLevel(feature: FeatureDrift): Level {
  return feature.level === 'warning' || feature.level === 'critical' ? feature.level : 'none';
}

/**
 * The history a dynamic threshold learns from: the earlier values except the most recent
 * `confirm.windows - 1`, so that the windows being confirmed do not widen their own baseline.
 */
export function baselineHistory(values: readonly number[], rule: Pick<Rule, 'confirm'>): number[] {
  return values.slice(0, Math.max(0, values.length - (rule.confirm.windows - 1)));
}

/** Reads a dotted path (`operational.latencyMs.p95`) from a document. */
export function valueAt(doc: unknown, path: string): number | undefined {
  let node: unknown = doc;
  for (const part of path.split('.')) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<string, unknown>)[part];
  }
  return typeof node === 'number' && Number.isFinite(node) ? node : undefined;
}

interface Test {
  feature: FeatureDrift;
  segment?: { column: string; value: string };
  pValue: number;
}

/** The window's drift tests after Benjamini-Hochberg: a key `feature@col=value` per rejected test. */
export function significantDrift(result: DriftResult, fdr: number): Set<string> {
  const tests: Test[] = [];
  const add = (feature: FeatureDrift, segment?: { column: string; value: string }) => {
    if (feature.level === 'insufficient_data') return;
    const pValue = driftPValue(feature);
    if (pValue !== null) tests.push({ feature, ...(segment ? { segment } : {}), pValue });
  };
  for (const f of result.features) add(f);
  if (result.prediction) add(result.prediction);
  for (const s of result.segments) {
    if (s.tooSmall) continue;
    for (const f of s.features) add(f, { column: s.column, value: s.value });
    if (s.prediction) add(s.prediction, { column: s.column, value: s.value });
  }
  const rejected = benjaminiHochberg(
    tests.map((t) => t.pValue),
    fdr,
  );
  const keys = new Set<string>();
  tests.forEach((t, i) => {
    if (rejected[i]) keys.add(testKey(t.feature.name, t.segment));
  });
  return keys;
}

export function testKey(feature: string, segment?: { column: string; value: string }): string {
  return segment ? `${feature}@${segment.column}=${segment.value}` : feature;
}

/** Overall level of a feature: its verdict, gated by BH when the verdict comes from a test. */
function gatedLevel(feature: FeatureDrift, significant: Set<string>): Level {
  const level = driftLevel(feature);
  if (level === 'none') return 'none';
  if (feature.pValue !== null && feature.pValue !== undefined && !significant.has(feature.name))
    return 'none';
  return level;
}

/** The top drifting features and segments of a window, strongest first (relative to threshold). */
export function driftHints(result: DriftResult | undefined, significant: Set<string>, limit = 5): Hint[] {
  if (result?.status !== 'ok') return [];
  const strength = (f: FeatureDrift) => (f.statistic ?? 0) / (f.threshold || 1);
  const hint = (f: FeatureDrift, segment?: { column: string; value: string }): Hint => ({
    feature: f.name,
    ...(segment ? { segment } : {}),
    method: f.method,
    statistic: f.statistic ?? 0,
    level: driftLevel(f),
  });
  const overall = [...result.features, ...(result.prediction ? [result.prediction] : [])]
    .filter((f) => gatedLevel(f, significant) !== 'none')
    .sort((a, b) => strength(b) - strength(a))
    .slice(0, limit)
    .map((f) => hint(f));
  const segments = result.segments
    .filter((s) => !s.tooSmall)
    .flatMap((s) =>
      [...s.features, ...(s.prediction ? [s.prediction] : [])]
        .filter((f) => driftLevel(f) !== 'none' && significant.has(testKey(f.name, s)))
        .map((f) => ({ f, s })),
    )
    .sort((a, b) => strength(b.f) - strength(a.f))
    .slice(0, limit)
    .map(({ f, s }) => hint(f, { column: s.column, value: s.value }));
  return [...overall, ...segments];
}

function describeDrift(f: FeatureDrift): string {
  return `${f.method.toUpperCase()} ${fmt(f.statistic ?? 0)} (warning ${fmt(f.threshold)}, critical ${fmt(f.criticalThreshold)})`;
}

/** Observations of one drift window. `previous` are the earlier drift results, oldest first. */
export function observeDrift(
  result: DriftResult | undefined,
  window: string,
  rules: readonly Rule[],
  fdr: number,
  previous: readonly (DriftResult | undefined)[],
  /** Features with an open feature-drift incident: their segments' drift is that incident's, not a new one. */
  openFeatureIncidents: ReadonlySet<string> = new Set(),
): WindowObservations {
  const out: WindowObservations = { window, applicable: new Set(), observations: [], hints: [] };
  if (!result) return out;
  const enabled = (id: string) => rules.find((r) => r.id === id && r.enabled);
  const push = (o: Observation) => out.observations.push(o);

  const noData = enabled('no-data');
  if (noData) {
    out.applicable.add(noData.id);
    if (result.status === 'no_data') {
      push({
        ruleId: noData.id,
        kind: 'no_data',
        subject: 'predictions',
        window,
        level: 'critical',
        value: 0,
        measure: 'rows',
        summary: `no predictions in the window starting ${window}`,
      });
    }
  }
  if (result.status !== 'ok') return out;

  const significant = significantDrift(result, fdr);
  out.hints = driftHints(result, significant);
  const findings = result.quality.findings;

  const featureRule = enabled('feature-drift');
  if (featureRule) {
    out.applicable.add(featureRule.id);
    for (const f of result.features) {
      const level = featureDriftLevel(featureRule, f, significant, previous);
      const related = findings.filter(
        (q) => q.feature === f.name && !q.segment && FEATURE_FINDINGS.has(q.kind),
      );
      const findingLevel = maxLevel(...related.map((q) => q.severity));
      const total = maxLevel(level, findingLevel);
      if (total === 'none') continue;
      const segments = result.segments
        .filter((s) => !s.tooSmall)
        .flatMap((s) =>
          s.features.filter((sf) => sf.name === f.name && driftLevel(sf) !== 'none').map((sf) => ({ s, sf })),
        )
        .sort((a, b) => (b.sf.statistic ?? 0) - (a.sf.statistic ?? 0));
      const lines = [...related.map((q) => q.message)];
      if (level !== 'none') lines.push(`${f.name} distribution: ${describeDrift(f)}`);
      // Data-quality findings open at once; so does a distance far beyond the critical level.
      const severe =
        related.length > 0
          ? `data-quality finding${related.length === 1 ? '' : 's'} (${related.map((q) => q.kind.replace('_', ' ')).join(', ')})`
          : severeDrift(f, level);
      const qualityTitle = related.length > 0 ? findingsTitle(f.name, related) : undefined;
      const title =
        qualityTitle !== undefined
          ? `${qualityTitle}${level !== 'none' ? `, ${f.method.toUpperCase()} ${fmt(f.statistic ?? 0)}` : ''}`
          : `${f.name} drift (${f.method.toUpperCase()} ${fmt(f.statistic ?? 0)})`;
      push({
        ruleId: featureRule.id,
        kind: 'feature_drift',
        subject: f.name,
        window,
        level: total,
        ...(f.statistic !== null ? { value: f.statistic } : {}),
        warning: f.threshold,
        critical: f.criticalThreshold,
        measure: f.method,
        title,
        ...(severe ? { severe } : {}),
        summary: qualityTitle !== undefined ? title : `${f.name} drifted: ${describeDrift(f)}`,
        details: [
          ...lines,
          ...(segments.length
            ? [
                `also in ${segments.length} segment${segments.length === 1 ? '' : 's'}: ${segments
                  .slice(0, 4)
                  .map(({ s, sf }) => `${s.column}=${s.value} (${fmt(sf.statistic ?? 0)})`)
                  .join(', ')}${segments.length > 4 ? ', ...' : ''}`,
              ]
            : []),
        ],
      });
    }
  }

  const segmentRule = enabled('segment-drift');
  if (segmentRule) {
    out.applicable.add(segmentRule.id);
    const drifting = (sf: FeatureDrift, s: { column: string; value: string }) =>
      driftLevel(sf) !== 'none' && significant.has(testKey(sf.name, s));
    // Values of each column where a feature drifts: a change shared by several values of one
    // segment column is a population change in the making (the feature-drift rule's), not a segment's.
    const spread = new Map<string, number>();
    for (const s of result.segments) {
      if (s.tooSmall) continue;
      for (const sf of s.features)
        if (drifting(sf, s))
          spread.set(`${sf.name}|${s.column}`, (spread.get(`${sf.name}|${s.column}`) ?? 0) + 1);
    }
    for (const s of result.segments) {
      if (s.tooSmall) continue;
      for (const sf of s.features) {
        const overall = result.features.find((f) => f.name === sf.name);
        // The feature incident covers it: flagged overall in this window, or its incident still open
        // (a change in one segment hovers near the overall threshold: one change, one incident).
        if (overall && gatedLevel(overall, significant) !== 'none') continue;
        if (openFeatureIncidents.has(sf.name)) continue;
        const level = driftLevel(sf);
        if (level === 'none' || !significant.has(testKey(sf.name, s))) continue;
        if ((spread.get(`${sf.name}|${s.column}`) ?? 0) > 1) continue;
        push({
          ruleId: segmentRule.id,
          kind: 'segment_drift',
          subject: testKey(sf.name, s),
          window,
          level,
          ...(sf.statistic !== null ? { value: sf.statistic } : {}),
          warning: sf.threshold,
          critical: sf.criticalThreshold,
          measure: sf.method,
          summary: `${sf.name} drifted in ${s.column}=${s.value} (${s.rows} rows): ${describeDrift(sf)}; overall it did not`,
        });
      }
    }
  }

  const predictionRule = enabled('prediction-drift');
  if (predictionRule && result.prediction) {
    out.applicable.add(predictionRule.id);
    const p = result.prediction;
    const level = featureDriftLevel(predictionRule, p, significant, previous, true);
    if (level !== 'none') {
      const severe = severeDrift(p, level);
      push({
        title: `model output ${p.name} drift (${p.method.toUpperCase()} ${fmt(p.statistic ?? 0)})`,
        ...(severe ? { severe } : {}),
        ruleId: predictionRule.id,
        kind: 'prediction_drift',
        subject: p.name,
        window,
        level,
        ...(p.statistic !== null ? { value: p.statistic } : {}),
        warning: p.threshold,
        critical: p.criticalThreshold,
        measure: p.method,
        summary: `the model output (${p.name}) drifted: ${describeDrift(p)}`,
      });
    }
  }

  const qualityRule = enabled('data-quality');
  if (qualityRule) {
    out.applicable.add(qualityRule.id);
    for (const q of findings) {
      if (OWN_RULE_FINDINGS.has(q.kind) || REPORT_ONLY_FINDINGS.has(q.kind)) continue;
      if (FEATURE_FINDINGS.has(q.kind) && !q.segment && featureRule) continue; // part of the feature incident
      const newSegment = q.kind === 'new_segment' && q.segment;
      push({
        ruleId: qualityRule.id,
        kind: 'data_quality',
        subject: newSegment
          ? `new_segment:${q.segment?.column}=${q.segment?.value}`
          : `${q.kind}:${testKey(q.feature ?? 'dataset', q.segment)}`,
        title: findingTitle(q),
        severe: 'data-quality finding',
        window,
        level: q.severity,
        value: q.value,
        ...(q.expected !== undefined ? { baseline: q.expected } : {}),
        measure: q.kind,
        summary: q.message,
      });
    }
  }

  const volumeRule = enabled('volume');
  const ratio = result.quality.volume.ratio;
  if (volumeRule && ratio !== undefined && volumeRule.threshold.type !== 'verdict') {
    const history = previous.flatMap((d) =>
      d?.quality.volume.ratio !== undefined ? [d.quality.volume.ratio] : [],
    );
    const judged = levelOf({
      value: ratio,
      direction: volumeRule.direction === 'above' ? 'above' : 'below',
      threshold: volumeRule.threshold,
      reference: 1,
      history: baselineHistory(history, volumeRule),
    });
    out.applicable.add(volumeRule.id);
    if (judged.level !== 'none') {
      push({
        ruleId: volumeRule.id,
        kind: 'volume',
        subject: 'predictions',
        window,
        level: judged.level,
        value: ratio,
        ...(judged.warning !== undefined ? { warning: judged.warning } : {}),
        ...(judged.critical !== undefined ? { critical: judged.critical } : {}),
        baseline: result.quality.volume.expected ?? 1,
        measure: 'volume ratio',
        title: `volume fell to ${pct(ratio)} of expected (${result.rows} vs ${fmt(result.quality.volume.expected ?? 0)} predictions)`,
        summary: `${result.rows} predictions against ${fmt(result.quality.volume.expected ?? 0)} expected (${pct(ratio)})`,
      });
    }
  }

  for (const rule of rules) {
    if (!rule.enabled || rule.kind !== 'metric' || rule.source !== 'drift') continue;
    observeCustom(rule, result, previous, window, out);
  }
  return out;
}

/** Why a drift verdict opens at once: its distance is beyond 1.5x the critical threshold. */
function severeDrift(f: FeatureDrift, level: Level): string | undefined {
  if (level !== 'critical' || f.statistic === null || !(f.criticalThreshold > 0)) return undefined;
  return f.statistic >= SEVERE_MARGIN * f.criticalThreshold
    ? `${f.method.toUpperCase()} ${fmt(f.statistic)} is ${fmt(f.statistic / f.criticalThreshold)}x the critical threshold`
    : undefined;
}

/** A human line for one finding: "flavanoids: 38% of values outside the reference range". */
export function findingTitle(q: QualityFinding): string {
  const where = q.segment ? ` in ${q.segment.column}=${q.segment.value}` : '';
  const name = q.feature ?? 'the data';
  switch (q.kind) {
    case 'out_of_range':
      return `${name}${where}: ${pct(q.value)} of values outside the reference range`;
    case 'new_category': {
      const values = q.values ?? [];
      const listed = values.length
        ? `: ${values.slice(0, 3).join(', ')}${values.length > 3 ? ', ...' : ''}`
        : '';
      return `${name}${where}: ${values.length || 'new'} unseen categor${values.length === 1 ? 'y' : 'ies'}${listed}`;
    }
    case 'new_segment':
      return `new segment ${q.segment?.column}=${q.segment?.value} (${q.value} rows, absent from the reference)`;
    case 'null_rate':
      return `${name}${where}: ${pct(q.value)} missing values${q.expected !== undefined ? ` (reference ${pct(q.expected)})` : ''}`;
    case 'invalid_values':
      return `${name}${where}: ${fmt(q.value)} unparsable values`;
    case 'missing_column':
      return `${name}: column missing from the predictions`;
    case 'type_change':
      return `${name}: column type changed`;
    default:
      return q.message;
  }
}

/** The findings of one feature in one title. */
function findingsTitle(feature: string, findings: readonly QualityFinding[]): string {
  const parts = findings.map((q) => findingTitle(q).replace(`${feature}: `, ''));
  return `${feature}: ${parts.join('; ')}`;
}

function featureDriftLevel(
  rule: Rule,
  f: FeatureDrift,
  significant: Set<string>,
  previous: readonly (DriftResult | undefined)[],
  isPrediction = false,
): Level {
  if (rule.threshold.type === 'verdict') return gatedLevel(f, significant);
  if (f.statistic === null || f.level === 'insufficient_data') return 'none';
  const history = previous.flatMap((d) => {
    const g = isPrediction ? d?.prediction : d?.features.find((x) => x.name === f.name);
    return g?.statistic !== null && g?.statistic !== undefined ? [g.statistic] : [];
  });
  return levelOf({ value: f.statistic, direction: 'above', threshold: rule.threshold, reference: 0, history })
    .level;
}

function substitute(path: string, doc: { primaryMetric?: string }): string {
  return path.replaceAll('{primaryMetric}', doc.primaryMetric ?? '');
}

function observeCustom(
  rule: Rule,
  doc: DriftResult | PerformanceResult,
  previous: readonly (DriftResult | PerformanceResult | undefined)[],
  window: string,
  out: WindowObservations,
): void {
  if (!rule.path || rule.threshold.type === 'verdict') return;
  const path = substitute(rule.path, doc as { primaryMetric?: string });
  const value = valueAt(doc, path);
  if (value === undefined) return;
  out.applicable.add(rule.id);
  const direction =
    rule.direction === 'auto' ? badDirectionOfMetric(path.split('.').pop() ?? '') : rule.direction;
  const judged = levelOf({
    value,
    direction,
    threshold: rule.threshold,
    reference: rule.referencePath
      ? valueAt(doc, substitute(rule.referencePath, doc as { primaryMetric?: string }))
      : undefined,
    history: baselineHistory(
      previous.flatMap((d) => {
        const v = d ? valueAt(d, substitute(rule.path ?? '', d as { primaryMetric?: string })) : undefined;
        return v === undefined ? [] : [v];
      }),
      rule,
    ),
  });
  if (judged.level === 'none') return;
  out.observations.push({
    ruleId: rule.id,
    kind: rule.kind,
    subject: path,
    window,
    level: judged.level,
    value,
    ...(judged.warning !== undefined ? { warning: judged.warning } : {}),
    ...(judged.critical !== undefined ? { critical: judged.critical } : {}),
    ...(judged.baseline !== undefined ? { baseline: judged.baseline } : {}),
    measure: path,
    summary: `${path} is ${fmt(value)} (${judged.level} at ${fmt(judged[judged.level] ?? 0)}${judged.baseline !== undefined ? `, baseline ${fmt(judged.baseline)}` : ''})`,
  });
}

const DEFAULT_FALLBACK = {
  type: 'dynamic',
  warningK: 3,
  criticalK: 4,
  windows: 14,
  minHistory: 7,
  minDelta: 0,
} as const;

/** A change this many critical distances from the baseline opens at once (no M-of-N wait). */
export const SEVERE_MARGIN = 1.5;
/**
 * A performance change at warning or beyond whose one-sided z-test (on the results' standard
 * errors) has p below this opens at once: the drift tests' alpha 0.01, divided by 100.
 */
export const SEVERE_P = 0.0001;

/** What the performance rule compares a window with (chosen by the policy, see performanceBaseline). */
export type PerformanceBaseline =
  | { kind: 'reference' }
  | { kind: 'windows'; value: number; standardError?: number; spread?: number; windows: readonly string[] }
  | { kind: 'pending'; have: number; need: number };

export interface PerformanceContext {
  /** The baseline per metric; absent: the reference's metrics. */
  baselineFor?: (metric: string) => PerformanceBaseline;
}

/** True when relative levels on `metric` are ratios (see lib/metrics/direction.ts). */
export function ratioScale(metric: string, threshold: Rule['threshold']): boolean {
  if (threshold.type !== 'relative' || threshold.scale === undefined || threshold.scale === 'auto')
    return isRatioScaled(metric);
  return threshold.scale === 'ratio';
}

/** Four significant digits (0.8035, 47.12, 0.0995): enough to see a change of a few points. */
function sig(value: number): string {
  return Number.isFinite(value) ? String(Number(value.toPrecision(4))) : String(value);
}

/** "12%" for a ratio change, "0.0995" for points. */
function changeText(value: number, baseline: number, ratio: boolean): string {
  return ratio ? pct(Math.abs(value / baseline - 1)) : sig(Math.abs(value - baseline));
}

/** "rmse rose 12% (47.1 vs 42)": the word follows the change, not the rule's name. */
export function changeTitle(metric: string, value: number, baseline: number, ratio: boolean): string {
  const word = value > baseline ? 'rose' : value < baseline ? 'fell' : 'held';
  return `${metric} ${word} ${changeText(value, baseline, ratio)} (${sig(value)} vs ${sig(baseline)})`;
}

function seOf(
  group: { metrics: Record<string, number | null> } | undefined,
  metric: string,
): number | undefined {
  const v = group?.metrics[`${metric}StandardError`];
  return typeof v === 'number' && Number.isFinite(v) && v > 0 ? v : undefined;
}

/** Observations of one performance window. `previous` are earlier performance results, oldest first. */
export function observePerformance(
  result: PerformanceResult,
  rules: readonly Rule[],
  previous: readonly PerformanceResult[],
  context: PerformanceContext = {},
): WindowObservations {
  const window = result.window.start;
  const out: WindowObservations = { window, applicable: new Set(), observations: [], hints: [] };
  const enabled = (id: string) => rules.find((r) => r.id === id && r.enabled);
  const okPrevious = previous.filter((p) => p.status === 'ok');

  const perfRule = enabled('performance');
  if (perfRule && result.status === 'ok') {
    const metric = perfRule.metric ?? result.primaryMetric;
    const value = result.overall.metrics[metric];
    const base = context.baselineFor?.(metric) ?? { kind: 'reference' };
    const relative = perfRule.threshold.type === 'relative';
    // A relative rule waiting for its first matured windows judges nothing yet.
    const armed = !(relative && base.kind === 'pending');
    if (typeof value === 'number' && Number.isFinite(value) && armed) {
      const direction = perfRule.direction === 'auto' ? badDirectionOfMetric(metric) : perfRule.direction;
      const sign = direction === 'above' ? 1 : -1;
      const referenceValue = result.reference?.metrics[metric];
      const baseline =
        base.kind === 'windows'
          ? base.value
          : typeof referenceValue === 'number' && Number.isFinite(referenceValue)
            ? referenceValue
            : undefined;
      const baselineSe = base.kind === 'windows' ? base.standardError : seOf(result.reference, metric);
      const baselineName =
        base.kind === 'windows'
          ? `the median of the first ${base.windows.length} matured window${base.windows.length === 1 ? '' : 's'} (${base.windows[0]}${base.windows.length > 1 ? ` to ${base.windows.at(-1)}` : ''})`
          : 'the reference';
      const ratio = ratioScale(metric, perfRule.threshold);
      // Without a baseline, a relative rule falls back to the metric's own history.
      const threshold =
        perfRule.threshold.type === 'verdict' || (relative && baseline === undefined)
          ? DEFAULT_FALLBACK
          : relative && ratio && perfRule.ratioThreshold
            ? { type: 'relative' as const, ...perfRule.ratioThreshold }
            : perfRule.threshold;
      const history = okPrevious.flatMap((p) => {
        const v = p.overall.metrics[metric];
        return typeof v === 'number' && Number.isFinite(v) ? [v] : [];
      });
      // The metric's own window-to-window noise, from the baseline windows (fixed with them, so a
      // degraded period never widens it). Against a reference there is no such guard: recent
      // windows may already be degraded.
      const earlier = baselineHistory(history, perfRule);
      const noise = base.kind === 'windows' ? base.spread : undefined;
      const judged = levelOf({
        value,
        direction,
        threshold,
        reference: baseline ?? null,
        ratio: threshold.type === 'relative' && ratio,
        ...(noise !== undefined ? { noise } : {}),
        history: earlier,
      });
      if (judged.armed) out.applicable.add(perfRule.id);
      const center = judged.baseline;
      if (
        judged.armed &&
        center !== undefined &&
        judged.warning !== undefined &&
        judged.critical !== undefined
      ) {
        const distance = sign * (value - center);
        const warningDistance = Math.abs(judged.warning - center);
        const criticalDistance = Math.abs(judged.critical - center);
        const against =
          threshold.type === 'relative'
            ? baselineName
            : threshold.type === 'dynamic'
              ? `its mean over the last ${threshold.windows} matured windows`
              : 'its limit';
        const showRatio = threshold.type === 'relative' && ratio;
        const title = changeTitle(metric, value, center, showRatio);
        let severe: string | undefined;
        if (judged.level !== 'none' && criticalDistance > 0 && distance >= SEVERE_MARGIN * criticalDistance) {
          severe = `${fmt(distance / criticalDistance)}x the critical distance from ${fmt(center)}`;
        } else if (judged.level !== 'none' && threshold.type === 'relative') {
          const se = seOf(result.overall, metric);
          if (se !== undefined && baselineSe !== undefined) {
            const z = distance / Math.sqrt(se ** 2 + baselineSe ** 2);
            if (z >= normalQuantile(1 - SEVERE_P)) severe = `z = ${fmt(z)}, p < ${SEVERE_P}`;
          }
        }
        const observation: Observation = {
          ruleId: perfRule.id,
          kind: 'performance',
          subject: metric,
          window,
          level: judged.level,
          value,
          warning: judged.warning,
          critical: judged.critical,
          baseline: center,
          measure: metric,
          title,
          summary: `${title}, against ${against}`,
          details: [
            `baseline: ${against} = ${fmt(center)}; warning at ${fmt(judged.warning)}, critical at ${fmt(judged.critical)}${showRatio ? ` (${pct(Math.abs(judged.warning / center - 1))} / ${pct(Math.abs(judged.critical / center - 1))} ${direction === 'above' ? 'higher' : 'lower'})` : ''}`,
            `${result.overall.labelled} labelled predictions of ${result.overall.predictions}`,
            ...(severe ? [`opened without confirmation: ${severe}`] : []),
          ],
          worseStep: warningDistance,
          badDirection: direction,
          ...(severe ? { severe } : {}),
        };
        // Also below warning (level none), so a resolve notice can say what the value came back to.
        // Hysteresis: under the warning level but not within half its distance: not clear yet.
        out.observations.push(
          judged.level === 'none' && distance > warningDistance / 2
            ? { ...observation, holding: true }
            : observation,
        );
      } else if (judged.armed && judged.level !== 'none') {
        out.observations.push({
          ruleId: perfRule.id,
          kind: 'performance',
          subject: metric,
          window,
          level: judged.level,
          value,
          ...(judged.warning !== undefined ? { warning: judged.warning } : {}),
          ...(judged.critical !== undefined ? { critical: judged.critical } : {}),
          measure: metric,
          summary: `${metric} ${fmt(value)}`,
          details: [`${result.overall.labelled} labelled predictions of ${result.overall.predictions}`],
        });
      }
    }
  }

  const sliceRule = enabled('slice-parity');
  if (sliceRule && result.status === 'ok') {
    const metric = sliceRule.metric ?? result.primaryMetric;
    const direction = sliceRule.direction === 'auto' ? badDirectionOfMetric(metric) : sliceRule.direction;
    const sign = direction === 'below' ? -1 : 1;
    const judgedSegments = result.segments.filter((s) => !s.tooSmall);
    out.applicable.add(sliceRule.id);
    const overallValue = result.overall.metrics[metric];
    const overallSe = result.overall.metrics[`${metric}StandardError`];
    // Ratio-scaled metrics (RMSE...): the gap is a ratio to the overall value ("20% worse").
    const ratio =
      ratioScale(metric, sliceRule.threshold) &&
      typeof overallValue === 'number' &&
      Number.isFinite(overallValue) &&
      overallValue > 0;
    const overallRef = ratio ? (overallValue as number) : 1;
    // With standard errors, a gap must also be significant: one-sided z at 1% / segments (Bonferroni).
    const zCritical = normalQuantile(1 - 0.01 / Math.max(1, judgedSegments.length));
    const threshold =
      ratio && sliceRule.ratioThreshold
        ? { type: 'static' as const, ...sliceRule.ratioThreshold }
        : sliceRule.threshold.type === 'verdict' || sliceRule.threshold.type === 'relative'
          ? { type: 'static' as const, warning: 0.1, critical: 0.2 }
          : sliceRule.threshold;
    for (const s of judgedSegments) {
      const gap = s.gap[metric];
      const segmentValue = s.metrics[metric];
      if (typeof gap !== 'number' || !Number.isFinite(gap)) continue;
      const worse = (sign * gap) / overallRef;
      const judged = levelOf({
        value: worse,
        direction: 'above',
        threshold,
        reference: 0,
        history: baselineHistory(
          okPrevious.flatMap((p) => {
            const g = p.segments.find((x) => x.column === s.column && x.value === s.value)?.gap[metric];
            const o = p.overall.metrics[metric];
            const ref = ratio ? (typeof o === 'number' && o > 0 ? o : undefined) : 1;
            return typeof g === 'number' && ref !== undefined ? [(sign * g) / ref] : [];
          }),
          sliceRule,
        ),
      });
      if (judged.level === 'none') continue;
      const segmentSe = s.metrics[`${metric}StandardError`];
      if (typeof segmentSe === 'number' && typeof overallSe === 'number') {
        const se = Math.sqrt(segmentSe ** 2 + overallSe ** 2) / overallRef;
        if (se > 0 && worse / se < zCritical) continue;
      }
      const gapText = ratio ? pct(worse) : fmt(worse);
      const values =
        typeof segmentValue === 'number' && typeof overallValue === 'number'
          ? ` (${fmt(segmentValue)} vs ${fmt(overallValue)})`
          : '';
      const severe =
        judged.critical !== undefined && judged.critical > 0 && worse >= SEVERE_MARGIN * judged.critical
          ? `${fmt(worse / judged.critical)}x the critical gap`
          : undefined;
      out.observations.push({
        ruleId: sliceRule.id,
        kind: 'slice_parity',
        subject: `${s.column}=${s.value}`,
        window,
        level: judged.level,
        value: worse,
        ...(judged.warning !== undefined ? { warning: judged.warning } : {}),
        ...(judged.critical !== undefined ? { critical: judged.critical } : {}),
        measure: ratio ? `${metric} gap (ratio)` : `${metric} gap`,
        title: `${s.column}=${s.value}: ${metric} ${gapText} worse than overall${values}`,
        summary: `${s.column}=${s.value}: ${metric} ${typeof segmentValue === 'number' ? fmt(segmentValue) : 'n/a'} against ${typeof overallValue === 'number' ? fmt(overallValue) : 'n/a'} overall (${gapText} worse${ratio ? '' : ' in points'})`,
        details: [`${s.labelled} labelled predictions in the segment (coverage ${pct(s.coverage)})`],
        ...(severe ? { severe } : {}),
        // A gap that widens by one more warning gap re-notifies the open incident.
        ...(judged.warning !== undefined && judged.warning > 0
          ? { worseStep: judged.warning, badDirection: 'above' as const }
          : {}),
      });
    }
  }

  const coverageRule = enabled('label-coverage');
  if (
    coverageRule &&
    (result.status === 'ok' || result.status === 'no_labels') &&
    coverageRule.threshold.type !== 'verdict'
  ) {
    out.applicable.add(coverageRule.id);
    const coverage = result.status === 'no_labels' ? 0 : result.overall.coverage;
    const judged = levelOf({
      value: coverage,
      direction: 'below',
      threshold: coverageRule.threshold,
      reference: null,
      history: previous
        .filter((p) => p.status === 'ok' || p.status === 'no_labels')
        .map((p) => p.overall.coverage),
    });
    const missing = result.labelsMissing;
    if (missing) {
      // Still below its usual coverage at its last recheck: the labels never came. Opened at once.
      const title = `labels_missing: ${window} has labels for ${pct(coverage)} of its predictions (usual ${pct(missing.usualCoverage)}) at its last recheck on ${missing.lastRecheck}`;
      out.observations.push({
        ruleId: coverageRule.id,
        kind: 'label_coverage',
        subject: 'labels',
        window,
        level: judged.level === 'critical' ? 'critical' : 'warning',
        value: coverage,
        measure: 'label coverage',
        title,
        summary: `${title}; its performance was judged on the labels that came. Fix: check the labels feed for that window (late or lost partitions, the join key labels.idColumn), load its labels, then run driftwatch run --job performance --date ${window} (on AWS the model's function with {"job":"performance","date":"${window}"}), which keeps this result as a revision; or raise labels.recheckWithin if the feed is often this late`,
        severe: 'the labels of a window never arrived (labels_missing)',
      });
    } else if (judged.level !== 'none') {
      out.observations.push({
        ruleId: coverageRule.id,
        kind: 'label_coverage',
        subject: 'labels',
        window,
        level: judged.level,
        value: coverage,
        ...(judged.warning !== undefined ? { warning: judged.warning } : {}),
        ...(judged.critical !== undefined ? { critical: judged.critical } : {}),
        measure: 'label coverage',
        summary: `${pct(coverage)} of predictions have a label after the ${result.maturity.labelDelay} label delay`,
      });
    }
  }

  for (const rule of rules) {
    if (!rule.enabled || rule.source !== 'performance') continue;
    if (rule.kind === 'operational' && rule.metric && result.status !== 'no_data') {
      observeCustom({ ...rule, path: `operational.${rule.metric}` }, result, previous, window, out);
      const last = out.observations.at(-1);
      if (last && last.ruleId === rule.id) last.subject = rule.metric;
    } else if (rule.kind === 'metric') {
      observeCustom(rule, result, previous, window, out);
    }
  }
  return out;
}

/**
 * Observations of one estimated window (the `estimated-performance` rule, off by default): the
 * estimate of `rule.metric` (default: rocAuc, else accuracy) judged against the estimate of the
 * reference itself, on the band's upper end, so a drop counts only beyond the estimate's own
 * sampling band. An estimate already found invalid (`estimation_invalid`) is not judged.
 */
export function observeEstimated(result: EstimatedResult, rules: readonly Rule[]): WindowObservations {
  const window = result.window.start;
  const out: WindowObservations = { window, applicable: new Set(), observations: [], hints: [] };
  for (const rule of rules) {
    if (!rule.enabled || rule.kind !== 'estimated_performance') continue;
    if (
      result.status !== 'ok' ||
      !result.reference ||
      result.valid === false ||
      rule.threshold.type === 'verdict'
    )
      continue;
    const metric = (rule.metric ?? 'rocAuc') as keyof EstimatedResult['overall']['metrics'];
    const estimate = result.overall.metrics[metric];
    const reference = result.reference.metrics[metric]?.value;
    if (!estimate || estimate.value === null || estimate.upper === null || typeof reference !== 'number')
      continue;
    out.applicable.add(rule.id);
    const threshold = rule.threshold;
    const judged = levelOf({
      value: estimate.upper,
      direction: 'below',
      threshold,
      reference,
      history: [],
    });
    if (judged.level === 'none') continue;
    out.observations.push({
      ruleId: rule.id,
      kind: 'estimated_performance',
      subject: metric,
      window,
      level: judged.level,
      value: estimate.value,
      ...(judged.warning !== undefined ? { warning: judged.warning } : {}),
      ...(judged.critical !== undefined ? { critical: judged.critical } : {}),
      baseline: reference,
      measure: `estimated ${metric}`,
      summary: `estimated ${metric} ${sig(estimate.value)} (95% band ${sig(estimate.lower ?? estimate.value)} to ${sig(estimate.upper)}) vs ${sig(reference)} estimated on the reference; labels pending, estimated from scores`,
    });
  }
  return out;
}
