/**
 * The estimate job: a binary model's performance ESTIMATED from its scores alone, for a window whose
 * labels have not arrived (CBPE, lib/metrics/estimation.ts), stored under
 * `<model>/estimated/dt=<start>/<duration>.json` beside, never in place of, the performance
 * result. The calibration map is fitted once on the labelled reference and kept in
 * `<model>/estimated/calibration.json` (fitted again when the reference, score column or label
 * column changes). When the window's labels mature, the performance job calls
 * {@link attachRealized}: the realized metrics, the estimation error, whether the realized value is
 * inside the band computed for the labelled rows, and the calibration check, which raises an
 * `estimation_invalid` finding when the score-to-outcome relation changed.
 *
 * SQL: one score grid query per window (rows per group, score cell and side of the threshold; no
 * row leaves the engine), one per fit on the reference.
 */
import type { MonitorDefinition } from '../config/schema.js';
import {
  type CalibrationCheck,
  type CalibrationMap,
  checkCalibration,
  ESTIMATE_BAND_Z,
  ESTIMATED_METRICS,
  type EstimatedMetric,
  type EstimatedMetricName,
  estimatePerformance,
  fitCalibration,
  SCORE_GRID_CELLS,
  SUPPORT_HALF_WIDTH,
  SUPPORT_MIN_ROWS,
} from '../metrics/estimation.js';
import { quoteIdentifier } from '../sql/identifiers.js';
import { buildScoreGridQuery, type ScoreGridSpec } from '../sql/performance-query.js';
import { readScoreGrid, type ScoreGridGroup } from '../sql/performance-rows.js';
import { RESULT_SCHEMA_VERSION } from './drift-result.js';
import { labelFileCheck, predictionFileCheck } from './file-check.js';
import { labelsRelation, withLabelledReference } from './performance.js';
import type { PerformanceResult } from './performance-result.js';
import { NULL_SEGMENT } from './scan-reader.js';
import { hasNoFiles, sourceFor } from './sources.js';
import type { JobDeps } from './types.js';
import { durationDays, resultKeys, shiftDate, type Window, windowFor } from './windows.js';

/** The p-value below which the calibration check says the estimates are not valid (per group, Bonferroni over the groups checked). */
export const CALIBRATION_CHECK_ALPHA = 0.01;
/**
 * Above this share of a group's estimated rows in score cells the reference does not support
 * (lib/metrics/estimation.ts `supportedCells`), the estimate is marked extrapolated: an
 * `estimation_extrapolated` finding, and status `extrapolated` when it is the overall group.
 */
export const MAX_UNSUPPORTED_SHARE = 0.05;
/**
 * Above this share of the window's predictions with a score missing, not finite or outside [0, 1],
 * estimation is refused (status `invalid_scores`, an `estimation_refused` finding): the score
 * column is not a probability (logits, a wrong column), and an estimate over the rest would describe
 * a sliver of the window.
 */
export const MAX_INVALID_SCORE_SHARE = 0.01;
/**
 * Below these labelled-reference sizes the estimate carries an `estimation_low_confidence`
 * finding: the isotonic map's bias on a thin reference is not in the band (a 300-row reference
 * covered recall in 76-81% of simulated windows before the support widening).
 */
export const MIN_REFERENCE_ROWS = 1000;
export const MIN_REFERENCE_CLASS_ROWS = 50;

/** The stored calibration map and what it was fitted on. */
export interface CalibrationDocument {
  schemaVersion: 1;
  kind: 'calibration';
  model: string;
  fittedAt: string;
  /** What the map depends on: a change re-fits it. */
  fingerprint: string;
  map: CalibrationMap;
  /** The reference's score cells (with sides of the threshold): the estimate of the reference itself. */
  referenceCells: ScoreGridGroup['cells'];
  /** The threshold `referenceCells` were split at. */
  threshold: number;
}

export interface EstimatedGroup {
  /** Predictions in the group. */
  predictions: number;
  /** Of those, the ones with a score in [0, 1] (estimated over). */
  estimated: number;
  /** Predictions whose score is missing, not finite or outside [0, 1] (not estimated). */
  invalidScores: number;
  /** Of the estimated, the rows in score cells the reference does not support (their p taken as unknown in [0, 1] by the band). */
  unsupported: number;
  expectedConfusion: { tp: number; fp: number; tn: number; fn: number };
  metrics: Record<EstimatedMetricName, EstimatedMetric>;
}

