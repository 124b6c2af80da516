#!/usr/bin/env node
/**
 * The driftwatch command. Every failure ends as one clear line on stderr and a non-zero exit code;
 * `DRIFTWATCH_DEBUG=1` adds the stack trace.
 */
import { Command, InvalidArgumentError } from 'commander';
import { InvalidDefinitionError } from '../config/load.js';
import { runAlertsCommand, runDigestCommand, runReportCommand } from './commands/alerts.js';
import { runBacktestCommand } from './commands/backtest.js';
import { runDemo } from './commands/demo.js';
import { runCompare, runEvaluate } from './commands/files.js';
import { INCIDENT_FORMATS, runIncidentsCommand } from './commands/incidents.js';
import { runInit } from './commands/init.js';
import { checkDate, runBackfill, runWindows } from './commands/run.js';
import { runSchemaCommand } from './commands/schema.js';
import { ticketsCommand } from './commands/tickets.js';
import { runValidate } from './commands/validate.js';
import { CliError } from './errors.js';
import { installSignalHandlers } from './interrupt.js';

/** Set once stdout's reader is gone (`driftwatch alerts | head -1`): output stops, work goes on. */
let stdoutClosed = false;
const print = (line: string) => {
  if (!stdoutClosed) process.stdout.write(`${line}\n`);
};

/**
 * EPIPE on stdout (the reader closed the pipe) is not an error of ours: stop printing and let the
 * command finish its work (a delivery is not cut in half), then exit as it would have.
 */
function guardStdout(): void {
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') {
      stdoutClosed = true;
      return;
    }
    throw error;
  });
}

function integer(value: string): number {
  const parsed = Number(value);
  if (!Number.isInteger(parsed))
    throw new InvalidArgumentError(`${JSON.stringify(value)} is not a whole number`);
  return parsed;
}

