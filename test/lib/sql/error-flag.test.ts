import { TrinoSQL } from 'dt-sql-parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DuckDbQueryEngine } from '../../../lib/adapters/duckdb-engine.js';
import { athenaDialect } from '../../../lib/sql/dialect.js';
import { isErrorSql, noErrorSql } from '../../../lib/sql/error-flag.js';

let engine: DuckDbQueryEngine;

beforeAll(async () => {
  engine = await DuckDbQueryEngine.create({ threads: 1 });
});

afterAll(async () => {
  await engine.close();
});

/** `[isError, noError]` of each value of one SQL type, as DuckDB computes them. */
async function flags(values: string[], type: string): Promise<[boolean, boolean][]> {
  const rows = await engine.query({
    name: 'flags',
    sql: `SELECT i, ${isErrorSql('error', engine.dialect)} AS e, ${noErrorSql('error', engine.dialect)} AS n
          FROM (SELECT i, CAST(v AS ${type}) AS error FROM (VALUES ${values.map((v, i) => `(${i}, ${v})`).join(', ')}) t(i, v)) ORDER BY i`,
    parameters: [],
  });
  return rows.map((r) => [r.e as boolean, r.n as boolean]);
}

describe('the error flag (one definition for every query)', () => {
  it('reads DOUBLE 0.0 and -0.0 as no error, 1.0 and NaN as errors', async () => {
    expect(await flags(["'0.0'", "'-0.0'", "'1.0'", "'NaN'", 'NULL'], 'DOUBLE')).toEqual([
      [false, true],
      [false, true],
      [true, false],
      [true, false],
      [false, true],
    ]);
  });

  it('reads integers and booleans: 0 / false no error, 1 / 2 / true errors', async () => {
    expect(await flags(['0', '1', '2', 'NULL'], 'INTEGER')).toEqual([
      [false, true],
      [true, false],
      [true, false],
      [false, true],
    ]);
    expect(await flags(['false', 'true', 'NULL'], 'BOOLEAN')).toEqual([
      [false, true],
      [true, false],
      [false, true],
    ]);
  });

  it("reads text: '', '0', '0.0', 'false' in any case and blanks are no error; anything else is (never NULL)", async () => {
    const texts = [
      "''",
      "'0'",
      "'0.0'",
      "'0.00'",
      "'FALSE'",
      "' false '",
      "'1'",
      "'yes'",
      "'timeout'",
      "'true'",
    ];
    expect((await flags(texts, 'VARCHAR')).map(([e]) => e)).toEqual([
      false,
      false,
      false,
      false,
      false,
      false,
      true,
      true,
      true,
      true,
    ]);
  });

  it('renders Athena SQL that Trino parses', () => {
    const sql = `SELECT count_if(${isErrorSql('error', athenaDialect)}) FROM t`;
    expect(new TrinoSQL().validate(sql)).toEqual([]);
    expect(sql).toContain('TRY_CAST');
  });
});
