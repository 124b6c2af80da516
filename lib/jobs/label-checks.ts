/**
 * The performance job's label and score checks turned into findings: each names the definition
 * field and column, what was seen (counts, values, the score range) and the fix. The counts come
 * from the performance query (invalid and conflicting labels) and the prediction checks query
 * (ids, scores); see lib/sql/prediction-checks-query.ts.
 */
import type { MonitorDefinition } from '../config/schema.js';
import type { QueryEngine } from '../ports.js';
import { booleanWord, FALSE_WORDS, TRUE_WORDS } from '../sql/boolean-text.js';
import type { DataSource } from '../sql/dialect.js';
import { buildLabelSamplesQuery, type PredictionChecks } from '../sql/prediction-checks-query.js';
import type { LabelChecks, PerformanceFinding } from './performance-result.js';
import type { Window } from './windows.js';

/** A finding affecting at least this share of the window's predictions is critical. */
export const CRITICAL_SHARE = 0.1;

/** How many label values a finding quotes at most. */
const SAMPLE_VALUES = 5;

/** The words that say which of two text labels is positive: the boolean words and a few more. */
const POSITIVE_WORDS = new Set<string>([...TRUE_WORDS, 'y', 'pos', 'positive', 'on']);
const NEGATIVE_WORDS = new Set<string>([...FALSE_WORDS, 'n', 'neg', 'negative', 'off']);

/**
 * The positive / negative mapping of two text labels when their words say it (Y / N, yes / no,
 * true / false, pos / neg, on / off, any case); undefined when they do not: the class order of
 * arbitrary values ("A" / "B") is not guessed, since the wrong guess inverts every metric.
 */
export function binaryMapping(values: readonly string[]): { positive: string; negative: string } | undefined {
  if (values.length !== 2) return undefined;
  const positive = values.filter((v) => POSITIVE_WORDS.has(v.trim().toLowerCase()));
  const negative = values.filter((v) => NEGATIVE_WORDS.has(v.trim().toLowerCase()));
  if (positive.length !== 1 || negative.length !== 1) return undefined;
  return { positive: positive[0] as string, negative: negative[0] as string };
}

/** A binary label without a mapping: 0/1 as numbers or text (1.0 too), or a boolean word (lib/sql/boolean-text.ts). */
export function isZeroOneLabel(value: string): boolean {
  if (booleanWord(value) !== undefined) return true;
  const n = value.trim() === '' ? Number.NaN : Number(value);
  return n === 0 || n === 1;
}

/**
 * The definition lines (YAML) or the fix for text labels of a binary model, from the label
 * values seen: undefined when they are 0/1. `positiveValue`/`negativeValue` when the words say
 * which is positive (binaryMapping), else the fix to write them.
 */
export function textLabelAdvice(
  values: readonly string[],
): { positive: string; negative: string } | { fix: string } | undefined {
  if (values.every(isZeroOneLabel)) return undefined;
  const mapping = binaryMapping(values);
  if (mapping) return mapping;
  const shown = values
    .slice(0, SAMPLE_VALUES)
    .map((v) => JSON.stringify(v))
    .join(', ');
  return {
    fix: `the labels are not 0/1 (seen: ${shown}): set labels.positiveValue to the label of the class the score predicts and labels.negativeValue to the other, or log 0/1 labels`,
  };
}

/** Whether a label value (as text) is one of the task's classes. */
export function isValidLabel(definition: MonitorDefinition, value: string): boolean {
  const labels = definition.labels;
  switch (definition.model.task) {
    case 'binary': {
      if (labels?.positiveValue !== undefined) {
        return (
          labels.negativeValue === undefined ||
          value === labels.positiveValue ||
          value === labels.negativeValue
        );
      }
      return isZeroOneLabel(value);
    }
    case 'regression': {
      const n = value.trim() === '' ? Number.NaN : Number(value);
      return Number.isFinite(n);
    }
    case 'multiclass':
      return true;
  }
}

/**
 * The most frequent label values in the labels the window can see that are not valid labels (at
 * most five). One small query, run only when the performance query counted invalid labels.
 */
export async function labelSamples(
  engine: QueryEngine,
  definition: MonitorDefinition,
  labels: DataSource,
  window: Window,
  /** The day after the run's date: labels that arrived later are not read. */
  until: string,
): Promise<string[]> {
  if (!definition.labels) return [];
  const rows = await engine.query(
    buildLabelSamplesQuery(
      { labels, labelColumn: definition.labels.labelColumn, window, until },
      engine.dialect,
    ),
  );
  return rows
    .map((r) => String(r.v))
    .filter((v) => !isValidLabel(definition, v))
    .slice(0, SAMPLE_VALUES);
}

const fmt = (n: number) => n.toLocaleString('en-US');
const pct = (share: number) => `${(share * 100).toFixed(1)}%`;
const quoted = (values: readonly string[]) => values.map((v) => JSON.stringify(v)).join(', ');

