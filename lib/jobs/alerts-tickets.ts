/**
 * Retraining tickets in the ResultStore: one open ticket per model at a time, enforced with the
 * store's conditional create (S3 If-None-Match, an O_EXCL link locally), without a lock.
 *
 * Layout, per model: `<model>/tickets/open/<slot>.json` holds the ticket that occupies slot
 * <slot>; `<model>/tickets/closed/<slot>.json` records its closing. The current slot is the number
 * of closed tickets, so opening is `createJson(open/<closed count>)`: it fails while that ticket is
 * open, and two concurrent runs cannot both open one. Closing creates `closed/<slot>.json`, which
 * frees the next slot.
 */
import type { TicketRequest } from '../alerts/ticket-rule.js';
import type { TicketRecord } from '../alerts/tickets.js';
import type { ResultStore } from '../ports.js';

export const ticketKeys = {
  open: (model: string, slot: number) => `${model}/tickets/open/${String(slot).padStart(6, '0')}.json`,
  closed: (model: string, slot: number) => `${model}/tickets/closed/${String(slot).padStart(6, '0')}.json`,
  closedPrefix: (model: string) => `${model}/tickets/closed/`,
} as const;

interface ClosedMarker {
  ticketId: string;
  closedAt: string;
  reason: string;
}

async function currentSlot(store: ResultStore, model: string): Promise<number> {
  return (await store.list(ticketKeys.closedPrefix(model))).filter((k) => k.endsWith('.json')).length;
}

/** The model's open ticket, if any. */
export async function openTicketOf(store: ResultStore, model: string): Promise<TicketRecord | undefined> {
  const slot = await currentSlot(store, model);
  return store.getJson<TicketRecord>(ticketKeys.open(model, slot));
}

/**
 * Opens a ticket unless one is open: returns `created: false` and the open ticket when one exists.
 */
export async function openTicket(
  store: ResultStore,
  request: TicketRequest,
  context: { openedAt: string; reportLink: string; runbook: string },
): Promise<{ created: boolean; ticket: TicketRecord }> {
  const slot = await currentSlot(store, request.model);
  const record: TicketRecord = {
    ticketId: request.ticketId,
    model: request.model,
    slot,
    status: 'open',
    reason: request.reason,
    summary: request.summary,
    openedWindow: request.window,
    openedAt: context.openedAt,
    evidence: request.evidence,
    links: { report: context.reportLink, runbook: context.runbook },
  };
  const key = ticketKeys.open(request.model, slot);
  if (await store.createJson(key, record)) return { created: true, ticket: record };
  const existing = await store.getJson<TicketRecord>(key);
  return { created: false, ticket: existing ?? record };
}

/** Every ticket in the store (or of one model), newest first; closed ones carry closedAt/closeReason. */
export async function listTickets(
  store: ResultStore,
  options: { model?: string } = {},
): Promise<TicketRecord[]> {
  const keys = await store.list(options.model ? `${options.model}/tickets/` : '');
  const tickets: TicketRecord[] = [];
  for (const key of keys) {
    const match = /^([^/]+)\/tickets\/open\/(\d+)\.json$/.exec(key);
    if (!match) continue;
    const record = await store.getJson<TicketRecord>(key);
    if (!record) continue;
    const closed = await store.getJson<ClosedMarker>(ticketKeys.closed(match[1]!, Number(match[2])));
    tickets.push(
      closed
        ? { ...record, status: 'closed', closedAt: closed.closedAt, closeReason: closed.reason }
        : record,
    );
  }
  return tickets.sort((a, b) => b.openedAt.localeCompare(a.openedAt) || a.model.localeCompare(b.model));
}

/** Closes the model's open ticket; returns it, or undefined when none was open. */
export async function closeTicket(
  store: ResultStore,
  model: string,
  options: { reason?: string; now: Date },
): Promise<TicketRecord | undefined> {
  const slot = await currentSlot(store, model);
  const open = await store.getJson<TicketRecord>(ticketKeys.open(model, slot));
  if (!open) return undefined;
  const marker: ClosedMarker = {
    ticketId: open.ticketId,
    closedAt: options.now.toISOString(),
    reason: options.reason ?? 'closed by an operator',
  };
  // A concurrent close of the same slot loses the conditional create: the ticket is closed either way.
  await store.createJson(ticketKeys.closed(model, slot), marker);
  return { ...open, status: 'closed', closedAt: marker.closedAt, closeReason: marker.reason };
}
