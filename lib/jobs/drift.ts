/**
 * The drift job for one window: one scan of the window (overall and per segment), then drift per
 * feature and for the prediction, data-quality findings, and one result document stored under a
 * deterministic key (a re-run replaces it).
 */
import type { FeatureDefinition, MonitorDefinition } from '../config/schema.js';
import type { DataSource } from '../sql/dialect.js';
import type { DriftScanSpec } from '../sql/drift-query.js';
import { buildKnownCountQuery } from '../sql/known-count-query.js';
import { buildDescribeQuery, typeFamily } from '../sql/schema-query.js';
import { buildValueCountsQuery } from '../sql/value-counts-query.js';
import { chooseMethod, SMALL_SAMPLE_SIZE } from '../stats/registry.js';
import type { WeightedSample } from '../stats/weighted-sample.js';
import { loadProfile, monitoredColumns, referenceSelection, segmentGrouping } from './baseline.js';
import {
  compareCategorical,
  compareNumeric,
  type NumericDetail,
  profileOther,
  SEGMENT_MIN_BIN_SHARE,
} from './compare-feature.js';
import {
  type DriftResult,
  type FeatureDrift,
  type FeatureQuality,
  type QualityFinding,
  RESULT_SCHEMA_VERSION,
  type SegmentDrift,
} from './drift-result.js';
import { predictionFileCheck, referenceFileCheck } from './file-check.js';
import { runKpis, runOtherWindowsKpis } from './kpi.js';
import {
  type CategoricalProfile,
  type FeatureProfile,
  MAX_SEGMENT_PROFILES,
  type NumericProfile,
  type ReferenceProfile,
} from './profile.js';
import { type CategoricalScan, readDriftScan, runDriftScan, type ScanGroup } from './scan-reader.js';
import { hasNoFiles, sourceFor, strayFindings } from './sources.js';
import type { JobDeps } from './types.js';
import { unreadPartitionMessages } from './unread-files.js';
import { dateOfKey, resultKeys, type Window, windowFor } from './windows.js';

/**
 * The profile a segment value is judged against: the same value in the reference when it was
 * profiled there with enough rows; the whole reference when the reference lacks the column; else
 * nothing (the segment is reported, not judged).
 */
export function segmentBaseline(
  profile: ReferenceProfile,
  column: string,
  value: string,
  minSegmentSize: number,
): {
  baseline: SegmentDrift['baseline'];
  note?: NonNullable<SegmentDrift['baselineNote']>;
  referenceRows?: number;
  profile: ReferenceProfile;
} {
  if (profile.segmentColumnsMissing?.includes(column) || !profile.segments)
    return { baseline: 'population', referenceRows: profile.rows, profile };
  const own = profile.segments.find((s) => s.column === column && s.value === value);
  if (!own) {
    const note = profile.segmentColumnsTruncated?.includes(column) ? 'not_profiled' : 'new_value';
    return { baseline: 'none', note, referenceRows: 0, profile };
  }
  if (own.rows < minSegmentSize)
    return { baseline: 'none', note: 'reference_too_small', referenceRows: own.rows, profile };
  return {
    baseline: 'segment',
    referenceRows: own.rows,
    profile: {
      ...profile,
      rows: own.rows,
      features: own.features,
      ...(own.prediction ? { prediction: own.prediction } : {}),
    },
  };
}

/**
 * Values of a segment column beyond the MAX_SEGMENT_PROFILES largest in the reference have no
 * baseline of their own (`not_profiled`) and are not judged; one `unjudged_segments` finding per
 * column says how many values and rows went unjudged, so a third of a store column is never
 * skipped in silence. Report-only: it does not open an incident (lib/alerts/observe.ts).
 */
