/**
 * Glue table definitions over a model's logs: columns derived from the monitor definition, the
 * SerDe for the log format, and partition projection on `dt` so Athena computes partitions from
 * the query's date range instead of needing a crawler or MSCK REPAIR.
 */
import type * as glue from 'aws-cdk-lib/aws-glue';
import type { MonitorDefinition } from '../lib/config/schema.js';
import { IDENTIFIER_PATTERN } from '../lib/sql/identifiers.js';

/** One column of a Glue table. `type` is a Hive type: string, double, bigint, int, boolean, timestamp, date, decimal(p,s). */
export interface GlueColumn {
  readonly name: string;
  readonly type: string;
}

export type LogFormat = MonitorDefinition['predictions']['format'];

const HIVE_TYPE =
  /^(string|double|float|bigint|int|smallint|tinyint|boolean|timestamp|date|decimal\(\d{1,2},\s*\d{1,2}\)|varchar\(\d+\)|char\(\d+\))$/;

/**
 * Checks explicit columns and types from props: identifiers as in the definition, known Hive types,
 * each name once ignoring case (a table declares its columns in lower case, `add`).
 */
export function checkColumns(columns: readonly GlueColumn[], field: string): void {
  columns.forEach((column, i) => {
    const first = columns.findIndex((c) => c.name.toLowerCase() === column.name.toLowerCase());
    if (first !== i) {
      throw new Error(
        `${field}[${i}].name ${JSON.stringify(column.name)} is ${field}[${first}] (${JSON.stringify(columns[first]?.name)}) again: Athena column names ignore case, so a table can declare it once; remove one`,
      );
    }
    if (!IDENTIFIER_PATTERN.test(column.name)) {
      throw new Error(
        `${field}[${i}].name ${JSON.stringify(column.name)} is not a plain column name: use letters, digits and underscores, not starting with a digit`,
      );
    }
    if (!HIVE_TYPE.test(column.type)) {
      throw new Error(
        `${field}[${i}].type ${JSON.stringify(column.type)} is not a supported Hive type: use string, double, bigint, int, boolean, timestamp, date or decimal(p,s)`,
      );
    }
  });
}

function labelType(task: MonitorDefinition['model']['task']): string {
  return task === 'binary' ? 'int' : task === 'multiclass' ? 'string' : 'double';
}

/**
 * Adds a column under its lower-case name, once. Athena documents that Glue column names must be in
 * lower case: it lowercases every identifier of a query (quoted or not, so the handlers' `"NetRevenue"`
 * names `netrevenue`), and a mixed-case Glue column is not found by it. Reading is not affected:
 * Athena matches a Parquet column and (with `case.insensitive`, storageFor) a JSON key by name
 * ignoring case, and a CSV column by position. DuckDB (local runs) also matches names ignoring case,
 * so `Region` and `region` in a definition are the same column everywhere: declared once.
 */
function add(columns: GlueColumn[], name: string | undefined, type: string): void {
  const lower = name?.toLowerCase();
  if (lower && !columns.some((c) => c.name === lower)) columns.push({ name: lower, type });
}

/**
 * The log's real column of a feature (`column:` when it differs from `name:`). Athena reads
 * Parquet and text columns by name, so the table must declare the real column (the handlers read
 * it under the feature's name through an alias, lib/adapters/athena-sources.ts); a name Athena
 * cannot declare is refused at synth instead of reading as NULL on every row.
 */
export function glueColumnOf(feature: MonitorDefinition['features'][number], index: number): string {
  const real = feature.column ?? feature.name;
  if (!IDENTIFIER_PATTERN.test(real)) {
    throw new Error(
      `features[${index}].column ${JSON.stringify(real)} cannot be a column of an Athena table: Athena column names hold only letters, digits and underscores; rename the column in the log (e.g. ${JSON.stringify(real.replace(/[^A-Za-z0-9_]+/g, '_'))}), or monitor this model locally, where any column name works`,
    );
  }
  return real;
}

/**
 * The prediction log's columns as the definition describes them. Types are the usual ones (features
 * double or string, score double, binary labels int); override with `columnTypes` when a log differs.
 */
export function predictionColumns(
  def: MonitorDefinition,
  overrides: Readonly<Record<string, string>> = {},
): GlueColumn[] {
  const p = def.predictions;
  const columns: GlueColumn[] = [];
  add(columns, p.idColumn, 'string');
  add(columns, p.timestampColumn, p.format === 'parquet' ? 'timestamp' : 'string');
  add(columns, p.scoreColumn, 'double');
  add(columns, p.predictionColumn, labelType(def.model.task));
  for (const column of Object.values(p.classScoreColumns ?? {})) add(columns, column, 'double');
  add(columns, p.modelVersionColumn, 'string');
  add(columns, p.latencyColumn, 'double');
  add(columns, p.errorColumn, 'string');
  def.features.forEach((feature, i) => {
    add(columns, glueColumnOf(feature, i), feature.kind === 'numeric' ? 'double' : 'string');
  });
  for (const segment of def.segments) add(columns, segment, 'string');
  // Columns only KPIs read.
  addKpiColumns(columns, def, 'predictions');
  return applyOverrides(columns, overrides);
}

/**
 * The columns the KPIs of one source read, in the log's own names: a rate's flag as int (as string
 * with trueValue), a mean's or sum's value as double, a `where` column by its value's type.
 */
