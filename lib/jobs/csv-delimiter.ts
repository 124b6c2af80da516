/**
 * A `csv` log is comma-separated, as the Glue table's OpenCSVSerde reads it on AWS (and
 * lib/sql/dialect.ts pins DuckDB to the same). A file separated by `;`, tabs or `|` then reads as
 * ONE column named after its whole header line ("id;x;cat"): every later message (an id-like
 * column, no timestamp, missing features) would blame the wrong thing. This names the delimiter.
 */
const DELIMITERS: readonly [string, string][] = [
  [';', 'semicolons (;)'],
  ['\t', 'tabs'],
  ['|', 'pipes (|)'],
];

/**
 * The problem, when a CSV read as one column whose name holds another delimiter; undefined
 * otherwise. `what` names the file or folder (e.g. `--reference ref.csv`).
 */
export function csvDelimiterProblem(columns: readonly string[], what: string): string | undefined {
  const real = columns.filter((c) => c !== 'dt' && c !== 'driftwatch_row_id');
  if (real.length !== 1) return undefined;
  const header = real[0]!;
  const found = DELIMITERS.find(([d]) => header.split(d).length >= 2);
  if (!found) return undefined;
  const shown = header.length > 60 ? `${header.slice(0, 57)}...` : header;
  return `${what}: the CSV header ${JSON.stringify(shown)} is one column separated by ${found[1]}; driftwatch reads csv as comma-separated, as the Glue table's OpenCSVSerde does on AWS: re-export the files with commas (e.g. pandas to_csv(sep=','))`;
}