function unprofiledSegments(window: readonly SegmentDrift[], windowRows: number): QualityFinding[] {
  const byColumn = new Map<string, { values: string[]; rows: number }>();
  for (const s of window) {
    if (s.baselineNote !== 'not_profiled' || s.rows === 0) continue;
    const entry = byColumn.get(s.column) ?? { values: [], rows: 0 };
    entry.values.push(s.value);
    entry.rows += s.rows;
    byColumn.set(s.column, entry);
  }
  return [...byColumn].map(([column, { values, rows }]) => ({
    kind: 'unjudged_segments' as const,
    severity: 'warning' as const,
    feature: column,
    value: values.length,
    values: values.slice(0, 20),
    message: `${column}: ${values.length} value${values.length === 1 ? '' : 's'} (${rows} rows, ${pct(rate(rows, windowRows))} of the window) not judged for drift: only the ${MAX_SEGMENT_PROFILES} largest values of a segment column are profiled; segment on a coarser column to judge them all`,
  }));
}

/**
 * Segment values the reference had in volume that the window lacks: a value whose reference share
 * predicts at least drift.minSegmentSize rows in this window but has none (a channel whose
 * pipeline broke) is a `missing_segment` finding, the mirror of `new_segment`.
 */
function missingSegments(
  definition: MonitorDefinition,
  profile: ReferenceProfile,
  columns: readonly string[],
  window: readonly SegmentDrift[],
  rows: number,
): QualityFinding[] {
  const out: QualityFinding[] = [];
  for (const s of profile.segments ?? []) {
    if (!columns.includes(s.column) || profile.rows === 0) continue;
    const expected = (s.rows / profile.rows) * rows;
    if (expected < definition.drift.minSegmentSize) continue;
    if (window.some((w) => w.column === s.column && w.value === s.value)) continue;
    out.push({
      kind: 'missing_segment',
      severity: 'warning',
      feature: s.column,
      segment: { column: s.column, value: s.value },
      value: 0,
      expected: Math.round(expected),
      message: `${s.column}=${s.value}: no rows in the window, where its reference share (${pct(s.rows / profile.rows)}) predicts about ${Math.round(expected)}: check the logging of that ${s.column}`,
    });
  }
  return out;
}

/** Data-quality limits; documented in the README. */
export const QUALITY_LIMITS = {
  /** Null rate above the reference's by this much (absolute) is a warning; twice as much is critical. */
  nullRateIncrease: 0.05,
  /** Share of values outside the reference range. */
  outOfRangeShare: 0.05,
  /** Share of rows in categories never seen in the reference (warning; 5x is critical). */
  newCategoryShare: 0.01,
  /** Share of non-null values that fail to parse. */
  invalidShare: 0.01,
  /** Volume below this ratio of the expected volume (or above its inverse) is a warning; half of it is critical. */
  volumeRatio: 0.5,
  /** Windows of history that set the expected volume. */
  volumeHistory: 7,
} as const;

function rate(part: number, whole: number): number {
  return whole > 0 ? part / whole : 0;
}

/** Compares every monitored column of one scan group with the profile. */
function compareGroup(
  definition: MonitorDefinition,
  profile: ReferenceProfile,
  spec: DriftScanSpec,
  group: ScanGroup,
  tooSmall: boolean,
  samples: Map<string, NonNullable<NumericDetail['samples']>> = new Map(),
): { features: FeatureDrift[]; prediction?: FeatureDrift } {
  const settings = definition.drift;
  const byName = new Map<string, FeatureDrift>();
  const compareColumn = (feature: Pick<FeatureDefinition, 'name' | 'kind' | 'method' | 'thresholds'>) => {
    const p = profileOf(profile, feature.name);
    if (!p) return;
    const input = { feature, settings, tooSmall };
    if (p.kind === 'numeric') {
      const i = spec.numeric.findIndex((n) => n.column === feature.name);
      if (i >= 0)
        byName.set(
          feature.name,
          compareNumeric(
            input,
            p,
            group.numeric[i]!,
            samples.get(feature.name),
            group.segment ? SEGMENT_MIN_BIN_SHARE : undefined,
          ),
        );
    } else {
      const i = spec.categorical.indexOf(feature.name);
      if (i >= 0) byName.set(feature.name, compareCategorical(input, p, group.categorical[i]!));
    }
  };
  definition.features.forEach(compareColumn);
  const features = definition.features.map((f) => byName.get(f.name)).filter((f): f is FeatureDrift => !!f);
  const cols = monitoredColumns(definition);
  if (!cols.prediction || !profile.prediction) return { features };
  compareColumn({ name: cols.prediction.column, kind: cols.prediction.kind });
  const prediction = byName.get(cols.prediction.column);
  return { features, ...(prediction ? { prediction } : {}) };
}

