/**
 * Checks the columns a definition names against the files a job is about to read: one DESCRIBE
 * per source, before the job's scan, so a typo is one line naming the definition's field and the
 * columns that exist, never the engine's "Binder Error".
 */
import type { MonitorDefinition } from '../config/schema.js';
import type { QueryEngine } from '../ports.js';
import type { DataSource } from '../sql/dialect.js';
import { buildDescribeQuery } from '../sql/schema-query.js';
import { hasNoFiles } from './sources.js';

/** A column named in the definition that the data lacks; the message names the field and the fix. */
export class MissingColumnError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MissingColumnError';
  }
}

/** `[definition field, column]` pairs of one source. */
export type NamedColumns = readonly (readonly [field: string, column: string | undefined])[];

/**
 * The columns of a source (lowercased names to their spelling and type), or undefined when the
 * source has no file in its range (nothing to check: the job reports no_data).
 */
export async function describeColumns(
  engine: QueryEngine,
  source: DataSource,
): Promise<Map<string, { name: string; type: string }> | undefined> {
  if (hasNoFiles(source)) return undefined;
  const rows = await engine.query(buildDescribeQuery(source, engine.dialect));
  return new Map(
    rows.map((r) => [
      String(r.column_name).toLowerCase(),
      { name: String(r.column_name), type: String(r.column_type) },
    ]),
  );
}

/** Throws MissingColumnError naming every field whose column `columns` lacks (names ignore case, as SQL does). */
export function requireColumns(
  columns: Map<string, { name: string; type: string }> | undefined,
  named: NamedColumns,
  what: string,
  source: DataSource,
): void {
  if (!columns) return;
  const missing = named.filter(([, column]) => column !== undefined && !columns.has(column.toLowerCase()));
  if (!missing.length) return;
  const list = [...columns.values()].map((c) => c.name);
  const shown = list.length > 12 ? `${list.slice(0, 12).join(', ')}, ... (${list.length})` : list.join(', ');
  throw new MissingColumnError(
    `${missing.map(([field, column]) => `${field} ${JSON.stringify(column)}`).join(', ')} ${missing.length === 1 ? 'is not a column' : 'are not columns'} of ${what} ${source.location} (it has ${shown}): fix the name${missing.length === 1 ? '' : 's'} in the definition or add the column${missing.length === 1 ? '' : 's'} to the data`,
  );
}

/** The prediction log's columns a performance job reads, by definition field. */
export function predictionColumnsOfPerformance(definition: MonitorDefinition): NamedColumns {
  const p = definition.predictions;
  return [
    ['predictions.idColumn', p.idColumn],
    ...taskColumns(definition),
    ['predictions.modelVersionColumn', p.modelVersionColumn],
    ['predictions.latencyColumn', p.latencyColumn],
    ['predictions.errorColumn', p.errorColumn],
    ...definition.segments.map((s, i) => [`segments[${i}]`, s] as const),
  ];
}

/** The score and prediction columns the task's metrics read. */
export function taskColumns(definition: MonitorDefinition): NamedColumns {
  const p = definition.predictions;
  return [
    ['predictions.scoreColumn', definition.model.task === 'binary' ? p.scoreColumn : undefined],
    ['predictions.predictionColumn', p.predictionColumn],
    ...Object.entries(definition.model.task === 'multiclass' ? (p.classScoreColumns ?? {}) : {}).map(
      ([label, column]) => [`predictions.classScoreColumns.${label}`, column] as const,
    ),
  ];
}
