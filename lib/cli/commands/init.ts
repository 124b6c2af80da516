/**
 * `driftwatch init`: from a folder of logs to a monitor definition. Reads the schema of the last
 * few partitions only (DESCRIBE plus one bounded sample query: never the whole log), proposes a
 * kind per column with the reason, writes a commented YAML definition and validates it.
 */
import { existsSync } from 'node:fs';
import { stat, writeFile } from 'node:fs/promises';
import { basename, dirname, relative, resolve } from 'node:path';
import { DuckDbQueryEngine, localEngineOptions } from '../../adapters/duckdb-engine.js';
import { resolveLocalFiles } from '../../adapters/local-files.js';
import { InvalidDefinitionError, parseDefinition } from '../../config/load.js';
import {
  buildColumnStatsQuery,
  type ColumnStats,
  EPOCH_REASON,
  type KindProposal,
  proposeKind,
  readColumnStats,
} from '../../jobs/column-kinds.js';
import { type FileInputError, formatOf } from '../../jobs/compare-files.js';
import { csvDelimiterProblem } from '../../jobs/csv-delimiter.js';
import { textLabelAdvice } from '../../jobs/label-checks.js';
import { shiftDate } from '../../jobs/windows.js';
import type { DataSource } from '../../sql/dialect.js';
import { IDENTIFIER_PATTERN, quoteIdentifier } from '../../sql/identifiers.js';
import { buildLabelSamplesQuery } from '../../sql/prediction-checks-query.js';
import { buildDescribeQuery } from '../../sql/schema-query.js';
import { CliError } from '../errors.js';

export interface InitOptions {
  predictions: string;
  labels?: string;
  reference?: string;
  out: string;
  modelId?: string;
  task?: string;
  force?: boolean;
  /** Partitions sampled (the last ones). */
  samplePartitions?: number;
}

const FORMATS: DataSource['format'][] = ['parquet', 'csv', 'jsonl'];

/** A log folder's format and its partitions: the format whose files the most partitions hold. */
async function findLog(
  location: string,
  option: string,
  partitioned: boolean,
): Promise<{ format: DataSource['format']; partitions: string[]; files: number }> {
  const info = await stat(location).catch(() => undefined);
  if (!info) throw new CliError(`${option} ${location} does not exist: give the folder of the logs`, 2);
  if (info.isFile()) {
    try {
      return { format: formatOf(location, option), partitions: [], files: 1 };
    } catch (error) {
      throw new CliError((error as FileInputError).message, 2);
    }
  }
  let best: { format: DataSource['format']; partitions: string[]; files: number } | undefined;
  for (const format of FORMATS) {
    const resolved = await resolveLocalFiles({ location, format, partitioned }).catch(() => undefined);
    const files = resolved?.files?.length ?? 0;
    if (files && (!best || files > best.files))
      best = { format, partitions: [...(resolved?.partitions ?? [])], files };
  }
  if (!best) {
    throw new CliError(
      partitioned
        ? `${option} ${location}: no dt=YYYY-MM-DD folder with .parquet/.pq, .csv(.gz) or .jsonl/.ndjson files: a prediction log is one folder per day, e.g. ${location}/dt=2026-10-01/part-0.parquet`
        : `${option} ${location}: no .parquet/.pq, .csv(.gz) or .jsonl/.ndjson file in it`,
      2,
    );
  }
  return best;
}

/** DESCRIBE and the bounded sample query over a source. */
async function profileSample(
  engine: DuckDbQueryEngine,
  source: DataSource,
  partitionKey?: string,
): Promise<{ stats: ColumnStats[]; proposals: KindProposal[] }> {
  const described = await engine.query(buildDescribeQuery(source, engine.dialect));
  const columns = described.map((r) => ({ name: String(r.column_name), type: String(r.column_type) }));
  const [row] = await engine.query(buildColumnStatsQuery(source, columns, engine.dialect));
  const stats = readColumnStats(row ?? {}, columns);
  return {
    stats,
    proposals: stats.map((s) => proposeKind(s, partitionKey ? { partitionKey } : {})),
  };
}