function addKpiColumns(
  columns: GlueColumn[],
  def: MonitorDefinition,
  source: 'predictions' | 'outcomes',
): void {
  for (const kpi of (def.kpis ?? []).filter((k) => k.source === source)) {
    add(
      columns,
      kpi.column,
      kpi.aggregate === 'rate' ? (kpi.trueValue !== undefined ? 'string' : 'int') : 'double',
    );
    if (kpi.where)
      add(
        columns,
        kpi.where.column,
        typeof kpi.where.value === 'string'
          ? 'string'
          : typeof kpi.where.value === 'number'
            ? 'double'
            : 'int',
      );
  }
}

/**
 * The outcomes log's columns: the id it is joined by, then every column the outcome KPIs read
 * (their `column` and `where` column), in the log's real names: the KPI query reads exactly these
 * (lib/sql/kpi-query.ts), so Athena's table must declare them.
 */
export function outcomeColumns(
  def: MonitorDefinition,
  overrides: Readonly<Record<string, string>> = {},
): GlueColumn[] {
  if (!def.outcomes) return [];
  const columns: GlueColumn[] = [];
  add(columns, def.outcomes.idColumn, 'string');
  addKpiColumns(columns, def, 'outcomes');
  return applyOverrides(columns, overrides);
}

/** The label log's columns: the prediction id and the label. */
export function labelColumns(
  def: MonitorDefinition,
  overrides: Readonly<Record<string, string>> = {},
): GlueColumn[] {
  if (!def.labels) return [];
  const columns: GlueColumn[] = [];
  add(columns, def.labels.idColumn, 'string');
  add(columns, def.labels.labelColumn, labelType(def.model.task));
  return applyOverrides(columns, overrides);
}

/** The reference dataset's columns: the prediction log's, plus its label column when it has one. */
export function referenceColumns(
  def: MonitorDefinition,
  overrides: Readonly<Record<string, string>> = {},
): GlueColumn[] {
  const columns = predictionColumns(def, overrides);
  if (def.reference.type === 'dataset') add(columns, def.reference.labelColumn, labelType(def.model.task));
  return applyOverrides(columns, overrides);
}

/** `columnTypes` by column name, ignoring case (the columns are declared in lower case, `add`). */
function applyOverrides(columns: GlueColumn[], overrides: Readonly<Record<string, string>>): GlueColumn[] {
  const byName = new Map(Object.entries(overrides).map(([name, type]) => [name.toLowerCase(), type]));
  return columns.map((c) => {
    const type = byName.get(c.name);
    return type ? { name: c.name, type } : c;
  });
}

/** The storage part of a table for a log format. */
export function storageFor(format: LogFormat): Pick<
  glue.CfnTable.StorageDescriptorProperty,
  'inputFormat' | 'outputFormat' | 'serdeInfo'
> & {
  tableParameters: Record<string, string>;
} {
  switch (format) {
    case 'parquet':
      return {
        inputFormat: 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat',
        outputFormat: 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat',
        serdeInfo: { serializationLibrary: 'org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe' },
        tableParameters: { classification: 'parquet' },
      };
    case 'jsonl':
      return {
        inputFormat: 'org.apache.hadoop.mapred.TextInputFormat',
        outputFormat: 'org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat',
        serdeInfo: {
          serializationLibrary: 'org.openx.data.jsonserde.JsonSerDe',
          parameters: { 'ignore.malformed.json': 'FALSE', 'case.insensitive': 'TRUE' },
        },
        tableParameters: { classification: 'json' },
      };
    case 'csv':
      return {
        inputFormat: 'org.apache.hadoop.mapred.TextInputFormat',
        outputFormat: 'org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat',
        serdeInfo: {
          serializationLibrary: 'org.apache.hadoop.hive.serde2.OpenCSVSerde',
          parameters: { separatorChar: ',', quoteChar: '"', escapeChar: '\\' },
        },
        tableParameters: { classification: 'csv', 'skip.header.line.count': '1' },
      };
  }
}

/**
 * Table parameters for partition projection on `dt=YYYY-MM-DD` folders, from `startDate` to today.
 * `location` ends with `/`.
 */
export function dtProjection(location: string, startDate: string): Record<string, string> {
  return {
    'projection.enabled': 'true',
    'projection.dt.type': 'date',
    'projection.dt.format': 'yyyy-MM-dd',
    'projection.dt.range': `${startDate},NOW`,
    'projection.dt.interval': '1',
    'projection.dt.interval.unit': 'DAYS',
    'storage.location.template': `${location}dt=\${dt}/`,
  };
}

/** Splits `s3://bucket/some/prefix/` into its bucket and key prefix (with a trailing `/`, or empty). */
export function parseS3Uri(uri: string, field: string): { bucket: string; prefix: string; uri: string } {
  const match = /^s3:\/\/([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])(?:\/(.*))?$/.exec(uri);
  if (!match) {
    throw new Error(
      `${field} must be an s3:// URI such as s3://my-bucket/predictions/ for a deployed monitor, got ${JSON.stringify(uri)}`,
    );
  }
  const bucket = match[1]!;
  const raw = (match[2] ?? '').replace(/\/+$/, '');
  // A location naming one file (a reference dataset) is read through its folder.
  const isFile = /\.(parquet|csv|jsonl?|ndjson)$/i.test(raw);
  const folder = isFile ? raw.slice(0, raw.lastIndexOf('/') + 1) : raw ? `${raw}/` : '';
  return { bucket, prefix: folder, uri: `s3://${bucket}/${folder}` };
}