export interface EstimatedSegment extends EstimatedGroup {
  column: string;
  value: string;
}

/** Realized beside estimated, for one group, once the window's labels matured. */
export interface RealizedGroup {
  labelled: number;
  /** The performance job's exact metrics on the labelled rows (null when undefined). */
  metrics: Record<EstimatedMetricName, number | null>;
  /** realized - estimated over the SAME labelled rows (`band`'s value): like for like, whatever labels are missing. */
  error: Record<EstimatedMetricName, number | null>;
  /** realized - the stored estimate over all the window's rows (differs from `error` when labels are missing not at random). */
  errorVsAllRows: Record<EstimatedMetricName, number | null>;
  /** The estimate and band recomputed over the labelled rows only (the rows realized is computed on). */
  band: Record<EstimatedMetricName, EstimatedMetric>;
  /** Realized inside that band; null when either is undefined. */
  inBand: Record<EstimatedMetricName, boolean | null>;
  calibration: CalibrationCheck;
}

export interface EstimationFinding {
  /** `estimation_invalid`: the calibration check failed once labels came; `estimation_extrapolated`: the window's scores lie where the reference has no support. */
  kind: 'estimation_invalid' | 'estimation_extrapolated' | 'estimation_refused' | 'estimation_low_confidence';
  severity: 'warning';
  /** `overall`, or `column=value`. */
  group: string;
  message: string;
  pValue: number | null;
  /** The metrics whose realized value fell outside the band (empty for `estimation_extrapolated`). */
  outside: EstimatedMetricName[];
}

/** `<model>/estimated/dt=<start>/<duration>.json`. */
export interface EstimatedResult {
  schemaVersion: number;
  kind: 'estimated';
  /** Says plainly what this is: estimated from scores, not measured on labels. */
  estimated: true;
  method: 'cbpe';
  model: string;
  window: Window;
  generatedAt: string;
  /** `extrapolated`: more than MAX_UNSUPPORTED_SHARE of the overall rows lie where the reference has no support (band widened, see findings). */
  status: 'ok' | 'no_data' | 'extrapolated' | 'invalid_scores';
  threshold: number;
  band: { z: number; level: number; includes: string };
  calibration: {
    key: string;
    fittedAt: string;
    rows: number;
    positives: number;
    method: 'isotonic';
    cells: number;
  };
  overall: EstimatedGroup;
  segments: EstimatedSegment[];
  /**
   * The same estimate on the reference itself (its own calibration, all its rows): what the
   * `estimated-performance` alert rule compares the window's estimate with.
   */
  reference?: EstimatedGroup;
  /** Added by the performance job when the window's labels matured. */
  realized?: {
    performanceGeneratedAt: string;
    overall: RealizedGroup;
    segments: (RealizedGroup & { column: string; value: string })[];
  };
  /** Valid unless the calibration check rejected it (`estimation_invalid`); undefined until labels arrive. */
  valid?: boolean;
  findings: EstimationFinding[];
  engine: { name: string; queries: number; bytesScanned: number; millis: number };
}

/** Why estimation cannot run for this definition, or undefined when it can. */
export function estimationUnavailable(definition: MonitorDefinition): string | undefined {
  if (definition.model.task !== 'binary')
    return `estimated performance is for binary classifiers; model ${definition.model.id} is ${definition.model.task}`;
  if (!definition.predictions.scoreColumn)
    return 'estimated performance needs predictions.scoreColumn (a probability of class 1)';
  const ref = definition.reference;
  if (ref.type !== 'dataset' || !ref.labelColumn)
    return 'estimated performance needs a labelled reference: reference.type dataset with reference.labelColumn';
  return undefined;
}

export const calibrationKey = (model: string) => `${model}/estimated/calibration.json`;

/**
 * What the map depends on: the definition's columns and grid, and the reference's CONTENT as the
 * fit reads it (labelled rows, positives and a checksum over every score cell's rows, labelled
 * rows and positives), so a reference replaced at the same location is fitted again.
 */