/** A name driftwatch can use for a column (results, alerts): lowercase letters, digits, underscores. */
export function safeName(column: string, taken: Set<string>): string {
  let name = column
    .toLowerCase()
    .replace(/[^a-z0-9_]+/g, '_')
    .replace(/^_+|_+$/g, '')
    .slice(0, 100);
  if (!name) name = 'column';
  if (/^[0-9]/.test(name)) name = `c_${name}`;
  let candidate = name;
  for (let i = 2; taken.has(candidate.toLowerCase()); i++) candidate = `${name}_${i}`;
  taken.add(candidate.toLowerCase());
  return candidate;
}

const yamlString = (value: string) => JSON.stringify(value);
const plain = (value: string) => (IDENTIFIER_PATTERN.test(value) ? value : yamlString(value));

function modelIdFrom(location: string): string {
  const base =
    basename(resolve(location)) === 'predictions'
      ? basename(dirname(resolve(location)))
      : basename(resolve(location));
  const id = base
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/^[^a-z]+|-+$/g, '')
    .slice(0, 63);
  return id || 'my-model';
}

function pick(proposals: KindProposal[], kind: KindProposal['kind']): KindProposal | undefined {
  return proposals.find((p) => p.kind === kind);
}

/** A column the definition names directly (id, timestamp, score...) must be a plain identifier. */
function direct(p: KindProposal | undefined, field: string): string | undefined {
  if (!p) return undefined;
  if (!IDENTIFIER_PATTERN.test(p.name)) {
    throw new CliError(
      `${field}: the column ${yamlString(p.name)} is not a plain identifier (letters, digits, underscores); only features may alias a column (column: beside name:): rename it in the logs`,
    );
  }
  return p.name;
}

/**
 * The class-probability columns of a multiclass log: for each class the prediction column takes
 * (at most 50, from the sample), the one plain-named column in [0,1] whose name holds the class as
 * a word (`p_cat`, `prob_cat`, `cat_proba`). Undefined unless every class has exactly one.
 */
async function matchClassScores(
  engine: DuckDbQueryEngine,
  source: DataSource,
  predictionColumn: string,
  proposals: KindProposal[],
): Promise<Record<string, string> | undefined> {
  const q = quoteIdentifier(predictionColumn);
  const rows = await engine.query({
    name: 'init-classes',
    sql: `SELECT DISTINCT CAST(${q} AS VARCHAR) AS v FROM (SELECT ${q} FROM ${engine.dialect.relation(source)} LIMIT 100000) AS s WHERE ${q} IS NOT NULL LIMIT 51`,
    parameters: [],
  });
  const classes = rows.map((r) => String(r.v));
  if (classes.length < 3 || classes.length > 50) return undefined;
  const candidates = proposals.filter((p) => p.kind === 'score' && IDENTIFIER_PATTERN.test(p.name));
  const out: Record<string, string> = {};
  for (const label of classes) {
    const word = label.toLowerCase();
    const hits = candidates.filter((p) =>
      p.name
        .toLowerCase()
        .split(/[^a-z0-9]+/)
        .includes(word),
    );
    if (hits.length !== 1) return undefined;
    out[label] = hits[0]!.name;
  }
  return out;
}

