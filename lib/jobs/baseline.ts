/**
 * The baseline job: profiles the reference once (three scans: counts and ranges, the exact
 * order statistics for the bin edges, then the counts per bin) and stores the ReferenceProfile.
 */
import type { MonitorDefinition } from '../config/schema.js';
import type { QueryEngine, Row } from '../ports.js';
import type { DataSource } from '../sql/dialect.js';
import {
  buildDriftScan,
  buildSegmentCombinationsQuery,
  type DriftScanSpec,
  MAX_SEGMENT_COMBINATIONS,
} from '../sql/drift-query.js';
import { buildOrderStatisticsQueries } from '../sql/quantile-query.js';
import { buildDescribeQuery, typeFamily } from '../sql/schema-query.js';
import { type FileCheck, referenceFileCheck } from './file-check.js';
import {
  type CategoricalProfile,
  edgesFromOrderStatistics,
  type FeatureProfile,
  FINE_BINS,
  MAX_SEGMENT_PROFILES,
  type NumericProfile,
  PROFILE_SCHEMA_VERSION,
  quantilePositions,
  type ReferenceProfile,
} from './profile.js';
import { QUERY_TEXT_BUDGET, readDriftScan, runDriftScan, type ScanGroup } from './scan-reader.js';
import { hasNoFiles, sourceFor } from './sources.js';
import type { JobDeps } from './types.js';
import { resultKeys, shiftDate, type Window, windowFor } from './windows.js';

/** The columns drift watches: the features, then the score (or prediction) as `prediction`. */
export function monitoredColumns(definition: MonitorDefinition): {
  numeric: string[];
  categorical: string[];
  prediction?: { column: string; kind: 'numeric' | 'categorical' };
} {
  const numeric = definition.features.filter((f) => f.kind === 'numeric').map((f) => f.name);
  const categorical = definition.features.filter((f) => f.kind === 'categorical').map((f) => f.name);
  const p = definition.predictions;
  const prediction = p.scoreColumn
    ? { column: p.scoreColumn, kind: 'numeric' as const }
    : p.predictionColumn
      ? {
          column: p.predictionColumn,
          kind: definition.model.task === 'regression' ? ('numeric' as const) : ('categorical' as const),
        }
      : undefined;
  return { numeric, categorical, ...(prediction ? { prediction } : {}) };
}

/**
 * What a profile was made for (features with their kinds and methods, the prediction, the
 * segment columns): a stored profile for other columns is profiled again, not reused.
 */
export function profiledColumns(definition: MonitorDefinition): string {
  const cols = monitoredColumns(definition);
  return JSON.stringify({
    features: definition.features.map((f) => [
      f.name,
      f.column ?? f.name,
      f.kind,
      needsFineGrid(definition, f.name),
    ]),
    prediction: cols.prediction ?? null,
    segments: definition.segments,
  });
}

/** Whether a numeric column may be judged by KS or Wasserstein, which need the fine grid at scale. */
export function needsFineGrid(definition: MonitorDefinition, column: string): boolean {
  const feature = definition.features.find((f) => f.name === column);
  const method = feature?.method ?? definition.drift.methods.numeric;
  return method === 'ks' || method === 'wasserstein' || method === 'auto';
}

/** Where the reference data is, and which part of it. */
export function referenceSelection(
  deps: Pick<JobDeps, 'definition' | 'sources'>,
  window?: Window,
): { source: DataSource; range?: { from: string; to: string }; description: string } {
  const ref = deps.definition.reference;
  switch (ref.type) {
    case 'dataset':
      if (!deps.sources.reference) throw new Error('reference.location is not resolved for this engine');
      return { source: deps.sources.reference, description: `dataset ${ref.location}` };
    case 'range':
      return {
        source: deps.sources.predictions,
        range: { from: ref.from, to: shiftDate(ref.to, 1) },
        description: `predictions from ${ref.from} to ${ref.to}`,
      };
    case 'rolling': {
      if (!window) throw new Error('a rolling reference is profiled per window: give the window');
      const days = windowFor(deps.definition, window.start);
      const span =
        (new Date(`${days.end}T00:00:00Z`).getTime() - new Date(`${days.start}T00:00:00Z`).getTime()) /
        86_400_000;
      const from = shiftDate(window.start, -span * ref.windows);
      return {
        source: deps.sources.predictions,
        range: { from, to: window.start },
        description: `the previous ${ref.windows} windows (${from} to ${shiftDate(window.start, -1)})`,
      };
    }
  }
}

