/** `driftwatch tickets list|close`: the retraining tickets in a local results folder. */
import { join, resolve } from 'node:path';
import { Command } from 'commander';
import { FsResultStore } from '../../adapters/fs-store.js';
import { closeTicket, listTickets } from '../../jobs/alerts-tickets.js';
import type { Clock } from '../../ports.js';
import { systemClock } from '../../ports.js';
import { CliError } from '../errors.js';
import { renderTable } from '../table.js';

function storeFor(out: string): FsResultStore {
  return new FsResultStore(join(resolve(out), 'results'));
}

/** The `tickets` command with its `list` and `close` subcommands. */
export function ticketsCommand(print: (line: string) => void, clock: Clock = systemClock): Command {
  const tickets = new Command('tickets').description('list and close retraining tickets');

  tickets
    .command('list')
    .description('list retraining tickets, open first')
    .option('--out <dir>', 'output folder (results/ inside)', '.driftwatch')
    .option('--model <id>', 'only this model')
    .option('--json', 'print machine-readable output', false)
    .action(async (opts: { out: string; model?: string; json: boolean }) => {
      const all = await listTickets(storeFor(opts.out), opts.model ? { model: opts.model } : {});
      const sorted = [...all.filter((t) => t.status === 'open'), ...all.filter((t) => t.status !== 'open')];
      if (opts.json) {
        print(JSON.stringify(sorted));
        return;
      }
      if (!sorted.length) {
        print('no retraining tickets');
        return;
      }
      print(
        renderTable(
          ['ticket', 'model', 'status', 'opened', 'reason', 'summary'],
          sorted.map((t) => [
            t.ticketId,
            t.model,
            t.status === 'closed' ? `closed ${t.closedAt?.slice(0, 10) ?? ''}` : 'open',
            t.openedWindow,
            t.reason,
            t.summary,
          ]),
        ),
      );
    });

  tickets
    .command('close')
    .description("close a model's open retraining ticket (a new one can then be raised)")
    .requiredOption('--model <id>', 'the model whose ticket to close')
    .option('--out <dir>', 'output folder (results/ inside)', '.driftwatch')
    .option('--reason <text>', 'why it is closed (retrained, accepted, false alarm)')
    .action(async (opts: { out: string; model: string; reason?: string }) => {
      const closed = await closeTicket(storeFor(opts.out), opts.model, {
        now: clock.now(),
        ...(opts.reason ? { reason: opts.reason } : {}),
      });
      if (!closed) {
        throw new CliError(
          `model ${opts.model} has no open retraining ticket: run "driftwatch tickets list" to see them`,
        );
      }
      print(`closed ${closed.ticketId} (${opts.model}): ${closed.closeReason}`);
    });

  return tickets;
}