function fingerprintOf(definition: MonitorDefinition, cells: ScoreGridGroup['cells']): string {
  const ref = definition.reference;
  const ordered = [...cells].sort((a, b) => a.cell - b.cell || Number(a.above) - Number(b.above));
  let labelled = 0;
  let positives = 0;
  // FNV-1a (32-bit) over the cells' counts.
  let hash = 0x811c9dc5;
  for (const c of ordered) {
    labelled += c.labelled;
    positives += c.positives;
    for (const v of [c.cell, c.above ? 1 : 0, c.rows, c.labelled, c.positives]) {
      for (const ch of `${v},`) hash = Math.imul(hash ^ ch.charCodeAt(0), 0x01000193) >>> 0;
    }
  }
  return JSON.stringify([
    ref.type === 'dataset' ? ref.location : ref.type,
    ref.type === 'dataset' ? ref.labelColumn : null,
    definition.predictions.scoreColumn,
    definition.predictions.idColumn,
    SCORE_GRID_CELLS,
    { labelled, positives, checksum: hash.toString(16) },
  ]);
}

function gridSpec(
  definition: MonitorDefinition,
): Omit<
  ScoreGridSpec,
  'predictionsRelation' | 'labelsRelation' | 'labelIdColumn' | 'labelColumn' | 'window' | 'predictionIdColumn'
> {
  return {
    task: 'binary',
    scoreColumn: definition.predictions.scoreColumn!,
    threshold: definition.performance.threshold,
    cells: SCORE_GRID_CELLS,
  };
}

/**
 * The stored calibration map, fitted on the labelled reference when missing or out of date. The
 * reference's score grid is counted on every call (one scan of its score and label columns), so a
 * reference whose content changed at the same location is noticed; the fit is redone only then.
 */
export async function loadCalibration(deps: JobDeps): Promise<{ doc: CalibrationDocument; key: string }> {
  const { definition, engine, store } = deps;
  const key = calibrationKey(definition.model.id);
  const stored = await store.getJson<CalibrationDocument>(key);
  const groups = await withLabelledReference(deps, async (ref) => {
    const query = buildScoreGridQuery(
      {
        ...gridSpec(definition),
        // The reference joined with itself, its labels coded as the window's.
        ...ref,
        name: 'calibration-grid',
      },
      engine.dialect,
    );
    return readScoreGrid(await engine.query(query), query);
  });
  const overall = groups?.find((g) => g.group.kind === 'overall');
  if (!overall) {
    throw new Error(
      `the reference of model ${definition.model.id} has no labelled row with a score in [0, 1]: estimated performance needs reference.labelColumn and predictions.scoreColumn in the reference`,
    );
  }
  const fingerprint = fingerprintOf(definition, overall.cells);
  if (
    stored &&
    stored.schemaVersion === 1 &&
    stored.fingerprint === fingerprint &&
    stored.threshold === definition.performance.threshold
  )
    return { doc: stored, key };
  const doc: CalibrationDocument = {
    schemaVersion: 1,
    kind: 'calibration',
    model: definition.model.id,
    fittedAt: deps.clock.now().toISOString(),
    fingerprint,
    map: fitCalibration(overall.cells),
    referenceCells: overall.cells,
    threshold: definition.performance.threshold,
  };
  await store.putJson(key, doc);
  return { doc, key };
}

function segmentOrder(definition: MonitorDefinition) {
  return (a: { column: string; value: string }, b: { column: string; value: string }) =>
    definition.segments.indexOf(a.column) - definition.segments.indexOf(b.column) ||
    a.value.localeCompare(b.value);
}

