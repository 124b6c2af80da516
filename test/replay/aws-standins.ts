/**
 * SNS and EventBridge stand-ins for the deployment replay: every PublishCommand and PutEventsCommand
 * the handlers send is checked against the services' documented limits, captured, and answered.
 * - SNS Publish: a topic ARN; Subject ASCII, no line breaks, at most 100 characters; the message at
 *   most 262,144 bytes with its attributes; String attributes with a value.
 * - EventBridge PutEvents: 1 to 10 entries; each with Source, DetailType and Detail (a JSON object);
 *   an entry (Source + DetailType + Detail + resources) at most 262,144 bytes.
 * A request that breaks a limit is rejected as the service would (InvalidParameter / ValidationException).
 */
import { EventBridgeClient, PutEventsCommand, type PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import { type MessageAttributeValue, PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';

export const MAX_SNS_SUBJECT = 100;
export const MAX_SNS_MESSAGE_BYTES = 262_144;
export const MAX_EVENT_ENTRY_BYTES = 262_144;

export interface CapturedPublish {
  topicArn: string;
  subject: string;
  message: string;
  attributes: Record<string, string>;
  /** Date.now() when it was sent. */
  at: number;
}

export interface CapturedEvent {
  eventBusName: string;
  source: string;
  detailType: string;
  detail: Record<string, unknown>;
  at: number;
}

function rejection(name: string, message: string): Error {
  return Object.assign(new Error(message), { name, $fault: 'client', $metadata: { httpStatusCode: 400 } });
}

export class NotificationStandIns {
  readonly published: CapturedPublish[] = [];
  readonly events: CapturedEvent[] = [];
  readonly rejected: string[] = [];
  private readonly sns = mockClient(SNSClient);
  private readonly eventBridge = mockClient(EventBridgeClient);
  private messageId = 0;

  constructor() {
    this.sns.on(PublishCommand).callsFake(async (input) => {
      const problem = snsProblem(input);
      if (problem) {
        this.rejected.push(`sns: ${problem}`);
        throw rejection('InvalidParameterException', `Invalid parameter: ${problem}`);
      }
      this.published.push({
        topicArn: input.TopicArn!,
        subject: input.Subject ?? '',
        message: input.Message!,
        attributes: Object.fromEntries(
          Object.entries(input.MessageAttributes ?? {}).map(([k, v]) => [
            k,
            (v as MessageAttributeValue).StringValue ?? '',
          ]),
        ),
        at: Date.now(),
      });
      return { MessageId: `m-${++this.messageId}` };
    });
    this.eventBridge.on(PutEventsCommand).callsFake(async (input) => {
      const entries = input.Entries ?? [];
      if (entries.length < 1 || entries.length > 10) {
        this.rejected.push(`events: ${entries.length} entries`);
        throw rejection('ValidationException', 'Entries must hold 1 to 10 entries');
      }
      const results = entries.map((entry: PutEventsRequestEntry) => {
        const problem = eventProblem(entry);
        if (problem) {
          this.rejected.push(`events: ${problem}`);
          return { ErrorCode: 'InvalidArgument', ErrorMessage: problem };
        }
        this.events.push({
          eventBusName: entry.EventBusName ?? 'default',
          source: entry.Source!,
          detailType: entry.DetailType!,
          detail: JSON.parse(entry.Detail!) as Record<string, unknown>,
          at: Date.now(),
        });
        return { EventId: `e-${this.events.length}` };
      });
      return { FailedEntryCount: results.filter((r: object) => 'ErrorCode' in r).length, Entries: results };
    });
  }

  restore(): void {
    this.sns.restore();
    this.eventBridge.restore();
  }
}

function snsProblem(input: {
  TopicArn?: string;
  Subject?: string;
  Message?: string;
  MessageAttributes?: Record<string, MessageAttributeValue>;
}): string | undefined {
  if (!input.TopicArn || !/^arn:aws:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]+$/.test(input.TopicArn))
    return `TopicArn ${JSON.stringify(input.TopicArn)} is not a topic ARN`;
  if (!input.Message) return 'Message is empty';
  if (input.Subject !== undefined) {
    if (input.Subject.length === 0 || input.Subject.length > MAX_SNS_SUBJECT)
      return `Subject has ${input.Subject.length} characters (1 to ${MAX_SNS_SUBJECT})`;
    if (!/^[\x20-\x7e]+$/.test(input.Subject)) return 'Subject must be ASCII without line breaks';
  }
  let bytes = Buffer.byteLength(input.Message, 'utf8');
  for (const [name, value] of Object.entries(input.MessageAttributes ?? {})) {
    if (value.DataType !== 'String' && value.DataType !== 'Number')
      return `attribute ${name} has DataType ${value.DataType}`;
    if (!value.StringValue) return `attribute ${name} has no value`;
    bytes +=
      Buffer.byteLength(name) + Buffer.byteLength(value.DataType) + Buffer.byteLength(value.StringValue);
  }
  if (bytes > MAX_SNS_MESSAGE_BYTES)
    return `message and attributes are ${bytes} bytes (at most ${MAX_SNS_MESSAGE_BYTES})`;
  return undefined;
}

function eventProblem(entry: PutEventsRequestEntry): string | undefined {
  if (!entry.Source || !entry.DetailType || !entry.Detail)
    return 'an entry lacks Source, DetailType or Detail';
  let detail: unknown;
  try {
    detail = JSON.parse(entry.Detail);
  } catch {
    return 'Detail is not JSON';
  }
  if (!detail || typeof detail !== 'object' || Array.isArray(detail)) return 'Detail is not a JSON object';
  const size =
    Buffer.byteLength(entry.Source) +
    Buffer.byteLength(entry.DetailType) +
    Buffer.byteLength(entry.Detail) +
    (entry.Resources ?? []).reduce((n: number, r: string) => n + Buffer.byteLength(r), 0);
  if (size > MAX_EVENT_ENTRY_BYTES) return `entry is ${size} bytes (at most ${MAX_EVENT_ENTRY_BYTES})`;
  return undefined;
}
