/** `driftwatch demo`: generate the demo data, then baseline, drift and the rest over every day. */
import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { stringify } from 'yaml';
import { DuckDbQueryEngine } from '../../adapters/duckdb-engine.js';
import { validateDefinition } from '../../config/load.js';
import { demoDefinition } from '../../demo/definition.js';
import { DEMO_DEFAULTS, type DemoManifest, generateDemo } from '../../demo/generate.js';
import { runBaseline } from '../../jobs/baseline.js';
import { runDrift } from '../../jobs/drift.js';
import type { DriftResult } from '../../jobs/drift-result.js';
import { runPerformance } from '../../jobs/performance.js';
import type { PerformanceResult } from '../../jobs/performance-result.js';
import { shiftDate } from '../../jobs/windows.js';
import { localContext } from '../context.js';
import { CliError } from '../errors.js';
import { driftDaysTable } from '../format-drift.js';
import { performanceDaysTable } from '../format-performance.js';
import { progressBar } from '../progress.js';

export interface DemoCommandOptions {
  out: string;
  rowsPerDay: number;
  seed: number;
  json: boolean;
}

export interface DemoOutcome {
  manifest: DemoManifest;
  outDir: string;
  configPath: string;
  drift: DriftResult[];
  performance: PerformanceResult[];
}

export async function runDemo(
  options: DemoCommandOptions,
  print: (line: string) => void,
): Promise<DemoOutcome> {
  if (!Number.isInteger(options.rowsPerDay) || options.rowsPerDay < 100) {
    throw new CliError(`--rows-per-day ${options.rowsPerDay} is too small: use at least 100 (default 20000)`);
  }
  const outDir = resolve(options.out);
  await mkdir(outDir, { recursive: true });
  const started = Date.now();

  const generator = await DuckDbQueryEngine.create();
  let manifest: DemoManifest;
  try {
    manifest = await generateDemo(generator, {
      ...DEMO_DEFAULTS,
      outDir,
      rowsPerDay: options.rowsPerDay,
      seed: options.seed,
    });
  } finally {
    await generator.close();
  }
  const input = demoDefinition('data');
  const configPath = join(outDir, 'driftwatch.yaml');
  await writeFile(
    configPath,
    `# The demo model's monitor definition (see README: "Monitor definition").\n${stringify(input)}`,
  );
  const definition = validateDefinition(input, configPath);
  print(
    `generated ${manifest.days} days x ${manifest.rowsPerDay} predictions in ${outDir}/data (${((Date.now() - started) / 1000).toFixed(1)}s)`,
  );

  const context = await localContext(definition, { baseDir: outDir, outDir });
  const drift: DriftResult[] = [];
  const performance: PerformanceResult[] = [];
  // The demo runs as of the morning after the log's last day: the last 7 windows' labels are
  // still on their way.
  const asOf = new Date(`${shiftDate(manifest.endDate, 1)}T06:00:00Z`);
  const deps = { ...context.deps, clock: { now: () => asOf } };
  try {
    await runBaseline(deps);
    const progress = progressBar(manifest.days, 'drift + performance');
    for (let day = 0; day < manifest.days; day++) {
      const date = shiftDate(manifest.startDate, day);
      drift.push((await runDrift(deps, date)).result);
      performance.push((await runPerformance(deps, date)).result);
      progress.tick(date);
    }
    progress.done();
  } finally {
    await context.close();
  }
  if (!options.json) {
    print('');
    print(driftDaysTable(drift));
    print('');
    print(performanceDaysTable(performance));
    print('');
    print(
      `injected (data/manifest.json): ${manifest.injected.map((p) => `${p.kind} ${p.feature ?? (p.segment ? `${p.segment.column}=${p.segment.value}` : 'all rows')} from ${p.startDate}`).join('; ')}`,
    );
    print(`results: ${join(outDir, 'results')}   config: ${configPath}`);
    print(`done in ${((Date.now() - started) / 1000).toFixed(1)}s`);
  }
  return { manifest, outDir, configPath, drift, performance };
}
