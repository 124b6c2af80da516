/**
 * The one definition of "this row is an error" for a log's error column, used by every query that
 * reads it (the operational metrics, SLOs, the canary's error guardrail). The
 * column may be a boolean, an integer, a float (pandas writes a flag column with a missing value as
 * 0.0 / 1.0), or text. NO error: NULL, boolean false, any numeric zero (0, 0.0, -0, '0.00'), the
 * text '' / '0' and the false words ('false', 'f', 'no': lib/sql/boolean-text.ts) in any case and
 * with surrounding blanks. Anything else is an error ('1', 'yes', 'timeout', 1.0, true, 'NaN').
 */

import { isFalseText } from './boolean-text.js';
import type { SqlDialect } from './dialect.js';
import { quoteIdentifier } from './identifiers.js';

/** The SQL boolean "no error" of the error column `column` (never NULL). */
export function noErrorSql(column: string, dialect: SqlDialect): string {
  const text = dialect.toVarchar(quoteIdentifier(column));
  // COALESCE: TRY_CAST of text that is no number is NULL, which must read as "not zero", not unknown.
  return `(${text} IS NULL OR trim(${text}) = '' OR ${isFalseText(text)} OR COALESCE(TRY_CAST(trim(${text}) AS DOUBLE) = 0, false))`;
}

/** The SQL boolean "this row is an error" (never NULL): the negation of `noErrorSql`. */
export function isErrorSql(column: string, dialect: SqlDialect): string {
  return `NOT ${noErrorSql(column, dialect)}`;
}
