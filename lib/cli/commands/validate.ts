/**
 * `driftwatch validate`: a definition checked against its files. Columns present and typed as
 * their kind needs, partitions found, a dry run of one window (baseline then drift on the last
 * partition, results kept in memory only), what each job reads (partitions, files, bytes on disk)
 * and, for Athena, an estimated cost per run at $5/TB with the 10 MB minimum per query.
 */
import { stat } from 'node:fs/promises';
import { DuckDbQueryEngine, localEngineOptions } from '../../adapters/duckdb-engine.js';
import { resolveLocalFiles } from '../../adapters/local-files.js';
import { MemoryResultStore } from '../../adapters/memory-store.js';
import type { MonitorDefinition } from '../../config/schema.js';
import { describeColumns } from '../../jobs/column-check.js';
import { csvDelimiterProblem } from '../../jobs/csv-delimiter.js';
import { isValidLabel, textLabelAdvice } from '../../jobs/label-checks.js';
import { runJob } from '../../jobs/run-job.js';
import { resolveLocalSources } from '../../jobs/sources.js';
import type { JobDeps } from '../../jobs/types.js';
import { unreadPartitionMessages } from '../../jobs/unread-files.js';
import { durationDays, shiftDate } from '../../jobs/windows.js';
import { systemClock } from '../../ports.js';
import type { DataSource } from '../../sql/dialect.js';
import { buildLabelSamplesQuery } from '../../sql/prediction-checks-query.js';
import { typeFamily } from '../../sql/schema-query.js';
import { configBaseDir, loadDefinitionFile } from '../context.js';
import { CliError } from '../errors.js';

/** Athena's price per byte scanned ($5 per TB) and its minimum billed per query (10 MB). */
export const ATHENA_DOLLARS_PER_TB = 5;
export const ATHENA_MIN_BYTES = 10 * 1024 * 1024;

/**
 * An upper-bound estimate of an Athena run: each query bills max(10 MB, the bytes it scans), and
 * a query scans at most the files it reads (Parquet reads only the columns used, so usually less).
 */
export function athenaEstimate(queries: number, bytes: number): number {
  return (queries * Math.max(ATHENA_MIN_BYTES, bytes) * ATHENA_DOLLARS_PER_TB) / 1e12;
}

export interface Reads {
  job: string;
  what: string;
  partitions: number;
  files: number;
  bytes: number;
  /** Queries the dry run issued (when it ran the job). */
  queries?: number;
  athenaDollars?: number;
}

export interface ValidateReport {
  config: string;
  problems: string[];
  warnings: string[];
  reads: Reads[];
  dryRun?: { job: string; window: string; message: string; queries: number; millis: number };
}

