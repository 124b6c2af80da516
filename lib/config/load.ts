/**
 * Loading and validating monitor definitions. Every problem is reported at once, each naming the
 * field path, the value received and what is allowed.
 */
import { parse as parseYaml } from 'yaml';
import type { z } from 'zod';
import { listMethods } from '../stats/registry.js';
import { type MonitorDefinition, MonitorDefinitionSchema, TASK_METRICS } from './schema.js';

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
      if (issue.input === undefined) return `a value of type ${issue.expected} (this field is required)`;
      // A field's own message (a format, e.g. an ISO-8601 duration) says more than its type.
      if (!issue.message.startsWith('Invalid input')) return issue.message;
      if (
        issue.expected === 'string' &&
        (typeof issue.input === 'number' || typeof issue.input === 'boolean')
      )
        return `text: quote it, e.g. "${String(issue.input)}" (YAML reads ${String(issue.input)} as a ${typeof issue.input})`;
      return `a ${issue.expected}`;
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
    const def = withCanaryLatencyBound(result.data);
    const problems = crossFieldProblems(def);
    if (problems.length) throw new InvalidDefinitionError(source, problems);
    return def;
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

/**
 * A canary without `latencyBound` takes the strictest latency SLO's threshold (the promise the
 * candidate must keep), when the log has a latency column: the latency guardrail then judges the
 * share of rows slower than what the SLO calls a bad event.
 */
function withCanaryLatencyBound(def: MonitorDefinition): MonitorDefinition {
  if (!def.canary || def.canary.latencyBound !== undefined || !def.predictions.latencyColumn) return def;
  const bounds = def.slos.flatMap((s) => (s.sli.kind === 'latency' ? [s.sli.thresholdMs] : []));
  if (!bounds.length) return def;
  return { ...def, canary: { ...def.canary, latencyBound: Math.min(...bounds) } };
}

/** SLOs: unique names, and the columns their SLI and `perVersion` read. */
function sloProblems(def: MonitorDefinition): DefinitionProblem[] {
  const problems: DefinitionProblem[] = [];
  const p = def.predictions;
  def.slos.forEach((slo, i) => {
    const first = def.slos.findIndex((s) => s.name === slo.name);
    if (first !== i) {
      problems.push({
        path: `slos[${i}].name`,
        received: slo.name,
        message: `a name not already used by slos[${first}] (each SLO once)`,
      });
    }
    if (slo.sli.kind === 'latency' && !p.latencyColumn) {
      problems.push({
        path: `slos[${i}].sli`,
        received: slo.sli.kind,
        message: 'predictions.latencyColumn for a latency SLI (name the column holding milliseconds)',
      });
    }
    if (slo.sli.kind === 'errors' && !p.errorColumn) {
      problems.push({
        path: `slos[${i}].sli`,
        received: slo.sli.kind,
        message: 'predictions.errorColumn for an errors SLI (name the column set when a prediction failed)',
      });
    }
    if (slo.perVersion && !p.modelVersionColumn) {
      problems.push({
        path: `slos[${i}].perVersion`,
        received: true,
        message: 'predictions.modelVersionColumn to count per model version (or set perVersion: false)',
      });
    }
  });
  return problems;
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
  problems.push(...sloProblems(def));
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
    const feature = def.features.findIndex((f) => f.name === s);
    if (feature >= 0) {
      problems.push({
        path: `segments[${i}]`,
        received: s,
        message: `a column that is not also a feature (it is features[${feature}]): a segment splits the data, a feature is compared; remove it from one of the two lists`,
      });
    }
  });
  problems.push(...windowProblems(def), ...methodProblems(def), ...metricProblems(def));
  problems.push(
    ...caseProblems(def),
    ...labelMappingProblems(def),
    ...kpiProblems(def),
    ...canaryProblems(def),
  );
  return problems;
}

