/**
 * CSV for spreadsheets (RFC 4180): a cell holding a comma, a double quote, a line break or
 * leading / trailing spaces is quoted, with its quotes doubled. Text that a spreadsheet would run
 * as a formula (starting with `=`, `+`, `-`, `@`, a tab or a carriage return) gets a leading `'`,
 * so the cell shows as text (OWASP's CSV-injection advice); a reader wanting the exact value drops
 * that one quote. Numbers we format ourselves are written as they are.
 */
const FORMULA_START = /^[=+\-@\t\r]/;

export type CsvCell = string | number | undefined;

export function csvCell(value: CsvCell): string {
  if (value === undefined) return '';
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : '';
  const text = FORMULA_START.test(value) ? `'${value}` : value;
  return /[",\r\n]|^\s|\s$/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** Rows to CSV text: a header line, then one record per row, `\r\n` between records. */
export function toCsv(headers: readonly string[], rows: readonly (readonly CsvCell[])[]): string {
  return [headers, ...rows].map((row) => row.map(csvCell).join(',')).join('\r\n');
}
