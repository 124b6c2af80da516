/**
 * Files a local log holds that its format does not read: a day written as Parquet in a csv log,
 * or a Firehose object without an extension. Local runs pick files by extension; without a word
 * such a day was a silent `no_data`. One line per partition: the files, and the fix.
 */
import type { DataSource } from '../sql/dialect.js';

const EXTENSION_FORMAT: Record<string, DataSource['format']> = {
  parquet: 'parquet',
  pq: 'parquet',
  csv: 'csv',
  jsonl: 'jsonl',
  ndjson: 'jsonl',
  json: 'jsonl',
};

function baseName(path: string): string {
  return path.split(/[\\/]/).at(-1) ?? path;
}

/** The format a file name says (`x.parquet`, `x.csv.gz`), or undefined (no or unknown extension). */
function formatOf(name: string): DataSource['format'] | undefined {
  const parts = name.toLowerCase().replace(/\.gz$/, '').split('.');
  return parts.length > 1 ? EXTENSION_FORMAT[parts.at(-1)!] : undefined;
}

/**
 * One message per `dt` partition that has files but none of the format (partitions with some
 * files of the format are read, and are not reported). `field` is e.g. `predictions.format`.
 */
export function unreadPartitionMessages(source: DataSource, field: string): string[] {
  const read = new Set(source.partitions ?? []);
  const byDay = new Map<string, string[]>();
  for (const file of source.unread ?? []) {
    const dt = /[\\/]dt=(\d{4}-\d{2}-\d{2})[\\/]/.exec(file)?.[1];
    if (!dt || read.has(dt)) continue;
    byDay.set(dt, [...(byDay.get(dt) ?? []), baseName(file)]);
  }
  return [...byDay.entries()].map(([dt, names]) => {
    const shown = names.slice(0, 3).join(', ') + (names.length > 3 ? ` and ${names.length - 3} more` : '');
    const formats = [...new Set(names.map(formatOf))];
    const other = formats.length === 1 ? formats[0] : undefined;
    const fix =
      other && other !== source.format
        ? `if the log changed format, set ${field}: ${other} (one format per log) or write that day as ${source.format} again`
        : `local runs read ${source.format} files by their extension: name them *.${source.format}, or set ${field} to the format they hold`;
    return `dt=${dt} holds ${shown} but no ${source.format} file, so that day was not read: ${fix}`;
  });
}
