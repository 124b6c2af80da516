/**
 * Retraining tickets: the versioned event detail (schemas/retraining-requested.v1.json) and the
 * stored ticket record. The event is what retraining workflows subscribe to on EventBridge:
 * `source: driftwatch`, `detail-type: Model Retraining Requested`.
 */
import type { TicketEvent } from '../adapters/notifier.js';
import { stableHash } from './ids.js';
import type { TicketRequest } from './ticket-rule.js';

export const TICKET_SCHEMA_VERSION = '1.0.0';
export const TICKET_EVENT_SOURCE = 'driftwatch';
export const TICKET_EVENT_DETAIL_TYPE = 'Model Retraining Requested';

/** The stored ticket, at `<model>/tickets/open/<slot>.json`; closing adds `closed/<slot>.json`. */
export interface TicketRecord {
  ticketId: string;
  model: string;
  slot: number;
  status: 'open' | 'closed';
  reason: TicketRequest['reason'];
  summary: string;
  openedWindow: string;
  openedAt: string;
  closedAt?: string;
  closeReason?: string;
  evidence: TicketRequest['evidence'];
  links: { report: string; runbook: string };
}

export type TicketDetail = {
  schemaVersion: string;
  ticketId: string;
  idempotencyKey: string;
  model: string;
  reason: TicketRequest['reason'];
  summary: string;
  requestedAt: string;
  window: string;
  evidence: TicketRequest['evidence'] & { links: { report: string; runbook: string } };
};

/** The ticket event for a request (its `detail` follows schemas/retraining-requested.v1.json). */
export function ticketEvent(
  request: TicketRequest,
  context: { requestedAt: string; reportLink: string; runbook: string },
): TicketEvent & { detail: TicketDetail } {
  const detail: TicketDetail = {
    schemaVersion: TICKET_SCHEMA_VERSION,
    ticketId: request.ticketId,
    idempotencyKey: `${request.model}:${request.window}:${stableHash([request.model, request.window, request.reason])}`,
    model: request.model,
    reason: request.reason,
    summary: request.summary,
    requestedAt: context.requestedAt,
    window: request.window,
    evidence: { ...request.evidence, links: { report: context.reportLink, runbook: context.runbook } },
  };
  return { id: request.ticketId, detail };
}

/** The event as EventBridge carries it (what a rule matches and a consumer receives). */
export function ticketEnvelope(event: TicketEvent): {
  source: string;
  'detail-type': string;
  detail: Record<string, unknown>;
} {
  return {
    source: TICKET_EVENT_SOURCE,
    'detail-type': TICKET_EVENT_DETAIL_TYPE,
    detail: { ...event.detail, ticketId: event.id },
  };
}