/** The findings of a window's checks; `predictions` is the window's row count. */
export function checkFindings(
  definition: MonitorDefinition,
  counts: LabelChecks,
  checks: PredictionChecks,
  predictions: number,
  invalidLabelValues: readonly string[],
): PerformanceFinding[] {
  const findings: PerformanceFinding[] = [];
  const total = Math.max(predictions, checks.rows);
  const add = (
    kind: PerformanceFinding['kind'],
    column: string,
    count: number,
    message: string,
    values?: string[],
  ) => {
    if (count <= 0) return;
    const share = total > 0 ? count / total : 0;
    findings.push({
      kind,
      severity: share >= CRITICAL_SHARE ? 'critical' : 'warning',
      column,
      count,
      share,
      ...(values?.length ? { values } : {}),
      message,
    });
  };
  const task = definition.model.task;
  const labels = definition.labels;
  const p = definition.predictions;
  const of = (count: number) =>
    `${fmt(count)} of ${fmt(total)} predictions (${pct(total ? count / total : 0)})`;
  if (labels) {
    const field = `labels.labelColumn (${labels.labelColumn})`;
    const seen = invalidLabelValues.length ? ` (seen: ${quoted(invalidLabelValues)})` : '';
    let fix: string;
    if (task === 'binary' && labels.positiveValue !== undefined) {
      fix = `their label is neither labels.positiveValue ${JSON.stringify(labels.positiveValue)} nor labels.negativeValue ${JSON.stringify(labels.negativeValue)}${seen}; they are left out of the metrics. Fix the labels, or the mapping in the definition`;
    } else if (task === 'binary') {
      const mapping = binaryMapping(invalidLabelValues);
      const suggestion = mapping
        ? ` set labels.positiveValue: ${JSON.stringify(mapping.positive)} and labels.negativeValue: ${JSON.stringify(mapping.negative)} in the definition (positive: the class the score predicts), or`
        : invalidLabelValues.length
          ? ` set labels.positiveValue to the value of the class the score predicts (one of ${quoted(invalidLabelValues)}) and labels.negativeValue to the other, or`
          : '';
      fix = `their label is not 0/1 (numbers, text or true/false)${seen}; they are left out of the metrics. Fix:${suggestion} log 0/1 labels`;
    } else {
      fix = `their label is not a finite number${seen}; they are left out of the metrics. Fix: log numeric targets`;
    }
    add('invalid_labels', field, counts.invalidLabels, `${field}: ${of(counts.invalidLabels)}: ${fix}`, [
      ...invalidLabelValues,
    ]);
    add(
      'conflicting_labels',
      field,
      counts.conflictingLabels,
      `${field}: ${of(counts.conflictingLabels)} have an id (labels.idColumn ${labels.idColumn}) whose labels disagree; they count as unlabelled and are left out of the metrics. Fix: write one label per id, or the same label each time`,
    );
  }
  const scoreColumn =
    task === 'binary' ? p.scoreColumn : task === 'regression' ? p.predictionColumn : undefined;
  if (scoreColumn) {
    const field = `predictions.${task === 'binary' ? 'scoreColumn' : 'predictionColumn'} (${scoreColumn})`;
    add(
      'invalid_scores',
      field,
      counts.invalidScores,
      `${field}: ${of(counts.invalidScores)} have a missing, non-numeric, NaN or infinite value; labelled ones are left out of the metrics. Fix: log a finite ${task === 'binary' ? 'probability' : 'prediction'} for every prediction`,
    );
    if (counts.scoresOutOfRange > 0) {
      const min = checks.scoreMin ?? Number.NaN;
      const max = checks.scoreMax ?? Number.NaN;
      const range = `min ${min}, max ${max}`;
      const looks =
        min < 0
          ? `they look like logits (negative values): log the probability, 1 / (1 + exp(-score))`
          : max <= 100
            ? 'they look like percentages (0 to 100): divide the score by 100'
            : 'they are not probabilities: log the probability of the positive class';
      add(
        'scores_out_of_range',
        field,
        counts.scoresOutOfRange,
        `${field}: ${of(counts.scoresOutOfRange)} have a score outside [0, 1] (${range}); ${looks}. ROC-AUC and average precision still hold; log loss, Brier and ECE are left undefined and the threshold ${definition.performance.threshold} may not mean what it should`,
        [String(min), String(max)],
      );
    }
  }
  add(
    'duplicate_ids',
    `predictions.idColumn (${p.idColumn})`,
    counts.duplicateRows,
    `predictions.idColumn (${p.idColumn}): ${fmt(counts.duplicateIds)} id${counts.duplicateIds === 1 ? '' : 's'} occur more than once, ${of(counts.duplicateRows)} are extra copies; each copy meets the id's label and counts in the metrics. Fix: log each prediction once with a unique id`,
  );
  add(
    'null_ids',
    `predictions.idColumn (${p.idColumn})`,
    counts.nullIds,
    `predictions.idColumn (${p.idColumn}): ${of(counts.nullIds)} have no id and can never meet a label. Fix: log an id with every prediction`,
  );
  return findings;
}