function profileOf(profile: ReferenceProfile, name: string): FeatureProfile | undefined {
  return (
    profile.features.find((f) => f.name === name) ??
    (profile.prediction?.name === name ? profile.prediction : undefined)
  );
}

/**
 * Data-quality findings of one scan group. Null rates are compared with `profile` (the segment's
 * own, for a segment); the range and the known categories come from `overallProfile`: a value is
 * out of range or a category new when the whole reference never had it.
 */
function qualityOf(
  definition: MonitorDefinition,
  profile: ReferenceProfile,
  spec: DriftScanSpec,
  group: ScanGroup,
  overallProfile: ReferenceProfile = profile,
  knownInTail?: ReadonlyMap<string, number>,
): { features: FeatureQuality[]; findings: QualityFinding[] } {
  const features: FeatureQuality[] = [];
  const findings: QualityFinding[] = [];
  const where = group.segment ? ` in ${group.segment.column}=${group.segment.value}` : '';
  const segment = group.segment ? { segment: group.segment } : {};
  for (const feature of definition.features) {
    const own = profileOf(profile, feature.name);
    const p = profileOf(overallProfile, feature.name);
    if (!p || !own) continue;
    const referenceNullRate = rate(own.nulls, own.rows);
    if (p.kind === 'numeric') {
      const i = spec.numeric.findIndex((n) => n.column === feature.name);
      if (i < 0) continue;
      const s = group.numeric[i]!;
      const nulls = group.rows - s.present;
      const nullRate = rate(nulls, group.rows);
      const outOfRangeShare = rate(s.below + s.above, s.valid);
      features.push({ name: feature.name, nullRate, referenceNullRate, invalid: s.invalid, outOfRangeShare });
      checkNullRate(findings, feature.name, nullRate, referenceNullRate, where, segment);
      const invalidShare = rate(s.invalid + s.infinite, s.present);
      if (invalidShare > QUALITY_LIMITS.invalidShare) {
        findings.push({
          kind: 'invalid_values',
          severity: invalidShare > 5 * QUALITY_LIMITS.invalidShare ? 'critical' : 'warning',
          feature: feature.name,
          ...segment,
          value: invalidShare,
          expected: 0,
          message: `${feature.name}${where}: ${pct(invalidShare)} of values are not finite numbers (${s.invalid} unparsable, ${s.infinite} infinite)`,
        });
      }
      if (outOfRangeShare > QUALITY_LIMITS.outOfRangeShare) {
        findings.push({
          kind: 'out_of_range',
          severity: outOfRangeShare > 4 * QUALITY_LIMITS.outOfRangeShare ? 'critical' : 'warning',
          feature: feature.name,
          ...segment,
          value: outOfRangeShare,
          expected: 0,
          message: `${feature.name}${where}: ${pct(outOfRangeShare)} of values fall outside the reference range [${(p as NumericProfile).min}, ${(p as NumericProfile).max}]`,
        });
      }
    } else {
      const i = spec.categorical.indexOf(feature.name);
      if (i < 0) continue;
      const s = group.categorical[i]!;
      const nullRate = rate(s.nulls, group.rows);
      const known = (p as CategoricalProfile).categories;
      // A capped profile (more categories than CATEGORY_LIMIT) cannot tell a new category from
      // one in its tail: no new-category finding then (README: limits).
      const capped = profileOther(p as CategoricalProfile) > 0;
      const newCategories = Object.entries(s.categories)
        .filter(([value]) => !capped && !(value in known))
        .map(([value, count]) => ({ value, count }))
        .sort((a, b) => b.count - a.count);
      features.push({ name: feature.name, nullRate, referenceNullRate, invalid: 0, newCategories });
      checkNullRate(findings, feature.name, nullRate, referenceNullRate, where, segment);
      const tail = capped ? { rows: 0, exact: true } : newInTail(known, s, knownInTail?.get(feature.name));
      const newRows = newCategories.reduce((a, c) => a + c.count, 0) + tail.rows;
      const newShare = rate(newRows, group.rows - s.nulls);
      const counted =
        tail.rows > 0
          ? `at least ${(newCategories.length + 1).toLocaleString('en-US')} categories`
          : `${newCategories.length} categor${newCategories.length === 1 ? 'y' : 'ies'}`;
      if (newRows > 0 && newShare >= QUALITY_LIMITS.newCategoryShare) {
        findings.push({
          kind: 'new_category',
          severity: newShare >= 5 * QUALITY_LIMITS.newCategoryShare ? 'critical' : 'warning',
          feature: feature.name,
          ...segment,
          value: newShare,
          expected: 0,
          values: newCategories.map((c) => c.value),
          message: `${feature.name}${where}: ${counted} never seen in the reference (${newCategories
            .slice(0, 5)
            .map((c) => JSON.stringify(c.value))
            .join(', ')}) in ${tail.exact ? '' : 'at least '}${pct(newShare)} of rows`,
        });
      }
    }
  }
  return { features, findings };
}

