/**
 * Partition-true reading for engines that read files (DuckDB): lists exactly the files a job
 * needs, so a job never opens, sniffs or reads the metadata of a partition outside its range.
 * A partitioned log is a folder of `dt=YYYY-MM-DD` folders; any other folder in it (e.g.
 * `dt=2026-10-21_old`, `tmp`) is a stray: ignored and reported. Hidden files and folders
 * (`.x`, `_SUCCESS`) are skipped, as Hive and Spark do.
 */
import type { Dirent } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { DataSource, DateRange } from '../sql/dialect.js';

/** The file names each log format reads (compressed forms are decompressed by DuckDB). */
export const FORMAT_EXTENSIONS: Record<DataSource['format'], readonly string[]> = {
  parquet: ['.parquet', '.pq'],
  csv: ['.csv', '.csv.gz'],
  jsonl: ['.jsonl', '.ndjson', '.json', '.jsonl.gz', '.ndjson.gz', '.json.gz'],
};

const PARTITION = /^dt=(\d{4}-\d{2}-\d{2})$/;
/** Nested folders below a partition (e.g. `hour=03/`) are read down to this depth. */
const MAX_DEPTH = 8;

function isDate(value: string): boolean {
  const parsed = new Date(`${value}T00:00:00Z`);
  return !Number.isNaN(parsed.getTime()) && parsed.toISOString().slice(0, 10) === value;
}

function hidden(name: string): boolean {
  return name.startsWith('.') || name.startsWith('_');
}

function hasExtension(name: string, format: DataSource['format']): boolean {
  const lower = name.toLowerCase();
  return FORMAT_EXTENSIONS[format].some((ext) => lower.endsWith(ext));
}

/** Whether an entry is a folder, following symbolic links (DuckDB's `**` did not). */
async function isFolder(dir: string, entry: Dirent): Promise<boolean> {
  if (entry.isDirectory()) return true;
  if (!entry.isSymbolicLink()) return false;
  return (await stat(join(dir, entry.name)).catch(() => undefined))?.isDirectory() ?? false;
}

async function isFile(dir: string, entry: Dirent): Promise<boolean> {
  if (entry.isFile()) return true;
  if (!entry.isSymbolicLink()) return false;
  return (await stat(join(dir, entry.name)).catch(() => undefined))?.isFile() ?? false;
}

async function entries(dir: string, location: string): Promise<Dirent[]> {
  try {
    return await readdir(dir, { withFileTypes: true });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') {
      throw new Error(
        `log location ${location} does not exist: check the location in the monitor definition (relative paths start at the definition's folder)`,
      );
    }
    throw new Error(
      `cannot list ${dir} (${code ?? (error as Error).message}): check that the folder is readable`,
    );
  }
}

/**
 * The data files of a folder of the format, sorted; down into subfolders when `depth` > 0. Other
 * visible files (another format's extension, or none, as Firehose writes) go to `unread`.
 */
async function filesIn(
  dir: string,
  format: DataSource['format'],
  location: string,
  depth: number,
  unread?: string[],
): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await entries(dir, location)) {
    if (hidden(entry.name)) continue;
    if (await isFile(dir, entry)) {
      if (hasExtension(entry.name, format)) out.push(join(dir, entry.name));
      else unread?.push(join(dir, entry.name));
    } else if (depth > 0 && (await isFolder(dir, entry))) {
      out.push(...(await filesIn(join(dir, entry.name), format, location, depth - 1, unread)));
    }
  }
  return out.sort();
}

/**
 * Resolves a local log to the files of `range` (`dt` in `[from, to)`; every partition without a
 * range). An unpartitioned log is its files of the format (or the one file it names). The result
 * may have no files: the caller reports `no_data`.
 */
export async function resolveLocalFiles(source: DataSource, range?: DateRange): Promise<DataSource> {
  const location = source.location.replace(/\/+$/, '') || '/';
  const info = await stat(location).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return undefined;
    throw new Error(`cannot read ${location} (${error.code ?? error.message}): check that it is readable`);
  });
  if (!info) {
    throw new Error(
      `log location ${location} does not exist: check the location in the monitor definition (relative paths start at the definition's folder)`,
    );
  }
  if (info.isFile()) return { ...source, files: [location] };
  if (!source.partitioned) {
    const files = await filesIn(location, source.format, location, 0);
    if (!files.length) {
      throw new Error(
        `no ${source.format} file (${FORMAT_EXTENSIONS[source.format].join(', ')}) in ${location}: check the location and the format in the monitor definition`,
      );
    }
    return { ...source, files };
  }
  const partitions: string[] = [];
  const stray: string[] = [];
  const files: string[] = [];
  const unread: string[] = [];
  const top = (await entries(location, location)).sort((a, b) => a.name.localeCompare(b.name));
  for (const entry of top) {
    if (hidden(entry.name) || !(await isFolder(location, entry))) continue;
    const dt = PARTITION.exec(entry.name)?.[1];
    if (!dt || !isDate(dt)) {
      stray.push(entry.name);
      continue;
    }
    if (range && (dt < range.from || dt >= range.to)) continue;
    const found = await filesIn(join(location, entry.name), source.format, location, MAX_DEPTH, unread);
    if (found.length) {
      partitions.push(dt);
      files.push(...found);
    }
  }
  return { ...source, files, partitions, stray, ...(unread.length ? { unread: unread.sort() } : {}) };
}
