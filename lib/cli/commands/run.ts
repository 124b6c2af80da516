/** `driftwatch run` and `driftwatch backfill`: run one job over one window or a range of windows. */
import { FileNotifier } from '../../adapters/file-notifier.js';
import { runJob } from '../../jobs/run-job.js';
import { JOB_NAMES, type JobName, type JobSummary } from '../../jobs/types.js';
import { durationDays, parseDate, shiftDate } from '../../jobs/windows.js';
import { asOfClock, configBaseDir, loadDefinitionFile, localContext } from '../context.js';
import { CliError } from '../errors.js';
import { gracefulScope, signalExitCode } from '../interrupt.js';
import { progressBar } from '../progress.js';
import { renderTable } from '../table.js';

export interface RunOptions {
  config: string;
  job: string;
  out: string;
  json: boolean;
  verbose?: boolean;
  /** Run as the schedule would have on this morning (YYYY-MM-DD): labels and maturity as of then. */
  asOf?: string;
  /** canary: the window's first instant (YYYY-MM-DDTHH:MM:SSZ). */
  start?: string;
}

function jobName(value: string): JobName {
  if (!(JOB_NAMES as readonly string[]).includes(value)) {
    throw new CliError(`--job ${JSON.stringify(value)} is not a job: use one of ${JOB_NAMES.join(', ')}`, 2);
  }
  return value as JobName;
}

function checkDate(value: string, flag: string): string {
  try {
    parseDate(value, flag);
  } catch (error) {
    throw new CliError((error as Error).message, 2);
  }
  return value;
}

export async function runWindows(
  options: RunOptions,
  dates: string[] | undefined,
  print: (line: string) => void,
): Promise<JobSummary[]> {
  const job = jobName(options.job);
  if (options.start !== undefined && job !== 'canary') {
    throw new CliError(`--start is for --job canary (sub-day windows): use --date for ${job}`, 2);
  }
  const definition = await loadDefinitionFile(options.config);
  const context = await localContext(definition, {
    baseDir: configBaseDir(options.config),
    outDir: options.out,
    ...(options.verbose ? { verbose: true } : {}),
    clock: asOfClock(options.asOf),
  });
  // The slo job publishes its own burn-rate alerts: locally to <out>/alerts.jsonl and the console.
  const deps =
    job === 'slo'
      ? {
          ...context.deps,
          notifier: new FileNotifier({ outDir: context.outDir, print: options.json ? () => {} : print }),
        }
      : context.deps;
  const summaries: JobSummary[] = [];
  const list = dates ?? [undefined];
  // A backfill stops cleanly on Ctrl-C: after the window in progress, saying what finished.
  const scope = list.length > 1 ? gracefulScope(() => finishedLine(summaries, list.length)) : undefined;
  let stoppedEarly = false;
  try {
    const progress = list.length > 1 ? progressBar(list.length, job) : undefined;
    for (const date of list) {
      if (scope?.stopRequested) {
        stoppedEarly = true;
        break;
      }
      summaries.push(
        await runJob(
          { job, ...(date ? { date } : {}), ...(options.start ? { start: options.start } : {}) },
          deps,
        ),
      );
      progress?.tick(date ?? '');
    }
    progress?.done();
  } finally {
    scope?.dispose();
    await context.close();
  }
  if (stoppedEarly || (scope?.stopRequested && summaries.length < list.length)) {
    const next = list[summaries.length];
    throw new CliError(
      `interrupted: ${finishedLine(summaries, list.length)}${next ? `; resume with --from ${next}` : ''}`,
      signalExitCode(scope?.signal),
    );
  }
  if (options.json) {
    print(JSON.stringify(summaries.length === 1 ? summaries[0] : summaries, null, 2));
  } else {
    print(
      renderTable(
        ['job', 'window', 'status', 'summary'],
        summaries.map((s) => [s.job, s.window?.start ?? '-', s.status, s.message]),
      ),
    );
    const keys = summaries.map((s) => s.resultKey).filter(Boolean);
    if (keys.length)
      print(
        `results under ${context.outDir}/results (${keys.length} document${keys.length === 1 ? '' : 's'})`,
      );
  }
  return summaries;
}

/** "3 of 10 windows finished (2026-10-01 to 2026-10-03)". */
function finishedLine(summaries: readonly JobSummary[], total: number): string {
  const starts = summaries.map((s) => s.window?.start).filter((d): d is string => Boolean(d));
  const range = starts.length ? ` (${starts[0]}${starts.length > 1 ? ` to ${starts.at(-1)}` : ''})` : '';
  return `${summaries.length} of ${total} windows finished${range}, their results are saved`;
}

/** Window starts from `from` to `to` inclusive, stepping by the definition's window. */
export function datesBetween(from: string, to: string, stepDays = 1): string[] {
  checkDate(from, '--from');
  checkDate(to, '--to');
  if (from > to) throw new CliError(`--from ${from} is after --to ${to}: swap them`, 2);
  const dates: string[] = [];
  for (let d = from; d <= to; d = shiftDate(d, stepDays)) dates.push(d);
  return dates;
}

export async function runBackfill(
  options: RunOptions & { from: string; to: string },
  print: (line: string) => void,
): Promise<JobSummary[]> {
  const definition = await loadDefinitionFile(options.config);
  return runWindows(options, datesBetween(options.from, options.to, durationDays(definition.window)), print);
}

export { checkDate };
