/**
 * Checks EACH file a job is about to read against the columns the definition needs from it.
 *
 * Every log is read by name across its files (DuckDB `union_by_name = true`; on Athena the Glue
 * table maps Parquet and JSON columns by name), so a file that lacks a column (a renamed
 * `Revenue_EUR`, another table's export dropped into a partition) reads as NULLs without any
 * error: a false 100% KPI drop, or null-rate pages on every feature, none naming the file. The
 * whole-log DESCRIBE (`column-check.ts`) cannot see it: the union has the column.
 *
 * Such a file is an ERROR of the job that reads it (as an unreadable file is), naming the file,
 * the columns it lacks, what it has instead and the fix. Not a finding with the file left out:
 * the file may hold the window's real rows under another name, so any number computed without it
 * is wrong, and a re-run after the fix computes the right one.
 *
 * Names match case-insensitively (SQL, DuckDB's Parquet and CSV readers and Athena all do:
 * `Revenue` is `revenue`), except between JSON files read locally: DuckDB's JSON reader keeps
 * `Revenue` and `revenue` apart (the second reads as `Revenue_1`), so a JSON file whose spelling
 * differs from the first file's is an error too.
 *
 * Engines that read files (DuckDB) give each file's columns from metadata (`fileColumns`: Parquet
 * footers, CSV headers). A column that NO file of the range has is left to the job's whole-log
 * check (`column-check.ts`), whose message names the definition field (most likely a typo). Engines that read tables (Athena) cannot: one query counts the non-NULL
 * values of the needed columns per `"$path"` over the range, and a file with rows and no value of
 * a column is reported (Athena cannot tell a missing column from one written NULL in every row).
 * Columns where NULL is an ordinary value (the error and latency columns: NULL means no error,
 * or no latency on an error row) are checked for presence locally and not at all on Athena.
 */
import type { MonitorDefinition } from '../config/schema.js';
import type { QueryEngine } from '../ports.js';
import type { DataSource, DateRange } from '../sql/dialect.js';
import { buildFileColumnCountsQuery } from '../sql/file-check-query.js';
import type { NamedColumns } from './column-check.js';

/** A data file that lacks columns the definition needs; the message names the file and the fix. */
export class FileColumnsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FileColumnsError';
  }
}

/** What a job needs from one log's files. */
export interface FileCheck {
  /** The log, as messages name it: `prediction`, `labels`, `outcomes`, `reference`. */
  readonly what: string;
  /** `[definition field, real column]`: every file must have each column. */
  readonly columns: NamedColumns;
  /** Columns where NULL is an ordinary value: checked only where files give their columns (not on Athena). */
  readonly nullable?: readonly string[];
}

const PARTITION_KEYS = new Set(['dt']);

/** The needed columns, once each (first field that names it), without the partition key. */
function needed(check: FileCheck): { field: string; column: string }[] {
  const seen = new Map<string, { field: string; column: string }>();
  for (const [field, column] of check.columns) {
    if (column === undefined || PARTITION_KEYS.has(column.toLowerCase())) continue;
    const key = column.toLowerCase();
    if (!seen.has(key)) seen.set(key, { field, column });
  }
  return [...seen.values()];
}

const passed = new WeakMap<object, Set<string>>();

function list(names: readonly string[], max = 12): string {
  return names.length > max ? `${names.slice(0, max).join(', ')}, ... (${names.length})` : names.join(', ');
}

function lacking(missing: readonly { field: string; column: string }[], of: number): string {
  const shown = missing.slice(0, 6).map((m) => `${JSON.stringify(m.column)} (${m.field})`);
  const rest = missing.length > shown.length ? `, ... (${missing.length})` : '';
  if (missing.length === of && of > 1)
    return `all ${of} columns the definition needs from it (${shown.join(', ')}${rest})`;
  return `column${missing.length === 1 ? '' : 's'} ${shown.join(', ')}${rest}`;
}

/**
 * Throws FileColumnsError when a file of `source` (resolved to the range's files by an engine that
 * reads files; the table and `range` otherwise) lacks a column of `check`. A check that passed is
 * not repeated for the same deps, files and columns.
 */
