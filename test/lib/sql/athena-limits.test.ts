import { describe, expect, it } from 'vitest';
import {
  ATHENA_QUERY_TEXT_MAX_BYTES,
  athenaQueryProblems,
  parametersOutsideWhere,
  queryTextBytes,
} from '../../../lib/sql/athena-limits.js';

describe('parametersOutsideWhere', () => {
  it.each([
    ['SELECT a FROM t WHERE dt >= ? AND dt < ?', 0],
    ['WITH x AS (SELECT a FROM t WHERE (dt >= ? AND CAST(b AS DOUBLE) > ?)) SELECT * FROM x', 0],
    ['SELECT a FROM t LEFT JOIN u ON t.id = u.id WHERE t.dt BETWEEN ? AND ? GROUP BY a', 0],
    ['SELECT \'?\' AS q, "?" FROM t -- ?\nWHERE dt = ? /* ? */', 0],
    ['SELECT a FROM t WHERE a IN (SELECT b FROM u WHERE c = ?)', 0],
    ['SELECT CASE WHEN a THEN ? END FROM t WHERE dt = ?', 1],
    ['SELECT a FROM t WHERE a > (SELECT max(?) FROM u)', 1],
    ['SELECT count(*) FILTER (WHERE x = ?) FROM t', 1],
    ['SELECT a FROM t GROUP BY a HAVING count(*) > ?', 1],
    ['SELECT a FROM t JOIN u ON t.k = ?', 1],
  ])('%s: %d outside WHERE', (sql, count) => {
    expect(parametersOutsideWhere(sql)).toHaveLength(count);
  });
});

describe('athenaQueryProblems', () => {
  it('names the query, the size and the limit, and the parameter outside WHERE', () => {
    const long = `SELECT '${'x'.repeat(ATHENA_QUERY_TEXT_MAX_BYTES)}'`;
    expect(athenaQueryProblems('scan', long)).toEqual([
      expect.stringMatching(/^query scan is 262153 bytes: Athena refuses query text over 262144 bytes$/),
    ]);
    expect(athenaQueryProblems('perf', 'SELECT ? AS c FROM t')[0]).toMatch(
      /query perf has an execution parameter outside WHERE at offset 7/,
    );
    expect(athenaQueryProblems('ok', 'SELECT 1 FROM t WHERE dt = ?')).toEqual([]);
  });

  it('counts UTF-8 bytes, not characters', () => {
    expect(queryTextBytes("SELECT 'é'")).toBe(11);
  });
});