export async function runInit(options: InitOptions, print: (line: string) => void): Promise<string> {
  const out = resolve(options.out);
  if (existsSync(out) && !options.force) {
    throw new CliError(
      `${options.out} already exists: pass --out with another file, or --force to overwrite it`,
      2,
    );
  }
  const outDir = dirname(out);
  const rel = (path: string) => {
    const r = relative(outDir, resolve(path));
    return r === '' ? '.' : r;
  };
  const log = await findLog(options.predictions, '--predictions', true);
  if (!log.partitions.length) {
    throw new CliError(
      `--predictions ${options.predictions}: a prediction log is a folder of dt=YYYY-MM-DD folders (one per day), not one file`,
      2,
    );
  }
  const sampled = log.partitions.slice(-(options.samplePartitions ?? 3));
  const range = { from: sampled[0]!, to: shiftDate(sampled.at(-1)!, 1) };
  const engine = await DuckDbQueryEngine.create(localEngineOptions());
  try {
    const source = await resolveLocalFiles(
      { location: resolve(options.predictions), format: log.format, partitioned: true },
      range,
    );
    const predictions = await profileSample(engine, source, 'dt');
    print(
      `predictions: ${log.format}, ${log.partitions.length} partition${log.partitions.length === 1 ? '' : 's'} (${log.partitions[0]} to ${log.partitions.at(-1)}); sampled the last ${sampled.length} (${source.files?.length ?? 0} files, at most 100,000 rows)`,
    );
    for (const p of predictions.proposals) {
      print(`  ${p.name}: ${p.kind}${p.segmentCandidate ? ', segment candidate' : ''} (${p.reason})`);
    }

    const proposals = predictions.proposals;
    // A file that is one JSON array reads (as JSON lines) as rows of one list column.
    const columnsRead = proposals.filter((p) => p.kind !== 'partition');
    if (columnsRead.length === 1 && columnsRead[0]?.kind === 'nested' && log.format !== 'parquet') {
      throw new CliError(
        `--predictions ${options.predictions}: the files hold one JSON array (read as a single column ${JSON.stringify(columnsRead[0].name)}), not JSON lines: write one object per line (JSON lines, as Firehose does), e.g. {"prediction_id": "a1", ...} then {"prediction_id": "a2", ...}`,
      );
    }
    const delimiter =
      log.format === 'csv'
        ? csvDelimiterProblem(
            columnsRead.map((p) => p.name),
            `--predictions ${options.predictions} (${source.files?.[0] ?? 'its files'})`,
          )
        : undefined;
    if (delimiter) throw new CliError(delimiter);
    const id = pick(proposals, 'id');
    // A real event time (TIMESTAMP, ISO text) before epoch numbers, which cannot be one.
    const timestamp =
      pick(
        proposals.filter((p) => !p.reason.startsWith(EPOCH_REASON)),
        'timestamp',
      ) ?? pick(proposals, 'timestamp');
    if (!id) {
      throw new CliError(
        `--predictions ${options.predictions}: no column looks like a prediction id (unique text, or unique whole numbers named like an id) in the last ${sampled.length} partitions; the monitor joins labels on it: add one to the logs`,
      );
    }
    if (timestamp?.reason.startsWith(EPOCH_REASON)) {
      throw new CliError(
        `--predictions ${options.predictions}: ${timestamp.name} holds ${timestamp.reason.slice(EPOCH_REASON.length - 'epoch'.length)}; driftwatch reads the event time as a TIMESTAMP or ISO-8601 text: log ${timestamp.name} as text such as 2026-10-01T12:00:00Z (or a timestamp type), or add such a column`,
      );
    }
    if (!timestamp) {
      throw new CliError(
        `--predictions ${options.predictions}: no timestamp column (a TIMESTAMP/DATE, or text named like ts/time/date) in the last ${sampled.length} partitions: add one to the logs`,
      );
    }
    const prediction = pick(proposals, 'prediction');
    const predictionStats = prediction && predictions.stats.find((s) => s.name === prediction.name);
    const manyClasses =
      predictionStats !== undefined && predictionStats.integral !== false && predictionStats.distinct > 2;
    // Multiclass: one probability column per predicted class, matched by name (p_cat for "cat").
    const classScores =
      prediction && manyClasses && (options.task ?? 'multiclass') === 'multiclass'
        ? await matchClassScores(engine, source, prediction.name, proposals)
        : undefined;
    const task =
      options.task ??
      (predictionStats && predictionStats.integral === false
        ? 'regression'
        : manyClasses
          ? 'multiclass'
          : 'binary');
    const score = task === 'binary' ? pick(proposals, 'score') : undefined;
    const taken = new Set<string>();
    const candidates = proposals.filter((p) => p.kind === 'numeric' || p.kind === 'categorical');
    // Up to two segments: plain-named categorical columns with few values.
    const segments = candidates
      .filter((p) => p.segmentCandidate && IDENTIFIER_PATTERN.test(p.name))
      .slice(0, 2)
      .map((p) => p.name);
    for (const s of segments) taken.add(s.toLowerCase());
    for (const p of [id, timestamp, score, prediction]) if (p) taken.add(p.name.toLowerCase());
    for (const c of Object.values(classScores ?? {})) taken.add(c.toLowerCase());
    // Every plain column name is its own feature's: an odd name ("Loan Amount") must never be
    // given one the files also use (loan_amount), or the alias would shadow the real column.
    const plainNames = new Set(
      proposals.filter((p) => IDENTIFIER_PATTERN.test(p.name)).map((p) => p.name.toLowerCase()),
    );
    const reserved = new Set([...taken, ...plainNames]);
    const features = candidates
      .filter((p) => !segments.includes(p.name))
      .map((p) => {
        const plainName = IDENTIFIER_PATTERN.test(p.name) && !taken.has(p.name.toLowerCase());
        const name = plainName ? p.name : safeName(p.name, reserved);
        taken.add(name.toLowerCase());
        reserved.add(name.toLowerCase());
        return { name, column: plainName ? undefined : p.name, kind: p.kind, reason: p.reason };
      });
    if (!features.length) {
      throw new CliError(
        `--predictions ${options.predictions}: no numeric or categorical feature column found (columns: ${proposals.map((p) => `${p.name} ${p.kind}`).join(', ')})${
          proposals.some((p) => p.kind === 'nested')
            ? `; ${proposals
                .filter((p) => p.kind === 'nested')
                .map((p) => p.name)
                .join(
                  ', ',
                )} nested: features must be top-level columns, so flatten the object's fields into columns where the log is written (e.g. {"features": {"income": 1}} as {"income": 1})`
            : ''
        }`,
      );
    }

    let labels: string[] = [];
    if (options.labels) {
      const labelLog = await findLog(options.labels, '--labels', true).catch(async (error) => {
        // A labels folder without dt= partitions is read whole.
        const flat = await findLog(options.labels!, '--labels', false).catch(() => undefined);
        if (!flat) throw error;
        return flat;
      });
      const partitioned = labelLog.partitions.length > 0;
      const labelSource = await resolveLocalFiles(
        { location: resolve(options.labels), format: labelLog.format, partitioned },
        partitioned
          ? { from: labelLog.partitions.slice(-3)[0]!, to: shiftDate(labelLog.partitions.at(-1)!, 1) }
          : undefined,
      );
      const profiled = await profileSample(engine, labelSource, partitioned ? 'dt' : undefined);
      print(
        `labels: ${labelLog.format}, ${partitioned ? `${labelLog.partitions.length} partitions` : 'not partitioned'}`,
      );
      for (const p of profiled.proposals) print(`  ${p.name}: ${p.kind} (${p.reason})`);
      const labelId = profiled.proposals.find((p) => p.name === id.name) ?? pick(profiled.proposals, 'id');
      const label =
        pick(profiled.proposals, 'label') ??
        profiled.proposals.find((p) => p !== labelId && !['partition', 'timestamp', 'id'].includes(p.kind));
      if (!labelId || !label) {
        throw new CliError(
          `--labels ${options.labels}: expected an id column (${id.name}) and a label column; found ${profiled.proposals.map((p) => p.name).join(', ')}`,
        );
      }
      // Text labels of a binary model (Y/N): the mapping, or the fix, before the first run finds
      // every label invalid.
      const advice =
        task === 'binary'
          ? textLabelAdvice(
              (
                await engine.query(
                  buildLabelSamplesQuery(
                    {
                      labels: labelSource,
                      labelColumn: label.name,
                      window: { start: labelSource.partitions?.[0] ?? '0000-01-01' },
                      until: shiftDate(labelSource.partitions?.at(-1) ?? '9999-12-30', 1),
                    },
                    engine.dialect,
                  ),
                )
              ).map((r) => String(r.v)),
            )
          : undefined;
      if (advice && 'fix' in advice) print(`  ${label.name}: ${advice.fix}`);
      labels = [
        'labels:',
        `  location: ${yamlString(rel(options.labels))}`,
        `  format: ${labelLog.format}`,
        ...(partitioned ? [] : ['  partitioned: false          # one folder, no dt= partitions']),
        `  idColumn: ${direct(labelId, 'labels.idColumn')}`,
        `  labelColumn: ${direct(label, 'labels.labelColumn')}     # ${label.reason}`,
        '  delay: P7D                  # how long labels take to arrive: CHECK and adjust',
        ...(advice && 'positive' in advice
          ? [
              `  positiveValue: ${yamlString(advice.positive)}          # text labels: the class the score predicts: CHECK`,
              `  negativeValue: ${yamlString(advice.negative)}`,
            ]
          : []),
      ];
      if (advice && 'positive' in advice)
        print(
          `  ${label.name}: text labels ${JSON.stringify(advice.positive)}/${JSON.stringify(advice.negative)}: wrote positiveValue ${JSON.stringify(advice.positive)} (CHECK: the class the score predicts)`,
        );
    }

    let reference: string[];
    if (options.reference) {
      let format: DataSource['format'];
      try {
        format = formatOf(options.reference, '--reference');
      } catch (error) {
        throw new CliError((error as Error).message, 2);
      }
      reference = [
        'reference:',
        '  type: dataset               # the training data (it holds the feature columns as the logs name them)',
        `  location: ${yamlString(rel(options.reference))}`,
        `  format: ${format}`,
      ];
    } else {
      const first = log.partitions.slice(0, Math.min(7, Math.max(1, log.partitions.length - 1)));
      reference = [
        'reference:',
        `  type: range                 # the first ${first.length} day${first.length === 1 ? '' : 's'} of the log; better: type: dataset with the training data`,
        `  from: ${yamlString(first[0]!)}`,
        `  to: ${yamlString(first.at(-1)!)}`,
      ];
    }

    const modelId = options.modelId ?? modelIdFrom(options.predictions);
    const lines = [
      `# Monitor definition proposed by driftwatch init from ${options.predictions}`,
      `# (schema of the last ${sampled.length} partition${sampled.length === 1 ? '' : 's'}, ${sampled[0]} to ${sampled.at(-1)}). Review every line:`,
      '# the kinds are guesses from a sample. Then: driftwatch validate --config <this file>',
      'model:',
      `  id: ${modelId}${options.modelId ? '' : '              # from the folder name; lowercase letters, digits, dashes'}`,
      `  task: ${task}${options.task ? '' : `                # guessed: ${score ? `${score.name} is a score` : prediction ? `${prediction.name} is the prediction (${predictionStats?.distinct} values)` : 'no score or prediction column found'}`}`,
      'predictions:',
      `  location: ${yamlString(rel(options.predictions))}`,
      `  format: ${log.format}`,
      `  idColumn: ${direct(id, 'predictions.idColumn')}     # ${id.reason}`,
      `  timestampColumn: ${direct(timestamp, 'predictions.timestampColumn')}     # ${timestamp.reason}`,
      ...(score ? [`  scoreColumn: ${direct(score, 'predictions.scoreColumn')}     # ${score.reason}`] : []),
      ...(prediction
        ? [
            `  predictionColumn: ${direct(prediction, 'predictions.predictionColumn')}     # ${prediction.reason}`,
          ]
        : []),
      ...(classScores
        ? [
            `  classScoreColumns: { ${Object.entries(classScores)
              .map(([label, column]) => `${yamlString(label)}: ${column}`)
              .join(', ')} }   # the probability of each class, matched by name`,
          ]
        : []),
      'features:',
      ...features.map(
        (f) =>
          `  - { name: ${f.name},${f.column !== undefined ? ` column: ${yamlString(f.column)},` : ''} kind: ${f.kind} }   # ${f.reason}`,
      ),
      `segments: [${segments.map(plain).join(', ')}]${segments.length ? '   # few values each: drift and metrics per value' : ''}`,
      ...labels,
      ...reference,
      'window: P1D                   # one day per window (the dt= partitions)',
      '',
    ];
    const text = lines.join('\n');
    // Validate what is written: a proposal that does not load yet (no score or prediction column
    // for the task...) is still written, as a draft, with every problem named.
    await writeFile(out, text);
    try {
      parseDefinition(text, options.out);
    } catch (error) {
      if (!(error instanceof InvalidDefinitionError)) throw error;
      const problems = error.problems.map((p) => `${p.path}: expected ${p.message}`).join('; ');
      throw new CliError(
        `wrote ${options.out} as a draft, but it does not validate yet (${problems}): edit it, then run driftwatch validate --config ${options.out}`,
      );
    }
    const ignored = proposals.filter(
      (p) => p.kind === 'constant' || p.kind === 'label' || p.kind === 'nested',
    );
    for (const p of ignored) print(`not monitored: ${p.name} (${p.kind}: ${p.reason})`);
    print(
      `wrote ${options.out}: ${features.length} feature${features.length === 1 ? '' : 's'}, ${segments.length} segment${segments.length === 1 ? '' : 's'}, task ${task}; it validates. Next: driftwatch validate --config ${options.out}, then driftwatch run --config ${options.out}`,
    );
    return out;
  } finally {
    await engine.close();
  }
}
