/**
 * The demo stack's Glue column types against the files the demo generator writes: Athena reads a
 * Parquet column only as its own type (INT32 as int or bigint, never as double), so every declared
 * type must be the one `driftwatch schema` derives from the data.
 */
import { Template } from 'aws-cdk-lib/assertions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DuckDbQueryEngine } from '../../lib/adapters/duckdb-engine.js';
import { readSchema, type SchemaReport } from '../../lib/cli/commands/schema.js';
import { validateDefinition } from '../../lib/config/load.js';
import { demoDefinition } from '../../lib/demo/definition.js';
import { DEMO_DEFAULTS, generateDemo } from '../../lib/demo/generate.js';
import { resolveLocalSources } from '../../lib/jobs/sources.js';
import { hiveTypeOf } from '../../lib/sql/schema-query.js';
import { tempDir } from '../helpers/temp.js';
import { demoStack } from './helpers.js';

let dir: { path: string; cleanup: () => Promise<void> };
let report: SchemaReport;

beforeAll(async () => {
  dir = await tempDir('driftwatch-glue-types-');
  const engine = await DuckDbQueryEngine.create({ threads: 1 });
  try {
    await generateDemo(engine, {
      ...DEMO_DEFAULTS,
      outDir: dir.path,
      rowsPerDay: 100,
      days: 9,
      referenceRows: 200,
    });
    const definition = validateDefinition(demoDefinition('data'), 'demo');
    report = await readSchema(definition, resolveLocalSources(definition, dir.path), engine);
  } finally {
    await engine.close();
  }
}, 60_000);
afterAll(() => dir?.cleanup());

describe('Glue column types of the demo stack', () => {
  it('are the types of the files the demo writes, column by column and table by table', () => {
    // Before the fix: age was declared double in the predictions and reference tables, and the
    // files hold INTEGER (Parquet INT32), which Athena cannot read as double.
    const tables = Template.fromStack(demoStack()).findResources('AWS::Glue::Table');
    const declared = new Map<string, string>();
    for (const table of Object.values(tables)) {
      const input = table.Properties.TableInput as {
        Name: string;
        StorageDescriptor: { Columns: { Name: string; Type: string }[] };
      };
      const log = input.Name.replace(/^credit_default_/, '');
      for (const c of input.StorageDescriptor.Columns) declared.set(`${log}.${c.Name}`, c.Type);
    }
    const mismatches = report.columns
      .filter((c) => declared.has(`${c.log}.${c.column}`))
      .filter((c) => c.glueType !== declared.get(`${c.log}.${c.column}`))
      .map((c) => `${c.log}.${c.column}: file ${c.duckdbType}, Glue ${declared.get(`${c.log}.${c.column}`)}`);
    expect(mismatches).toEqual([]);
    // Every column the definition names is in the files and in a table.
    expect(report.columns.filter((c) => !c.duckdbType)).toEqual([]);
    expect(report.columns.every((c) => declared.has(`${c.log}.${c.column}`))).toBe(true);
    expect(report.columnTypes).toMatchObject({ age: 'int', open_accounts: 'int', income: 'double' });
  });
});

describe('hiveTypeOf', () => {
  it.each([
    ['INTEGER', 'int'],
    ['BIGINT', 'bigint'],
    ['DOUBLE', 'double'],
    ['FLOAT', 'float'],
    ['VARCHAR', 'string'],
    ['TIMESTAMP', 'timestamp'],
    ['DECIMAL(18, 3)', 'decimal(18,3)'],
    ['BOOLEAN', 'boolean'],
  ])('maps %s to %s', (duckdb, hive) => {
    expect(hiveTypeOf('c', duckdb)).toBe(hive);
  });

  it('refuses a type Athena cannot read, naming the column', () => {
    expect(() => hiveTypeOf('clicks', 'UINTEGER')).toThrow(/column clicks has type UINTEGER/);
  });
});