export function buildProgram(): Command {
  const program = new Command('driftwatch')
    .description(
      'Scheduled monitoring for ML models: drift, data quality, delayed-label performance, alerts.',
    )
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();

  program
    .command('demo')
    .description('generate 30 days of a credit model’s logs with injected problems, and monitor them')
    .option('--out <dir>', 'output folder (data/ and results/ go inside)', 'demo-out')
    .option('--rows-per-day <n>', 'predictions per day', integer, 20_000)
    .option('--seed <n>', 'random seed', integer, 42)
    .option('--json', 'print machine-readable output', false)
    .action(async (opts) => {
      const outcome = await runDemo(
        { out: opts.out, rowsPerDay: opts.rowsPerDay, seed: opts.seed, json: opts.json },
        print,
      );
      if (opts.json)
        print(JSON.stringify({ outDir: outcome.outDir, manifest: outcome.manifest, drift: outcome.drift }));
    });

  program
    .command('init')
    .description(
      'propose a monitor definition from a folder of logs (the schema of its last partitions), with the reasoning, and validate it',
    )
    .requiredOption('--predictions <dir>', 'the prediction log: a folder of dt=YYYY-MM-DD folders')
    .option('--labels <dir>', 'the labels log (dt= folders, or one folder of files)')
    .option(
      '--reference <file>',
      'the reference data (e.g. the training set); default: the first days of the log',
    )
    .option('--out <file>', 'the definition to write', 'driftwatch.yaml')
    .option('--model-id <id>', 'the model id (default: from the folder name)')
    .option('--task <task>', 'binary | multiclass | regression (default: guessed from the columns)')
    .option('--force', 'overwrite --out if it exists', false)
    .action(async (opts) => {
      if (opts.task && !['binary', 'multiclass', 'regression'].includes(opts.task)) {
        throw new CliError(
          `--task ${JSON.stringify(opts.task)} is not a task: use binary, multiclass or regression`,
          2,
        );
      }
      await runInit(opts, print);
    });

  program
    .command('validate')
    .description(
      'check a definition against its files: columns and types, partitions, a dry run of the last window, what each job reads and would cost on Athena',
    )
    .requiredOption('--config <file>', 'monitor definition (YAML or JSON)')
    .option('--json', 'print machine-readable output', false)
    .action(async (opts) => {
      await runValidate({ config: opts.config, json: opts.json }, print);
    });

  program
    .command('run')
    .description('run one job for one window')
    .requiredOption('--config <file>', 'monitor definition (YAML or JSON)')
    .option('--date <YYYY-MM-DD>', 'first day of the window (default: the last complete window)')
    .option('--job <name>', 'baseline | drift | performance | slo | canary', 'drift')
    .option(
      '--start <YYYY-MM-DDTHH:MM:SSZ>',
      'canary: the first instant of the window (default: the last complete canary window)',
    )
    .option('--out <dir>', 'output folder (results/ goes inside)', '.driftwatch')
    .option('--json', 'print machine-readable output', false)
    .option('--verbose', 'log progress to stderr', false)
    .option(
      '--as-of <YYYY-MM-DD>',
      'run as the schedule would have that morning: labels that had arrived by then, maturity judged then',
    )
    .action(async (opts) => {
      const dates = opts.date ? [checkDate(opts.date, '--date')] : undefined;
      await runWindows(
        {
          config: opts.config,
          job: opts.job,
          out: opts.out,
          json: opts.json,
          verbose: opts.verbose,
          ...(opts.asOf ? { asOf: opts.asOf } : {}),
          ...(opts.start ? { start: opts.start } : {}),
        },
        dates,
        print,
      );
    });

  program
    .command('backfill')
    .description('run one job for every window in a date range')
    .requiredOption('--config <file>', 'monitor definition (YAML or JSON)')
    .requiredOption('--from <YYYY-MM-DD>', 'first window start')
    .requiredOption('--to <YYYY-MM-DD>', 'last window start')
    .option('--job <name>', 'drift | performance', 'drift')
    .option('--out <dir>', 'output folder (results/ goes inside)', '.driftwatch')
    .option('--json', 'print machine-readable output', false)
    .option(
      '--as-of <YYYY-MM-DD>',
      'run as the schedule would have that morning: labels that had arrived by then, maturity judged then',
    )
    .action(async (opts) => {
      await runBackfill(
        {
          config: opts.config,
          job: opts.job,
          out: opts.out,
          json: opts.json,
          from: opts.from,
          to: opts.to,
          ...(opts.asOf ? { asOf: opts.asOf } : {}),
        },
        print,
      );
    });

  program
    .command('backtest')
    .description(
      'replay the schedule morning by morning (drift, matured performance, alerts) as it would have run, labels as they had arrived',
    )
    .requiredOption('--config <file>', 'monitor definition (YAML or JSON)')
    .requiredOption('--from <YYYY-MM-DD>', 'first window (its morning is the day after)')
    .requiredOption('--to <YYYY-MM-DD>', 'last window')
    .option('--out <dir>', 'output folder (results/ inside; alerts.jsonl beside it)', '.driftwatch')
    .option('--rebaseline', 'profile the reference again before the first morning', false)
    .option('--json', 'print machine-readable output', false)
    .action(async (opts) => {
      await runBacktestCommand(opts, print);
    });

  program
    .command('compare')
    .description(
      'compare two files column by column (CSV, Parquet or JSON lines), with the drift job’s statistics',
    )
    .requiredOption('--reference <file>', 'the reference file')
    .requiredOption('--current <file>', 'the file to compare')
    .option(
      '--method <name>',
      'psi | kl | jensenshannon | hellinger | linf | ks | wasserstein | chisquare | ztest | auto; applies to the columns it fits, the others keep psi',
      'psi',
    )
    .option('--bins <n>', 'reference-quantile bins for numeric columns', integer)
    .option('--categorical <cols>', 'comma-separated columns to treat as categorical')
    .option(
      '--columns <cols>',
      'comma-separated columns to compare (default: every shared column but id-like and timestamp ones)',
    )
    .option('--format <format>', 'parquet | csv | jsonl, when the extension does not say it')
    .option('--json', 'print machine-readable output', false)
    .action(async (opts) => {
      await runCompare(opts, print);
    });

  program
    .command('evaluate')
    .description('performance metrics of a labelled file, with the performance job’s code')
    .requiredOption('--data <file>', 'a labelled file (CSV, Parquet or JSON lines)')
    .requiredOption('--label <col>', 'the true label (or target) column')
    .option('--score <col>', 'binary: the probability of the positive class')
    .option('--prediction <col>', 'the predicted label or value')
    .requiredOption('--task <task>', 'binary | multiclass | regression')
    .option(
      '--class-scores <map>',
      'multiclass: the probability column of each class, e.g. cat=p_cat,dog=p_dog',
    )
    .option('--segment <col>', 'also break the metrics down by this column')
    .option('--format <format>', 'parquet | csv | jsonl, when the extension does not say it')
    .option('--threshold <p>', 'binary decision threshold', Number)
    .option(
      '--positive-value <label>',
      'binary, text labels: the label of the class the score predicts (e.g. Y)',
    )
    .option(
      '--negative-value <label>',
      'binary, with --positive-value: the other label (default: every other label)',
    )
    .option('--json', 'print machine-readable output', false)
    .action(async (opts) => {
      if (!['binary', 'multiclass', 'regression'].includes(opts.task)) {
        throw new CliError(
          `--task ${JSON.stringify(opts.task)} is not a task: use binary, multiclass or regression`,
          2,
        );
      }
      await runEvaluate(opts, print);
    });

  program.addCommand(ticketsCommand(print));

  program
    .command('incidents')
    .description(
      'list and export incidents from the alert state, with MTTD / MTTR per model and rule over 30 and 90 days',
    )
    .option('--out <dir>', 'output folder (results/ inside)', '.driftwatch')
    .option('--model <id>', 'only this model')
    .option('--from <YYYY-MM-DD>', 'only incidents opened in this window or later')
    .option('--to <YYYY-MM-DD>', 'only incidents opened in this window or earlier')
    .option('--format <format>', `output format: ${INCIDENT_FORMATS.join(', ')}`, 'table')
    .option('--as-of <YYYY-MM-DD>', 'the clock MTTD / MTTR periods end at (02:00 UTC that day; default: now)')
    .action(async (opts) => {
      await runIncidentsCommand(
        {
          ...opts,
          ...(opts.from ? { from: checkDate(opts.from, '--from') } : {}),
          ...(opts.to ? { to: checkDate(opts.to, '--to') } : {}),
        },
        print,
      );
    });

  program
    .command('alerts')
    .description(
      'run the alert policy for one window (after its drift and performance jobs), or replay it over a range',
    )
    .requiredOption('--config <file>', 'monitor definition (YAML or JSON)')
    .option('--date <YYYY-MM-DD>', 'first day of the window (default: the last complete window)')
    .option('--from <YYYY-MM-DD>', 'replay the policy over stored results from this window (with --to)')
    .option('--to <YYYY-MM-DD>', 'last window of the replay, in date order')
    .option(
      '--out <dir>',
      'output folder (results/ inside; alerts.jsonl and tickets.jsonl beside it)',
      '.driftwatch',
    )
    .option('--json', 'print machine-readable output', false)
    .option(
      '--as-of <YYYY-MM-DD>',
      'run as the schedule would have that morning: labels that had arrived by then, maturity judged then',
    )
    .action(async (opts) => {
      await runAlertsCommand(
        {
          ...opts,
          ...(opts.date ? { date: checkDate(opts.date, '--date') } : {}),
          ...(opts.from ? { from: checkDate(opts.from, '--from') } : {}),
          ...(opts.to ? { to: checkDate(opts.to, '--to') } : {}),
        },
        print,
      );
    });

  program
    .command('digest')
    .description('write the daily digest of every model (digest.txt)')
    .requiredOption('--config <files>', 'comma-separated monitor definitions')
    .option('--date <YYYY-MM-DD>', 'the day the digest covers (default: yesterday)')
    .option('--out <dir>', 'output folder', '.driftwatch')
    .action(async (opts) => {
      await runDigestCommand(
        { ...opts, ...(opts.date ? { date: checkDate(opts.date, '--date') } : {}) },
        print,
      );
    });

  program
    .command('schema')
    .description(
      "print the file type of every column the definition names and the Glue type it needs (the ModelMonitor's columnTypes); run it on a local copy of the logs",
    )
    .requiredOption('--config <file>', 'monitor definition (YAML or JSON)')
    .option('--json', 'print machine-readable output', false)
    .action(async (opts) => {
      await runSchemaCommand({ config: opts.config, json: opts.json }, print);
    });

  program
    .command('report')
    .description('write the HTML report of one window')
    .requiredOption('--config <file>', 'monitor definition (YAML or JSON)')
    .option('--date <YYYY-MM-DD>', 'first day of the window (default: the last complete window)')
    .option('--out <dir>', 'output folder', '.driftwatch')
    .action(async (opts) => {
      await runReportCommand(
        { ...opts, ...(opts.date ? { date: checkDate(opts.date, '--date') } : {}) },
        print,
      );
    });

  return program;
}

/** Runs the CLI; returns the exit code instead of exiting, for tests. */
export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv, { from: 'user' });
    return 0;
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code === 'commander.helpDisplayed' || code === 'commander.version' || code === 'commander.help')
      return 0;
    if (code?.startsWith('commander.')) return 2;
    const message =
      error instanceof CliError || error instanceof InvalidDefinitionError
        ? error.message
        : `${(error as Error).name === 'Error' ? 'error' : (error as Error).name}: ${(error as Error).message}`;
    process.stderr.write(`driftwatch: ${message}\n`);
    if (process.env.DRIFTWATCH_DEBUG) process.stderr.write(`${(error as Error).stack}\n`);
    return error instanceof CliError ? error.exitCode : 1;
  }
}

/** The process entry (bin/driftwatch.js, `tsx lib/cli/main.ts`): main plus the stdout and signal guards. */
export function runCli(argv: string[]): Promise<number> {
  guardStdout();
  installSignalHandlers();
  return main(argv);
}

const invoked = process.argv[1] ?? '';
if (/[\\/]lib[\\/]cli[\\/]main\.[jt]s$/.test(invoked)) {
  runCli(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