export async function checkFileColumns(
  deps: { engine: QueryEngine },
  source: DataSource,
  check: FileCheck,
  range?: DateRange,
): Promise<void> {
  const columns = needed(check);
  if (!columns.length || source.files?.length === 0) return;
  const key = JSON.stringify([
    source.location,
    source.files ?? [source.partitioned ? range : null],
    columns.map((c) => c.column),
  ]);
  const done = passed.get(deps) ?? new Set<string>();
  passed.set(deps, done);
  if (done.has(key)) return;
  if (deps.engine.fileColumns && source.files) {
    await checkFromMetadata(deps.engine, source, check, columns);
  } else {
    await checkFromTable(deps.engine, source, check, columns, range);
  }
  done.add(key);
}

async function checkFromMetadata(
  engine: QueryEngine,
  source: DataSource,
  check: FileCheck,
  needed: readonly { field: string; column: string }[],
): Promise<void> {
  const files = await engine.fileColumns!(source);
  const wanted = new Set(needed.map((c) => c.column.toLowerCase()));
  // How many files of the range have each column: "what it has instead" is first what the others do not.
  const counts = new Map<string, number>();
  for (const f of files)
    for (const c of new Set(f.columns.map((name) => name.toLowerCase())))
      counts.set(c, (counts.get(c) ?? 0) + 1);
  // A column no file has is the definition's (a typo): the job's whole-log check names the field.
  const columns = needed.filter((c) => counts.has(c.column.toLowerCase()));
  const problems: string[] = [];
  const firstSpelling = new Map<string, { name: string; file: string }>();
  for (const { file, columns: has } of files) {
    const byLower = new Map(has.map((name) => [name.toLowerCase(), name]));
    const missing = columns.filter((c) => !byLower.has(c.column.toLowerCase()));
    if (missing.length) {
      const extra = has.filter(
        (name) => !wanted.has(name.toLowerCase()) && !PARTITION_KEYS.has(name.toLowerCase()),
      );
      const own = extra.filter((name) => counts.get(name.toLowerCase()) === 1);
      const instead = own.length && own.length < extra.length ? own : extra;
      problems.push(
        `${check.what} file ${file} lacks ${lacking(missing, columns.length)}: it has ${instead.length ? `${list(instead)} instead` : `only ${list(has) || 'no column'}`}`,
      );
      continue;
    }
    if (source.format !== 'jsonl') continue;
    const respelled: string[] = [];
    for (const c of columns) {
      const name = byLower.get(c.column.toLowerCase())!;
      const first = firstSpelling.get(c.column.toLowerCase());
      if (!first) firstSpelling.set(c.column.toLowerCase(), { name, file });
      else if (first.name !== name)
        respelled.push(`${JSON.stringify(name)} where ${first.file} has ${JSON.stringify(first.name)}`);
    }
    if (respelled.length) {
      problems.push(
        `${check.what} file ${file} spells ${respelled.join(', ')} (JSON keys differing only in case are different columns when several JSON files are read locally)`,
      );
    }
  }
  if (!problems.length) return;
  const more =
    problems.length > 1
      ? ` (and ${problems.length - 1} more file${problems.length === 2 ? '' : 's'}: ${list(
          problems.slice(1).map((p) => /file (\S+)/.exec(p)?.[1] ?? p),
          5,
        )})`
      : '';
  throw new FileColumnsError(
    `${problems[0]}${more}; read by name, its rows would read those columns as NULL: re-write the file with the definition's column names or move it out of the log (or, if the column was renamed for good, update the definition)`,
  );
}

async function checkFromTable(
  engine: QueryEngine,
  source: DataSource,
  check: FileCheck,
  columns: readonly { field: string; column: string }[],
  range: DateRange | undefined,
): Promise<void> {
  const nullable = new Set((check.nullable ?? []).map((c) => c.toLowerCase()));
  const checked = columns.filter((c) => !nullable.has(c.column.toLowerCase()));
  if (!checked.length || !source.table) return;
  const rows = await engine.query(
    buildFileColumnCountsQuery(
      source,
      checked.map((c) => c.column),
      range,
      engine.dialect,
    ),
  );
  const problems = rows.map((row) => {
    const missing = checked.filter((_, i) => Number(row[`dw_c${i}`]) === 0);
    return `${check.what} file ${String(row.dw_file)} has no value of ${lacking(missing, checked.length)} in any of its ${Number(row.dw_rows)} rows`;
  });
  if (!problems.length) return;
  const more =
    problems.length > 1 ? ` (and ${problems.length - 1} more file${problems.length === 2 ? '' : 's'})` : '';
  throw new FileColumnsError(
    `${problems[0]}${more}: the table reads a column the file lacks as NULL, so the file lacks it (renamed?) or wrote it empty; check the file's columns, re-write it with the definition's column names or move it out of the log (or, if the column was renamed for good, update the definition)`,
  );
}