/** KPIs: unique names, an outcomes log for outcome KPIs, a decision for per-decision KPIs. */
function kpiProblems(def: MonitorDefinition): DefinitionProblem[] {
  const problems: DefinitionProblem[] = [];
  const seen = new Map<string, number>();
  problems.push(
    ...recheckProblems('labels.recheckWithin', def.labels?.recheckWithin, 'labels', 'performance'),
    ...recheckProblems('outcomes.recheckWithin', def.outcomes?.recheckWithin, 'outcomes', 'drift'),
  );
  if (def.outcomes && !def.kpis.some((k) => k.source === 'outcomes'))
    problems.push({
      path: 'outcomes',
      received: def.outcomes.location,
      message:
        'a KPI that reads it (a kpis[] entry with source: outcomes), or no outcomes log: no KPI reads this one, so nothing would use its delay or recheckWithin (and on AWS it would get a Glue table and read access for nothing); add source: outcomes to the KPI that reads the log, or remove outcomes:',
    });
  def.kpis.forEach((k, i) => {
    const first = seen.get(k.name);
    if (first !== undefined)
      problems.push({
        path: `kpis[${i}].name`,
        received: k.name,
        message: `a name not already used by kpis[${first}] (it names the alert rule kpi:<name>)`,
      });
    else seen.set(k.name, i);
    if (
      k.where &&
      typeof k.where.value === 'boolean' &&
      k.where.operator !== '=' &&
      k.where.operator !== '!='
    )
      problems.push({
        path: `kpis[${i}].where.operator`,
        received: k.where.operator,
        message: `'=' or '!=' for a true / false value (a truth has no order)`,
      });
    if (k.trueValue !== undefined && k.aggregate !== 'rate')
      problems.push({
        path: `kpis[${i}].trueValue`,
        received: k.trueValue,
        message: `only for aggregate: rate (this KPI is a ${k.aggregate}); remove trueValue`,
      });
    if (k.source === 'outcomes' && !def.outcomes)
      problems.push({
        path: `kpis[${i}].source`,
        received: k.source,
        message: "'predictions', or add an outcomes: log (location, idColumn, delay) for outcome KPIs",
      });
    if (
      k.per === 'positive_decision' &&
      !(def.model.task === 'binary' && (def.predictions.scoreColumn || def.predictions.predictionColumn))
    )
      problems.push({
        path: `kpis[${i}].per`,
        received: k.per,
        message: `'prediction': positive decisions need a binary model with a score or prediction column (this model is ${def.model.task})`,
      });
  });
  return problems;
}

/**
 * The longest look-back of late data (`labels.recheckWithin`, `outcomes.recheckWithin`), in days.
 * Each morning the job evaluates again every window of the look-back still late, one query (set)
 * per window, all inside one Lambda run of at most 15 minutes and each billed at least 10 MB on
 * Athena: a feed that is down makes every window of the look-back late at once, so 90 daily windows
 * is already 90 queries a morning. Data that comes later than a quarter is a backfill, not a late
 * feed: load it and run the job for the window again (the missing finding says how).
 */
export const MAX_RECHECK_DAYS = 90;

function recheckProblems(
  path: string,
  value: string | undefined,
  data: 'labels' | 'outcomes',
  job: 'performance' | 'drift',
): DefinitionProblem[] {
  if (value === undefined) return [];
  const hours = durationHours(value);
  const missing = `${data}_missing`;
  if (hours < 24)
    return [
      {
        path,
        received: value,
        message:
          data === 'labels'
            ? `at least one day, e.g. P7D (how long windows with late labels are evaluated again before a ${missing} finding)`
            : `at least one day, e.g. P7D (how long held windows are rechecked for late outcomes before an ${missing} finding)`,
      },
    ];
  if (hours > MAX_RECHECK_DAYS * 24)
    return [
      {
        path,
        received: value,
        message: `at most P${MAX_RECHECK_DAYS}D, e.g. P7D or P30D: each morning every still-late window of the look-back is evaluated again (one query set per window, in one Lambda run of at most 15 minutes, at least 10 MB billed per Athena query); ${data} later than that are a backfill: after the ${missing} finding, load them and run the ${job} job for the window again (driftwatch run --job ${job} --date <window>)`,
      },
    ];
  return [];
}

