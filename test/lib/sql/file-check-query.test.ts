import { TrinoSQL } from 'dt-sql-parser';
import { describe, expect, it } from 'vitest';
import { athenaQueryProblems } from '../../../lib/sql/athena-limits.js';
import { athenaDialect, type DataSource } from '../../../lib/sql/dialect.js';
import { buildFileColumnCountsQuery } from '../../../lib/sql/file-check-query.js';

const table: DataSource = {
  location: 's3://logs/lending/outcomes/',
  format: 'parquet',
  partitioned: true,
  table: { database: 'driftwatch', name: 'lending_outcomes' },
  // Feature aliases are left out: "$path" is not part of SELECT * in Trino.
  aliases: [{ name: 'loan_amount', column: 'loan amount' }],
};

describe('the per-file column counts query (Athena)', () => {
  it('groups the range by "$path", the dates as WHERE parameters, real column names quoted', () => {
    const q = buildFileColumnCountsQuery(
      table,
      ['id', 'loan amount'],
      { from: '2026-10-01', to: '2026-10-06' },
      athenaDialect,
    );
    expect(q).toEqual({
      name: 'file-columns',
      sql: 'SELECT "$path" AS dw_file, count(*) AS dw_rows, count("id") AS dw_c0, count("loan amount") AS dw_c1 FROM "driftwatch"."lending_outcomes" WHERE "dt" >= ? AND "dt" < ? GROUP BY "$path" HAVING count("id") = 0 OR count("loan amount") = 0 ORDER BY "$path"',
      parameters: ['2026-10-01', '2026-10-06'],
    });
    expect(athenaQueryProblems(q.name, q.sql)).toEqual([]);
    expect(new TrinoSQL().validate(q.sql.replace(/\?/g, "'2026-01-01'"))).toEqual([]);
  });

  it('an unpartitioned table reads every file, without parameters', () => {
    const q = buildFileColumnCountsQuery(
      { ...table, partitioned: false },
      ['id'],
      { from: '2026-10-01', to: '2026-10-06' },
      athenaDialect,
    );
    expect(q.sql).not.toContain('WHERE');
    expect(q.parameters).toEqual([]);
  });

  it('refuses an empty column list', () => {
    expect(() => buildFileColumnCountsQuery(table, [], undefined, athenaDialect)).toThrow(
      /at least one column/,
    );
  });
});