async function bytesOf(files: readonly string[]): Promise<number> {
  let total = 0;
  for (const f of files) total += (await stat(f).catch(() => undefined))?.size ?? 0;
  return total;
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ['KB', 'MB', 'GB', 'TB'];
  let v = n / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v.toFixed(v < 10 ? 2 : 1)} ${units[i]}`;
}

type Columns = Map<string, { name: string; type: string }>;

/** A source without its aliases: the columns as the files name them. */
function raw(source: DataSource): DataSource {
  const { aliases: _aliases, ...rest } = source;
  return rest;
}

/** Problems with the columns of the prediction log (and a dataset reference) for this definition. */
function columnProblems(
  def: MonitorDefinition,
  columns: Columns,
  what: string,
  features: boolean,
  named: boolean,
) {
  const problems: string[] = [];
  const warnings: string[] = [];
  const get = (c: string) => columns.get(c.toLowerCase());
  const list = [...columns.values()].map((c) => c.name).filter((n) => n !== 'dt');
  const shown = list.length > 15 ? `${list.slice(0, 15).join(', ')}, ...` : list.join(', ');
  const need = (field: string, column: string | undefined, numeric = false) => {
    if (column === undefined) return;
    const found = get(column);
    if (!found) {
      problems.push(
        `${field} ${JSON.stringify(column)} is not a column of ${what} (it has ${shown}): fix the name`,
      );
    } else if (numeric && typeFamily(found.type) !== 'number') {
      problems.push(
        `${field} ${JSON.stringify(column)} is ${found.type} in ${what}, not a number: point it at a numeric column`,
      );
    }
  };
  const p = def.predictions;
  if (named) {
    need('predictions.idColumn', p.idColumn);
    need('predictions.timestampColumn', p.timestampColumn);
    need('predictions.scoreColumn', p.scoreColumn, true);
    need('predictions.predictionColumn', p.predictionColumn);
    need('predictions.modelVersionColumn', p.modelVersionColumn);
    need('predictions.latencyColumn', p.latencyColumn, true);
    need('predictions.errorColumn', p.errorColumn);
    for (const [label, c] of Object.entries(p.classScoreColumns ?? {}))
      need(`predictions.classScoreColumns.${label}`, c, true);
    def.segments.forEach((s, i) => {
      need(`segments[${i}]`, s);
    });
  }
  if (features) {
    def.features.forEach((f, i) => {
      const real = f.column ?? f.name;
      const field = f.column !== undefined ? `features[${i}].column` : `features[${i}].name`;
      const found = columns.get(real.toLowerCase());
      if (!found) {
        problems.push(
          `${field} ${JSON.stringify(real)} is not a column of ${what} (it has ${shown}): fix the name${f.column === undefined ? ', or give the real column as column: beside name:' : ''}`,
        );
        return;
      }
      if (f.column !== undefined && f.column !== f.name && columns.has(f.name.toLowerCase())) {
        problems.push(
          `features[${i}].name ${JSON.stringify(f.name)} is also a column of ${what}: choose a name the files do not use for feature ${JSON.stringify(real)}`,
        );
      }
      const family = typeFamily(found.type);
      if (family === 'nested') {
        problems.push(
          `${field} ${JSON.stringify(real)} is an object or list (${found.type}) in ${what}: features must be top-level values; flatten its fields into columns of their own where the log is written`,
        );
        return;
      }
      if (f.kind === 'numeric' && family !== 'number') {
        (family === 'string' ? warnings : problems).push(
          `features[${i}] ${JSON.stringify(real)} is numeric in the definition but ${found.type} in ${what}: ${family === 'string' ? 'values that do not parse as numbers will count as invalid' : 'make it kind: categorical'}`,
        );
      }
    });
  }
  return { problems, warnings };
}

export async function validateDefinitionFiles(configPath: string): Promise<ValidateReport> {
  const def = await loadDefinitionFile(configPath);
  const sources = resolveLocalSources(def, configBaseDir(configPath));
  const report: ValidateReport = { config: configPath, problems: [], warnings: [], reads: [] };
  const engine = await DuckDbQueryEngine.create(localEngineOptions());
  try {
    // Predictions: every partition (listing only), then the last window's files.
    let all: DataSource;
    try {
      all = await resolveLocalFiles(sources.predictions);
    } catch (error) {
      report.problems.push(`predictions.location: ${(error as Error).message}`);
      return report;
    }
    const partitions = all.partitions ?? [];
    if (all.stray?.length)
      report.warnings.push(
        `predictions.location: ignored folders that are not dt=YYYY-MM-DD: ${all.stray.join(', ')}`,
      );
    if (!partitions.length) {
      // Files of another format there: say which (format defaults to parquet).
      const others: string[] = [];
      for (const format of ['parquet', 'csv', 'jsonl'] as const) {
        if (format === def.predictions.format) continue;
        const found = await resolveLocalFiles({ ...sources.predictions, format }).catch(() => undefined);
        if (found?.files?.length) others.push(format);
      }
      report.problems.push(
        `predictions.location ${sources.predictions.location}: no dt=YYYY-MM-DD partition with ${def.predictions.format} files${others.length ? `, but it holds ${others.join(' and ')} files: set predictions.format: ${others[0]}` : ': check the location and predictions.format'}`,
      );
      return report;
    }
    // Days whose files the format does not read (a Parquet day in a csv log, a Firehose object
    // without an extension): run would call them no_data.
    for (const message of unreadPartitionMessages(all, 'predictions.format'))
      report.problems.push(`predictions.location ${sources.predictions.location}: ${message}`);
    const days = durationDays(def.window);
    // The last window ends at the newest partition with data: a partition being written may
    // hold only empty files (DuckDB reads a 0-byte CSV as one column `column0`).
    let last = partitions.at(-1)!;
    for (let i = partitions.length - 1; i > 0; i--) {
      const day = await resolveLocalFiles(sources.predictions, {
        from: partitions[i]!,
        to: shiftDate(partitions[i]!, 1),
      });
      if ((await bytesOf(day.files ?? [])) > 0) break;
      report.warnings.push(
        `predictions.location: dt=${partitions[i]} holds only empty files (${(day.files ?? []).map((f) => f.split(/[\\/]/).at(-1)).join(', ')}, 0 bytes): checked the day before it; a run of dt=${partitions[i]} is no_data until the files are written`,
      );
      last = partitions[i - 1]!;
    }
    const windowStart = shiftDate(last, 1 - days);
    const window = await resolveLocalFiles(sources.predictions, {
      from: windowStart,
      to: shiftDate(last, 1),
    });
    // The files' own columns (no aliases): features by their real column, a name must not collide.
    const columns = (await describeColumns(engine, raw(window))) as Columns;
    const what = `the prediction log's last window (${windowStart}${days > 1 ? ` to ${last}` : ''})`;
    const delimiter =
      def.predictions.format === 'csv'
        ? csvDelimiterProblem(
            [...columns.values()].map((c) => c.name),
            `predictions.location ${sources.predictions.location} (${window.files?.[0] ?? 'its files'})`,
          )
        : undefined;
    if (delimiter) {
      report.problems.push(delimiter);
      return report;
    }
    const own = columnProblems(def, columns, what, true, true);
    report.problems.push(...own.problems);
    report.warnings.push(...own.warnings);

    if (sources.reference) {
      try {
        const ref = await resolveLocalFiles(sources.reference);
        const refColumns = (await describeColumns(engine, raw(ref))) as Columns;
        const r = columnProblems(def, refColumns, `the reference ${sources.reference.location}`, true, false);
        report.problems.push(...r.problems);
        report.warnings.push(...r.warnings);
        report.reads.push({
          job: 'baseline',
          what: `reference ${sources.reference.location}`,
          partitions: 0,
          files: ref.files?.length ?? 0,
          bytes: await bytesOf(ref.files ?? []),
        });
      } catch (error) {
        report.problems.push(`reference.location: ${(error as Error).message}`);
      }
    } else if (def.reference.type === 'range') {
      const ref = await resolveLocalFiles(sources.predictions, {
        from: def.reference.from,
        to: shiftDate(def.reference.to, 1),
      });
      if (!ref.files?.length)
        report.problems.push(
          `reference: no partition of the prediction log from ${def.reference.from} to ${def.reference.to} (the log has ${partitions[0]} to ${last}): fix the range`,
        );
      report.reads.push({
        job: 'baseline',
        what: `predictions ${def.reference.from} to ${def.reference.to}`,
        partitions: ref.partitions?.length ?? 0,
        files: ref.files?.length ?? 0,
        bytes: await bytesOf(ref.files ?? []),
      });
    }
    report.reads.push({
      job: 'drift',
      what: `predictions, window ${windowStart}`,
      partitions: window.partitions?.length ?? 0,
      files: window.files?.length ?? 0,
      bytes: await bytesOf(window.files ?? []),
    });

    if (def.labels && sources.labels) {
      try {
        const labels = await resolveLocalFiles(sources.labels);
        const labelColumns = (await describeColumns(engine, labels)) as Columns;
        for (const [field, c] of [
          ['labels.idColumn', def.labels.idColumn],
          ['labels.labelColumn', def.labels.labelColumn],
        ] as const) {
          if (!labelColumns.has(c.toLowerCase()))
            report.problems.push(
              `${field} ${JSON.stringify(c)} is not a column of the labels log ${sources.labels.location} (it has ${[...labelColumns.values()].map((x) => x.name).join(', ')}): fix the name`,
            );
        }
        // Label values the task cannot read (Y/N on a binary model without positiveValue): every
        // performance run would find them invalid. The 50 most frequent values are checked.
        const labelColumn = labelColumns.get(def.labels.labelColumn.toLowerCase());
        if (labelColumn) {
          const seen = (
            await engine.query(
              buildLabelSamplesQuery(
                {
                  labels,
                  labelColumn: labelColumn.name,
                  window: { start: '0000-01-01' },
                  until: '9999-12-31',
                },
                engine.dialect,
              ),
            )
          ).map((r) => String(r.v));
          const invalid = seen.filter((v) => !isValidLabel(def, v));
          if (invalid.length) {
            const advice =
              def.model.task === 'binary' && def.labels.positiveValue === undefined
                ? textLabelAdvice(seen)
                : undefined;
            const fix = !advice
              ? 'fix the labels or the mapping'
              : 'fix' in advice
                ? advice.fix
                : `set labels.positiveValue: ${JSON.stringify(advice.positive)} and labels.negativeValue: ${JSON.stringify(advice.negative)} (positive: the class the score predicts), or log 0/1 labels`;
            report.problems.push(
              `labels.labelColumn ${JSON.stringify(def.labels.labelColumn)}: labels ${invalid
                .slice(0, 5)
                .map((v) => JSON.stringify(v))
                .join(
                  ', ',
                )} are not valid for a ${def.model.task} model, so performance runs would leave them out: ${fix}`,
            );
          }
        }
        // The performance job reads the window's predictions and labels that arrived by maturity.
        const matured = shiftDate(windowStart, days + durationDays(def.labels.delay));
        const labelWindow = def.labels.partitioned
          ? await resolveLocalFiles(sources.labels, { from: windowStart, to: matured })
          : labels;
        report.reads.push({
          job: 'performance',
          what: `predictions window ${windowStart} + labels ${def.labels.partitioned ? `${windowStart} to ${shiftDate(matured, -1)}` : '(all)'}`,
          partitions: (window.partitions?.length ?? 0) + (labelWindow.partitions?.length ?? 0),
          files: (window.files?.length ?? 0) + (labelWindow.files?.length ?? 0),
          bytes: (await bytesOf(window.files ?? [])) + (await bytesOf(labelWindow.files ?? [])),
        });
      } catch (error) {
        report.problems.push(`labels.location: ${(error as Error).message}`);
      }
    }

    if (report.problems.length) return report;

    // Dry run: baseline then drift on the last window, results in memory only.
    const deps: JobDeps = {
      definition: def,
      sources,
      engine,
      store: new MemoryResultStore(),
      clock: systemClock,
    };
    const before = engine.stats();
    const started = performance.now();
    if (def.reference.type !== 'rolling') await runJob({ job: 'baseline' }, deps);
    const middle = engine.stats();
    const drift = await runJob({ job: 'drift', date: windowStart }, deps);
    const after = engine.stats();
    report.dryRun = {
      job: 'drift',
      window: windowStart,
      message: drift.message,
      queries: after.queries - before.queries,
      millis: Math.round(performance.now() - started),
    };
    for (const r of report.reads) {
      const queries =
        r.job === 'baseline'
          ? middle.queries - before.queries
          : r.job === 'drift'
            ? after.queries - middle.queries
            : undefined;
      if (queries !== undefined) {
        r.queries = queries;
        r.athenaDollars = athenaEstimate(queries, r.bytes);
      }
    }
  } finally {
    await engine.close();
  }
  return report;
}

