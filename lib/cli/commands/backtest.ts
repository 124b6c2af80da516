/**
 * `driftwatch backtest`: replays the schedule over past days, morning by morning, exactly as it
 * runs on AWS: drift for yesterday, performance for the window whose labels matured that morning,
 * then the alert policy, each with the clock set to that morning (labels that arrived later are
 * not read). Alerts go to alerts.jsonl beside the results, like every local run.
 */
import { FileNotifier } from '../../adapters/file-notifier.js';
import { type BacktestDay, runBacktest } from '../../jobs/backtest.js';
import { runBaseline } from '../../jobs/baseline.js';
import { configBaseDir, loadDefinitionFile, localContext } from '../context.js';
import { progressBar } from '../progress.js';
import { renderTable } from '../table.js';
import { datesBetween } from './run.js';

export interface BacktestCommandOptions {
  config: string;
  from: string;
  to: string;
  out: string;
  json: boolean;
  /** Profile the reference again first (the stored profile is kept otherwise). */
  rebaseline?: boolean;
}

export async function runBacktestCommand(
  options: BacktestCommandOptions,
  print: (line: string) => void,
): Promise<BacktestDay[]> {
  const dates = datesBetween(options.from, options.to);
  const definition = await loadDefinitionFile(options.config);
  const context = await localContext(definition, {
    baseDir: configBaseDir(options.config),
    outDir: options.out,
  });
  const notifier = new FileNotifier({ outDir: context.outDir, print: options.json ? () => {} : print });
  let days: BacktestDay[];
  try {
    if (options.rebaseline) await runBaseline(context.deps);
    const progress = options.json ? undefined : progressBar(dates.length, 'backtest');
    days = await runBacktest(context.deps, {
      from: options.from,
      to: options.to,
      notifier,
      onDay: (day) => progress?.tick(day.date),
    });
    progress?.done();
  } finally {
    await context.close();
  }
  if (options.json) {
    print(
      JSON.stringify(
        days.map((d) => ({
          date: d.date,
          drift: { status: d.drift.status, rows: d.drift.rows, drivers: d.drift.dataset.drivers },
          ...(d.performance
            ? {
                performance: {
                  window: d.performance.window.start,
                  status: d.performance.status,
                  [d.performance.primaryMetric]: d.performance.overall.metrics[d.performance.primaryMetric],
                },
              }
            : {}),
          decisions: d.alerts.decisions,
        })),
        null,
        2,
      ),
    );
    return days;
  }
  print(
    renderTable(
      ['morning of', 'rows', 'drifted', 'performance', 'alerts'],
      days.map((d) => {
        const p = d.performance;
        const metric = p?.overall.metrics[p.primaryMetric];
        return [
          d.date,
          String(d.drift.rows),
          d.drift.dataset.drivers.join(', ') || '-',
          p
            ? `${p.window.start} ${p.status}${typeof metric === 'number' ? ` ${p.primaryMetric} ${metric.toFixed(4)}` : ''}`
            : '-',
          d.alerts.decisions.map((x) => `${x.type} ${x.ruleId} ${x.subject} (${x.level})`).join('; ') ||
            'quiet',
        ];
      }),
    ),
  );
  const opened = days.flatMap((d) => d.alerts.decisions.filter((x) => x.type === 'opened'));
  print(
    `${days.length} mornings replayed, ${opened.length} incident${opened.length === 1 ? '' : 's'} opened; results under ${context.outDir}/results, alerts in ${context.outDir}/alerts.jsonl`,
  );
  return days;
}
