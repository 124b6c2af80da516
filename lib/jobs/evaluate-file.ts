/**
 * `driftwatch evaluate`: the performance metrics of one labelled file, through the same SQL and
 * metric code as the performance job (the file is both the predictions and the labels).
 */
import type { DuckDbQueryEngine } from '../adapters/duckdb-engine.js';
import { quoteIdentifier } from '../sql/identifiers.js';
import type { PerformanceQuerySpec } from '../sql/performance-query.js';
import { buildDescribeQuery } from '../sql/schema-query.js';
import { FileInputError, fileSource } from './compare-files.js';
import { binaryMapping, isZeroOneLabel } from './label-checks.js';
import { evaluate, toGroup } from './performance.js';
import type { PerformanceGroup } from './performance-result.js';
import { NULL_SEGMENT } from './scan-reader.js';

export interface EvaluateOptions {
  data: string;
  label: string;
  score?: string;
  prediction?: string;
  task: 'binary' | 'multiclass' | 'regression';
  segment?: string;
  threshold?: number;
  /** Multiclass: `cat=p_cat,dog=p_dog`, the probability column of each class. */
  classScores?: string;
  /** parquet | csv | jsonl, when the extension does not say it. */
  format?: string;
  /** Binary, text labels: the label of the positive class (the class the score predicts). */
  positiveValue?: string;
  /** Binary, with positiveValue: the negative label (absent: every other label is negative). */
  negativeValue?: string;
}

/** Parses `--class-scores cat=p_cat,dog=p_dog` into `{ cat: 'p_cat', dog: 'p_dog' }`. */
export function parseClassScores(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of text.split(',')) {
    const trimmed = part.trim();
    if (!trimmed) continue;
    const eq = trimmed.indexOf('=');
    const label = eq > 0 ? trimmed.slice(0, eq).trim() : '';
    const column = eq > 0 ? trimmed.slice(eq + 1).trim() : '';
    if (!label || !column) {
      throw new FileInputError(
        `--class-scores ${JSON.stringify(part)} is not CLASS=COLUMN: write e.g. --class-scores cat=p_cat,dog=p_dog`,
      );
    }
    if (label in out) throw new FileInputError(`--class-scores names class ${JSON.stringify(label)} twice`);
    out[label] = column;
  }
  if (Object.keys(out).length < 2) {
    throw new FileInputError(
      `--class-scores ${JSON.stringify(text)} names ${Object.keys(out).length} class: give one probability column per class (at least two)`,
    );
  }
  return out;
}

export interface EvaluateOutput {
  rows: number;
  labelled: number;
  metrics: Record<string, number | null>;
  undefined: Record<string, string>;
  confusion?: unknown;
  /** Large files take the grid path (performance.ranking 'auto'): how each ranking metric was computed. */
  computation?: Record<string, 'exact' | 'approximate'>;
  /** The proven bound of each approximate metric. */
  errorBound?: Record<string, number>;
  segments: {
    column: string;
    value: string;
    rows: number;
    metrics: Record<string, number | null>;
    undefined: Record<string, string>;
  }[];
}

const ROWS_TABLE = 'driftwatch_evaluate_rows';

