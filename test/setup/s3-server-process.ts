/**
 * A local S3 API for tests: s3rver on a random loopback port, behind a small proxy that adds what
 * s3rver lacks: conditional creates (`If-None-Match: *` answered with 412 when the key exists).
 * Conditional PUTs are serialised per key, so concurrent creates behave as on S3 (one wins).
 * Prints `S3_PORT=<port>` on stdout once both listen; stops on SIGTERM or when stdin closes.
 */
import crypto from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import S3rver from 's3rver';

// s3rver 3.7 encrypts ListObjectsV2 continuation tokens with single DES, which OpenSSL 3 (Node 17+)
// no longer offers: every truncated listing fails with InternalError. Triple DES with three equal
// keys computes exactly single DES, so map 'des' onto it for this process.
const { createCipheriv, createDecipheriv } = crypto;
const tripleKey = (key: crypto.CipherKey) => Buffer.concat(Array(3).fill(Buffer.from(key as Buffer)));
Object.assign(crypto, {
  createCipheriv: (algorithm: string, key: crypto.CipherKey, iv: crypto.BinaryLike | null) =>
    algorithm === 'des'
      ? createCipheriv('des-ede3-cbc', tripleKey(key), iv)
      : createCipheriv(algorithm, key, iv),
  createDecipheriv: (algorithm: string, key: crypto.CipherKey, iv: crypto.BinaryLike | null) =>
    algorithm === 'des'
      ? createDecipheriv('des-ede3-cbc', tripleKey(key), iv)
      : createDecipheriv(algorithm, key, iv),
});

const BUCKETS = ['driftwatch-test'];
const directory = mkdtempSync(join(tmpdir(), 'dw-s3rver-'));
const s3rver = new S3rver({
  address: '127.0.0.1',
  port: 0,
  silent: true,
  directory,
  allowMismatchedSignatures: true,
  vhostBuckets: false,
  configureBuckets: BUCKETS.map((name) => ({ name })),
});
const upstream = (await s3rver.run()) as AddressInfo;

function forward(req: http.IncomingMessage, res: http.ServerResponse, body: Buffer): Promise<void> {
  return new Promise((resolve) => {
    const out = http.request(
      { host: '127.0.0.1', port: upstream.port, method: req.method, path: req.url, headers: req.headers },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
        answer.on('end', resolve);
      },
    );
    out.on('error', (error) => {
      res.writeHead(502);
      res.end(String(error));
      resolve();
    });
    out.end(body);
  });
}

function exists(path: string): Promise<boolean> {
  return new Promise((resolve, reject) => {
    const head = http.request({ host: '127.0.0.1', port: upstream.port, method: 'HEAD', path }, (answer) => {
      answer.resume();
      resolve(answer.statusCode === 200);
    });
    head.on('error', reject);
    head.end();
  });
}

function readBody(req: http.IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

const locks = new Map<string, Promise<void>>();

async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
  const body = await readBody(req);
  const path = (req.url ?? '/').split('?')[0]!;
  if (req.method !== 'PUT' || req.headers['if-none-match'] !== '*') return forward(req, res, body);
  const previous = locks.get(path) ?? Promise.resolve();
  const current = previous.then(async () => {
    if (await exists(path)) {
      res.writeHead(412, { 'content-type': 'application/xml' });
      res.end(
        '<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>PreconditionFailed</Code>' +
          '<Message>At least one of the pre-conditions you specified did not hold</Message>' +
          '<Condition>If-None-Match</Condition></Error>',
      );
      return;
    }
    await forward(req, res, body);
  });
  const settled = current.catch(() => undefined);
  locks.set(path, settled);
  await current;
  if (locks.get(path) === settled) locks.delete(path);
}

const proxy = http.createServer((req, res) => {
  handle(req, res).catch((error) => {
    if (!res.headersSent) res.writeHead(500);
    res.end(String(error));
  });
});
await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
const { port } = proxy.address() as AddressInfo;

let stopping = false;
async function stop(): Promise<void> {
  if (stopping) return;
  stopping = true;
  // s3rver's close can wait on idle keep-alive sockets: never outlive the test run by more than 2 s.
  setTimeout(() => process.exit(0), 2000).unref();
  proxy.closeAllConnections();
  await new Promise((resolve) => proxy.close(resolve));
  await s3rver.close();
  rmSync(directory, { recursive: true, force: true });
  process.exit(0);
}
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
process.stdin.on('end', stop);
process.stdin.resume();
// An orphan (vitest gone without a teardown) stops too: its parent becomes init.
const parent = process.ppid;
setInterval(() => {
  if (process.ppid !== parent) void stop();
}, 1000).unref();

process.stdout.write(`S3_PORT=${port}\nS3_BUCKETS=${BUCKETS.join(',')}\n`);
