/**
 * Resolves the definition's log locations for the local engine (folders relative to a base dir),
 * and narrows a source to the files of a job's date range (`sourceFor`).
 */
import { isAbsolute, resolve } from 'node:path';
import type { MonitorDefinition } from '../config/schema.js';
import type { DataSource, DateRange } from '../sql/dialect.js';
import type { QualityFinding } from './drift-result.js';
import { checkFileColumns, type FileCheck } from './file-check.js';
import type { JobDeps, ResolvedSources } from './types.js';

function local(location: string, baseDir: string): string {
  if (/^s3:\/\//i.test(location)) {
    throw new Error(
      `cannot read ${location} locally: the local engine reads folders and files; copy the data down (aws s3 sync) or run on AWS`,
    );
  }
  return isAbsolute(location) ? location : resolve(baseDir, location);
}

/** The features whose real column differs from their name (`column:` beside `name:`). */
export function featureAliases(definition: MonitorDefinition): { name: string; column: string }[] {
  return definition.features
    .filter((f) => f.column !== undefined && f.column !== f.name)
    .map((f) => ({ name: f.name, column: f.column as string }));
}

export function resolveLocalSources(definition: MonitorDefinition, baseDir: string): ResolvedSources {
  const aliases = featureAliases(definition);
  const withAliases = aliases.length ? { aliases } : {};
  const predictions: DataSource = {
    location: local(definition.predictions.location, baseDir),
    format: definition.predictions.format,
    partitioned: true,
    ...withAliases,
  };
  const labels: DataSource | undefined = definition.labels && {
    location: local(definition.labels.location, baseDir),
    format: definition.labels.format,
    partitioned: definition.labels.partitioned,
  };
  const outcomes: DataSource | undefined = definition.outcomes && {
    location: local(definition.outcomes.location, baseDir),
    format: definition.outcomes.format,
    partitioned: definition.outcomes.partitioned,
  };
  const ref = definition.reference;
  const reference: DataSource | undefined =
    ref.type === 'dataset'
      ? { location: local(ref.location, baseDir), format: ref.format, partitioned: false, ...withAliases }
      : undefined;
  return {
    predictions,
    ...(labels ? { labels } : {}),
    ...(reference ? { reference } : {}),
    ...(outcomes ? { outcomes } : {}),
  };
}

const reported = new WeakMap<object, Set<string>>();

/**
 * The source a job reads for a date range: narrowed to the files of those `dt` partitions when the
 * engine reads files (DuckDB), unchanged when it reads tables (Athena). Stray folders (not
 * `dt=YYYY-MM-DD`) are logged once per job run. With `check`, every file of the range must have
 * the columns it names (lib/jobs/file-check.ts: a FileColumnsError naming the file otherwise).
 */
export async function sourceFor(
  deps: Pick<JobDeps, 'engine' | 'log'>,
  source: DataSource,
  range?: DateRange,
  check?: FileCheck,
): Promise<DataSource> {
  if (!deps.engine.resolveFiles) {
    if (check) await checkFileColumns(deps, source, check, range);
    return source;
  }
  const resolved = await deps.engine.resolveFiles(source, range);
  if (check) await checkFileColumns(deps, resolved, check, range);
  const seen = reported.get(deps) ?? new Set<string>();
  reported.set(deps, seen);
  const fresh = (resolved.stray ?? []).filter((name) => !seen.has(`${source.location}\u0000${name}`));
  if (fresh.length) {
    for (const name of fresh) seen.add(`${source.location}\u0000${name}`);
    deps.log?.(
      `ignored ${fresh.length} folder${fresh.length === 1 ? '' : 's'} in ${source.location} that ${fresh.length === 1 ? 'is' : 'are'} not a dt=YYYY-MM-DD partition: ${fresh.join(', ')}`,
      { stray: fresh },
    );
  }
  return resolved;
}

/** True when a resolved source has no file in its range: the job's `no_data`. */
export function hasNoFiles(source: DataSource): boolean {
  return source.files?.length === 0;
}

/**
 * The stray folders that look like a partition of `range` (`dt=2026-10-21_old` for the window of
 * 2026-10-21), one `stray_partition` data-quality finding each. Strays that name no date of the
 * range are only logged (`sourceFor`), so one old folder does not flag every window.
 */
export function strayFindings(source: DataSource, field: string, range: DateRange): QualityFinding[] {
  const inRange = (name: string) => {
    const date = /^dt=(\d{4}-\d{2}-\d{2})/.exec(name)?.[1];
    return date !== undefined && date >= range.from && date < range.to;
  };
  return (source.stray ?? []).filter(inRange).map((name) => ({
    kind: 'stray_partition' as const,
    severity: 'warning' as const,
    feature: name,
    value: 1,
    message: `${field} ${source.location}: folder ${name} is not a dt=YYYY-MM-DD partition and was not read: rename it to dt=YYYY-MM-DD or move it out of the log`,
  }));
}