/**
 * The window's rows in new categories beyond its listed top CATEGORY_LIMIT (its `other` tail), for
 * an uncapped reference. Exact when the reference's categories are all listed (the tail is all
 * new) or `knownTailRows` (a query's count of the unlisted known ones in the window) is given;
 * otherwise a lower bound: each unlisted known category holds at most the smallest listed count.
 */
export function newInTail(
  known: Readonly<Record<string, number>>,
  s: CategoricalScan,
  knownTailRows?: number,
): { rows: number; exact: boolean } {
  if (s.other <= 0) return { rows: 0, exact: true };
  const unlisted = Object.keys(known).filter((value) => !(value in s.categories));
  if (!unlisted.length) return { rows: s.other, exact: true };
  if (knownTailRows !== undefined) return { rows: Math.max(0, s.other - knownTailRows), exact: true };
  const smallest = Math.min(...Object.values(s.categories));
  return { rows: Math.max(0, s.other - unlisted.length * smallest), exact: false };
}

/** The known categories a window's scan did not list, per categorical feature with a tail. */
function unlistedKnown(
  profile: ReferenceProfile,
  spec: DriftScanSpec,
  group: ScanGroup,
): Map<string, string[]> {
  const out = new Map<string, string[]>();
  spec.categorical.forEach((column, i) => {
    const s = group.categorical[i];
    const p = profileOf(profile, column);
    if (!s || s.other <= 0 || p?.kind !== 'categorical' || profileOther(p) > 0) return;
    const unlisted = Object.keys(p.categories).filter((value) => !(value in s.categories));
    if (unlisted.length) out.set(column, unlisted);
  });
  return out;
}

function checkNullRate(
  findings: QualityFinding[],
  feature: string,
  nullRate: number,
  referenceNullRate: number,
  where: string,
  segment: { segment?: { column: string; value: string } },
): void {
  const increase = nullRate - referenceNullRate;
  if (increase > QUALITY_LIMITS.nullRateIncrease) {
    findings.push({
      kind: 'null_rate',
      severity: increase > 2 * QUALITY_LIMITS.nullRateIncrease || nullRate === 1 ? 'critical' : 'warning',
      feature,
      ...segment,
      value: nullRate,
      expected: referenceNullRate,
      message: `${feature}${where}: ${pct(nullRate)} missing, against ${pct(referenceNullRate)} in the reference${nullRate === 1 ? ' (is the column still logged?)' : ''}`,
    });
  }
}

export function pct(share: number): string {
  const p = share * 100;
  return `${p >= 10 ? p.toFixed(0) : p >= 1 ? p.toFixed(1) : p.toPrecision(2)}%`;
}

