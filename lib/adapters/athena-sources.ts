/**
 * How a model's logs are named in the Glue Data Catalog. The ModelMonitor construct creates the
 * tables under these names and the Lambda handlers resolve the same names, so both sides agree
 * without passing table names around.
 */
import type { MonitorDefinition } from '../config/schema.js';
import { featureAliases } from '../jobs/sources.js';
import type { ResolvedSources } from '../jobs/types.js';
import type { DataSource } from '../sql/dialect.js';

/** The Glue table names of one model: the model id with `-` turned into `_`, plus a suffix. */
export function glueTableNames(modelId: string): {
  predictions: string;
  labels: string;
  reference: string;
  outcomes: string;
  results: string;
} {
  const base = modelId.replaceAll('-', '_');
  return {
    predictions: `${base}_predictions`,
    labels: `${base}_labels`,
    reference: `${base}_reference`,
    outcomes: `${base}_outcomes`,
    results: `${base}_results`,
  };
}

/** The key, in the results store, of the copy of a model's definition the hub's digest reads. */
export function registryKey(modelId: string): string {
  return `_registry/${modelId}.json`;
}

/** The prefix of a model's scheduled-run markers in the results store (functions/shared/runtime.ts). */
export function runsPrefix(modelId: string): string {
  return `_runs/${modelId}/`;
}

/** Whose notification markers a function keeps: a model's id, or the hub's digest. */
export const DIGEST_SCOPE = '_digest';

/**
 * The prefix of the delivery markers of one model's notifications (or the digest's), so each
 * function's role can be limited to its own. Underscored: no model id can take it (ids start with
 * a letter or digit).
 */
export function notificationsPrefix(scope: string): string {
  return `_notifications/${scope}`;
}

function s3Location(location: string, field: string): string {
  if (!/^s3:\/\/[^/]+/i.test(location)) {
    throw new Error(`${field} must be an s3:// URI on AWS, got ${JSON.stringify(location)}`);
  }
  return location;
}

/** Resolves a definition's logs to the Glue tables ModelMonitor creates in `database`. */
export function resolveAthenaSources(definition: MonitorDefinition, database: string): ResolvedSources {
  const names = glueTableNames(definition.model.id);
  // The Glue tables declare a feature's real column (infra/glue-tables.ts glueColumnOf); queries
  // read it under the feature's name, as locally.
  const aliases = featureAliases(definition);
  const withAliases = aliases.length ? { aliases } : {};
  const predictions: DataSource = {
    location: s3Location(definition.predictions.location, 'predictions.location'),
    format: definition.predictions.format,
    partitioned: true,
    table: { database, name: names.predictions },
    ...withAliases,
  };
  const labels: DataSource | undefined = definition.labels && {
    location: s3Location(definition.labels.location, 'labels.location'),
    format: definition.labels.format,
    partitioned: definition.labels.partitioned,
    table: { database, name: names.labels },
  };
  // The outcomes log (outcome KPIs, joined by id): its table declares the id and the columns the
  // outcome KPIs read under their real names, so no alias.
  const outcomes: DataSource | undefined = definition.outcomes && {
    location: s3Location(definition.outcomes.location, 'outcomes.location'),
    format: definition.outcomes.format,
    partitioned: definition.outcomes.partitioned,
    table: { database, name: names.outcomes },
  };
  const ref = definition.reference;
  const reference: DataSource | undefined =
    ref.type === 'dataset'
      ? {
          location: s3Location(ref.location, 'reference.location'),
          format: ref.format,
          partitioned: false,
          table: { database, name: names.reference },
          ...withAliases,
        }
      : undefined;
  return {
    predictions,
    ...(labels ? { labels } : {}),
    ...(reference ? { reference } : {}),
    ...(outcomes ? { outcomes } : {}),
  };
}
