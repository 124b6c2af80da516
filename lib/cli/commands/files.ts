/** `driftwatch compare` and `driftwatch evaluate`: ad-hoc checks of files with the jobs' own code. */
import { DuckDbQueryEngine, localEngineOptions } from '../../adapters/duckdb-engine.js';
import { compareFiles, FileInputError } from '../../jobs/compare-files.js';
import { type EvaluateOptions, evaluateFile } from '../../jobs/evaluate-file.js';
import { CliError } from '../errors.js';
import { driftFeatureTable } from '../format-drift.js';
import { formatNumber, renderTable } from '../table.js';

async function withEngine<T>(fn: (engine: DuckDbQueryEngine) => Promise<T>): Promise<T> {
  const engine = await DuckDbQueryEngine.create(localEngineOptions());
  try {
    return await fn(engine);
  } catch (error) {
    if (error instanceof FileInputError) throw new CliError(error.message);
    throw error;
  } finally {
    await engine.close();
  }
}

function list(value: string | undefined): string[] | undefined {
  return value
    ?.split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}

export async function runCompare(
  opts: {
    reference: string;
    current: string;
    method?: string;
    bins?: number;
    categorical?: string;
    columns?: string;
    format?: string;
    json: boolean;
  },
  print: (line: string) => void,
): Promise<void> {
  const categorical = list(opts.categorical);
  const columns = list(opts.columns);
  const result = await withEngine((engine) =>
    compareFiles(engine, {
      reference: opts.reference,
      current: opts.current,
      ...(opts.method ? { method: opts.method } : {}),
      ...(opts.bins !== undefined ? { bins: opts.bins } : {}),
      ...(categorical ? { categorical } : {}),
      ...(columns ? { columns } : {}),
      ...(opts.format ? { format: opts.format } : {}),
    }),
  );
  if (opts.json) {
    print(JSON.stringify(result, null, 2));
    return;
  }
  const drifted = result.columns.filter((c) => c.drifted).length;
  const outOfRange = new Map(
    result.findings.filter((f) => f.kind === 'out_of_range').map((f) => [f.feature!, f.value]),
  );
  print(driftFeatureTable({ features: result.columns }, outOfRange));
  for (const note of result.notes) print(`note: ${note}`);
  for (const s of result.skipped) print(`skipped ${s.name}: ${s.reason}`);
  for (const f of result.findings) print(`${f.kind} (${f.severity}): ${f.message}`);
  print(
    `\n${drifted} of ${result.columns.length} columns drifted${outOfRange.size ? `, ${outOfRange.size} out of the reference range` : ''} (ranked by drift; --json for bins and details)`,
  );
}

export async function runEvaluate(
  opts: EvaluateOptions & { json: boolean },
  print: (line: string) => void,
): Promise<void> {
  const result = await withEngine((engine) => evaluateFile(engine, opts));
  if (opts.json) {
    print(JSON.stringify(result, null, 2));
    return;
  }
  print(`${result.labelled} of ${result.rows} rows labelled`);
  print(
    renderTable(
      ['metric', 'value'],
      Object.entries(result.metrics).map(([name, value]) => [
        name,
        value === null ? `undefined: ${result.undefined[name]}` : formatNumber(value, 4),
      ]),
    ),
  );
  if (result.segments.length) {
    const names = Object.keys(result.metrics)
      .filter((n) => !n.includes('['))
      .slice(0, 4);
    print('');
    print(
      renderTable(
        ['segment', 'rows', ...names],
        result.segments.map((s) => [
          `${s.column}=${s.value}`,
          String(s.rows),
          ...names.map((n) => formatNumber(s.metrics[n] ?? null, 4)),
        ]),
      ),
    );
  }
}
