import { randomUUID } from 'node:crypto';
import {
  GetObjectCommand,
  HeadObjectCommand,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { InvalidKeyError } from '../../lib/adapters/errors.js';
import { S3ResultStore } from '../../lib/adapters/s3-store.js';

// A real S3 API: s3rver on loopback, behind the If-None-Match proxy (test/setup/s3-server.ts).
const clientConfig = {
  endpoint: inject('s3Endpoint'),
  forcePathStyle: true,
  region: 'us-east-1',
  credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
  maxAttempts: 1,
};
const client = new S3Client(clientConfig);
const bucket = inject('s3Bucket');

function freshStore(listPageSize?: number): S3ResultStore {
  return new S3ResultStore({ bucket, prefix: `results-${randomUUID()}`, client, listPageSize });
}

afterAll(() => client.destroy());

describe('S3ResultStore', () => {
  it('writes and reads a JSON document on one line under the prefix', async () => {
    // Prepare
    const store = freshStore();
    const doc = { schemaVersion: 1, model: 'credit-default', values: [1, 2.5, null], nested: { ok: true } };

    // Act
    await store.putJson('credit-default/drift/dt=2026-01-21/P1D.json', doc);

    // Assess
    expect(await store.getJson('credit-default/drift/dt=2026-01-21/P1D.json')).toEqual(doc);
    const raw = await client.send(
      new GetObjectCommand({
        Bucket: bucket,
        Key: `${store.prefix}/credit-default/drift/dt=2026-01-21/P1D.json`,
      }),
    );
    const text = await raw.Body!.transformToString();
    expect(text).not.toContain('\n');
  });

  it('returns undefined for a key that does not exist', async () => {
    expect(await freshStore().getJson('nope/missing.json')).toBeUndefined();
  });

  it('replaces a document on a second putJson', async () => {
    const store = freshStore();
    await store.putJson('a.json', { v: 1 });
    await store.putJson('a.json', { v: 2 });
    expect(await store.getJson('a.json')).toEqual({ v: 2 });
  });

  it('creates a document once and refuses the second create with false', async () => {
    const store = freshStore();
    expect(await store.createJson('sent/alert-1.json', { first: true })).toBe(true);
    expect(await store.createJson('sent/alert-1.json', { first: false })).toBe(false);
    expect(await store.getJson('sent/alert-1.json')).toEqual({ first: true });
  });

  it('lets exactly one of many concurrent creates win', async () => {
    const store = freshStore();
    const outcomes = await Promise.all(
      Array.from({ length: 8 }, (_, i) => store.createJson('lock.json', { writer: i })),
    );
    expect(outcomes.filter(Boolean)).toHaveLength(1);
    const winner = outcomes.indexOf(true);
    expect(await store.getJson('lock.json')).toEqual({ writer: winner });
  });

  it('writes text with its content type', async () => {
    const store = freshStore();
    await store.putText('credit-default/report.html', '<h1>ok</h1>', 'text/html; charset=utf-8');
    const head = await client.send(
      new HeadObjectCommand({ Bucket: bucket, Key: `${store.prefix}/credit-default/report.html` }),
    );
    expect(head.ContentType).toBe('text/html; charset=utf-8');
  });

  it('lists keys relative to the prefix, sorted, across pages', async () => {
    // Prepare: more keys than one page of the paginated listing below
    const store = freshStore(5);
    const keys = Array.from(
      { length: 23 },
      (_, i) => `m/drift/dt=2026-01-${String(i + 1).padStart(2, '0')}/P1D.json`,
    );
    await Promise.all([...keys].reverse().map((k) => store.putJson(k, { k })));
    await store.putJson('other/x.json', {});

    // Act
    const listed = await store.list('m/drift/');

    // Assess
    expect(listed).toEqual([...keys].sort());
    expect(await store.list('')).toHaveLength(24);
    expect(await store.list('m/nothing/')).toEqual([]);
  });

  it('builds an s3:// URI or a console URL for a key', () => {
    const plain = new S3ResultStore({ bucket: 'b', prefix: 'results/', client });
    expect(plain.linkFor('m/drift/dt=2026-01-21/P1D.json')).toBe(
      's3://b/results/m/drift/dt=2026-01-21/P1D.json',
    );
    const console = new S3ResultStore({ bucket: 'b', prefix: 'results', client, consoleRegion: 'eu-west-1' });
    expect(console.linkFor('m/r.html')).toBe(
      'https://eu-west-1.console.aws.amazon.com/s3/object/b?region=eu-west-1&prefix=results%2Fm%2Fr.html',
    );
  });

  it('names a damaged document (not JSON) with its s3:// key and the fix', async () => {
    const store = freshStore();
    await client.send(
      new PutObjectCommand({
        Bucket: bucket,
        Key: `${store.prefix}/m/alerts/state.json`,
        Body: '{"model":"m",',
      }),
    );
    await expect(store.getJson('m/alerts/state.json')).rejects.toThrow(
      `s3://${bucket}/${store.prefix}/m/alerts/state.json is not valid JSON (13 bytes: `,
    );
  });

  it('reads again a body that came shorter than its Content-Length (a cut connection)', async () => {
    const cut = new S3Client(clientConfig);
    let gets = 0;
    cut.middlewareStack.add(
      (next, context) => async (args) => {
        const result = await next(args);
        if (context.commandName === 'GetObjectCommand' && ++gets === 1) {
          const output = result.output as { Body?: { transformToString: () => Promise<string> } };
          const whole = await output.Body!.transformToString();
          output.Body = { transformToString: async () => whole.slice(0, 5) };
        }
        return result;
      },
      { step: 'initialize', name: 'cutBody' },
    );
    const store = new S3ResultStore({
      bucket,
      prefix: `results-${randomUUID()}`,
      client: cut,
      retry: { sleep: async () => {} },
    });
    await store.putJson('m/doc.json', { a: 1, b: 'two' });
    expect(await store.getJson('m/doc.json')).toEqual({ a: 1, b: 'two' });
    expect(gets).toBe(2);
    cut.destroy();
  });

  it.each([['../escape.json'], ['/abs.json'], ['a/../b.json'], [''], ['a\\b.json'], ['a//b.json']])(
    'refuses the key %j before any request',
    async (key) => {
      const store = freshStore();
      await expect(store.putJson(key, {})).rejects.toBeInstanceOf(InvalidKeyError);
      await expect(store.getJson(key)).rejects.toBeInstanceOf(InvalidKeyError);
    },
  );
});

/**
 * A role as deployed: GetObject on its keys, ListBucket only under `s3:prefix` patterns (StringLike).
 * S3 then answers a GET of a missing key with 403 AccessDenied (the caller may not list the bucket
 * without conditions, and a GET carries no s3:prefix), and refuses a listing outside the patterns.
 * The stand-in enforces exactly that on the real S3 API (s3rver) through client middleware.
 */
function roleClient(listable: string[]): S3Client {
  const role = new S3Client(clientConfig);
  const denied = () =>
    new S3ServiceException({
      name: 'AccessDenied',
      $fault: 'client',
      $metadata: { httpStatusCode: 403 },
      message: 'Access Denied',
    });
  const like = (pattern: string, value: string) =>
    new RegExp(
      `^${pattern
        .split('*')
        .map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
        .join('.*')}$`,
    ).test(value);
  role.middlewareStack.add(
    (next, context) => async (args) => {
      const input = args.input as { Prefix?: string };
      if (
        context.commandName === 'ListObjectsV2Command' &&
        !listable.some((p) => like(p, input.Prefix ?? ''))
      )
        throw denied();
      try {
        return await next(args);
      } catch (error) {
        const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
        if (context.commandName === 'GetObjectCommand' && status === 404) throw denied();
        throw error;
      }
    },
    { step: 'initialize', name: 'roleStandIn' },
  );
  return role;
}

describe('S3ResultStore under a role that lists only its own prefixes', () => {
  const prefix = `results-${randomUUID()}`;
  const role = roleClient([`${prefix}/churn/*`]);
  afterAll(() => role.destroy());
  const store = new S3ResultStore({ bucket, prefix, client: role });

  it('reads a missing key of its own as missing (S3 said 403), and an existing one', async () => {
    expect(await store.getJson('churn/alerts/state.json')).toBeUndefined();
    await store.putJson('churn/alerts/state.json', { open: [] });
    expect(await store.getJson('churn/alerts/state.json')).toEqual({ open: [] });
  });

  it('keeps the refusal where it may not list: a missing key is not silently empty', async () => {
    await expect(store.getJson('other-model/alerts/state.json')).rejects.toMatchObject({
      name: 'AccessDenied',
    });
  });
});
