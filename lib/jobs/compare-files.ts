/**
 * `driftwatch compare`: two files, every shared column (or the chosen ones), through the same
 * SQL, profiles and statistics as the drift job. KS and Wasserstein are exact from value counts
 * up to EXACT_WINDOW_LIMIT values per side.
 */
import { stat } from 'node:fs/promises';
import { extname } from 'node:path';
import {
  DRIFT_METHODS,
  type DriftMethodName,
  type DriftSettings,
  DriftSettingsSchema,
} from '../config/schema.js';
import type { QueryEngine } from '../ports.js';
import type { DataSource } from '../sql/dialect.js';
import { buildDriftScan, type DriftScanSpec } from '../sql/drift-query.js';
import { isQuotableIdentifier } from '../sql/identifiers.js';
import { buildKnownCountQuery } from '../sql/known-count-query.js';
import { buildDescribeQuery, typeFamily } from '../sql/schema-query.js';
import { buildValueCountsQuery } from '../sql/value-counts-query.js';
import { chooseMethod, listMethods } from '../stats/registry.js';
import type { WeightedSample } from '../stats/weighted-sample.js';
import { profileColumns } from './baseline.js';
import { buildColumnStatsQuery, proposeKind, readColumnStats } from './column-kinds.js';
import { compareCategorical, compareNumeric, profileOther } from './compare-feature.js';
import { csvDelimiterProblem } from './csv-delimiter.js';
import { driftScore, EXACT_WINDOW_LIMIT, newInTail, QUALITY_LIMITS } from './drift.js';
import type { FeatureDrift, QualityFinding } from './drift-result.js';
import type { CategoricalProfile, NumericProfile } from './profile.js';
import { readDriftScan } from './scan-reader.js';

export interface CompareOptions {
  reference: string;
  current: string;
  /** One method for every column it fits; the others keep the monitor's default (psi). */
  method?: string;
  bins?: number;
  categorical?: string[];
  columns?: string[];
  /** parquet | csv | jsonl: the files' format when their extension does not say it. */
  format?: string;
}

/** A column compare left out, and why (id-like, a timestamp). */
export interface SkippedColumn {
  name: string;
  reason: string;
}

export interface CompareOutput {
  columns: (FeatureDrift & { outOfRangeShare?: number })[];
  skipped: SkippedColumn[];
  /** Sentences about choices made for the user (a --method that does not fit some columns). */
  notes: string[];
  /** Data-quality findings as the drift job reports them (out_of_range, new_category). */
  findings: QualityFinding[];
}

/** Thrown for options that cannot work; the message names the option and the fix. */
export class FileInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FileInputError';
  }
}

/** File name endings and the format each reads (DuckDB decompresses .gz itself). */
const EXTENSIONS: [suffix: string, format: DataSource['format']][] = [
  ['.parquet', 'parquet'],
  ['.pq', 'parquet'],
  ['.csv', 'csv'],
  ['.csv.gz', 'csv'],
  ['.jsonl', 'jsonl'],
  ['.ndjson', 'jsonl'],
  ['.json', 'jsonl'],
  ['.jsonl.gz', 'jsonl'],
  ['.ndjson.gz', 'jsonl'],
  ['.json.gz', 'jsonl'],
];

/** `--format` values, with the common spellings of each format. */
const FORMAT_NAMES: Record<string, DataSource['format']> = {
  parquet: 'parquet',
  pq: 'parquet',
  csv: 'csv',
  jsonl: 'jsonl',
  ndjson: 'jsonl',
  json: 'jsonl',
};

/** The format of a file: `format` when given, else its extension (`.pq`, `.csv.gz`, `.ndjson`...). */
export function formatOf(path: string, option: string, format?: string): DataSource['format'] {
  if (format !== undefined) {
    const named = FORMAT_NAMES[format.toLowerCase()];
    if (!named) {
      throw new FileInputError(
        `--format ${JSON.stringify(format)} is not a format: use parquet, csv or jsonl (newline-delimited JSON)`,
      );
    }
    return named;
  }
  const lower = path.toLowerCase();
  const match = [...EXTENSIONS]
    .sort((a, b) => b[0].length - a[0].length)
    .find(([suffix]) => lower.endsWith(suffix));
  if (!match) {
    throw new FileInputError(
      `${option} ${path}: unknown file type ${JSON.stringify(extname(path))}; name it .parquet/.pq, .csv(.gz) or .jsonl/.ndjson(.gz), or pass --format parquet|csv|jsonl`,
    );
  }
  return match[1];
}

export function fileSource(path: string, option: string, format?: string): DataSource {
  const source: DataSource = { location: path, format: formatOf(path, option, format), partitioned: false };
  // A file whose name does not say its format (`--format` given) is read as that one file.
  const named = EXTENSIONS.some(([suffix]) => path.toLowerCase().endsWith(suffix));
  return named ? source : { ...source, files: [path] };
}

async function describe(engine: QueryEngine, source: DataSource): Promise<Map<string, string>> {
  const rows = await engine.query(buildDescribeQuery(source, engine.dialect));
  return new Map(rows.map((r) => [String(r.column_name), String(r.column_type)]));
}

