/**
 * The AWS ResultStore: one S3 bucket under a prefix. JSON documents are written on one line so the
 * results table (a one-column text table over the prefix) reads one document per row.
 * `createJson` is a conditional write (`If-None-Match: *`): S3 refuses it with 412 when the key
 * exists, which makes it a cheap lock and idempotency marker.
 */
import {
  GetObjectCommand,
  ListObjectsV2Command,
  type ListObjectsV2CommandOutput,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import type { ResultStore } from '../ports.js';
import { assertValidKey, assertValidPrefix, joinKey } from './keys.js';
import { isTransientError, type RetryOptions, withRetry } from './retry.js';

export interface S3ResultStoreOptions {
  bucket: string;
  /** The prefix every key lives under, e.g. `results`. @default '' (the bucket's root) */
  prefix?: string;
  /** A client to use (tests point one at a local S3 server). @default - a new S3Client */
  client?: S3Client;
  /**
   * When set, `linkFor` returns an S3 console URL in this region instead of an `s3://` URI.
   * @default - s3:// URIs
   */
  consoleRegion?: string;
  /** Keys per ListObjectsV2 page. @default 1000 */
  listPageSize?: number;
  /** Retries of throttled and 5xx calls, and of 409 conflicts on conditional writes. */
  retry?: Partial<RetryOptions>;
}

function statusOf(error: unknown): number | undefined {
  return (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
}

function isNotFound(error: unknown): boolean {
  const name = (error as { name?: string }).name;
  return name === 'NoSuchKey' || name === 'NotFound' || statusOf(error) === 404;
}

export class S3ResultStore implements ResultStore {
  readonly bucket: string;
  readonly prefix: string;
  private readonly client: S3Client;

  constructor(private readonly options: S3ResultStoreOptions) {
    this.bucket = options.bucket;
    this.prefix = (options.prefix ?? '').replace(/^\/+|\/+$/g, '');
    this.client = options.client ?? new S3Client({});
  }

  async putJson(key: string, doc: unknown): Promise<void> {
    await this.put(key, JSON.stringify(doc), 'application/json');
  }

  async getJson<T = unknown>(key: string): Promise<T | undefined> {
    assertValidKey(key);
    let text: string;
    try {
      // The body is read inside the retry: a connection cut while it streams, or a body shorter
      // than its Content-Length, is tried again like a failed request (it was parsed as it came).
      const retryIf = this.options.retry?.retryIf ?? isTransientError;
      text = await withRetry(
        async () => {
          const out = await this.client.send(
            new GetObjectCommand({ Bucket: this.bucket, Key: this.fullKey(key) }),
          );
          const body = (await out.Body?.transformToString('utf-8')) ?? '';
          const bytes = Buffer.byteLength(body, 'utf-8');
          if (out.ContentLength !== undefined && bytes !== out.ContentLength) {
            throw new TruncatedBodyError(bytes, out.ContentLength);
          }
          return body;
        },
        { ...this.options.retry, retryIf: (e) => e instanceof TruncatedBodyError || retryIf(e) },
      );
    } catch (error) {
      if (isNotFound(error)) return undefined;
      if (statusOf(error) === 403 && (await this.absent(key))) return undefined;
      if (error instanceof TruncatedBodyError) throw new Error(`${this.fullKey(key)}: ${error.message}`);
      throw error;
    }
    try {
      return JSON.parse(text) as T;
    } catch (error) {
      throw new Error(
        `s3://${this.bucket}/${this.fullKey(key)} is not valid JSON (${Buffer.byteLength(text, 'utf-8')} bytes: ${(error as Error).message}): the document is damaged; restore it from its versions or delete it so the job writes it again`,
      );
    }
  }

  /**
   * S3 answers a GET of a missing key with 403, not 404, unless the caller may list the bucket
   * without conditions; our roles list only under their own prefixes (`s3:prefix` conditions,
   * infra/monitoring-hub.ts), which S3 does not apply to a GET. So a 403 is checked with a listing
   * of exactly that key: listed and absent means missing (the first run, before any state exists);
   * present, or the listing refused too, means a real permission problem, and the GET's error stands.
   */
  private async absent(key: string): Promise<boolean> {
    const full = this.fullKey(key);
    try {
      const page = await withRetry(
        () => this.client.send(new ListObjectsV2Command({ Bucket: this.bucket, Prefix: full, MaxKeys: 1 })),
        this.options.retry,
      );
      return !(page.Contents ?? []).some((o) => o.Key === full);
    } catch {
      return false;
    }
  }

  async createJson(key: string, doc: unknown): Promise<boolean> {
    assertValidKey(key);
    const body = JSON.stringify(doc);
    try {
      await withRetry(
        () =>
          this.client.send(
            new PutObjectCommand({
              Bucket: this.bucket,
              Key: this.fullKey(key),
              Body: body,
              ContentType: 'application/json',
              IfNoneMatch: '*',
            }),
          ),
        // 409 ConditionalRequestConflict: a concurrent conditional write to this key is in flight.
        // S3 asks for a retry; the retry then sees 412 if the other write won.
        { ...this.options.retry, retryIf: (error) => statusOf(error) === 409 || isTransientError(error) },
      );
      return true;
    } catch (error) {
      const name = (error as { name?: string }).name;
      if (statusOf(error) === 412 || name === 'PreconditionFailed') return false;
      throw error;
    }
  }

  async putText(key: string, text: string, contentType: string): Promise<void> {
    await this.put(key, text, contentType);
  }

  async list(prefix: string): Promise<string[]> {
    assertValidPrefix(prefix);
    const root = this.prefix ? `${this.prefix}/` : '';
    const keys: string[] = [];
    let token: string | undefined;
    do {
      const continuation = token;
      const page: ListObjectsV2CommandOutput = await withRetry(
        () =>
          this.client.send(
            new ListObjectsV2Command({
              Bucket: this.bucket,
              Prefix: root + prefix,
              ContinuationToken: continuation,
              ...(this.options.listPageSize ? { MaxKeys: this.options.listPageSize } : {}),
            }),
          ),
        this.options.retry,
      );
      for (const object of page.Contents ?? []) {
        if (object.Key?.startsWith(root)) keys.push(object.Key.slice(root.length));
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    return keys.sort();
  }

  linkFor(key: string): string {
    assertValidKey(key);
    const full = this.fullKey(key);
    if (this.options.consoleRegion) {
      const region = encodeURIComponent(this.options.consoleRegion);
      return `https://${region}.console.aws.amazon.com/s3/object/${encodeURIComponent(this.bucket)}?region=${region}&prefix=${encodeURIComponent(full)}`;
    }
    return `s3://${this.bucket}/${full}`;
  }

  private async put(key: string, body: string, contentType: string): Promise<void> {
    assertValidKey(key);
    await withRetry(
      () =>
        this.client.send(
          new PutObjectCommand({
            Bucket: this.bucket,
            Key: this.fullKey(key),
            Body: body,
            ContentType: contentType,
          }),
        ),
      this.options.retry,
    );
  }

  private fullKey(key: string): string {
    return joinKey(this.prefix, key);
  }
}

/** A GET whose body came shorter than its Content-Length (a cut connection): retried. */
class TruncatedBodyError extends Error {
  constructor(bytes: number, expected: number) {
    super(`the body came with ${bytes} of its ${expected} bytes`);
    this.name = 'TruncatedBodyError';
  }
}
