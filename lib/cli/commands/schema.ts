/**
 * `driftwatch schema`: the types of the columns the definition names, read from the logs with
 * DuckDB, and the Glue (Hive) type each needs on AWS. Glue types must follow the files (Athena reads
 * a Parquet INT32 as int or bigint, never as double), so a deployment copies the printed
 * `columnTypes` into its ModelMonitor props. Run it on a local copy of a day of each log.
 */
import type { MonitorDefinition } from '../../config/schema.js';
import type { ResolvedSources } from '../../jobs/types.js';
import type { QueryEngine } from '../../ports.js';
import type { DataSource } from '../../sql/dialect.js';
import { buildDescribeQuery, hiveTypeOf } from '../../sql/schema-query.js';
import { configBaseDir, loadDefinitionFile, localContext } from '../context.js';
import { CliError } from '../errors.js';
import { renderTable } from '../table.js';

export type LogName = 'predictions' | 'labels' | 'reference' | 'outcomes';

/** The ModelMonitor prop that lists a log's columns explicitly. */
const EXPLICIT_PROP: Record<LogName, string> = {
  predictions: 'predictionColumns',
  labels: 'labelColumns',
  reference: 'referenceColumns',
  outcomes: 'outcomeColumns',
};

/** The columns the KPIs of one source read: each KPI's column and its `where` column. */
function kpiColumns(definition: MonitorDefinition, source: 'predictions' | 'outcomes'): string[] {
  return (definition.kpis ?? [])
    .filter((k) => k.source === source)
    .flatMap((k) => [k.column, ...(k.where ? [k.where.column] : [])]);
}

export interface SchemaColumn {
  log: LogName;
  column: string;
  /** The type DuckDB reads from the file, or undefined when the log lacks the column. */
  duckdbType?: string;
  /** The Glue column type that matches it. */
  glueType?: string;
}

export interface SchemaReport {
  columns: SchemaColumn[];
  /** One Hive type per column name, for the ModelMonitor's `columnTypes` prop. */
  columnTypes: Record<string, string>;
}

/** The columns of each log the definition names (the columns its Glue tables declare). */
export function definitionColumns(definition: MonitorDefinition): Record<LogName, string[]> {
  const p = definition.predictions;
  const predictions = [
    p.idColumn,
    p.timestampColumn,
    p.scoreColumn,
    p.predictionColumn,
    ...Object.values(p.classScoreColumns ?? {}),
    p.modelVersionColumn,
    p.latencyColumn,
    p.errorColumn,
    ...definition.features.map((f) => f.name),
    ...definition.segments,
  ].filter((c): c is string => Boolean(c));
  const ref = definition.reference;
  return {
    predictions: [...new Set([...predictions, ...kpiColumns(definition, 'predictions')])],
    labels: definition.labels
      ? [...new Set([definition.labels.idColumn, definition.labels.labelColumn])]
      : [],
    reference:
      ref.type === 'dataset'
        ? [...new Set([...predictions, ...(ref.labelColumn ? [ref.labelColumn] : [])])]
        : [],
    // The outcomes table (outcome KPIs): the id it is joined by and the columns the KPIs read.
    outcomes: definition.outcomes
      ? [...new Set([definition.outcomes.idColumn, ...kpiColumns(definition, 'outcomes')])]
      : [],
  };
}

/** Reads the types of every named column from the logs and maps each to its Glue type. */
export async function readSchema(
  definition: MonitorDefinition,
  sources: ResolvedSources,
  engine: QueryEngine,
): Promise<SchemaReport> {
  const wanted = definitionColumns(definition);
  const columns: SchemaColumn[] = [];
  const columnTypes: Record<string, string> = {};
  const seen: Record<string, { log: LogName; type: string }> = {};
  for (const log of ['predictions', 'labels', 'reference', 'outcomes'] as const) {
    const source: DataSource | undefined = sources[log];
    if (!source || wanted[log].length === 0) continue;
    const rows = await engine.query(buildDescribeQuery(source, engine.dialect));
    const types = new Map(rows.map((r) => [String(r.column_name), String(r.column_type)]));
    for (const column of wanted[log]) {
      const duckdbType = types.get(column);
      if (duckdbType === undefined) {
        columns.push({ log, column });
        continue;
      }
      const glueType = hiveTypeOf(column, duckdbType);
      columns.push({ log, column, duckdbType, glueType });
      const earlier = seen[column];
      if (earlier && earlier.type !== glueType) {
        throw new CliError(
          `column ${column} is ${earlier.type} in the ${earlier.log} log but ${glueType} in the ${log} log: write it with one type in both, or give the ModelMonitor explicit ${EXPLICIT_PROP[earlier.log]} and ${EXPLICIT_PROP[log]}`,
        );
      }
      seen[column] = { log, type: glueType };
      columnTypes[column] = glueType;
    }
  }
  return { columns, columnTypes };
}

export async function runSchemaCommand(
  options: { config: string; json: boolean },
  print: (line: string) => void,
): Promise<SchemaReport> {
  const definition = await loadDefinitionFile(options.config);
  const context = await localContext(definition, { baseDir: configBaseDir(options.config), outDir: '.' });
  let report: SchemaReport;
  try {
    report = await readSchema(definition, context.deps.sources, context.deps.engine);
  } catch (error) {
    if (error instanceof CliError) throw error;
    throw new CliError(`cannot read the log schemas of ${options.config}: ${(error as Error).message}`);
  } finally {
    await context.close();
  }
  if (options.json) {
    print(JSON.stringify(report, null, 2));
    return report;
  }
  print(
    renderTable(
      ['log', 'column', 'file type (DuckDB)', 'Glue type'],
      report.columns.map((c) => [c.log, c.column, c.duckdbType ?? 'MISSING', c.glueType ?? '-']),
    ),
  );
  const missing = report.columns.filter((c) => !c.duckdbType);
  if (missing.length) {
    print(`missing from the logs: ${missing.map((c) => `${c.log}.${c.column}`).join(', ')}`);
  }
  print('');
  print('ModelMonitor props (Glue types must match the files):');
  print(`  columnTypes: ${JSON.stringify(report.columnTypes)}`);
  return report;
}