/** The expected volume: the configured one, else the median of the previous windows' rows. */
async function expectedVolume(deps: JobDeps, window: Window): Promise<number | undefined> {
  if (deps.definition.predictions.expectedRowsPerWindow)
    return deps.definition.predictions.expectedRowsPerWindow;
  const keys = await deps.store.list(resultKeys.jobPrefix(deps.definition.model.id, 'drift'));
  const previous = keys
    .filter((k) => k.endsWith(`/${window.duration}.json`) && (dateOfKey(k) ?? '') < window.start)
    .slice(-QUALITY_LIMITS.volumeHistory);
  const rows: number[] = [];
  for (const key of previous) {
    const doc = await deps.store.getJson<DriftResult>(key);
    if (doc?.status === 'ok') rows.push(doc.rows);
  }
  if (rows.length < 3) return undefined;
  rows.sort((a, b) => a - b);
  const mid = Math.floor(rows.length / 2);
  return rows.length % 2 ? rows[mid]! : (rows[mid - 1]! + rows[mid]!) / 2;
}

/** Runs the drift job for the window starting on `date`. */
export async function runDrift(deps: JobDeps, date: string): Promise<{ result: DriftResult; key: string }> {
  // Other windows' KPIs (outcomes that matured this morning, rechecks of late ones) read their own
  // windows' data: they run whether or not this window's scan succeeds (a bad file in this window
  // must not lose another window's outcome KPIs), and one failing is logged, never this job's
  // failure (a bad file three days back must not fail a healthy window). lib/jobs/kpi.ts.
  const start = windowFor(deps.definition, date).start;
  try {
    const out = await driftWindow(deps, date);
    await runKpis(deps, start);
    return out;
  } finally {
    await runOtherWindowsKpis(deps, start);
  }
}

/**
 * Why a window has no rows, as far as the files say: its partitions hold files of another format
 * (named, with the fix), or the log ends before the window (its last day and the --date to use).
 */
async function noDataCause(deps: JobDeps, predictions: DataSource, window: Window): Promise<string> {
  const location = deps.definition.predictions.location;
  const unread = unreadPartitionMessages(predictions, 'predictions.format');
  if (unread.length) return `${location}: ${unread.join('; ')}`;
  if (deps.engine.resolveFiles && predictions.partitioned) {
    const all = await deps.engine.resolveFiles(deps.sources.predictions).catch(() => undefined);
    const last = all?.partitions?.at(-1);
    if (last && last < window.start)
      return `the log ${location} ends on ${last} (its last partition): run with --date ${last} for that window, or check the logging pipeline`;
  }
  return `check the logging pipeline and the location ${location}`;
}