async function scoreGrid(deps: JobDeps, window: Window, withLabels: { until: string } | undefined) {
  const { definition, engine } = deps;
  const p = definition.predictions;
  const predictions = await sourceFor(
    deps,
    deps.sources.predictions,
    { from: window.start, to: window.end },
    predictionFileCheck(definition),
  );
  if (hasNoFiles(predictions)) return [];
  const labelsDef = definition.labels;
  const labelSource =
    withLabels && labelsDef && deps.sources.labels
      ? await sourceFor(
          deps,
          deps.sources.labels,
          deps.sources.labels.partitioned ? { from: window.start, to: withLabels.until } : undefined,
          labelFileCheck(definition),
        )
      : undefined;
  const idColumn = labelsDef?.idColumn ?? p.idColumn;
  const labelColumn = labelsDef?.labelColumn ?? 'label';
  const labels =
    labelSource && labelsDef
      ? labelsRelation(engine, labelSource, labelsDef)
      : // Before labels: an empty labels relation, so the join costs nothing.
        `(SELECT ${[idColumn, labelColumn, 'dt'].map((c) => `CAST(NULL AS VARCHAR) AS ${quoteIdentifier(c)}`).join(', ')} WHERE false)`;
  const mapping =
    labelsDef?.positiveValue === undefined
      ? undefined
      : {
          positiveValue: labelsDef.positiveValue,
          ...(labelsDef.negativeValue === undefined ? {} : { negativeValue: labelsDef.negativeValue }),
        };
  const query = buildScoreGridQuery(
    {
      ...gridSpec(definition),
      ...(mapping && labelSource ? { labelMapping: mapping } : {}),
      predictionsRelation: engine.dialect.relation(predictions),
      labelsRelation: labels,
      predictionIdColumn: p.idColumn,
      labelIdColumn: idColumn,
      labelColumn,
      segmentColumns: definition.segments,
      window: { from: window.start, to: window.end },
      ...(labelSource && deps.sources.labels?.partitioned
        ? { labelsSince: window.start, labelsUntil: withLabels!.until }
        : {}),
    },
    engine.dialect,
  );
  return readScoreGrid(await engine.query(query), query);
}

function predictionsOf(g: ScoreGridGroup): number {
  return g.cells.reduce((a, c) => a + c.rows, 0) + g.invalidScores;
}

