/**
 * Alerts and the digest on Amazon SNS (email, chat, anything that subscribes). Alerts carry the
 * message attributes model, severity and kind as String attributes, so a subscription can filter
 * (e.g. only critical alerts of tier-1 models to the pager).
 */
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import type { ResultStore } from '../ports.js';
import {
  type AlertMessage,
  type DeliveryOptions,
  type DeliveryResult,
  type DigestMessage,
  IdempotentDelivery,
  type Notifier,
} from './notifier.js';
import { type RetryOptions, withRetry } from './retry.js';

/** SNS subjects must be ASCII, without line breaks, and under 100 characters. */
export const MAX_SUBJECT_LENGTH = 99;
/** SNS messages are limited to 256 KB; keep room for the attributes. */
export const MAX_BODY_BYTES = 250_000;

export interface SnsNotifierOptions {
  alertTopicArn: string;
  digestTopicArn: string;
  /** Where delivery markers are kept (the results store). */
  store: ResultStore;
  /** @default - a new SNSClient */
  client?: SNSClient;
  delivery?: DeliveryOptions;
  retry?: Partial<RetryOptions>;
}

/**
 * Makes a subject SNS accepts: accents folded, other non-ASCII and control characters replaced,
 * whitespace collapsed, cut to 99 characters with `...`.
 */
export function toSnsSubject(subject: string): string {
  const ascii = subject
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/[^\x20-\x7e]+/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  const text = ascii || 'driftwatch notification';
  return text.length <= MAX_SUBJECT_LENGTH ? text : `${text.slice(0, MAX_SUBJECT_LENGTH - 3).trimEnd()}...`;
}

/** Cuts a body over the SNS size limit, saying so at the end. */
export function toSnsBody(body: string): string {
  if (Buffer.byteLength(body, 'utf8') <= MAX_BODY_BYTES) return body;
  const note = '\n\n[truncated: the full text is in the run report]';
  let cut = body.slice(0, MAX_BODY_BYTES - note.length);
  while (Buffer.byteLength(cut, 'utf8') > MAX_BODY_BYTES - note.length) cut = cut.slice(0, -1000);
  return cut + note;
}

export class SnsNotifier implements Pick<Notifier, 'publishAlert' | 'publishDigest'> {
  private readonly client: SNSClient;
  private readonly delivery: IdempotentDelivery;

  constructor(private readonly options: SnsNotifierOptions) {
    this.client = options.client ?? new SNSClient({ maxAttempts: 1 });
    this.delivery = new IdempotentDelivery(options.store, options.delivery);
  }

  publishAlert(msg: AlertMessage): Promise<DeliveryResult> {
    const attributes = Object.fromEntries(
      Object.entries(msg.attributes).map(([name, value]) => [
        name,
        { DataType: 'String', StringValue: value },
      ]),
    );
    return this.delivery.deliver('alert', msg.id, () =>
      this.publish(this.options.alertTopicArn, msg.subject, msg.body, attributes),
    );
  }

  publishDigest(msg: DigestMessage): Promise<DeliveryResult> {
    return this.delivery.deliver('digest', msg.id, () =>
      this.publish(this.options.digestTopicArn, msg.subject, msg.body, undefined),
    );
  }

  private async publish(
    topicArn: string,
    subject: string,
    body: string,
    attributes: Record<string, { DataType: string; StringValue: string }> | undefined,
  ): Promise<string | undefined> {
    const out = await withRetry(
      () =>
        this.client.send(
          new PublishCommand({
            TopicArn: topicArn,
            Subject: toSnsSubject(subject),
            Message: toSnsBody(body),
            ...(attributes ? { MessageAttributes: attributes } : {}),
          }),
        ),
      this.options.retry,
    );
    return out.MessageId;
  }
}
