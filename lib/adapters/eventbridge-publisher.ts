/**
 * Retraining tickets as Amazon EventBridge events on the driftwatch bus: `source: driftwatch`,
 * `detail-type: Model Retraining Requested`. Retraining workflows subscribe with a rule (see
 * ModelMonitor.onRetrainingRequested). The detail is the ticket's own, plus `ticketId`, which
 * consumers use to de-duplicate (EventBridge delivers to targets at least once).
 */
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import type { ResultStore } from '../ports.js';
import { PublishFailedError } from './errors.js';
import {
  type CanaryVerdictEvent,
  type Channel,
  type DeliveryOptions,
  type DeliveryResult,
  IdempotentDelivery,
  type Notifier,
  type TicketEvent,
} from './notifier.js';
import { isTransientError, type RetryOptions, withRetry } from './retry.js';

export const TICKET_SOURCE = 'driftwatch';
export const TICKET_DETAIL_TYPE = 'Model Retraining Requested';
export const CANARY_DETAIL_TYPE = 'Canary Verdict';

export interface EventBridgePublisherOptions {
  eventBusName: string;
  /** Where delivery markers are kept (the results store). */
  store: ResultStore;
  /** @default - a new EventBridgeClient */
  client?: EventBridgeClient;
  delivery?: DeliveryOptions;
  retry?: Partial<RetryOptions>;
}

export class EventBridgePublisher implements Pick<Notifier, 'publishTicket' | 'publishCanaryVerdict'> {
  private readonly client: EventBridgeClient;
  private readonly delivery: IdempotentDelivery;

  constructor(private readonly options: EventBridgePublisherOptions) {
    this.client = options.client ?? new EventBridgeClient({ maxAttempts: 1 });
    this.delivery = new IdempotentDelivery(options.store, options.delivery);
  }

  publishTicket(event: TicketEvent): Promise<DeliveryResult> {
    return this.put('ticket', TICKET_DETAIL_TYPE, event.id, { ...event.detail, ticketId: event.id });
  }

  /** A `Canary Verdict` event; its detail (schemas/canary-verdict.v1.json) carries `verdictId`. */
  publishCanaryVerdict(event: CanaryVerdictEvent): Promise<DeliveryResult> {
    return this.put('canary', CANARY_DETAIL_TYPE, event.id, event.detail);
  }

  private put(
    channel: Channel,
    detailType: string,
    id: string,
    detail: Readonly<Record<string, unknown>>,
  ): Promise<DeliveryResult> {
    return this.delivery.deliver(channel, id, async () => {
      const send = async () => {
        const out = await this.client.send(
          new PutEventsCommand({
            Entries: [
              {
                EventBusName: this.options.eventBusName,
                Source: TICKET_SOURCE,
                DetailType: detailType,
                Detail: JSON.stringify(detail),
              },
            ],
          }),
        );
        // PutEvents answers 200 even when an entry failed: the entry carries the error.
        const entry = out.Entries?.[0];
        if ((out.FailedEntryCount ?? 0) > 0 || entry?.ErrorCode) {
          const code = entry?.ErrorCode ?? 'Unknown';
          throw new PublishFailedError(id, `${code}: ${entry?.ErrorMessage ?? 'no message'}`, { code });
        }
        return entry?.EventId;
      };
      return withRetry(send, {
        ...this.options.retry,
        // A throttled or internally failed entry is worth another attempt, like a throttled call.
        retryIf: (error) =>
          isTransientError(error) ||
          (error instanceof PublishFailedError && isTransientError({ name: error.code })),
      });
    });
  }
}