/** Runs the estimate job for the window starting on `date`. */
export async function runEstimate(
  deps: JobDeps,
  date: string,
): Promise<{ result: EstimatedResult; key: string }> {
  const { definition, engine } = deps;
  const unavailable = estimationUnavailable(definition);
  if (unavailable) throw new Error(`model ${definition.model.id}: ${unavailable}`);
  const window = windowFor(definition, date);
  const { doc, key: calKey } = await loadCalibration(deps);
  const groups = await scoreGrid(deps, window, undefined);
  const estimateOf = (g: ScoreGridGroup | undefined): EstimatedGroup => {
    const est = estimatePerformance(g?.cells ?? [], doc.map);
    return {
      predictions: g ? predictionsOf(g) : 0,
      estimated: est.rows,
      invalidScores: g?.invalidScores ?? 0,
      unsupported: est.unsupported,
      expectedConfusion: est.expectedConfusion,
      metrics: est.metrics,
    };
  };
  const overallGroup = groups.find((g) => g.group.kind === 'overall');
  let overall = estimateOf(overallGroup);
  const refused =
    overall.predictions > 0 && overall.invalidScores / overall.predictions > MAX_INVALID_SCORE_SHARE;
  let refusal: EstimationFinding | undefined;
  if (refused) {
    const share = `${((100 * overall.invalidScores) / overall.predictions).toFixed(1)}%`;
    const message = `predictions.scoreColumn ${JSON.stringify(definition.predictions.scoreColumn)}: ${overall.invalidScores} of ${overall.predictions} predictions (${share}) have a score missing or outside [0, 1]: estimation needs a probability of class 1 (apply the sigmoid to logits, or point scoreColumn at the probability); not estimated`;
    refusal = {
      kind: 'estimation_refused',
      severity: 'warning',
      group: 'overall',
      pValue: null,
      outside: [],
      message,
    };
    const none: EstimatedMetric = {
      value: null,
      standardError: null,
      lower: null,
      upper: null,
      reason: message,
    };
    overall = {
      ...overall,
      expectedConfusion: { tp: 0, fp: 0, tn: 0, fn: 0 },
      metrics: { accuracy: none, precision: none, recall: none, f1: none, rocAuc: none },
    };
  }
  const segments: EstimatedSegment[] = groups
    .filter((g) => g.group.kind === 'segment' && !refused)
    .map((g) => ({ column: g.group.column!, value: g.group.value ?? NULL_SEGMENT, ...estimateOf(g) }))
    .sort(segmentOrder(definition));
  const findings: EstimationFinding[] = [];
  const extrapolated = (name: string, g: EstimatedGroup) => {
    if (g.estimated === 0 || g.unsupported / g.estimated <= MAX_UNSUPPORTED_SHARE) return false;
    findings.push({
      kind: 'estimation_extrapolated',
      severity: 'warning',
      group: name,
      pValue: null,
      outside: [],
      message: `${name}: ${g.unsupported} of ${g.estimated} rows (${((100 * g.unsupported) / g.estimated).toFixed(1)}%) have scores where the labelled reference has fewer than ${SUPPORT_MIN_ROWS} rows within +-${SUPPORT_HALF_WIDTH / SCORE_GRID_CELLS} of the score: the calibration is extrapolated there, so the band takes their outcome as unknown (wide band); a reference covering the window's scores fixes it`,
    });
    return true;
  };
  if (refusal) findings.push(refusal);
  const minority = Math.min(doc.map.positives, doc.map.rows - doc.map.positives);
  if (doc.map.rows < MIN_REFERENCE_ROWS || minority < MIN_REFERENCE_CLASS_ROWS)
    findings.push({
      kind: 'estimation_low_confidence',
      severity: 'warning',
      group: 'overall',
      pValue: null,
      outside: [],
      message: `the labelled reference has ${doc.map.rows} rows (${doc.map.positives} positive): below ${MIN_REFERENCE_ROWS} rows with ${MIN_REFERENCE_CLASS_ROWS} of each class the calibration's bias is not in the band, so the estimate is low-confidence; label more reference rows`,
    });
  const overallExtrapolated = !refused && extrapolated('overall', overall);
  for (const s of segments) extrapolated(`${s.column}=${s.value}`, s);
  const stats = engine.stats();
  const result: EstimatedResult = {
    schemaVersion: RESULT_SCHEMA_VERSION,
    kind: 'estimated',
    estimated: true,
    method: 'cbpe',
    model: definition.model.id,
    window,
    generatedAt: deps.clock.now().toISOString(),
    status: refused
      ? 'invalid_scores'
      : overall.estimated === 0
        ? 'no_data'
        : overallExtrapolated
          ? 'extrapolated'
          : 'ok',
    threshold: definition.performance.threshold,
    band: {
      z: ESTIMATE_BAND_Z,
      level: 0.95,
      includes:
        'the sampling of the window labels and the calibration fit; not a change of the score-to-outcome relation',
    },
    calibration: {
      key: calKey,
      fittedAt: doc.fittedAt,
      rows: doc.map.rows,
      positives: doc.map.positives,
      method: doc.map.method,
      cells: doc.map.cells,
    },
    overall,
    segments,
    reference: estimateOf({
      group: { kind: 'overall', column: null, value: null },
      cells: doc.referenceCells,
      invalidScores: 0,
    }),
    findings,
    engine: {
      name: engine.dialect.name,
      queries: stats.queries,
      bytesScanned: stats.bytesScanned,
      millis: Math.round(stats.engineMillis),
    },
  };
  const key = resultKeys.result(definition.model.id, 'estimated', window);
  // A re-run before labels keeps a realized section already attached (it belongs to the window).
  const previous = await deps.store.getJson<EstimatedResult>(key);
  if (previous?.realized) {
    result.realized = previous.realized;
    result.findings = [...findings, ...previous.findings.filter((f) => f.kind === 'estimation_invalid')];
    if (previous.valid !== undefined) result.valid = previous.valid;
  }
  await deps.store.putJson(key, result);
  return { result, key };
}

function realizedGroup(
  estimate: EstimatedGroup,
  cells: ScoreGridGroup['cells'],
  map: CalibrationMap,
  metrics: Record<string, number | null>,
): RealizedGroup {
  const band = estimatePerformance(cells, map, { over: 'labelled' });
  const real = {} as Record<EstimatedMetricName, number | null>;
  const error = {} as Record<EstimatedMetricName, number | null>;
  const errorVsAllRows = {} as Record<EstimatedMetricName, number | null>;
  const inBand = {} as Record<EstimatedMetricName, boolean | null>;
  for (const m of ESTIMATED_METRICS) {
    const r = metrics[m];
    real[m] = typeof r === 'number' ? r : null;
    const e = estimate.metrics[m].value;
    errorVsAllRows[m] = real[m] === null || e === null ? null : real[m]! - e;
    const b = band.metrics[m];
    error[m] = real[m] === null || b.value === null ? null : real[m]! - b.value;
    inBand[m] =
      real[m] === null || b.lower === null || b.upper === null
        ? null
        : real[m]! >= b.lower && real[m]! <= b.upper;
  }
  return {
    labelled: band.rows,
    metrics: real,
    error,
    errorVsAllRows,
    band: band.metrics,
    inBand,
    calibration: checkCalibration(cells, map),
  };
}