function durationHours(duration: string): number {
  const match = /^P(?:(\d+)W|(?:(\d+)D)?(?:T(?:(\d+)H)?)?)$/.exec(duration);
  return match ? Number(match[1] ?? 0) * 168 + Number(match[2] ?? 0) * 24 + Number(match[3] ?? 0) : 0;
}

/** A canary needs the version column, a window on the day's hour grid and at least one guardrail. */
function canaryProblems(def: MonitorDefinition): DefinitionProblem[] {
  const canary = def.canary;
  if (!canary) return [];
  const problems: DefinitionProblem[] = [];
  const p = def.predictions;
  if (!p.modelVersionColumn) {
    problems.push({
      path: 'predictions.modelVersionColumn',
      received: undefined,
      message: 'the column naming the model version of each prediction: a canary compares two versions',
    });
  }
  const hours = durationHours(canary.window);
  if (!(hours >= 1 && hours <= 24 && 24 % hours === 0)) {
    problems.push({
      path: 'canary.window',
      received: canary.window,
      message: 'whole hours that divide a day: PT1H, PT2H, PT3H, PT4H, PT6H, PT8H, PT12H or P1D',
    });
  }
  if (durationHours(canary.maximumDuration) < hours) {
    problems.push({
      path: 'canary.maximumDuration',
      received: canary.maximumDuration,
      message: `at least one canary window (${canary.window}), e.g. P1D`,
    });
  } else if (hours >= 1 && durationHours(canary.maximumDuration) % hours !== 0) {
    problems.push({
      path: 'canary.maximumDuration',
      received: canary.maximumDuration,
      message: `a whole number of canary windows (${canary.window}), e.g. P1D`,
    });
  } else if (hours >= 1 && durationHours(canary.maximumDuration) < canary.minimumWindows * hours) {
    problems.push({
      path: 'canary.maximumDuration',
      received: canary.maximumDuration,
      message: `at least canary.minimumWindows (${canary.minimumWindows}) windows of ${canary.window} (PT${canary.minimumWindows * hours}H), or the canary can never promote: raise maximumDuration or lower minimumWindows`,
    });
  }
  if (canary.latencyBound !== undefined && !p.latencyColumn) {
    problems.push({
      path: 'canary.latencyBound',
      received: canary.latencyBound,
      message: 'predictions.latencyColumn as well (the bound is compared with that column), or remove it',
    });
  }
  if (!p.errorColumn && !(p.latencyColumn && canary.latencyBound !== undefined) && !def.labels) {
    problems.push({
      path: 'canary',
      received: undefined,
      message:
        'at least one guardrail: predictions.errorColumn (errors), predictions.latencyColumn with canary.latencyBound (latency), or labels (performance)',
    });
  }
  return problems;
}

/** Windows the jobs serve: whole days, at least one (sub-day windows are not served yet). */
function windowProblems(def: MonitorDefinition): DefinitionProblem[] {
  const match = /^P(?:(\d+)W|(?:(\d+)D)?(?:T(?:(\d+)H)?)?)$/.exec(def.window);
  const hours = match ? Number(match[1] ?? 0) * 168 + Number(match[2] ?? 0) * 24 + Number(match[3] ?? 0) : 0;
  if (hours >= 24 && hours % 24 === 0) return [];
  return [
    {
      path: 'window',
      received: def.window,
      message:
        'a whole number of days, at least one: P1D, P7D, P2W (or PT48H); windows shorter than a day or with part of a day are not served',
    },
  ];
}

