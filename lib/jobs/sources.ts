/** Resolves the definition's log locations for the local engine (folders relative to a base dir). */
import { isAbsolute, resolve } from 'node:path';
import type { MonitorDefinition } from '../config/schema.js';
import type { DataSource } from '../sql/dialect.js';
import type { ResolvedSources } from './types.js';

function local(location: string, baseDir: string): string {
  if (/^s3:\/\//i.test(location)) {
    throw new Error(
      `cannot read ${location} locally: the local engine reads folders and files; copy the data down (aws s3 sync) or run on AWS`,
    );
  }
  return isAbsolute(location) ? location : resolve(baseDir, location);
}

export function resolveLocalSources(definition: MonitorDefinition, baseDir: string): ResolvedSources {
  const predictions: DataSource = {
    location: local(definition.predictions.location, baseDir),
    format: definition.predictions.format,
    partitioned: true,
  };
  const labels: DataSource | undefined = definition.labels && {
    location: local(definition.labels.location, baseDir),
    format: definition.labels.format,
    partitioned: definition.labels.partitioned,
  };
  const ref = definition.reference;
  const reference: DataSource | undefined =
    ref.type === 'dataset'
      ? { location: local(ref.location, baseDir), format: ref.format, partitioned: false }
      : undefined;
  return { predictions, ...(labels ? { labels } : {}), ...(reference ? { reference } : {}) };
}
