import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DeliveryInProgressError, PublishFailedError } from '../../lib/adapters/errors.js';
import { EventBridgePublisher } from '../../lib/adapters/eventbridge-publisher.js';
import { FileNotifier } from '../../lib/adapters/file-notifier.js';
import { FsResultStore } from '../../lib/adapters/fs-store.js';
import { type AlertMessage, composeNotifier, IdempotentDelivery } from '../../lib/adapters/notifier.js';
import { SnsNotifier, toSnsSubject } from '../../lib/adapters/sns-notifier.js';

const sns = mockClient(SNSClient);
const events = mockClient(EventBridgeClient);
const ALERT_TOPIC = 'arn:aws:sns:eu-west-1:123456789012:driftwatch-alerts';
const DIGEST_TOPIC = 'arn:aws:sns:eu-west-1:123456789012:driftwatch-digest';
const ALERT: AlertMessage = {
  id: 'credit-default:drift:2026-01-21:income',
  subject: 'credit-default: income drifted (PSI 0.31, critical)',
  body: 'income drifted since 2026-01-21.\nRunbook: https://example.com/runbook',
  attributes: { model: 'credit-default', severity: 'critical', kind: 'drift' },
};

let root: string;
let store: FsResultStore;
let clock: number;
const noWait = { sleep: async () => {}, random: () => 1 };