/**
 * How a scan groups segments: by combination of values (each row aggregated once, merged in
 * TypeScript) unless two or more segment columns make too many combinations, counted first.
 */
export async function segmentGrouping(
  engine: QueryEngine,
  spec: DriftScanSpec,
): Promise<'combinations' | 'sets'> {
  if (spec.segments.length < 2) return 'combinations';
  const [row] = await engine.query(buildSegmentCombinationsQuery(spec, engine.dialect));
  return Number(row?.combinations ?? 0) > MAX_SEGMENT_COMBINATIONS ? 'sets' : 'combinations';
}

/** What to profile: columns by kind, the bin count, which numeric columns get the fine grid. */
export interface ColumnSelection {
  numeric: readonly string[];
  categorical: readonly string[];
  bins: number;
  fine: (column: string) => boolean;
  /** Segment columns to profile per value (in the same scan as the bin counts). */
  segments?: readonly string[];
}

/** Profiles columns of a source with exact counts and quantile edges (three scans). */
export async function profileColumns(
  engine: QueryEngine,
  selection: { source: DataSource; range?: { from: string; to: string }; description: string },
  columns: ColumnSelection,
  check?: FileCheck,
): Promise<{
  rows: number;
  columnTypes: Record<string, string>;
  profiles: FeatureProfile[];
  segments: { column: string; value: string; rows: number; profiles: FeatureProfile[] }[];
  segmentColumnsMissing: string[];
  segmentColumnsTruncated: string[];
}> {
  const { bins } = columns;
  const numericColumns = [...columns.numeric];
  const categoricalColumns = [...columns.categorical];
  // Only the reference's own files (its date range of the log): other days cannot touch it.
  selection = { ...selection, source: await sourceFor({ engine }, selection.source, selection.range, check) };
  if (hasNoFiles(selection.source)) {
    throw new Error(
      `the reference (${selection.description}) has no data file in ${selection.source.location}: ` +
        `check the reference in the definition (a range or rolling reference needs those dt= partitions)`,
    );
  }
  const describe = await engine.query(buildDescribeQuery(selection.source, engine.dialect));
  const columnTypes = Object.fromEntries(describe.map((r) => [String(r.column_name), String(r.column_type)]));
  const absent = [...numericColumns, ...categoricalColumns].filter((c) => !(c in columnTypes));
  if (absent.length) {
    throw new Error(
      `the reference (${selection.description}) has no column ${absent.map((c) => JSON.stringify(c)).join(', ')}: ` +
        `fix the feature names in the definition or add the columns to the reference`,
    );
  }
  // An object or list (a nested JSON log) read as text would be one category per row: refused.
  const nested = [...numericColumns, ...categoricalColumns].filter(
    (c) => typeFamily(columnTypes[c] as string) === 'nested',
  );
  if (nested.length) {
    throw new Error(
      `the reference (${selection.description}) column ${nested.map((c) => `${JSON.stringify(c)} is ${columnTypes[c]}`).join(', ')}: ` +
        'a feature must be a top-level value; flatten the fields into columns of their own where the log is written',
    );
  }
  const isNumber = (column: string) => typeFamily(columnTypes[column]!) === 'number';
  const base: Omit<DriftScanSpec, 'numeric'> = {
    source: selection.source,
    ...(selection.range ? { window: selection.range } : {}),
    categorical: categoricalColumns,
    segments: [],
  };
  // Pass 1: counts, ranges, categories.
  const firstSpec: DriftScanSpec = {
    ...base,
    numeric: numericColumns.map((column) => ({ column, edges: [], numericType: isNumber(column) })),
  };
  const first = readDriftScan(
    await engine.query(buildDriftScan(firstSpec, engine.dialect)),
    firstSpec,
    engine.dialect,
  ).overall;

  // Pass 2: exact order statistics for the edges.
  const wantsFine = numericColumns.map((column) => columns.fine(column));
  const positions = numericColumns.map((column, f) => ({
    column,
    positions: [
      ...quantilePositions(first.numeric[f]!.valid, bins),
      ...(wantsFine[f] ? quantilePositions(first.numeric[f]!.valid, FINE_BINS) : []),
    ],
  }));
  // One query, or several by columns when the text would be too long for the engine (Athena).
  const statQueries = numericColumns.length
    ? buildOrderStatisticsQueries(
        {
          source: selection.source,
          ...(selection.range ? { window: selection.range } : {}),
          columns: positions,
        },
        engine.dialect,
        QUERY_TEXT_BUDGET[engine.dialect.name],
      )
    : [];
  const statRows: Row[] = [];
  for (const q of statQueries) statRows.push(...(await engine.query(q)));
  const valueAt = numericColumns.map(() => new Map<number, number>());
  for (const row of statRows) valueAt[Number(row.f)]!.set(Number(row.pos), Number(row.v));
  const edgesFor = (f: number, column: string, binCount: number) =>
    edgesFromOrderStatistics(first.numeric[f]!.valid, binCount, (pos) => {
      const v = valueAt[f]!.get(pos);
      if (v === undefined)
        throw new Error(`order statistic ${pos} of ${column} missing from the engine's answer`);
      return v;
    });
  const edges = numericColumns.map((column, f) => edgesFor(f, column, bins));
  const fineEdges = numericColumns.map((column, f) =>
    wantsFine[f] ? edgesFor(f, column, FINE_BINS) : undefined,
  );

  // Pass 3: counts on the edges, overall and per segment value (one scan).
  const segments = (columns.segments ?? []).filter((c) => c in columnTypes);
  const segmentColumnsMissing = (columns.segments ?? []).filter((c) => !(c in columnTypes));
  const thirdSpec: DriftScanSpec = {
    ...base,
    numeric: numericColumns.map((column, f) => ({
      column,
      edges: edges[f]!,
      numericType: isNumber(column),
      ...(fineEdges[f]?.length ? { fineEdges: fineEdges[f] } : {}),
    })),
    segments: [...segments],
  };
  thirdSpec.grouping = await segmentGrouping(engine, thirdSpec);
  const third = await runDriftScan(engine, thirdSpec);
  const profilesOf = (group: ScanGroup): FeatureProfile[] => [
    ...numericColumns.map((name, f): NumericProfile => {
      const s = group.numeric[f]!;
      return {
        name,
        kind: 'numeric',
        rows: group.rows,
        nulls: group.rows - s.present,
        invalid: s.invalid,
        infinite: s.infinite,
        valid: s.valid,
        min: s.min,
        max: s.max,
        mean: s.mean,
        std: s.std,
        edges: edges[f]!,
        binCounts: s.binCounts,
        ...(fineEdges[f]?.length && s.fineCounts
          ? { fineEdges: fineEdges[f]!, fineCounts: s.fineCounts }
          : {}),
      };
    }),
    ...categoricalColumns.map(
      (name, f): CategoricalProfile => ({
        name,
        kind: 'categorical',
        rows: group.rows,
        nulls: group.categorical[f]!.nulls,
        categories: group.categorical[f]!.categories,
      }),
    ),
  ];
  // The largest MAX_SEGMENT_PROFILES values of each segment column are profiled.
  const segmentColumnsTruncated: string[] = [];
  const kept = segments.flatMap((column) => {
    const values = third.segments.filter((g) => g.segment!.column === column);
    if (values.length > MAX_SEGMENT_PROFILES) segmentColumnsTruncated.push(column);
    return values.sort((x, y) => y.rows - x.rows).slice(0, MAX_SEGMENT_PROFILES);
  });
  return {
    rows: first.rows,
    columnTypes,
    profiles: profilesOf(third.overall),
    segments: kept.map((g) => ({ ...g.segment!, rows: g.rows, profiles: profilesOf(g) })),
    segmentColumnsMissing,
    segmentColumnsTruncated,
  };
}