async function driftWindow(deps: JobDeps, date: string): Promise<{ result: DriftResult; key: string }> {
  const { definition, engine } = deps;
  const window = windowFor(definition, date);
  const profile = await loadProfile(deps, window);
  const findings: QualityFinding[] = [];
  // Only the window's partitions are read (locally: their files), so other days cannot touch it.
  const range = { from: window.start, to: window.end };
  const predictions = await sourceFor(
    deps,
    deps.sources.predictions,
    range,
    predictionFileCheck(deps.definition),
  );
  findings.push(...strayFindings(predictions, 'predictions.location', range));
  const empty = hasNoFiles(predictions);

  // Schema of the WINDOW's files: columns the definition names but the log lacks are reported and
  // left out, not fatal.
  const describe = empty ? [] : await engine.query(buildDescribeQuery(predictions, engine.dialect));
  const types = new Map(describe.map((r) => [String(r.column_name), String(r.column_type)]));
  const present = (column: string) => types.has(column);
  const cols = monitoredColumns(definition);
  for (const column of empty ? [] : [...cols.numeric, ...cols.categorical, ...definition.segments]) {
    if (!present(column)) {
      findings.push({
        kind: 'missing_column',
        severity: 'critical',
        feature: column,
        value: 1,
        message: `${column} is not in the prediction log: fix the name in the definition or restore the column`,
      });
    } else if (
      profile.columnTypes[column] &&
      typeFamily(profile.columnTypes[column]!) !== typeFamily(types.get(column)!)
    ) {
      findings.push({
        kind: 'type_change',
        severity: 'warning',
        feature: column,
        value: 1,
        message: `${column} is ${types.get(column)} in the log but ${profile.columnTypes[column]} in the reference`,
      });
    }
  }

  const numericProfiles = [...profile.features, ...(profile.prediction ? [profile.prediction] : [])].filter(
    (p): p is NumericProfile => p.kind === 'numeric' && present(p.name),
  );
  const categoricalProfiles = [
    ...profile.features,
    ...(profile.prediction ? [profile.prediction] : []),
  ].filter((p): p is CategoricalProfile => p.kind === 'categorical' && present(p.name));
  const spec: DriftScanSpec = {
    source: predictions,
    window: { from: window.start, to: window.end },
    numeric: numericProfiles.map((p) => {
      // The fine grid and the window's min and max (Wasserstein's range on it) are counted only
      // where the whole window's verdict can use them: they were most of the scan's work.
      const fine = Boolean(p.fineEdges?.length) && fineGridUsable(definition, p);
      return {
        column: p.name,
        edges: p.edges,
        ...(p.min !== null && p.max !== null ? { referenceMin: p.min, referenceMax: p.max } : {}),
        ...(fine ? { fineEdges: p.fineEdges! } : {}),
        minMax: fine,
        numericType: typeFamily(types.get(p.name)!) === 'number',
      };
    }),
    categorical: categoricalProfiles.map((p) => p.name),
    segments: definition.segments.filter(present),
  };
  spec.grouping = empty ? 'combinations' : await segmentGrouping(engine, spec);
  const scan = empty ? readDriftScan([], spec, engine.dialect) : await runDriftScan(engine, spec);
  const overall = scan.overall;

  const expected = await expectedVolume(deps, window);
  const volume = {
    rows: overall.rows,
    ...(expected ? { expected, ratio: overall.rows / expected } : {}),
  };
  if (overall.rows === 0) {
    findings.push({
      kind: 'no_data',
      severity: 'critical',
      value: 0,
      ...(expected ? { expected } : {}),
      message: `no predictions in ${window.start}..${window.end}: ${await noDataCause(deps, predictions, window)}`,
    });
  } else if (volume.ratio !== undefined) {
    const ratio = volume.ratio;
    const low = ratio < QUALITY_LIMITS.volumeRatio;
    const high = ratio > 1 / QUALITY_LIMITS.volumeRatio;
    if (low || high) {
      findings.push({
        kind: 'volume',
        severity:
          ratio < QUALITY_LIMITS.volumeRatio / 2 || ratio > 2 / QUALITY_LIMITS.volumeRatio
            ? 'critical'
            : 'warning',
        value: overall.rows,
        expected: volume.expected!,
        message: `${overall.rows} predictions, ${pct(Math.abs(1 - ratio))} ${low ? 'below' : 'above'} the usual ${Math.round(volume.expected!)}`,
      });
    }
  }

  const samples = overall.rows ? await exactSamples(deps, window, profile, spec, overall) : new Map();
  const overallDrift = overall.rows
    ? compareGroup(definition, profile, spec, overall, false, samples)
    : { features: [] };
  // The window's count of known categories in its unlisted tail (one small query per such
  // feature), so the overall new-category share is exact; segments use the lower bound.
  const knownInTail = new Map<string, number>();
  for (const [column, values] of overall.rows ? unlistedKnown(profile, spec, overall) : []) {
    const [row] = await engine.query(
      buildKnownCountQuery({ source: predictions, window: range, column, values }, engine.dialect),
    );
    knownInTail.set(column, Number(row?.c ?? 0));
  }
  const quality = overall.rows
    ? qualityOf(definition, profile, spec, overall, profile, knownInTail)
    : { features: [], findings: [] };
  findings.push(...quality.findings);

  const segments: SegmentDrift[] = scan.segments.map((group) => {
    const { column, value } = group.segment!;
    const baseline = segmentBaseline(profile, column, value, definition.drift.minSegmentSize);
    const tooSmall = group.rows < definition.drift.minSegmentSize || baseline.baseline === 'none';
    const drift = compareGroup(definition, baseline.profile, spec, group, tooSmall);
    // A value the reference never had, or had too few rows of, that now has volume: reported, not judged.
    const unjudged = baseline.note === 'new_value' || baseline.note === 'reference_too_small';
    if (unjudged && group.rows >= definition.drift.minSegmentSize) {
      const share = `${group.rows} rows (${pct(rate(group.rows, overall.rows))} of the window)`;
      const referenceRows = baseline.referenceRows ?? 0;
      findings.push({
        kind: 'new_segment',
        severity: 'warning',
        feature: column,
        segment: { column, value },
        value: group.rows,
        expected: baseline.note === 'new_value' ? 0 : referenceRows,
        message:
          baseline.note === 'new_value'
            ? `${column}=${value}: a segment value the reference never had, ${share}; it is not judged for drift until the reference includes it`
            : `${column}=${value}: ${share} against ${referenceRows} in the reference (${pct(rate(referenceRows, profile.rows))}), too few to judge it: add recent data to the reference`,
      });
    }
    if (!tooSmall) {
      // Segment-level quality findings only where they add something the overall ones do not.
      for (const finding of qualityOf(definition, baseline.profile, spec, group, profile).findings) {
        if (!findings.some((f) => f.kind === finding.kind && f.feature === finding.feature && !f.segment)) {
          findings.push(finding);
        }
      }
    }
    return {
      column,
      value,
      rows: group.rows,
      tooSmall,
      baseline: baseline.baseline,
      ...(baseline.note ? { baselineNote: baseline.note } : {}),
      ...(baseline.referenceRows !== undefined ? { referenceRows: baseline.referenceRows } : {}),
      ...drift,
    };
  });

  if (overall.rows > 0) {
    findings.push(...missingSegments(definition, profile, spec.segments, segments, overall.rows));
    findings.push(...unprofiledSegments(segments, overall.rows));
  }

  const drifted = overallDrift.features.filter((f) => f.drifted);
  const ranked = [...drifted].sort((a, b) => driftScore(b) - driftScore(a));
  const stats = engine.stats();
  const result: DriftResult = {
    schemaVersion: RESULT_SCHEMA_VERSION,
    kind: 'drift',
    model: definition.model.id,
    window,
    reference: {
      type: profile.reference.type,
      description: profile.reference.description,
      rows: profile.rows,
      profileCreatedAt: profile.createdAt,
    },
    generatedAt: deps.clock.now().toISOString(),
    status: overall.rows === 0 ? 'no_data' : 'ok',
    rows: overall.rows,
    engine: {
      name: engine.dialect.name,
      queries: stats.queries,
      bytesScanned: stats.bytesScanned,
      millis: Math.round(stats.engineMillis),
    },
    settings: {
      bins: definition.drift.bins,
      sizeAware: definition.drift.sizeAware,
      alpha: definition.drift.alpha,
      minSampleSize: definition.drift.minSampleSize,
    },
    features: overallDrift.features,
    ...(overallDrift.prediction ? { prediction: overallDrift.prediction } : {}),
    dataset: {
      featureCount: overallDrift.features.length,
      driftedCount: drifted.length,
      driftedShare: rate(drifted.length, overallDrift.features.length),
      drivers: ranked.map((f) => f.name),
    },
    segments,
    quality: { findings, features: quality.features, volume },
  };
  const key = resultKeys.result(definition.model.id, 'drift', window);
  await deps.store.putJson(key, result);
  return { result, key };
}

