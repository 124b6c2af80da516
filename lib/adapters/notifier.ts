/**
 * The Notifier port (alerts, the daily digest, retraining tickets) and the delivery protocol that
 * makes every implementation idempotent on the notification id.
 *
 * Protocol, with markers in a ResultStore under `notifications/<channel>/`:
 * 1. `sent/<id>.json` exists: the notification went out already; do nothing.
 * 2. Claim `pending/<id>.json` with a conditional create. If another invocation holds a live claim,
 *    throw DeliveryInProgressError so the caller retries later. A claim older than its lease (the
 *    holder crashed) or released after a failed publish is taken over.
 * 3. Publish. On failure, release the claim and rethrow: the retry publishes again.
 * 4. Create `sent/<id>.json`.
 * A crash between 3 and 4 leaves a claim that expires, and the next delivery publishes again: a
 * notification can be duplicated in that narrow window, never lost (SNS email and EventBridge offer
 * no de-duplication to do better; ticket consumers de-duplicate on `ticketId`).
 *
 * Local claims (`localClaims`, the FileNotifier): a claim also records the host and pid of its
 * process, and a claim on this host whose process is gone is taken over at once instead of waiting
 * out the lease (a local run killed by Ctrl-C must not lock the next one out for 15 minutes). The
 * publish callback receives the attempt number, so a publisher that can look at its destination
 * (a local file) checks it before publishing again.
 */
import { hostname } from 'node:os';
import type { ResultStore } from '../ports.js';
import { DeliveryInProgressError } from './errors.js';

/** An actionable alert. `attributes` become SNS message attributes for subscription filter policies. */
export interface AlertMessage {
  readonly id: string;
  /** Model, what, how bad; trimmed to 99 ASCII characters on SNS. */
  readonly subject: string;
  /** Plain text a stakeholder reads in an email client. */
  readonly body: string;
  readonly attributes: {
    readonly model: string;
    readonly severity: string;
    readonly kind: string;
  } & Readonly<Record<string, string>>;
}

/** The daily digest covering every model. */
export interface DigestMessage {
  readonly id: string;
  readonly subject: string;
  readonly body: string;
}

/** A retraining ticket; `detail` is the versioned evidence and should carry `model`. */
export interface TicketEvent {
  readonly id: string;
  readonly detail: Readonly<Record<string, unknown>>;
}

/** A canary verdict; `detail` follows schemas/canary-verdict.v1.json and carries `model`. */
export interface CanaryVerdictEvent {
  readonly id: string;
  readonly detail: Readonly<Record<string, unknown>>;
}

/** What one publish did. */
export interface DeliveryResult {
  readonly id: string;
  /** `sent` now, or `duplicate`: an earlier delivery of this id already went out. */
  readonly status: 'sent' | 'duplicate';
  /** The service's message id (SNS MessageId, EventBridge EventId) when sent now. */
  readonly messageId?: string;
}

/** Delivers alerts, digests and retraining tickets. Every method is idempotent on the message id. */
export interface Notifier {
  /** Publishes an alert to the alert channel (SNS topic, console + alerts.jsonl). */
  publishAlert(msg: AlertMessage): Promise<DeliveryResult>;
  /** Publishes the digest to the digest channel (SNS topic, digest.txt). */
  publishDigest(msg: DigestMessage): Promise<DeliveryResult>;
  /** Opens a retraining ticket (EventBridge event, tickets.jsonl). */
  publishTicket(event: TicketEvent): Promise<DeliveryResult>;
  /** Publishes a canary verdict (EventBridge event `Canary Verdict`, canary.jsonl). */
  publishCanaryVerdict(event: CanaryVerdictEvent): Promise<DeliveryResult>;
}

export type Channel = 'alert' | 'digest' | 'ticket' | 'canary';

interface PendingMarker {
  claimedAt: string;
  leaseExpiresAt: string;
  attempt: number;
  released?: boolean;
  /** Local claims: the claiming process. */
  host?: string;
  pid?: number;
}

/** Whether process `pid` exists on this host (signal 0 checks without signalling). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export interface DeliveryOptions {
  /** How long a claim protects an in-flight publish. @default 900_000 (a Lambda's longest run) */
  leaseMillis?: number;
  /** The clock, injected in tests. @default Date.now */
  now?: () => number;
  /** The folder of the markers in the store. @default 'notifications' */
  markerPrefix?: string;
  /**
   * Claims record host and pid, and a claim of a dead process on this host is taken over at once.
   * For local runs only (a Lambda's pid means nothing to the next invocation). @default false
   */
  localClaims?: boolean;
  /** Whether a pid is alive, injected in tests. @default processAlive */
  isAlive?: (pid: number) => boolean;
}

