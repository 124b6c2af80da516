/**
 * `driftwatch compare`: two files, every shared column (or the chosen ones), through the same
 * SQL, profiles and statistics as the drift job. KS and Wasserstein are exact from value counts
 * up to EXACT_WINDOW_LIMIT values per side.
 */
import { extname } from 'node:path';
import { type DriftMethodName, type DriftSettings, DriftSettingsSchema } from '../config/schema.js';
import type { QueryEngine } from '../ports.js';
import type { DataSource } from '../sql/dialect.js';
import { buildDriftScan, type DriftScanSpec } from '../sql/drift-query.js';
import { IDENTIFIER_PATTERN } from '../sql/identifiers.js';
import { buildDescribeQuery, typeFamily } from '../sql/schema-query.js';
import { buildValueCountsQuery } from '../sql/value-counts-query.js';
import { chooseMethod } from '../stats/registry.js';
import type { WeightedSample } from '../stats/weighted-sample.js';
import { profileColumns } from './baseline.js';
import { compareCategorical, compareNumeric } from './compare-feature.js';
import { driftScore, EXACT_WINDOW_LIMIT } from './drift.js';
import type { FeatureDrift } from './drift-result.js';
import type { CategoricalProfile, NumericProfile } from './profile.js';
import { readDriftScan } from './scan-reader.js';

export interface CompareOptions {
  reference: string;
  current: string;
  method?: string;
  bins?: number;
  categorical?: string[];
  columns?: string[];
}

/** Thrown for options that cannot work; the message names the option and the fix. */
export class FileInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FileInputError';
  }
}

export function fileSource(path: string, option: string): DataSource {
  const ext = extname(path).toLowerCase();
  const format =
    ext === '.parquet'
      ? 'parquet'
      : ext === '.csv'
        ? 'csv'
        : ['.jsonl', '.json', '.ndjson'].includes(ext)
          ? 'jsonl'
          : undefined;
  if (!format) {
    throw new FileInputError(
      `${option} ${path}: unknown file type ${JSON.stringify(ext)}; use .parquet, .csv or .jsonl`,
    );
  }
  return { location: path, format, partitioned: false };
}

async function describe(engine: QueryEngine, source: DataSource): Promise<Map<string, string>> {
  const rows = await engine.query(buildDescribeQuery(source, engine.dialect));
  return new Map(rows.map((r) => [String(r.column_name), String(r.column_type)]));
}

async function samplesOf(engine: QueryEngine, source: DataSource, column: string): Promise<WeightedSample> {
  const rows = await engine.query(buildValueCountsQuery({ source, column }, engine.dialect));
  return { values: rows.map((r) => Number(r.v)), counts: rows.map((r) => Number(r.c)) };
}

export async function compareFiles(
  engine: QueryEngine,
  options: CompareOptions,
): Promise<{ columns: FeatureDrift[] }> {
  const reference = fileSource(options.reference, '--reference');
  const current = fileSource(options.current, '--current');
  const [refTypes, curTypes] = await Promise.all([describe(engine, reference), describe(engine, current)]);
  const shared = [...refTypes.keys()].filter((c) => curTypes.has(c));
  for (const column of options.columns ?? []) {
    if (!refTypes.has(column) || !curTypes.has(column)) {
      const where = !refTypes.has(column) ? options.reference : options.current;
      throw new FileInputError(
        `--columns: ${JSON.stringify(column)} is not a column of ${where}; shared columns: ${shared.join(', ')}`,
      );
    }
  }
  for (const column of options.categorical ?? []) {
    if (!shared.includes(column)) {
      throw new FileInputError(
        `--categorical: ${JSON.stringify(column)} is not a column of both files; shared columns: ${shared.join(', ')}`,
      );
    }
  }
  const chosen = options.columns ?? shared;
  const unsafe = chosen.filter((c) => !IDENTIFIER_PATTERN.test(c));
  if (unsafe.length) {
    throw new FileInputError(
      `column${unsafe.length > 1 ? 's' : ''} ${unsafe.map((c) => JSON.stringify(c)).join(', ')} ` +
        'cannot be compared: names must be letters, digits and underscores; pass --columns to leave them out',
    );
  }
  if (chosen.length === 0)
    throw new FileInputError('the files share no column: check --reference and --current');

  let settings: DriftSettings;
  const method = options.method ?? 'auto';
  try {
    settings = DriftSettingsSchema.parse({
      ...(options.bins !== undefined ? { bins: options.bins } : {}),
      methods: { numeric: method, categorical: method },
    });
  } catch {
    throw new FileInputError(
      `--method ${JSON.stringify(method)} or --bins ${options.bins} is not valid: methods are psi, kl, jensenshannon, hellinger, linf, ks, wasserstein, chisquare, ztest, auto; bins 2 to 100`,
    );
  }
  const categoricalSet = new Set(options.categorical ?? []);
  const isNumeric = (c: string) => !categoricalSet.has(c) && typeFamily(refTypes.get(c)!) === 'number';
  const numeric = chosen.filter(isNumeric);
  const categorical = chosen.filter((c) => !isNumeric(c));
  const fine = (column: string) => ['ks', 'wasserstein', 'auto'].includes(method) && numeric.includes(column);
  const profile = await profileColumns(
    engine,
    { source: reference, description: options.reference },
    { numeric, categorical, bins: settings.bins, fine },
  );
  const byName = new Map(profile.profiles.map((p) => [p.name, p]));
  const spec: DriftScanSpec = {
    source: current,
    numeric: numeric.map((column) => {
      const p = byName.get(column) as NumericProfile;
      return { column, edges: p.edges, ...(p.fineEdges ? { fineEdges: p.fineEdges } : {}) };
    }),
    categorical,
    segments: [],
  };
  const scan = readDriftScan(
    await engine.query(buildDriftScan(spec, engine.dialect)),
    spec,
    engine.dialect,
  ).overall;

  const columns: FeatureDrift[] = [];
  for (const column of chosen) {
    const p = byName.get(column)!;
    const feature = { name: column, kind: p.kind, method: method as DriftMethodName };
    if (p.kind === 'numeric') {
      const s = scan.numeric[numeric.indexOf(column)]!;
      const resolved = method === 'auto' ? chooseMethod('numeric', p.valid, s.valid) : method;
      const exact =
        (resolved === 'ks' || resolved === 'wasserstein') &&
        p.valid <= EXACT_WINDOW_LIMIT &&
        s.valid <= EXACT_WINDOW_LIMIT &&
        p.valid > 0 &&
        s.valid > 0;
      const samples = exact
        ? {
            reference: await samplesOf(engine, reference, column),
            current: await samplesOf(engine, current, column),
          }
        : undefined;
      columns.push(compareNumeric({ feature, settings }, p, s, samples));
    } else {
      columns.push(
        compareCategorical(
          { feature, settings },
          p as CategoricalProfile,
          scan.categorical[categorical.indexOf(column)]!,
        ),
      );
    }
  }
  columns.sort((a, b) => Number(b.drifted) - Number(a.drifted) || driftScore(b) - driftScore(a));
  return { columns };
}
