/**
 * Identifier and literal rendering shared by every dialect. Column names come from the monitor
 * definition and are validated there; they are still quoted here, and a name that could break
 * out of its quotes is refused again (defence in depth: nothing from config reaches SQL unquoted).
 */

/** Column names driftwatch accepts: letters, digits and underscores, not starting with a digit. */
export const IDENTIFIER_PATTERN = /^[A-Za-z_][A-Za-z0-9_]{0,127}$/;

/** Thrown when a string that should be an identifier is not one. */
export class UnsafeIdentifierError extends Error {
  constructor(readonly identifier: string) {
    super(
      `unsafe SQL identifier ${JSON.stringify(identifier)}: use letters, digits and underscores only, not starting with a digit (rename or alias the column)`,
    );
    this.name = 'UnsafeIdentifierError';
  }
}

/**
 * Quotes a column or table name with double quotes (ANSI, Trino and DuckDB alike).
 * @throws UnsafeIdentifierError when the name is not a plain identifier
 * @example quoteIdentifier('income') // => '"income"'
 */
export function quoteIdentifier(name: string): string {
  if (!IDENTIFIER_PATTERN.test(name)) throw new UnsafeIdentifierError(name);
  return `"${name}"`;
}

/**
 * Renders a string as a single-quoted SQL literal, doubling embedded quotes.
 * @example quoteString("it's") // => "'it''s'"
 */
export function quoteString(value: string): string {
  if (value.includes('\u0000')) throw new Error('a SQL string literal cannot contain a NUL character');
  return `'${value.replaceAll("'", "''")}'`;
}

/**
 * Renders a finite number as a DOUBLE literal. Exponent form keeps it a DOUBLE in both DuckDB and
 * Trino (a plain `0.1` is a DECIMAL there) and round-trips the exact binary value.
 * @example quoteDouble(0.1) // => '1e-1'
 */
export function quoteDouble(value: number): string {
  if (!Number.isFinite(value)) throw new Error(`cannot render non-finite number ${value} as a SQL literal`);
  return value.toExponential();
}