/** Turns a notification id into one safe key segment. */
function idSegment(id: string): string {
  if (!id) throw new Error('a notification needs a non-empty id');
  const segment = encodeURIComponent(id);
  if (segment === '.' || segment === '..')
    throw new Error(`notification id ${JSON.stringify(id)} is not allowed`);
  return segment;
}

/** Runs the delivery protocol above around one publish. */
export class IdempotentDelivery {
  private readonly leaseMillis: number;
  private readonly now: () => number;
  private readonly markerPrefix: string;
  private readonly localClaims: boolean;
  private readonly isAlive: (pid: number) => boolean;

  constructor(
    private readonly store: ResultStore,
    options: DeliveryOptions = {},
  ) {
    this.leaseMillis = options.leaseMillis ?? 900_000;
    this.now = options.now ?? Date.now;
    this.markerPrefix = options.markerPrefix ?? 'notifications';
    this.localClaims = options.localClaims ?? false;
    this.isAlive = options.isAlive ?? processAlive;
  }

  /** The key of the marker written once `id` has been published on `channel`. */
  sentKey(channel: Channel, id: string): string {
    return `${this.markerPrefix}/${channel}/sent/${idSegment(id)}.json`;
  }

  pendingKey(channel: Channel, id: string): string {
    return `${this.markerPrefix}/${channel}/pending/${idSegment(id)}.json`;
  }

  async deliver(
    channel: Channel,
    id: string,
    publish: (attempt: number) => Promise<string | undefined>,
  ): Promise<DeliveryResult> {
    const sentKey = this.sentKey(channel, id);
    if (await this.store.getJson(sentKey)) return { id, status: 'duplicate' };

    const pendingKey = this.pendingKey(channel, id);
    const attempt = await this.claim(pendingKey, id);
    // A delivery that finished between our check and our claim leaves `sent` behind: look again.
    if (await this.store.getJson(sentKey)) return { id, status: 'duplicate' };

    let messageId: string | undefined;
    try {
      messageId = await publish(attempt);
    } catch (error) {
      await this.store
        .putJson(pendingKey, { ...this.marker(attempt), released: true } satisfies PendingMarker)
        .catch(() => undefined); // the lease still expires if the release cannot be written
      throw error;
    }
    await this.store.createJson(sentKey, {
      id,
      channel,
      sentAt: new Date(this.now()).toISOString(),
      messageId,
    });
    return messageId === undefined ? { id, status: 'sent' } : { id, status: 'sent', messageId };
  }

  private marker(attempt: number): PendingMarker {
    const now = this.now();
    return {
      claimedAt: new Date(now).toISOString(),
      leaseExpiresAt: new Date(now + this.leaseMillis).toISOString(),
      attempt,
      ...(this.localClaims ? { host: hostname(), pid: process.pid } : {}),
    };
  }

  /** Claims the pending marker and returns the attempt number, or throws DeliveryInProgressError. */
  private async claim(pendingKey: string, id: string): Promise<number> {
    if (await this.store.createJson(pendingKey, this.marker(1))) return 1;
    const existing = await this.store.getJson<PendingMarker>(pendingKey);
    const holderGone =
      this.localClaims &&
      existing?.host === hostname() &&
      typeof existing.pid === 'number' &&
      existing.pid !== process.pid &&
      !this.isAlive(existing.pid);
    if (existing && !existing.released && !holderGone && Date.parse(existing.leaseExpiresAt) > this.now()) {
      throw new DeliveryInProgressError(id, existing.leaseExpiresAt);
    }
    const attempt = (existing?.attempt ?? 1) + 1;
    await this.store.putJson(pendingKey, this.marker(attempt));
    return attempt;
  }
}

/** One Notifier from an alert/digest publisher and an event publisher (SNS + EventBridge on AWS). */
export function composeNotifier(
  messages: Pick<Notifier, 'publishAlert' | 'publishDigest'>,
  events: Pick<Notifier, 'publishTicket' | 'publishCanaryVerdict'>,
): Notifier {
  return {
    publishAlert: (msg) => messages.publishAlert(msg),
    publishDigest: (msg) => messages.publishDigest(msg),
    publishTicket: (event) => events.publishTicket(event),
    publishCanaryVerdict: (event) => events.publishCanaryVerdict(event),
  };
}