/** Windows up to this many finite values get exact KS and Wasserstein from value counts. */
export const EXACT_WINDOW_LIMIT = 100_000;
/** ... provided the reference has at most this many (its value counts are read once per run). */
export const EXACT_REFERENCE_LIMIT = 2_000_000;

/**
 * Whether the whole window's verdict on a numeric column can use the fine grid: only KS and
 * Wasserstein use it, and only when exact value counts are not read instead (exactSamples). With
 * `auto`, chooseMethod picks KS only when the reference or the window has at most
 * SMALL_SAMPLE_SIZE values; a window that small is read exactly unless the reference has more
 * than EXACT_REFERENCE_LIMIT. So a reference of SMALL_SAMPLE_SIZE < n <= EXACT_REFERENCE_LIMIT
 * finite values never needs it, whatever the window. Segments never use it (their bins decide).
 */
export function fineGridUsable(definition: MonitorDefinition, profile: NumericProfile): boolean {
  const feature = definition.features.find((f) => f.name === profile.name);
  const method = feature?.method ?? definition.drift.methods.numeric;
  if (method === 'ks' || method === 'wasserstein') return true;
  if (method !== 'auto') return false;
  return profile.valid <= SMALL_SAMPLE_SIZE || profile.valid > EXACT_REFERENCE_LIMIT;
}

