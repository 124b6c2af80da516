/** `driftwatch alerts`, `digest` and `report`: the steps after the jobs, for local runs. */
import { join, resolve } from 'node:path';
import { FileNotifier } from '../../adapters/file-notifier.js';
import { FsResultStore } from '../../adapters/fs-store.js';
import { runAlerts, runAlertsRange, runDigest, runLine } from '../../jobs/alerts.js';
import { runReport } from '../../jobs/report-job.js';
import { lastCompleteWindow, shiftDate, windowFor } from '../../jobs/windows.js';
import { systemClock } from '../../ports.js';
import { asOfClock, loadDefinitionFile } from '../context.js';
import { CliError } from '../errors.js';
import { renderTable } from '../table.js';

interface Common {
  config: string;
  date?: string;
  out: string;
}

export async function runAlertsCommand(
  opts: Common & { json: boolean; from?: string; to?: string; asOf?: string },
  print: (line: string) => void,
): Promise<void> {
  if ((opts.from === undefined) !== (opts.to === undefined))
    throw new CliError(`alerts: give both --from and --to (got only ${opts.from ? '--from' : '--to'})`, 2);
  if (opts.from && opts.date)
    throw new CliError('alerts: --date and --from/--to exclude each other: give one window or a range', 2);
  if (opts.from && opts.to && opts.from > opts.to)
    throw new CliError(`alerts: --from ${opts.from} is after --to ${opts.to}: swap them`, 2);
  const definition = await loadDefinitionFile(opts.config);
  const outDir = resolve(opts.out);
  const store = new FsResultStore(join(outDir, 'results'));
  // A single window prints its alerts (through the CLI's print, which stops quietly when stdout's
  // reader is gone); a replay prints one line per window (alerts.jsonl has them all).
  const notifier = new FileNotifier({ outDir, print: opts.json || opts.from ? () => {} : print });
  const clock = asOfClock(opts.asOf);
  // A clock before the end of a window it evaluates would open incidents before their problem
  // was seen (negative detection times): refuse it.
  const lastWindow = opts.to ?? opts.date;
  if (opts.asOf !== undefined && lastWindow !== undefined) {
    const end = windowFor(definition, lastWindow).end;
    if (clock.now().toISOString() < `${end}T00:00:00.000Z`)
      throw new CliError(
        `alerts: --as-of ${opts.asOf} is before the end of the window ${lastWindow} it evaluates (complete on ${end}): give --as-of ${end} or later`,
        2,
      );
  }
  const deps = { definition, store, notifier, clock };
  const summaries =
    opts.from && opts.to
      ? await runAlertsRange(deps, opts.from, opts.to)
      : [await runAlerts(deps, opts.date ?? lastCompleteWindow({ definition, clock }))];
  if (opts.json) {
    print(JSON.stringify(opts.from ? summaries : summaries[0], null, 2));
    return;
  }
  for (const summary of summaries) {
    print(runLine(summary));
    if (summary.decisions.length)
      print(
        renderTable(
          ['decision', 'rule', 'subject', 'level', 'delivery'],
          summary.decisions.map((d) => [d.type, d.ruleId, d.subject, d.level, d.delivery]),
        ),
      );
  }
  const sent = summaries.reduce((a, s) => a + s.sent, 0);
  print(`${sent} message${sent === 1 ? '' : 's'} sent; alerts in ${join(outDir, 'alerts.jsonl')}`);
}

export async function runDigestCommand(opts: Common, print: (line: string) => void): Promise<void> {
  const definitions = await Promise.all(
    opts.config.split(',').map((path) => loadDefinitionFile(path.trim())),
  );
  const outDir = resolve(opts.out);
  const store = new FsResultStore(join(outDir, 'results'));
  const date = opts.date ?? shiftDate(systemClock.now().toISOString().slice(0, 10), -1);
  const notifier = new FileNotifier({ outDir, print: () => {} });
  const { message, delivery } = await runDigest({ definitions, store, notifier, clock: systemClock }, date);
  print(message.body);
  print(
    `\n(${delivery.status === 'duplicate' ? 'already written' : 'written'} to ${join(outDir, 'digest.txt')})`,
  );
}

export async function runReportCommand(opts: Common, print: (line: string) => void): Promise<void> {
  const definition = await loadDefinitionFile(opts.config);
  const store = new FsResultStore(join(resolve(opts.out), 'results'));
  const date = opts.date ?? lastCompleteWindow({ definition, clock: systemClock });
  const { link } = await runReport({ definition, store, clock: systemClock }, date);
  print(`report: ${link}`);
}