export async function runValidate(
  opts: { config: string; json: boolean },
  print: (line: string) => void,
): Promise<ValidateReport> {
  const report = await validateDefinitionFiles(opts.config);
  if (opts.json) print(JSON.stringify(report, null, 2));
  else {
    for (const w of report.warnings) print(`warning: ${w}`);
    for (const p of report.problems) print(`problem: ${p}`);
    if (report.reads.length) {
      print('what each job reads (bytes on disk):');
      for (const r of report.reads) {
        const athena =
          r.athenaDollars === undefined
            ? ''
            : `; on Athena about $${r.athenaDollars.toFixed(6)} per run (${r.queries} quer${r.queries === 1 ? 'y' : 'ies'} x max(10 MB, ${formatBytes(r.bytes)}) at $5/TB, an upper bound)`;
        print(
          `  ${r.job}: ${r.what}: ${r.partitions ? `${r.partitions} partition${r.partitions === 1 ? '' : 's'}, ` : ''}${r.files} file${r.files === 1 ? '' : 's'}, ${formatBytes(r.bytes)}${athena}`,
        );
      }
    }
    if (report.dryRun) {
      print(
        `dry run (nothing stored): drift for ${report.dryRun.window}: ${report.dryRun.message}; ${report.dryRun.queries} queries in ${report.dryRun.millis} ms`,
      );
    }
  }
  if (report.problems.length) {
    throw new CliError(
      `${opts.config}: ${report.problems.length} problem${report.problems.length === 1 ? '' : 's'} with the files (listed above): fix them and validate again`,
    );
  }
  if (!opts.json) print(`${opts.config}: valid against its files`);
  return report;
}