const referenceSamples = new WeakMap<JobDeps, Map<string, WeightedSample>>();

async function valueCounts(
  deps: JobDeps,
  q: Parameters<typeof buildValueCountsQuery>[0],
): Promise<WeightedSample> {
  const rows = await deps.engine.query(buildValueCountsQuery(q, deps.engine.dialect));
  return { values: rows.map((r) => Number(r.v)), counts: rows.map((r) => Number(r.c)) };
}

/**
 * Value counts for the numeric columns judged by KS or Wasserstein on a small enough window, so
 * those statistics are exact; larger windows use the profile's fine grid.
 */
async function exactSamples(
  deps: JobDeps,
  window: Window,
  profile: ReferenceProfile,
  spec: DriftScanSpec,
  overall: ScanGroup,
): Promise<Map<string, NonNullable<NumericDetail['samples']>>> {
  const out = new Map<string, NonNullable<NumericDetail['samples']>>();
  const settings = deps.definition.drift;
  for (const [i, column] of spec.numeric.entries()) {
    const p = profileOf(profile, column.column);
    const current = overall.numeric[i]!;
    if (p?.kind !== 'numeric' || current.valid === 0 || p.valid === 0) continue;
    const feature = deps.definition.features.find((f) => f.name === column.column);
    const configured = feature?.method ?? settings.methods.numeric;
    const method = configured === 'auto' ? chooseMethod('numeric', p.valid, current.valid) : configured;
    if (method !== 'ks' && method !== 'wasserstein') continue;
    if (current.valid > EXACT_WINDOW_LIMIT || p.valid > EXACT_REFERENCE_LIMIT) continue;
    const cache = referenceSamples.get(deps) ?? new Map<string, WeightedSample>();
    referenceSamples.set(deps, cache);
    const selection = referenceSelection(deps, window);
    const cacheKey = `${column.column}@${selection.range?.from ?? ''}`;
    let reference = cache.get(cacheKey);
    if (!reference) {
      reference = await valueCounts(deps, {
        source: await sourceFor(deps, selection.source, selection.range, referenceFileCheck(deps.definition)),
        ...(selection.range ? { window: selection.range } : {}),
        column: column.column,
      });
      cache.set(cacheKey, reference);
    }
    const currentSample = await valueCounts(deps, {
      source: spec.source,
      window: { from: window.start, to: window.end },
      column: column.column,
    });
    out.set(column.column, { reference, current: currentSample });
  }
  return out;
}

/** How far past its threshold a drifted feature is (ratio), for ranking. */
export function driftScore(feature: FeatureDrift): number {
  if (feature.statistic === null) return 0;
  if (feature.pValue !== null && feature.threshold === 0)
    return -Math.log10(Math.max(feature.pValue, 1e-300));
  return feature.threshold > 0 ? feature.statistic / feature.threshold : feature.statistic;
}