beforeEach(async () => {
  sns.reset();
  events.reset();
  root = await mkdtemp(join(tmpdir(), 'dw-notify-'));
  store = new FsResultStore(root);
  clock = Date.parse('2026-01-22T06:00:00Z');
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

function snsNotifier() {
  return new SnsNotifier({
    alertTopicArn: ALERT_TOPIC,
    digestTopicArn: DIGEST_TOPIC,
    store,
    client: new SNSClient({ region: 'eu-west-1' }),
    delivery: { now: () => clock, leaseMillis: 60_000 },
    retry: noWait,
  });
}

describe('SnsNotifier', () => {
  it('publishes an alert with its subject, body and String attributes, then marks it sent', async () => {
    // Prepare
    sns.on(PublishCommand).resolves({ MessageId: 'm-1' });

    // Act
    const result = await snsNotifier().publishAlert(ALERT);

    // Assess
    expect(result).toEqual({ id: ALERT.id, status: 'sent', messageId: 'm-1' });
    expect(sns.commandCalls(PublishCommand).map((c) => c.args[0].input)).toEqual([
      {
        TopicArn: ALERT_TOPIC,
        Subject: ALERT.subject,
        Message: ALERT.body,
        MessageAttributes: {
          model: { DataType: 'String', StringValue: 'credit-default' },
          severity: { DataType: 'String', StringValue: 'critical' },
          kind: { DataType: 'String', StringValue: 'drift' },
        },
      },
    ]);
    const delivery = new IdempotentDelivery(store);
    expect(await store.getJson(delivery.sentKey('alert', ALERT.id))).toMatchObject({
      id: ALERT.id,
      messageId: 'm-1',
    });
  });

  it('does nothing on a re-delivery of an alert already sent', async () => {
    sns.on(PublishCommand).resolves({ MessageId: 'm-1' });
    const notifier = snsNotifier();
    await notifier.publishAlert(ALERT);

    const again = await snsNotifier().publishAlert(ALERT);

    expect(again).toEqual({ id: ALERT.id, status: 'duplicate' });
    expect(sns.commandCalls(PublishCommand)).toHaveLength(1);
  });

  it('publishes the digest to the digest topic without attributes', async () => {
    sns.on(PublishCommand).resolves({ MessageId: 'd-1' });
    await snsNotifier().publishDigest({
      id: 'digest-2026-01-22',
      subject: 'driftwatch digest 2026-01-22',
      body: 'all quiet',
    });
    expect(sns.commandCalls(PublishCommand)[0]!.args[0].input).toEqual({
      TopicArn: DIGEST_TOPIC,
      Subject: 'driftwatch digest 2026-01-22',
      Message: 'all quiet',
    });
  });

  it('rethrows a failed publish without marking it sent, and the retry publishes', async () => {
    // Prepare
    sns
      .on(PublishCommand)
      .rejectsOnce(
        Object.assign(new Error('denied'), {
          name: 'AuthorizationErrorException',
          $metadata: { httpStatusCode: 403 },
        }),
      )
      .resolves({ MessageId: 'm-2' });
    const notifier = snsNotifier();

    // Act + Assess: the failure propagates (so Lambda retries) and the claim is released at once
    await expect(notifier.publishAlert(ALERT)).rejects.toThrow('denied');
    expect(await store.getJson(new IdempotentDelivery(store).sentKey('alert', ALERT.id))).toBeUndefined();
    expect(await notifier.publishAlert(ALERT)).toEqual({ id: ALERT.id, status: 'sent', messageId: 'm-2' });
    expect(sns.commandCalls(PublishCommand)).toHaveLength(2);
  });

  it('retries a throttled publish', async () => {
    sns
      .on(PublishCommand)
      .rejectsOnce(
        Object.assign(new Error('slow down'), {
          name: 'ThrottledException',
          $metadata: { httpStatusCode: 400 },
        }),
      )
      .resolves({ MessageId: 'm-3' });
    expect((await snsNotifier().publishAlert(ALERT)).status).toBe('sent');
    expect(sns.commandCalls(PublishCommand)).toHaveLength(2);
  });

  it('waits for a live claim of another invocation, and takes over an expired one', async () => {
    // Prepare: an invocation claimed the alert and crashed before marking it sent
    sns.on(PublishCommand).resolves({ MessageId: 'm-4' });
    const delivery = new IdempotentDelivery(store, { now: () => clock, leaseMillis: 60_000 });
    await store.createJson(delivery.pendingKey('alert', ALERT.id), {
      claimedAt: new Date(clock).toISOString(),
      leaseExpiresAt: new Date(clock + 60_000).toISOString(),
      attempt: 1,
    });

    // Act + Assess: within the lease, the re-delivery backs off without publishing
    await expect(snsNotifier().publishAlert(ALERT)).rejects.toBeInstanceOf(DeliveryInProgressError);
    expect(sns.commandCalls(PublishCommand)).toHaveLength(0);

    // after the lease, it publishes (at least once: never lost)
    clock += 61_000;
    expect(await snsNotifier().publishAlert(ALERT)).toMatchObject({ status: 'sent' });
    expect(await store.getJson(delivery.pendingKey('alert', ALERT.id))).toMatchObject({ attempt: 2 });
  });

  it('publishes concurrent deliveries of one alert once', async () => {
    sns.on(PublishCommand).resolves({ MessageId: 'm-5' });
    const outcomes = await Promise.allSettled(
      Array.from({ length: 5 }, () => snsNotifier().publishAlert(ALERT)),
    );
    expect(sns.commandCalls(PublishCommand)).toHaveLength(1);
    const sent = outcomes.filter((o) => o.status === 'fulfilled' && o.value.status === 'sent');
    expect(sent).toHaveLength(1);
    for (const o of outcomes) {
      if (o.status === 'rejected') expect(o.reason).toBeInstanceOf(DeliveryInProgressError);
    }
  });
});

describe('toSnsSubject', () => {
  it('keeps a short ASCII subject as it is', () => {
    expect(toSnsSubject('credit-default: drift critical')).toBe('credit-default: drift critical');
  });

  it('folds accents, drops line breaks and other non-ASCII, and cuts to 99 characters', () => {
    const subject = toSnsSubject(`Modèle crédit\n${'x'.repeat(200)} ✓`);
    expect(subject.length).toBe(99);
    expect(subject.startsWith('Modele credit xxx')).toBe(true);
    expect(subject.endsWith('...')).toBe(true);
    expect(/^[\x20-\x7e]+$/.test(subject)).toBe(true);
  });
});

describe('EventBridgePublisher', () => {
  const ticket = {
    id: 'ticket-credit-default-2026-01-22',
    detail: { version: 1, model: 'credit-default', reason: 'drift' },
  };

  function publisher() {
    return new EventBridgePublisher({
      eventBusName: 'driftwatch',
      store,
      client: new EventBridgeClient({ region: 'eu-west-1' }),
      delivery: { now: () => clock },
      retry: noWait,
    });
  }

  it('puts one Model Retraining Requested event with the detail and ticketId', async () => {
    events.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: 'e-1' }] });

    const result = await publisher().publishTicket(ticket);

    expect(result).toEqual({ id: ticket.id, status: 'sent', messageId: 'e-1' });
    expect(events.commandCalls(PutEventsCommand).map((c) => c.args[0].input)).toEqual([
      {
        Entries: [
          {
            EventBusName: 'driftwatch',
            Source: 'driftwatch',
            DetailType: 'Model Retraining Requested',
            Detail: JSON.stringify({
              version: 1,
              model: 'credit-default',
              reason: 'drift',
              ticketId: ticket.id,
            }),
          },
        ],
      },
    ]);
  });

  it('puts a Canary Verdict event with the detail as it is, once per verdict id', async () => {
    events.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: 'e-7' }] });
    const verdict = { id: 'cv-0123456789abcdef', detail: { model: 'credit-default', verdict: 'hold' } };

    expect(await publisher().publishCanaryVerdict(verdict)).toMatchObject({
      status: 'sent',
      messageId: 'e-7',
    });
    expect(await publisher().publishCanaryVerdict(verdict)).toEqual({ id: verdict.id, status: 'duplicate' });

    expect(events.commandCalls(PutEventsCommand).map((c) => c.args[0].input.Entries?.[0])).toEqual([
      {
        EventBusName: 'driftwatch',
        Source: 'driftwatch',
        DetailType: 'Canary Verdict',
        Detail: JSON.stringify(verdict.detail),
      },
    ]);
  });

  it('does nothing on a re-delivery of a ticket already opened', async () => {
    events.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: 'e-1' }] });
    await publisher().publishTicket(ticket);
    expect(await publisher().publishTicket(ticket)).toEqual({ id: ticket.id, status: 'duplicate' });
    expect(events.commandCalls(PutEventsCommand)).toHaveLength(1);
  });

  it('fails on a failed entry in a 200 answer and does not mark the ticket sent', async () => {
    events.on(PutEventsCommand).resolves({
      FailedEntryCount: 1,
      Entries: [{ ErrorCode: 'AccessDeniedException', ErrorMessage: 'not authorized' }],
    });

    const outcome = publisher().publishTicket(ticket);

    await expect(outcome).rejects.toBeInstanceOf(PublishFailedError);
    await expect(outcome).rejects.toThrow('AccessDeniedException: not authorized');
    expect(events.commandCalls(PutEventsCommand)).toHaveLength(1);
    expect(await store.getJson(new IdempotentDelivery(store).sentKey('ticket', ticket.id))).toBeUndefined();
  });

  it('retries an entry that failed with a transient error code', async () => {
    events
      .on(PutEventsCommand)
      .resolvesOnce({
        FailedEntryCount: 1,
        Entries: [{ ErrorCode: 'ThrottlingException', ErrorMessage: 'rate' }],
      })
      .resolves({ FailedEntryCount: 0, Entries: [{ EventId: 'e-2' }] });
    expect(await publisher().publishTicket(ticket)).toMatchObject({ status: 'sent', messageId: 'e-2' });
    expect(events.commandCalls(PutEventsCommand)).toHaveLength(2);
  });

  it('composes with the SNS notifier into one Notifier', async () => {
    sns.on(PublishCommand).resolves({ MessageId: 'm-1' });
    events.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: 'e-1' }] });
    const notifier = composeNotifier(snsNotifier(), publisher());
    await notifier.publishAlert(ALERT);
    await notifier.publishTicket(ticket);
    expect(sns.commandCalls(PublishCommand)).toHaveLength(1);
    expect(events.commandCalls(PutEventsCommand)).toHaveLength(1);
  });
});

