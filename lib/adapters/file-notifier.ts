/**
 * The local Notifier: alerts are printed to the console and appended to `alerts.jsonl`, tickets to
 * `tickets.jsonl`, and the digest is written to `digest.txt`, all in one output folder. It follows
 * the same delivery protocol as the AWS notifiers, so re-running a job does not repeat a line.
 */
import { appendFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { ResultStore } from '../ports.js';
import { FsResultStore } from './fs-store.js';
import {
  type AlertMessage,
  type DeliveryOptions,
  type DeliveryResult,
  type DigestMessage,
  IdempotentDelivery,
  type Notifier,
  type TicketEvent,
} from './notifier.js';

export interface FileNotifierOptions {
  /** The folder alerts.jsonl, tickets.jsonl and digest.txt are written to. */
  outDir: string;
  /** Where delivery markers are kept. @default - an FsResultStore on `outDir` */
  store?: ResultStore;
  /** Prints an alert; pass `() => {}` to keep a run quiet. @default console.log */
  print?: (line: string) => void;
  delivery?: DeliveryOptions;
}

export class FileNotifier implements Notifier {
  private readonly delivery: IdempotentDelivery;
  private readonly print: (line: string) => void;
  private readonly files: FsResultStore;

  constructor(private readonly options: FileNotifierOptions) {
    this.files = new FsResultStore(options.outDir);
    this.delivery = new IdempotentDelivery(options.store ?? this.files, options.delivery);
    this.print = options.print ?? ((line) => console.log(line));
  }

  publishAlert(msg: AlertMessage): Promise<DeliveryResult> {
    return this.delivery.deliver('alert', msg.id, async () => {
      await this.append('alerts.jsonl', msg);
      this.print(`[${msg.attributes.severity.toUpperCase()}] ${msg.subject}\n${msg.body}\n`);
      return undefined;
    });
  }

  publishDigest(msg: DigestMessage): Promise<DeliveryResult> {
    return this.delivery.deliver('digest', msg.id, async () => {
      await this.files.putText('digest.txt', `${msg.subject}\n\n${msg.body}\n`, 'text/plain');
      return undefined;
    });
  }

  publishTicket(event: TicketEvent): Promise<DeliveryResult> {
    return this.delivery.deliver('ticket', event.id, async () => {
      await this.append('tickets.jsonl', { id: event.id, detail: { ...event.detail, ticketId: event.id } });
      return undefined;
    });
  }

  private async append(file: string, record: unknown): Promise<void> {
    await mkdir(this.options.outDir, { recursive: true });
    await appendFile(join(this.options.outDir, file), `${JSON.stringify(record)}\n`, 'utf8');
  }
}
