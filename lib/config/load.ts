/**
 * Loading and validating monitor definitions. Every problem is reported at once, each naming the
 * field path, the value received and what is allowed.
 */
import { parse as parseYaml } from 'yaml';
import type { z } from 'zod';
import { type MonitorDefinition, MonitorDefinitionSchema } from './schema.js';

/** One problem in a definition. */
export interface DefinitionProblem {
  /** Dotted path such as `features[2].kind`. */
  path: string;
  /** The value found there (`undefined` when missing). */
  received: unknown;
  /** What is allowed, in words. */
  message: string;
}

/** A definition that failed validation; `problems` lists every one. */
export class InvalidDefinitionError extends Error {
  constructor(
    readonly source: string,
    readonly problems: DefinitionProblem[],
  ) {
    super(
      `invalid monitor definition in ${source} (${problems.length} problem${problems.length === 1 ? '' : 's'}):\n` +
        problems
          .map((p) => `  - ${p.path}: ${describeReceived(p.received)}; expected ${p.message}`)
          .join('\n'),
    );
    this.name = 'InvalidDefinitionError';
  }
}

function describeReceived(value: unknown): string {
  if (value === undefined) return 'missing';
  const text = JSON.stringify(value);
  return `got ${text && text.length > 60 ? `${text.slice(0, 57)}...` : text}`;
}

function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out ? `.${String(part)}` : String(part);
  }
  return out || '(root)';
}

function valueAt(data: unknown, path: readonly PropertyKey[]): unknown {
  let current: unknown = data;
  for (const part of path) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<PropertyKey, unknown>)[part];
  }
  return current;
}

function explain(issue: z.core.$ZodIssue): string {
  switch (issue.code) {
    case 'invalid_value':
      return `one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`;
    case 'unrecognized_keys':
      return `no unknown field (remove ${issue.keys.map((k) => JSON.stringify(k)).join(', ')}; check the spelling against the README's definition reference)`;
    case 'invalid_type':
      return issue.input === undefined
        ? `a value of type ${issue.expected} (this field is required)`
        : `a ${issue.expected}`;
    case 'invalid_union':
      if ('discriminator' in issue || issue.errors.length === 0) return issue.message;
      return issue.message;
    default:
      return issue.message.replace(/^Invalid input: /, '');
  }
}

/** Validates parsed data (from YAML, JSON or code) and returns the definition with defaults filled in. */
export function validateDefinition(data: unknown, source = 'definition'): MonitorDefinition {
  const result = MonitorDefinitionSchema.safeParse(data, { reportInput: true });
  if (result.success) {
    const problems = crossFieldProblems(result.data);
    if (problems.length) throw new InvalidDefinitionError(source, problems);
    return result.data;
  }
  const problems = result.error.issues.map((issue) => {
    const path =
      issue.code === 'unrecognized_keys' ? [...issue.path] : issue.path.length ? [...issue.path] : [];
    const received = issue.code === 'unrecognized_keys' ? undefined : valueAt(data, issue.path);
    return {
      path: formatPath(path),
      received: issue.code === 'unrecognized_keys' ? issue.keys : received,
      message: explain(issue),
    };
  });
  throw new InvalidDefinitionError(source, problems);
}

/** Rules that span fields: the task's columns, unique names, segments that are not features. */
function crossFieldProblems(def: MonitorDefinition): DefinitionProblem[] {
  const problems: DefinitionProblem[] = [];
  const p = def.predictions;
  if (def.model.task === 'binary' && !p.scoreColumn && !p.predictionColumn) {
    problems.push({
      path: 'predictions.scoreColumn',
      received: undefined,
      message: 'a score column (probability of the positive class) or a prediction column for a binary model',
    });
  }
  if (def.model.task !== 'binary' && !p.predictionColumn) {
    problems.push({
      path: 'predictions.predictionColumn',
      received: undefined,
      message: `a prediction column for a ${def.model.task} model`,
    });
  }
  const seen = new Map<string, number>();
  def.features.forEach((f, i) => {
    const first = seen.get(f.name);
    if (first !== undefined) {
      problems.push({
        path: `features[${i}].name`,
        received: f.name,
        message: `a name not already used by features[${first}] (each feature once)`,
      });
    } else seen.set(f.name, i);
  });
  def.segments.forEach((s, i) => {
    if (def.segments.indexOf(s) !== i) {
      problems.push({ path: `segments[${i}]`, received: s, message: 'each segment column once' });
    }
  });
  problems.push(...labelMappingProblems(def));
  return problems;
}

/** Parses YAML or JSON text (JSON is YAML) and validates it. */
export function parseDefinition(text: string, source = 'definition'): MonitorDefinition {
  let data: unknown;
  try {
    data = parseYaml(text);
  } catch (error) {
    throw new InvalidDefinitionError(source, [
      { path: '(root)', received: undefined, message: `valid YAML or JSON (${(error as Error).message})` },
    ]);
  }
  return validateDefinition(data, source);
}

/** `labels.positiveValue` / `negativeValue`: binary only, negative only with positive, different. */
function labelMappingProblems(def: MonitorDefinition): DefinitionProblem[] {
  const labels = def.labels;
  if (!labels) return [];
  const problems: DefinitionProblem[] = [];
  if (labels.positiveValue !== undefined && def.model.task !== 'binary') {
    problems.push({
      path: 'labels.positiveValue',
      received: labels.positiveValue,
      message: `no label mapping for a ${def.model.task} model (labels are compared as they are): remove it`,
    });
  }
  if (labels.negativeValue !== undefined && labels.positiveValue === undefined) {
    problems.push({
      path: 'labels.negativeValue',
      received: labels.negativeValue,
      message: 'labels.positiveValue as well (negativeValue only names the other class of a mapping)',
    });
  }
  if (labels.negativeValue !== undefined && labels.negativeValue === labels.positiveValue) {
    problems.push({
      path: 'labels.negativeValue',
      received: labels.negativeValue,
      message: 'a value different from labels.positiveValue',
    });
  }
  return problems;
}