describe('FileNotifier', () => {
  it('prints alerts and appends them to alerts.jsonl once per id', async () => {
    const printed: string[] = [];
    const notifier = new FileNotifier({ outDir: root, print: (line) => printed.push(line) });

    await notifier.publishAlert(ALERT);
    await notifier.publishAlert(ALERT);
    await notifier.publishAlert({ ...ALERT, id: 'other' });

    const lines = (await readFile(join(root, 'alerts.jsonl'), 'utf8')).trim().split('\n');
    expect(lines.map((l) => JSON.parse(l).id)).toEqual([ALERT.id, 'other']);
    expect(printed).toHaveLength(2);
    expect(printed[0]).toContain('[CRITICAL] credit-default: income drifted');
    // A subject that already carries its tag is printed as is, never "[CRITICAL] [CRITICAL]".
    await notifier.publishAlert({ ...ALERT, id: 'tagged', subject: `[CRITICAL] ${ALERT.subject}` });
    expect(printed[2]?.split('\n')[0]).toBe('[CRITICAL] credit-default: income drifted (PSI 0.31, critical)');
  });

  it('writes the digest to digest.txt and tickets to tickets.jsonl', async () => {
    const notifier = new FileNotifier({ outDir: root, print: () => {} });

    await notifier.publishDigest({ id: 'digest-1', subject: 'Digest', body: 'two models, one alert' });
    await notifier.publishTicket({ id: 't-1', detail: { model: 'credit-default' } });
    await notifier.publishTicket({ id: 't-1', detail: { model: 'credit-default' } });

    expect(await readFile(join(root, 'digest.txt'), 'utf8')).toBe('Digest\n\ntwo models, one alert\n');
    const tickets = (await readFile(join(root, 'tickets.jsonl'), 'utf8')).trim().split('\n');
    expect(tickets.map((l) => JSON.parse(l))).toEqual([
      { id: 't-1', detail: { model: 'credit-default', ticketId: 't-1' } },
    ]);
  });
});
