/**
 * Athena's documented limits on query text, checkable offline: the tests check every Athena
 * rendering with them, and the deployment replay's Athena stand-in can refuse a query the way
 * Athena would.
 * - the query string is at most 262,144 bytes (UTF-8);
 * - execution parameters (`?`) may stand only in a WHERE clause.
 */

/** Athena refuses a query string longer than this many bytes. */
export const ATHENA_QUERY_TEXT_MAX_BYTES = 262_144;

/** The size Athena counts: UTF-8 bytes of the query string. */
export function queryTextBytes(sql: string): number {
  return new TextEncoder().encode(sql).length;
}

/** Keywords that start a clause; a `?` must be in a WHERE clause of its own query level. */
const CLAUSES = new Set([
  'SELECT',
  'FROM',
  'JOIN',
  'ON',
  'USING',
  'WHERE',
  'GROUP',
  'HAVING',
  'ORDER',
  'LIMIT',
  'OFFSET',
  'WINDOW',
  'UNION',
  'INTERSECT',
  'EXCEPT',
  'WITH',
  'VALUES',
  'QUALIFY',
  'FETCH',
]);

/**
 * The offsets of every `?` placeholder of `sql` that is not inside a WHERE clause (Athena accepts
 * execution parameters in WHERE only). Strings, quoted identifiers and comments are skipped. A
 * parenthesis without a clause keyword of its own (an expression, a function call, a CASE) belongs
 * to the clause around it; a subquery has its own clauses; an aggregate's `FILTER (WHERE ...)` is
 * not a WHERE clause.
 * @example parametersOutsideWhere("SELECT ? FROM t WHERE dt >= ?") // => [7]
 */
export function parametersOutsideWhere(sql: string): number[] {
  const outside: number[] = [];
  // One entry per open parenthesis level: the clause in force there (undefined: inherit).
  const clauses: (string | undefined)[] = [undefined];
  const filterLevels = new Set<number>();
  let lastWord = '';
  let i = 0;
  while (i < sql.length) {
    const c = sql[i]!;
    if (c === "'" || c === '"') {
      const end = closingQuote(sql, i, c);
      i = end + 1;
      continue;
    }
    if (c === '-' && sql[i + 1] === '-') {
      const end = sql.indexOf('\n', i);
      i = end < 0 ? sql.length : end + 1;
      continue;
    }
    if (c === '/' && sql[i + 1] === '*') {
      const end = sql.indexOf('*/', i + 2);
      i = end < 0 ? sql.length : end + 2;
      continue;
    }
    if (/[A-Za-z_]/.test(c)) {
      let j = i;
      while (j < sql.length && /[A-Za-z0-9_]/.test(sql[j]!)) j++;
      const word = sql.slice(i, j).toUpperCase();
      if (CLAUSES.has(word)) {
        const level = clauses.length - 1;
        clauses[level] = word === 'WHERE' && filterLevels.has(level) ? 'FILTER' : word;
      }
      lastWord = word;
      i = j;
      continue;
    }
    if (c === '(') {
      clauses.push(undefined);
      if (lastWord === 'FILTER') filterLevels.add(clauses.length - 1);
    } else if (c === ')') {
      filterLevels.delete(clauses.length - 1);
      if (clauses.length > 1) clauses.pop();
    } else if (c === '?') {
      if (clauseAt(clauses) !== 'WHERE') outside.push(i);
    }
    if (!/\s/.test(c)) lastWord = '';
    i++;
  }
  return outside;
}

/** The clause in force at the innermost level: the nearest level that set one. */
function clauseAt(clauses: readonly (string | undefined)[]): string | undefined {
  for (let level = clauses.length - 1; level >= 0; level--) if (clauses[level]) return clauses[level];
  return undefined;
}

/** The index of the quote closing the literal or identifier opened at `start` (doubled quotes escape). */
function closingQuote(sql: string, start: number, quote: string): number {
  let i = start + 1;
  while (i < sql.length) {
    if (sql[i] === quote) {
      if (sql[i + 1] === quote) {
        i += 2;
        continue;
      }
      return i;
    }
    i++;
  }
  return sql.length;
}

/**
 * Every way `sql` breaks Athena's documented limits on query text, as one-line messages naming
 * the query (empty when it complies).
 */
export function athenaQueryProblems(name: string, sql: string): string[] {
  const problems: string[] = [];
  const bytes = queryTextBytes(sql);
  if (bytes > ATHENA_QUERY_TEXT_MAX_BYTES) {
    problems.push(
      `query ${name} is ${bytes} bytes: Athena refuses query text over ${ATHENA_QUERY_TEXT_MAX_BYTES} bytes`,
    );
  }
  for (const offset of parametersOutsideWhere(sql)) {
    const around = sql.slice(Math.max(0, offset - 40), offset + 10).replace(/\s+/g, ' ');
    problems.push(
      `query ${name} has an execution parameter outside WHERE at offset ${offset} (...${around}...): Athena allows them in WHERE only`,
    );
  }
  return problems;
}
