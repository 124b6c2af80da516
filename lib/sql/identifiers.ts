/**
 * Identifier and literal rendering shared by every dialect. Names the definition gives driftwatch
 * (`name:`, id and score columns) are plain identifiers, validated there; a feature's real column
 * (`column:`) may be any text and is always quoted here, embedded quotes doubled: nothing from
 * config reaches SQL unquoted.
 */

/** Names driftwatch gives columns (config `name:`): letters, digits and underscores, not starting with a digit. */
export const IDENTIFIER_PATTERN = /^[A-Za-z_][A-Za-z0-9_]{0,127}$/;

/** Thrown when a string cannot be a column or table name at all (empty, too long, a NUL or line break). */
export class UnsafeIdentifierError extends Error {
  constructor(readonly identifier: string) {
    super(
      `unsafe SQL identifier ${JSON.stringify(identifier)}: a column name must be 1 to 255 characters without NUL or line breaks (rename the column)`,
    );
    this.name = 'UnsafeIdentifierError';
  }
}

/** Names quoteIdentifier accepts: any text of 1 to 255 characters without NUL, CR or LF. */
export function isQuotableIdentifier(name: string): boolean {
  return name.length > 0 && name.length <= 255 && !['\u0000', '\r', '\n'].some((c) => name.includes(c));
}

/**
 * Quotes a column or table name with double quotes (ANSI, Trino and DuckDB alike), doubling any
 * embedded double quote, so a real column such as `loan amount` or `od280/od315_of_diluted_wines`
 * is read as itself and a name like `a" FROM x; --` stays one (nonexistent) column.
 * @throws UnsafeIdentifierError when the name is empty, longer than 255 characters, or holds NUL/CR/LF
 * @example quoteIdentifier('income') // => '"income"'
 * @example quoteIdentifier('say "hi"') // => '"say ""hi"""'
 */
export function quoteIdentifier(name: string): string {
  if (!isQuotableIdentifier(name)) throw new UnsafeIdentifierError(name);
  return `"${name.replaceAll('"', '""')}"`;
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
