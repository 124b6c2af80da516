/** Builds a job's dependencies for a local run: the definition, DuckDB, a results folder. */
import { readFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { DuckDbQueryEngine, localEngineOptions } from '../adapters/duckdb-engine.js';
import { fileError } from '../adapters/errors.js';
import { FileNotifier } from '../adapters/file-notifier.js';
import { FsResultStore } from '../adapters/fs-store.js';
import { parseDefinition } from '../config/load.js';
import type { MonitorDefinition } from '../config/schema.js';
import { resolveLocalSources } from '../jobs/sources.js';
import type { JobDeps } from '../jobs/types.js';
import { parseDate } from '../jobs/windows.js';
import { type Clock, systemClock } from '../ports.js';
import { CliError } from './errors.js';

export async function loadDefinitionFile(path: string): Promise<MonitorDefinition> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new CliError(
      code === 'ENOENT'
        ? `config file ${path} does not exist: pass --config with the path of your monitor definition (YAML or JSON)`
        : code === 'EISDIR'
          ? `config file ${path} is a folder: pass --config with the path of your monitor definition file (YAML or JSON)`
          : (fileError(error, path, 'read') as Error).message.replace(
              /^cannot read /,
              'cannot read config file ',
            ),
    );
  }
  return parseDefinition(text, path);
}

export interface LocalContext {
  deps: JobDeps;
  outDir: string;
  close(): Promise<void>;
}

/** Local dependencies: locations relative to the config file, results under `outDir/results`. */
export async function localContext(
  definition: MonitorDefinition,
  options: { baseDir: string; outDir: string; verbose?: boolean; clock?: Clock },
): Promise<LocalContext> {
  const engine = await DuckDbQueryEngine.create(localEngineOptions());
  const outDir = resolve(options.outDir);
  const deps: JobDeps = {
    definition,
    sources: resolveLocalSources(definition, options.baseDir),
    engine,
    store: new FsResultStore(join(outDir, 'results')),
    clock: options.clock ?? systemClock,
    // Canary verdicts go to canary.jsonl in the output folder (alerts have their own command).
    notifier: new FileNotifier({ outDir, print: () => {} }),
    ...(options.verbose ? { log: (message, detail) => console.error(message, detail ?? '') } : {}),
  };
  return { deps, outDir, close: () => engine.close() };
}

/**
 * The clock of a run `--as-of` a date: that morning at 02:00 UTC, when the schedule runs. A job sees
 * the labels partitioned up to that date and judges maturity on it; the default window is the day
 * before. Without a date, the system clock.
 */
export function asOfClock(asOf: string | undefined): Clock {
  if (asOf === undefined) return systemClock;
  try {
    parseDate(asOf, '--as-of');
  } catch (error) {
    throw new CliError((error as Error).message, 2);
  }
  const now = new Date(`${asOf}T02:00:00Z`);
  return { now: () => now };
}

export function configBaseDir(configPath: string): string {
  return dirname(resolve(configPath));
}