/** Profiles a reference selection for a monitor definition: its features and its prediction. */
export async function profileReference(
  engine: QueryEngine,
  definition: MonitorDefinition,
  selection: { source: DataSource; range?: { from: string; to: string }; description: string },
  createdAt: Date,
): Promise<ReferenceProfile> {
  const cols = monitoredColumns(definition);
  const { rows, columnTypes, profiles, segments, segmentColumnsMissing, segmentColumnsTruncated } =
    await profileColumns(
      engine,
      selection,
      {
        numeric: [...cols.numeric, ...(cols.prediction?.kind === 'numeric' ? [cols.prediction.column] : [])],
        categorical: [
          ...cols.categorical,
          ...(cols.prediction?.kind === 'categorical' ? [cols.prediction.column] : []),
        ],
        bins: definition.drift.bins,
        fine: (column) => needsFineGrid(definition, column),
        segments: definition.segments,
      },
      referenceFileCheck(definition),
    );
  const split = (list: FeatureProfile[]) => {
    const prediction = cols.prediction ? list.find((p) => p.name === cols.prediction!.column) : undefined;
    return {
      features: definition.features.map((f) => list.find((p) => p.name === f.name)!),
      ...(prediction ? { prediction } : {}),
    };
  };
  return {
    schemaVersion: PROFILE_SCHEMA_VERSION,
    kind: 'reference-profile',
    model: definition.model.id,
    profiledColumns: profiledColumns(definition),
    reference: {
      type: definition.reference.type,
      description: selection.description,
      ...(selection.range ? { window: { start: selection.range.from, end: selection.range.to } } : {}),
    },
    createdAt: createdAt.toISOString(),
    rows,
    bins: definition.drift.bins,
    columnTypes,
    ...split(profiles),
    segments: segments.map((g) => ({ column: g.column, value: g.value, rows: g.rows, ...split(g.profiles) })),
    ...(segmentColumnsMissing.length ? { segmentColumnsMissing } : {}),
    ...(segmentColumnsTruncated.length ? { segmentColumnsTruncated } : {}),
  };
}