/**
 * Called by the performance job after a matured window's result is stored: when the window was
 * estimated, adds the realized metrics, the errors, the band over the labelled rows and the
 * calibration check to the estimate, and an `estimation_invalid` finding for each group (overall,
 * segments) whose calibration check rejects (p < 0.01 / groups checked) while a realized metric
 * is outside its band. Returns the updated estimate, or undefined when there is none.
 */
export async function attachRealized(
  deps: JobDeps,
  performance: PerformanceResult,
  labelsUntil: string,
): Promise<EstimatedResult | undefined> {
  const { definition } = deps;
  if (estimationUnavailable(definition) || performance.status !== 'ok') return undefined;
  const key = resultKeys.result(definition.model.id, 'estimated', performance.window);
  const estimate = await deps.store.getJson<EstimatedResult>(key);
  if (!estimate) return undefined;
  const { doc } = await loadCalibration(deps);
  const groups = await scoreGrid(deps, performance.window, { until: labelsUntil });
  const overallCells = groups.find((g) => g.group.kind === 'overall')?.cells ?? [];
  const overall = realizedGroup(estimate.overall, overallCells, doc.map, performance.overall.metrics);
  const segments: (RealizedGroup & { column: string; value: string })[] = [];
  for (const g of groups.filter((x) => x.group.kind === 'segment')) {
    const value = g.group.value ?? NULL_SEGMENT;
    const est = estimate.segments.find((s) => s.column === g.group.column && s.value === value);
    const perf = performance.segments.find((s) => s.column === g.group.column && s.value === value);
    if (!est || !perf) continue;
    segments.push({ column: g.group.column!, value, ...realizedGroup(est, g.cells, doc.map, perf.metrics) });
  }
  segments.sort(segmentOrder(definition));
  const checked = 1 + segments.length;
  const findings: EstimationFinding[] = [];
  const judge = (name: string, r: RealizedGroup) => {
    const p = r.calibration.pValue;
    const outside = ESTIMATED_METRICS.filter((m) => r.inBand[m] === false);
    if (p === null || p >= CALIBRATION_CHECK_ALPHA / checked || outside.length === 0) return;
    findings.push({
      kind: 'estimation_invalid',
      severity: 'warning',
      group: name,
      pValue: p,
      outside,
      message: `${name}: the score-to-outcome relationship changed, estimates are not valid (calibration check p = ${p.toExponential(2)} on ${r.labelled} labelled rows: ${(r.calibration.observedPositives / Math.max(1, r.labelled)).toFixed(3)} positive vs ${(r.calibration.expectedPositives / Math.max(1, r.labelled)).toFixed(3)} expected; realized ${outside.join(', ')} outside the band)`,
    });
  };
  judge('overall', overall);
  for (const s of segments) judge(`${s.column}=${s.value}`, s);
  const updated: EstimatedResult = {
    ...estimate,
    realized: { performanceGeneratedAt: performance.generatedAt, overall, segments },
    valid: findings.length === 0,
    findings: [...estimate.findings.filter((f) => f.kind !== 'estimation_invalid'), ...findings],
  };
  await deps.store.putJson(key, updated);
  return updated;
}

/** The estimates of the windows from `from` to `to` (inclusive, stepping by the window), oldest first, that exist. */
export async function loadEstimates(
  deps: Pick<JobDeps, 'definition' | 'store'>,
  from: string,
  to: string,
): Promise<EstimatedResult[]> {
  const out: EstimatedResult[] = [];
  const step = Math.max(1, Math.round(durationDays(deps.definition.window)));
  for (let d = from; d <= to; d = shiftDate(d, step)) {
    const doc = await deps.store.getJson<EstimatedResult>(
      resultKeys.result(deps.definition.model.id, 'estimated', windowFor(deps.definition, d)),
    );
    if (doc) out.push(doc);
  }
  return out;
}