/** Methods that do not fit the kind they judge (a silent swap would hide the misconfiguration). */
function methodProblems(def: MonitorDefinition): DefinitionProblem[] {
  const fits = (method: string, kind: 'numeric' | 'categorical') =>
    method === 'auto' || listMethods().some((m) => m.name === method && m.featureKinds.includes(kind));
  const fitting = (kind: 'numeric' | 'categorical') =>
    [
      'auto',
      ...listMethods()
        .filter((m) => m.featureKinds.includes(kind))
        .map((m) => m.name),
    ].join(', ');
  const problems: DefinitionProblem[] = [];
  for (const kind of ['numeric', 'categorical'] as const) {
    const method = def.drift.methods[kind];
    if (!fits(method, kind)) {
      problems.push({
        path: `drift.methods.${kind}`,
        received: method,
        message: `a method for ${kind} features: one of ${fitting(kind)}`,
      });
    }
  }
  def.features.forEach((f, i) => {
    if (f.method && !fits(f.method, f.kind)) {
      problems.push({
        path: `features[${i}].method`,
        received: f.method,
        message: `a method for a ${f.kind} feature: one of ${fitting(f.kind)} (or change features[${i}].kind)`,
      });
    }
  });
  return problems;
}

const SCORE_METRICS = new Set(['rocAuc', 'averagePrecision', 'logLoss', 'brier', 'ece', 'rocAucOvrMacro']);

function metricProblems(def: MonitorDefinition): DefinitionProblem[] {
  const metric = def.performance.primaryMetric;
  if (!metric) return [];
  const task = def.model.task;
  const allowed: readonly string[] = TASK_METRICS[task];
  if (!allowed.includes(metric)) {
    return [
      {
        path: 'performance.primaryMetric',
        received: metric,
        message: `a metric of a ${task} model: one of ${allowed.join(', ')}`,
      },
    ];
  }
  const scored = task === 'binary' ? !!def.predictions.scoreColumn : !!def.predictions.classScoreColumns;
  if (SCORE_METRICS.has(metric) && !scored) {
    const field = task === 'binary' ? 'predictions.scoreColumn' : 'predictions.classScoreColumns';
    return [
      {
        path: 'performance.primaryMetric',
        received: metric,
        message: `a metric computed from the predicted labels (one of ${allowed.filter((m) => !SCORE_METRICS.has(m)).join(', ')}), or set ${field}: ${metric} needs scores`,
      },
    ];
  }
  return [];
}

/**
 * Names Athena would refuse or confuse: Glue stores column names in lowercase, so two columns that
 * differ only in case are one column there.
 */
function caseProblems(def: MonitorDefinition): DefinitionProblem[] {
  const problems: DefinitionProblem[] = [];
  const seen = new Map<string, { name: string; path: string }>();
  const p = def.predictions;
  const columns: [string, string | undefined][] = [
    ['predictions.idColumn', p.idColumn],
    ['predictions.timestampColumn', p.timestampColumn],
    ['predictions.scoreColumn', p.scoreColumn],
    ['predictions.predictionColumn', p.predictionColumn],
    ['predictions.modelVersionColumn', p.modelVersionColumn],
    ['predictions.latencyColumn', p.latencyColumn],
    ['predictions.errorColumn', p.errorColumn],
    ...Object.entries(p.classScoreColumns ?? {}).map(
      ([label, c]) => [`predictions.classScoreColumns.${label}`, c] as [string, string],
    ),
    ...def.features.map((f, i) => [`features[${i}].name`, f.name] as [string, string]),
    ...def.segments.map((s, i) => [`segments[${i}]`, s] as [string, string]),
  ];
  for (const [path, name] of columns) {
    if (!name) continue;
    const other = seen.get(name.toLowerCase());
    if (other && other.name !== name) {
      problems.push({
        path,
        received: name,
        message: `a column name that differs from ${other.path} (${JSON.stringify(other.name)}) in more than case: Athena and Glue ignore case, so both name one column`,
      });
    } else if (!other) seen.set(name.toLowerCase(), { name, path });
  }
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