/** Runs the baseline job: profiles a dataset or fixed-range reference and stores it. */
export async function runBaseline(deps: JobDeps): Promise<{ profile: ReferenceProfile; key: string }> {
  const selection = referenceSelection(deps);
  const profile = await profileReference(deps.engine, deps.definition, selection, deps.clock.now());
  const key = resultKeys.profile(deps.definition.model.id);
  await deps.store.putJson(key, profile);
  deps.log?.('baseline stored', { key, rows: profile.rows });
  return { profile, key };
}

/**
 * The profile a window is compared with: the stored one for a dataset or range reference
 * (profiled on first use), or a fresh profile of the previous windows for a rolling reference.
 */
export async function loadProfile(deps: JobDeps, window: Window): Promise<ReferenceProfile> {
  if (deps.definition.reference.type === 'rolling') {
    return profileReference(deps.engine, deps.definition, referenceSelection(deps, window), deps.clock.now());
  }
  const stored = await deps.store.getJson<ReferenceProfile>(resultKeys.profile(deps.definition.model.id));
  if (
    stored &&
    stored.schemaVersion === PROFILE_SCHEMA_VERSION &&
    stored.bins === deps.definition.drift.bins &&
    stored.profiledColumns === profiledColumns(deps.definition)
  ) {
    return stored;
  }
  return (await runBaseline(deps)).profile;
}
