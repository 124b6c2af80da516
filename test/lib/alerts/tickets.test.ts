import { readFile } from 'node:fs/promises';
// ajv is CommonJS: under NodeNext its default import is the module object, so use the named class.
import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import { FsResultStore } from '../../../lib/adapters/fs-store.js';
import { MemoryResultStore } from '../../../lib/adapters/memory-store.js';
import type { TicketRequest } from '../../../lib/alerts/ticket-rule.js';
import { ticketEnvelope, ticketEvent } from '../../../lib/alerts/tickets.js';
import { ticketsCommand } from '../../../lib/cli/commands/tickets.js';
import { closeTicket, listTickets, openTicket, openTicketOf } from '../../../lib/jobs/alerts-tickets.js';
import { tempDir } from '../../helpers/temp.js';
import { days, driftResult, makeDefinition } from './fixtures.js';
import { simulation, step } from './helpers.js';

async function validator() {
  const schema = JSON.parse(
    await readFile(new URL('../../../schemas/retraining-requested.v1.json', import.meta.url), 'utf8'),
  ) as object;
  const ajv = new Ajv({ strict: true, allErrors: true });
  ajv.addFormat('date', /^\d{4}-\d{2}-\d{2}$/);
  ajv.addFormat('date-time', { validate: (value: string) => !Number.isNaN(Date.parse(value)) });
  return ajv.compile(schema);
}

/** A ticket requested by the policy: income critical for 3 windows. */
function requested(model = 'credit-default'): TicketRequest {
  const sim = simulation(makeDefinition({ id: model, labels: false }));
  const dates = days('2026-10-01', 3);
  for (const d of dates)
    sim.drift.set(d, driftResult(d, { features: { income: { statistic: 0.3 } } }, model));
  step(sim, dates[0]!);
  step(sim, dates[1]!);
  const out = step(sim, dates[2]!);
  expect(out.ticket).toBeDefined();
  return out.ticket!;
}

const context = {
  openedAt: '2026-10-04T02:00:00.000Z',
  reportLink: 'memory://report',
  runbook: 'https://runbooks/retraining',
};

describe('retraining tickets', () => {
  it('requests a ticket after 3 windows of critical drift in a top feature, with evidence', () => {
    const request = requested();
    expect(request).toMatchObject({
      reason: 'critical_drift',
      window: '2026-10-03',
      evidence: { windows: ['2026-10-01', '2026-10-02', '2026-10-03'] },
    });
    expect(request.evidence.statistics).toHaveLength(3);
    expect(request.summary).toBe('critical drift in income for 3 consecutive windows');
  });

  it('emits an event that validates against schemas/retraining-requested.v1.json', async () => {
    // Prepare
    const validate = await validator();
    const event = ticketEvent(requested(), {
      requestedAt: context.openedAt,
      reportLink: context.reportLink,
      runbook: context.runbook,
    });
    // Act
    const envelope = ticketEnvelope(event);
    // Assess
    expect(validate(envelope), JSON.stringify(validate.errors)).toBe(true);
    expect(envelope).toMatchObject({ source: 'driftwatch', 'detail-type': 'Model Retraining Requested' });
    expect(envelope.detail).toMatchObject({
      schemaVersion: '1.0.0',
      model: 'credit-default',
      ticketId: event.id,
    });
    // The schema refuses what a consumer could not rely on.
    expect(validate({ ...envelope, detail: { ...envelope.detail, reason: 'boredom' } })).toBe(false);
    expect(validate({ ...envelope, source: 'someone-else' })).toBe(false);
  });

  it('keeps one open ticket per model until it is closed', async () => {
    const store = new MemoryResultStore();
    const first = await openTicket(store, requested(), context);
    const again = await openTicket(
      store,
      { ...requested(), ticketId: 'rt-ffffffffffffffff', window: '2026-10-09' },
      context,
    );
    const other = await openTicket(store, requested('churn'), context);
    expect([first.created, again.created, other.created]).toEqual([true, false, true]);
    expect(again.ticket.ticketId).toBe(first.ticket.ticketId);
    // Close, then a new one can open.
    const closed = await closeTicket(store, 'credit-default', {
      reason: 'retrained v3.3',
      now: new Date('2026-10-10T00:00:00Z'),
    });
    expect(closed).toMatchObject({ status: 'closed', closeReason: 'retrained v3.3' });
    expect(await openTicketOf(store, 'credit-default')).toBeUndefined();
    expect(await closeTicket(store, 'credit-default', { now: new Date() })).toBeUndefined();
    const next = await openTicket(store, { ...requested(), ticketId: 'rt-eeeeeeeeeeeeeeee' }, context);
    expect(next).toMatchObject({ created: true, ticket: { slot: 1 } });
    const all = await listTickets(store);
    expect(all.map((t) => `${t.model} ${t.ticketId.slice(0, 5)} ${t.status}`).sort()).toEqual(
      [
        `churn ${other.ticket.ticketId.slice(0, 5)} open`,
        `credit-default ${first.ticket.ticketId.slice(0, 5)} closed`,
        'credit-default rt-ee open',
      ].sort(),
    );
  });

  it('lists and closes tickets from the command line', async () => {
    const dir = await tempDir();
    try {
      const store = new FsResultStore(`${dir.path}/results`);
      const { ticket } = await openTicket(store, requested(), context);
      const lines: string[] = [];
      const print = (line: string) => lines.push(line);
      await ticketsCommand(print).exitOverride().parseAsync(['list', '--out', dir.path], { from: 'user' });
      expect(lines.join('\n')).toContain(`${ticket.ticketId}  credit-default  open`);
      await ticketsCommand(print, { now: () => new Date('2026-10-12T00:00:00Z') })
        .exitOverride()
        .parseAsync(['close', '--out', dir.path, '--model', 'credit-default', '--reason', 'retrained'], {
          from: 'user',
        });
      expect(lines.at(-1)).toBe(`closed ${ticket.ticketId} (credit-default): retrained`);
      lines.length = 0;
      await ticketsCommand(print)
        .exitOverride()
        .parseAsync(['list', '--out', dir.path, '--json'], { from: 'user' });
      expect(JSON.parse(lines[0]!)).toMatchObject([
        { ticketId: ticket.ticketId, status: 'closed', closedAt: '2026-10-12T00:00:00.000Z' },
      ]);
      await expect(
        ticketsCommand(print)
          .exitOverride()
          .parseAsync(['close', '--out', dir.path, '--model', 'credit-default'], { from: 'user' }),
      ).rejects.toThrow(/has no open retraining ticket/);
    } finally {
      await dir.cleanup();
    }
  });
});
