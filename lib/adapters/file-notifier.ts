/**
 * The local Notifier: alerts are printed to the console and appended to `alerts.jsonl`, tickets to
 * `tickets.jsonl`, canary verdicts to `canary.jsonl`, and the digest is written to `digest.txt`, all in one output folder. It follows
 * the same delivery protocol as the AWS notifiers, so re-running a job does not repeat a line.
 *
 * Local delivery is exactly once: an append is one write of a whole line, and a failed write (a
 * full disk) truncates the file back, so a line is there whole or not at all; claims carry this
 * process's pid, so a run that died mid-delivery does not lock the next one out (its claim is taken
 * over at once); and a taken-over delivery first looks for its id in the file, so a line appended
 * just before the crash is not appended again.
 */
import { mkdir, open, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ResultStore } from '../ports.js';
import { fileError } from './errors.js';
import { FsResultStore } from './fs-store.js';
import {
  type AlertMessage,
  type CanaryVerdictEvent,
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
    this.delivery = new IdempotentDelivery(options.store ?? this.files, {
      localClaims: true,
      ...options.delivery,
    });
    this.print = options.print ?? ((line) => console.log(line));
  }

  publishAlert(msg: AlertMessage): Promise<DeliveryResult> {
    return this.delivery.deliver('alert', msg.id, async (attempt) => {
      if (attempt > 1 && (await this.holds('alerts.jsonl', msg.id))) return undefined;
      await this.append('alerts.jsonl', msg);
      // Subjects already start with "[SEVERITY]" (lib/alerts/messages.ts): do not print it twice.
      const tag = `[${msg.attributes.severity.toUpperCase()}]`;
      this.print(`${msg.subject.startsWith(tag) ? msg.subject : `${tag} ${msg.subject}`}\n${msg.body}\n`);
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
    return this.delivery.deliver('ticket', event.id, async (attempt) => {
      if (attempt > 1 && (await this.holds('tickets.jsonl', event.id))) return undefined;
      await this.append('tickets.jsonl', { id: event.id, detail: { ...event.detail, ticketId: event.id } });
      return undefined;
    });
  }

  publishCanaryVerdict(event: CanaryVerdictEvent): Promise<DeliveryResult> {
    return this.delivery.deliver('canary', event.id, async (attempt) => {
      if (attempt > 1 && (await this.holds('canary.jsonl', event.id))) return undefined;
      await this.append('canary.jsonl', { id: event.id, detail: event.detail });
      return undefined;
    });
  }

  /** Whether `file` already holds a line whose `id` is `id` (a delivery that crashed before its marker). */
  private async holds(file: string, id: string): Promise<boolean> {
    const path = join(this.options.outDir, file);
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
      throw fileError(error, path, 'read');
    }
    const needle = `"id":${JSON.stringify(id)}`;
    return text.split('\n').some((line) => {
      if (!line.includes(needle)) return false;
      try {
        return (JSON.parse(line) as { id?: unknown }).id === id;
      } catch {
        return false;
      }
    });
  }

  /**
   * Appends one whole line: one write of the complete buffer at the end of the file. A failed or
   * short write truncates the file back to its size before, so no partial line is left to merge
   * with the next one; the error names the file and what to do.
   */
  private async append(file: string, record: unknown): Promise<void> {
    const path = join(this.options.outDir, file);
    const line = Buffer.from(`${JSON.stringify(record)}\n`, 'utf8');
    try {
      await mkdir(this.options.outDir, { recursive: true });
    } catch (error) {
      throw fileError(error, this.options.outDir, 'write');
    }
    let handle: Awaited<ReturnType<typeof open>>;
    try {
      handle = await open(path, 'a+');
    } catch (error) {
      throw fileError(error, path, 'write');
    }
    let size = 0;
    try {
      size = (await handle.stat()).size;
      // A file whose last line was cut (by a crash of an older version, or an editor) gets its
      // newline first, so the cut line and this one stay two lines.
      let buffer = line;
      if (size > 0) {
        const last = Buffer.alloc(1);
        await handle.read(last, 0, 1, size - 1);
        if (last[0] !== 0x0a) buffer = Buffer.concat([Buffer.from('\n'), line]);
      }
      const { bytesWritten } = await this.write(handle, buffer);
      if (bytesWritten !== buffer.length) {
        throw Object.assign(new Error(`short write to ${path}`), { code: 'ENOSPC' });
      }
    } catch (error) {
      await handle.truncate(size).catch(() => undefined);
      throw fileError(error, path, 'write');
    } finally {
      await handle.close().catch(() => undefined);
    }
  }

  /** One write of the whole buffer (a seam for fault-injection tests). */
  protected write(
    handle: { write(buffer: Buffer): Promise<{ bytesWritten: number }> },
    buffer: Buffer,
  ): Promise<{ bytesWritten: number }> {
    return handle.write(buffer);
  }
}
