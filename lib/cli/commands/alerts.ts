/** `driftwatch alerts`, `digest` and `report`: the steps after the jobs, for local runs. */
import { join, resolve } from 'node:path';
import { FileNotifier } from '../../adapters/file-notifier.js';
import { FsResultStore } from '../../adapters/fs-store.js';
import { runAlerts, runDigest } from '../../jobs/alerts.js';
import { runReport } from '../../jobs/report-job.js';
import { lastCompleteWindow, shiftDate } from '../../jobs/windows.js';
import { systemClock } from '../../ports.js';
import { loadDefinitionFile } from '../context.js';
import { renderTable } from '../table.js';

interface Common {
  config: string;
  date?: string;
  out: string;
}

export async function runAlertsCommand(
  opts: Common & { json: boolean },
  print: (line: string) => void,
): Promise<void> {
  const definition = await loadDefinitionFile(opts.config);
  const outDir = resolve(opts.out);
  const store = new FsResultStore(join(outDir, 'results'));
  const date = opts.date ?? lastCompleteWindow({ definition, clock: systemClock });
  // Alerts print through the CLI's print, which stops quietly when stdout's reader is gone.
  const notifier = new FileNotifier({ outDir, print: opts.json ? () => {} : print });
  const summary = await runAlerts({ definition, store, notifier, clock: systemClock }, date);
  if (opts.json) {
    print(JSON.stringify(summary, null, 2));
    return;
  }
  print(
    summary.decisions.length
      ? renderTable(
          ['decision', 'rule', 'subject', 'level', 'delivery'],
          summary.decisions.map((d) => [d.type, d.ruleId, d.subject, d.level, d.delivery]),
        )
      : `no alert decision for ${date}`,
  );
  print(
    `${summary.openIncidents} open incident${summary.openIncidents === 1 ? '' : 's'}; alerts in ${join(outDir, 'alerts.jsonl')}`,
  );
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