async function samplesOf(engine: QueryEngine, source: DataSource, column: string): Promise<WeightedSample> {
  const rows = await engine.query(buildValueCountsQuery({ source, column }, engine.dialect));
  return { values: rows.map((r) => Number(r.v)), counts: rows.map((r) => Number(r.c)) };
}

/** Whether a method judges a kind of column (`auto` judges both). */
function fits(method: string, kind: 'numeric' | 'categorical'): boolean {
  return method === 'auto' || listMethods().some((m) => m.name === method && m.featureKinds.includes(kind));
}

/** The monitor's default method for every kind (drift.methods in a definition). */
export const DEFAULT_METHOD: DriftMethodName = 'psi';

export async function compareFiles(engine: QueryEngine, options: CompareOptions): Promise<CompareOutput> {
  const reference = fileSource(options.reference, '--reference', options.format);
  const current = fileSource(options.current, '--current', options.format);
  const [refTypes, curTypes] = await Promise.all([describe(engine, reference), describe(engine, current)]);
  for (const [source, types, flag, file] of [
    [reference, refTypes, '--reference', options.reference],
    [current, curTypes, '--current', options.current],
  ] as const) {
    const problem =
      source.format === 'csv' ? csvDelimiterProblem([...types.keys()], `${flag} ${file}`) : undefined;
    if (problem) throw new FileInputError(problem);
    const names = [...types.keys()];
    // DuckDB reads a 0-byte CSV as one column `column0`, and a JSON array (read as JSON lines)
    // as one list column `json`: say what the file is, not that the files share no column.
    if (source.format === 'csv' && names.length === 1 && names[0] === 'column0') {
      const size = (await stat(file).catch(() => undefined))?.size;
      if (size === 0)
        throw new FileInputError(
          `${flag} ${file} is empty (0 bytes): give a file with a header row and data`,
        );
    }
    if (source.format === 'jsonl' && names.length === 1 && typeFamily(types.get(names[0]!)!) === 'nested')
      throw new FileInputError(
        `${flag} ${file} holds one JSON array (read as a single column ${JSON.stringify(names[0])}), not JSON lines: write one object per line, e.g. {"id": "a1", ...} then {"id": "a2", ...}`,
      );
  }
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
  const unsafe = (options.columns ?? shared).filter((c) => !isQuotableIdentifier(c));
  if (unsafe.length) {
    throw new FileInputError(
      `column${unsafe.length > 1 ? 's' : ''} ${unsafe.map((c) => JSON.stringify(c)).join(', ')} ` +
        'cannot be read (a name with a line break or NUL, or over 255 characters); pass --columns to leave them out',
    );
  }
  if (shared.length === 0)
    throw new FileInputError('the files share no column: check --reference and --current');

  const method = options.method ?? DEFAULT_METHOD;
  if (!(DRIFT_METHODS as readonly string[]).includes(method)) {
    throw new FileInputError(
      `--method ${JSON.stringify(method)} is not a method: use one of ${DRIFT_METHODS.join(', ')} (default ${DEFAULT_METHOD}, as the monitor)`,
    );
  }
  // A method applies to the kinds it judges; the other kind keeps the monitor's default.
  const methods = {
    numeric: fits(method, 'numeric') ? method : DEFAULT_METHOD,
    categorical: fits(method, 'categorical') ? method : DEFAULT_METHOD,
  } as Record<'numeric' | 'categorical', DriftMethodName>;
  let settings: DriftSettings;
  try {
    settings = DriftSettingsSchema.parse({
      ...(options.bins !== undefined ? { bins: options.bins } : {}),
      methods,
    });
  } catch {
    throw new FileInputError(`--bins ${options.bins} is not valid: use a whole number from 2 to 100`);
  }

  // Id-like and timestamp columns are not compared unless named in --columns (said in `skipped`).
  const skipped: SkippedColumn[] = [];
  let chosen = options.columns ?? shared;
  if (!options.columns) {
    const typed = shared.map((name) => ({ name, type: refTypes.get(name)! }));
    const [row] = await engine.query(buildColumnStatsQuery(reference, typed, engine.dialect));
    const kinds = new Map(readColumnStats(row ?? {}, typed).map((st) => [st.name, proposeKind(st)]));
    chosen = shared.filter((c) => {
      const k = kinds.get(c)!;
      if (k.kind === 'nested') {
        skipped.push({ name: c, reason: `${k.reason}; not compared` });
        return false;
      }
      if (k.kind !== 'id' && k.kind !== 'timestamp') return true;
      skipped.push({
        name: c,
        reason: `${k.kind === 'id' ? 'id-like' : 'a timestamp'} (${k.reason}): not compared; name it in --columns to compare it`,
      });
      return false;
    });
    if (chosen.length === 0) {
      throw new FileInputError(
        `every shared column looks like an id or a timestamp (${skipped.map((x) => x.name).join(', ')}): name the columns to compare with --columns`,
      );
    }
  }

  const categoricalSet = new Set(options.categorical ?? []);
  const isNumeric = (c: string) => !categoricalSet.has(c) && typeFamily(refTypes.get(c)!) === 'number';
  const numeric = chosen.filter(isNumeric);
  const categorical = chosen.filter((c) => !isNumeric(c));
  const notes: string[] = [];
  for (const kind of ['numeric', 'categorical'] as const) {
    const affected = kind === 'numeric' ? numeric : categorical;
    if (methods[kind] !== method && affected.length) {
      notes.push(
        `--method ${method} does not fit ${kind} columns (${affected.join(', ')}): they keep the default ${DEFAULT_METHOD}`,
      );
    }
  }
  const fine = (column: string) =>
    ['ks', 'wasserstein', 'auto'].includes(methods.numeric) && numeric.includes(column);
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
      return {
        column,
        edges: p.edges,
        ...(p.fineEdges ? { fineEdges: p.fineEdges } : {}),
        // The reference range, so values outside it are counted (out_of_range, as the monitor).
        ...(p.min !== null && p.max !== null ? { referenceMin: p.min, referenceMax: p.max } : {}),
        numericType: typeFamily(curTypes.get(column)!) === 'number',
      };
    }),
    categorical,
    segments: [],
  };
  const scan = readDriftScan(
    await engine.query(buildDriftScan(spec, engine.dialect)),
    spec,
    engine.dialect,
  ).overall;

  const columns: CompareOutput['columns'] = [];
  const findings: QualityFinding[] = [];
  for (const column of chosen) {
    const p = byName.get(column)!;
    const kindMethod = methods[p.kind];
    const feature = { name: column, kind: p.kind, method: kindMethod };
    if (p.kind === 'numeric') {
      const s = scan.numeric[numeric.indexOf(column)]!;
      const resolved = kindMethod === 'auto' ? chooseMethod('numeric', p.valid, s.valid) : kindMethod;
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
      const outOfRangeShare = s.valid > 0 ? (s.below + s.above) / s.valid : 0;
      columns.push({ ...compareNumeric({ feature, settings }, p, s, samples), outOfRangeShare });
      const q = p as NumericProfile;
      if (outOfRangeShare > QUALITY_LIMITS.outOfRangeShare) {
        findings.push({
          kind: 'out_of_range',
          severity: outOfRangeShare > 4 * QUALITY_LIMITS.outOfRangeShare ? 'critical' : 'warning',
          feature: column,
          value: outOfRangeShare,
          expected: 0,
          message: `${column}: ${(100 * outOfRangeShare).toFixed(1)}% of values fall outside the reference range [${q.min}, ${q.max}]${q.min === q.max ? ' (the reference holds one value)' : ''}`,
        });
      }
    } else {
      const s = scan.categorical[categorical.indexOf(column)]!;
      columns.push(compareCategorical({ feature, settings }, p as CategoricalProfile, s));
      // Categories the reference never had, as the drift job's new_category finding: none from a
      // capped reference (a category in its tail is not new), and over all non-null rows,
      // counting the current's unlisted tail (exactly: the unlisted known categories are counted).
      const known = (p as CategoricalProfile).categories;
      const capped = profileOther(p as CategoricalProfile) > 0;
      const fresh = capped
        ? []
        : Object.entries(s.categories)
            .filter(([value]) => !(value in known))
            .sort((a, b) => b[1] - a[1]);
      const unlisted = Object.keys(known).filter((value) => !(value in s.categories));
      const knownTail =
        capped || s.other <= 0 || !unlisted.length
          ? undefined
          : Number(
              (
                await engine.query(
                  buildKnownCountQuery({ source: current, column, values: unlisted }, engine.dialect),
                )
              )[0]?.c ?? 0,
            );
      const tail = capped ? { rows: 0, exact: true } : newInTail(known, s, knownTail);
      const present = Object.values(s.categories).reduce((a, b) => a + b, 0) + s.other;
      const newRows = fresh.reduce((a, [, c]) => a + c, 0) + tail.rows;
      const share = present > 0 ? newRows / present : 0;
      const counted =
        tail.rows > 0
          ? `at least ${(fresh.length + 1).toLocaleString('en-US')} categories`
          : `${fresh.length} categor${fresh.length === 1 ? 'y' : 'ies'}`;
      if (newRows > 0 && share >= QUALITY_LIMITS.newCategoryShare) {
        findings.push({
          kind: 'new_category',
          severity: share >= 5 * QUALITY_LIMITS.newCategoryShare ? 'critical' : 'warning',
          feature: column,
          value: share,
          expected: 0,
          values: fresh.map(([value]) => value),
          message: `${column}: ${counted} never seen in the reference (${fresh
            .slice(0, 5)
            .map(([value]) => JSON.stringify(value))
            .join(', ')}) in ${(100 * share).toFixed(1)}% of rows`,
        });
      }
    }
  }
  columns.sort((a, b) => Number(b.drifted) - Number(a.drifted) || driftScore(b) - driftScore(a));
  return { columns, skipped, notes, findings };
}