export async function evaluateFile(
  engine: DuckDbQueryEngine,
  options: EvaluateOptions,
): Promise<EvaluateOutput> {
  const classScores = options.classScores ? parseClassScores(options.classScores) : undefined;
  if (classScores && options.task !== 'multiclass') {
    throw new FileInputError(
      `--class-scores is for --task multiclass (got --task ${options.task}); a binary model takes --score COL`,
    );
  }
  if (!options.score && !options.prediction && !classScores) {
    throw new FileInputError(
      'give --score COL (a probability), --prediction COL (a predicted label or value), or for multiclass --class-scores CLASS=COL,...',
    );
  }
  if (options.task === 'multiclass' && !options.prediction && !classScores) {
    throw new FileInputError(
      'a multiclass model is evaluated on --prediction COL (the predicted class) and/or --class-scores CLASS=COL,... (one probability column per class)',
    );
  }
  if (
    (options.positiveValue !== undefined || options.negativeValue !== undefined) &&
    options.task !== 'binary'
  ) {
    throw new FileInputError(
      `--positive-value / --negative-value map the text labels of --task binary (got --task ${options.task}): leave them out`,
    );
  }
  if (options.negativeValue !== undefined && options.positiveValue === undefined) {
    throw new FileInputError(
      '--negative-value needs --positive-value (the label of the class the score predicts): give both',
    );
  }
  if (options.task === 'regression' && !options.prediction) {
    throw new FileInputError('a regression is evaluated on --prediction COL (the predicted value)');
  }
  const source = fileSource(options.data, '--data', options.format);
  const columns = new Set(
    (await engine.query(buildDescribeQuery(source, engine.dialect))).map((r) => String(r.column_name)),
  );
  for (const [flag, column] of Object.entries({
    '--label': options.label,
    '--score': options.score,
    '--prediction': options.prediction,
    '--segment': options.segment,
    ...Object.fromEntries(
      Object.entries(classScores ?? {}).map(([label, column]) => [`--class-scores ${label}=`, column]),
    ),
  })) {
    if (column !== undefined && !columns.has(column)) {
      throw new FileInputError(
        `${flag} ${JSON.stringify(column)} is not a column of ${options.data}; columns: ${[...columns].join(', ')}`,
      );
    }
    if (column !== undefined) quoteIdentifier(column);
  }
  // Number the rows once, so the file can be joined with itself as predictions and labels.
  await engine.execute(
    `CREATE OR REPLACE TEMP TABLE ${ROWS_TABLE} AS SELECT *, CAST(row_number() OVER () AS VARCHAR) AS driftwatch_row_id, '1970-01-01' AS dt FROM ${engine.dialect.relation(source)}`,
  );
  try {
    if (options.task === 'binary' && !options.positiveValue) await checkBinaryLabels(engine, options.label);
    const taskColumns =
      options.task === 'binary'
        ? {
            task: 'binary' as const,
            ...(options.score ? { scoreColumn: options.score } : {}),
            ...(options.prediction ? { predictionColumn: options.prediction } : {}),
            ...(options.threshold !== undefined ? { threshold: options.threshold } : {}),
            ...(options.positiveValue !== undefined
              ? {
                  labelMapping: {
                    positiveValue: options.positiveValue,
                    ...(options.negativeValue !== undefined ? { negativeValue: options.negativeValue } : {}),
                  },
                }
              : {}),
          }
        : {
            task: options.task,
            ...(options.prediction ? { predictionColumn: options.prediction } : {}),
            ...(classScores ? { classScoreColumns: classScores } : {}),
          };
    const groups = await evaluate(engine, {
      ...taskColumns,
      name: 'evaluate-file',
      predictionsRelation: ROWS_TABLE,
      labelsRelation: ROWS_TABLE,
      predictionIdColumn: 'driftwatch_row_id',
      labelIdColumn: 'driftwatch_row_id',
      labelColumn: options.label,
      segmentColumns: options.segment ? [options.segment] : [],
      window: { from: '1970-01-01', to: '1970-01-02' },
    } as PerformanceQuerySpec);
    const overallRaw = groups.find((g) => g.group.kind === 'overall')!;
    const overall: PerformanceGroup = toGroup(options.task, overallRaw);
    return {
      rows: overall.predictions,
      labelled: overall.labelled,
      metrics: overall.metrics,
      undefined: overall.undefined,
      ...(overall.confusion !== undefined ? { confusion: overall.confusion } : {}),
      ...(overall.computation ? { computation: overall.computation } : {}),
      ...(overall.errorBound ? { errorBound: overall.errorBound } : {}),
      segments: groups
        .filter((g) => g.group.kind === 'segment')
        .map((g) => {
          const group = toGroup(options.task, g);
          return {
            column: g.group.column!,
            value: g.group.value ?? NULL_SEGMENT,
            rows: group.predictions,
            metrics: group.metrics,
            undefined: group.undefined,
          };
        })
        .sort((a, b) => a.value.localeCompare(b.value)),
    };
  } finally {
    await engine.execute(`DROP TABLE IF EXISTS ${ROWS_TABLE}`);
  }
}

/**
 * A binary evaluation without --positive-value: labels that are not 0/1 would count as missing
 * ("0 of 400 rows labelled") and every metric be undefined, so they stop it, named with the fix
 * (the mapping when the words say it: Y/N, yes/no; binaryMapping, as the performance job's check).
 */
async function checkBinaryLabels(engine: DuckDbQueryEngine, label: string): Promise<void> {
  const column = quoteIdentifier(label);
  const rows = await engine.query({
    name: 'evaluate-label-values',
    sql: `SELECT CAST(${column} AS VARCHAR) AS v, count(*) AS n FROM ${ROWS_TABLE} WHERE ${column} IS NOT NULL GROUP BY 1 ORDER BY n DESC, v LIMIT 1000`,
    parameters: [],
  });
  const invalid = rows.filter((r) => !isZeroOneLabel(String(r.v)));
  if (!invalid.length) return;
  const count = invalid.reduce((sum, r) => sum + Number(r.n), 0);
  const total = rows.reduce((sum, r) => sum + Number(r.n), 0);
  const values = invalid.map((r) => String(r.v));
  const shown = values
    .slice(0, 5)
    .map((v) => JSON.stringify(v))
    .join(', ');
  const mapping = binaryMapping(rows.map((r) => String(r.v)));
  const fix = mapping
    ? `give --positive-value ${JSON.stringify(mapping.positive)} --negative-value ${JSON.stringify(mapping.negative)}`
    : `give --positive-value VALUE (the label of the class the score predicts${values.length <= 5 ? `: one of ${shown}` : ''}) and --negative-value the other`;
  throw new FileInputError(
    `--label ${JSON.stringify(label)}: ${count.toLocaleString('en-US')} of ${total.toLocaleString('en-US')} labels are not 0/1 or true/false (seen: ${shown}${values.length > 5 ? ', ...' : ''}), so they would count as unlabelled: ${fix}, or write 0/1 labels`,
  );
}