/** A feature's real column in the files. */
function featureColumns(definition: MonitorDefinition): NamedColumns {
  return definition.features.map((f, i) => [`features[${i}]`, f.column ?? f.name] as const);
}

/** Every prediction-log column the definition names (the drift, performance, KPI, estimate and canary jobs). */
export function predictionFileCheck(definition: MonitorDefinition): FileCheck {
  const p = definition.predictions;
  return {
    what: 'prediction',
    columns: [
      ['predictions.idColumn', p.idColumn],
      ['predictions.timestampColumn', p.timestampColumn],
      ['predictions.scoreColumn', p.scoreColumn],
      ['predictions.predictionColumn', p.predictionColumn],
      ...Object.entries(p.classScoreColumns ?? {}).map(
        ([label, column]) => [`predictions.classScoreColumns.${label}`, column] as const,
      ),
      ['predictions.modelVersionColumn', p.modelVersionColumn],
      ['predictions.latencyColumn', p.latencyColumn],
      ['predictions.errorColumn', p.errorColumn],
      ...featureColumns(definition),
      ...definition.segments.map((s, i) => [`segments[${i}]`, s] as const),
      ...kpiColumns(definition, 'predictions'),
    ],
    nullable: [p.latencyColumn, p.errorColumn].filter((c): c is string => c !== undefined),
  };
}

/** The prediction-log columns the SLO job reads: its time, version and SLI columns only. */
export function sloFileCheck(definition: MonitorDefinition): FileCheck {
  const p = definition.predictions;
  const slos = definition.slos ?? [];
  return {
    what: 'prediction',
    columns: [
      ['predictions.timestampColumn', p.timestampColumn],
      ['predictions.modelVersionColumn', slos.some((s) => s.perVersion) ? p.modelVersionColumn : undefined],
      ['predictions.latencyColumn', slos.some((s) => s.sli.kind === 'latency') ? p.latencyColumn : undefined],
      ['predictions.errorColumn', slos.some((s) => s.sli.kind === 'errors') ? p.errorColumn : undefined],
      ...slos.flatMap((s, i) =>
        s.sli.kind === 'condition' ? [[`slos[${i}].sli.good.column`, s.sli.good.column] as const] : [],
      ),
    ],
    nullable: [p.latencyColumn, p.errorColumn].filter((c): c is string => c !== undefined),
  };
}

export function labelFileCheck(definition: MonitorDefinition): FileCheck {
  return {
    what: 'labels',
    columns: [
      ['labels.idColumn', definition.labels?.idColumn],
      ['labels.labelColumn', definition.labels?.labelColumn],
    ],
  };
}

export function outcomeFileCheck(definition: MonitorDefinition): FileCheck {
  return {
    what: 'outcomes',
    columns: [['outcomes.idColumn', definition.outcomes?.idColumn], ...kpiColumns(definition, 'outcomes')],
  };
}

/**
 * What a baseline reads from its reference (a dataset, or days of the prediction log): the
 * features (a reference without a segment column only has no segment baselines).
 */
export function referenceFileCheck(definition: MonitorDefinition, what = 'reference'): FileCheck {
  return { what, columns: featureColumns(definition) };
}

function kpiColumns(definition: MonitorDefinition, source: 'predictions' | 'outcomes'): NamedColumns {
  return (definition.kpis ?? []).flatMap((k, i) =>
    k.source === source
      ? [[`kpis[${i}].column`, k.column] as const, [`kpis[${i}].where.column`, k.where?.column] as const]
      : [],
  );
}
