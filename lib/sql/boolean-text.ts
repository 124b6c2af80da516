/**
 * The words a text column may use for true and false. A CSV log's columns are read as text, never
 * as BOOLEAN (lib/sql/dialect.ts CSV_TYPES): DuckDB's sniffer typed a file of yes/no BOOLEAN
 * ('true' / 'false' as text) but a day with one 'unknown' VARCHAR ('yes' / 'no'), so the same
 * values read as two sets of categories (PSI 17, critical drift), and Athena's CSV SerDe reads
 * them as text anyway. Every reading of a 0/1 value (labels, KPI flags, error columns, SLO and
 * canary conditions) accepts these words, any case, blanks trimmed: exactly the text DuckDB's
 * sniffer took for a boolean, so a yes/no log means what it meant before.
 */
export const TRUE_WORDS = ['true', 't', 'yes'] as const;
export const FALSE_WORDS = ['false', 'f', 'no'] as const;

const list = (words: readonly string[]) => words.map((w) => `'${w}'`).join(', ');

/** SQL: `text` (a VARCHAR expression) is a true word. NULL when `text` is NULL. */
export function isTrueText(text: string): string {
  return `lower(trim(${text})) IN (${list(TRUE_WORDS)})`;
}

/** SQL: `text` (a VARCHAR expression) is a false word. NULL when `text` is NULL. */
export function isFalseText(text: string): string {
  return `lower(trim(${text})) IN (${list(FALSE_WORDS)})`;
}

/** A JavaScript value's reading as a true (1), false (0) word, or undefined. */
export function booleanWord(value: string): 0 | 1 | undefined {
  const lower = value.trim().toLowerCase();
  if ((TRUE_WORDS as readonly string[]).includes(lower)) return 1;
  if ((FALSE_WORDS as readonly string[]).includes(lower)) return 0;
  return undefined;
}
