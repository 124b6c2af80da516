import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { InvalidKeyError } from '../../lib/adapters/errors.js';
import { FsResultStore } from '../../lib/adapters/fs-store.js';

let root: string;
let store: FsResultStore;

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'dw-fs-store-'));
  store = new FsResultStore(root);
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('FsResultStore', () => {
  it('writes a JSON document into nested folders and reads it back', async () => {
    await store.putJson('credit-default/drift/dt=2026-01-21/P1D.json', { v: 1, list: [1, null] });
    expect(await store.getJson('credit-default/drift/dt=2026-01-21/P1D.json')).toEqual({
      v: 1,
      list: [1, null],
    });
    const text = await readFile(join(root, 'credit-default/drift/dt=2026-01-21/P1D.json'), 'utf8');
    expect(JSON.parse(text)).toEqual({ v: 1, list: [1, null] });
  });

  it('returns undefined for a missing key, even below a file', async () => {
    await store.putJson('a.json', {});
    expect(await store.getJson('missing.json')).toBeUndefined();
    expect(await store.getJson('a.json/below.json')).toBeUndefined();
  });

  it('replaces atomically and leaves no temporary file behind', async () => {
    await store.putJson('x/doc.json', { v: 1 });
    await Promise.all(Array.from({ length: 10 }, (_, i) => store.putJson('x/doc.json', { v: i })));
    const doc = await store.getJson<{ v: number }>('x/doc.json');
    expect(doc?.v).toBeGreaterThanOrEqual(0);
    expect(await readdir(join(root, 'x'))).toEqual(['doc.json']);
  });

  it('creates a document once: the second create returns false and changes nothing', async () => {
    expect(await store.createJson('sent/a.json', { first: true })).toBe(true);
    expect(await store.createJson('sent/a.json', { first: false })).toBe(false);
    expect(await store.getJson('sent/a.json')).toEqual({ first: true });
    expect(await readdir(join(root, 'sent'))).toEqual(['a.json']);
  });

  it('lets exactly one of many concurrent creates win', async () => {
    const outcomes = await Promise.all(
      Array.from({ length: 12 }, (_, i) => store.createJson('lock.json', { i })),
    );
    expect(outcomes.filter(Boolean)).toHaveLength(1);
    expect(await store.getJson('lock.json')).toEqual({ i: outcomes.indexOf(true) });
  });

  it('writes text as given', async () => {
    await store.putText('r/report.html', '<p>é</p>', 'text/html');
    expect(await readFile(join(root, 'r/report.html'), 'utf8')).toBe('<p>é</p>');
  });

  it('lists files under a prefix, sorted, ignoring temporary files and folders', async () => {
    await store.putJson('m/drift/dt=2026-01-02/P1D.json', {});
    await store.putJson('m/drift/dt=2026-01-01/P1D.json', {});
    await store.putJson('m/performance/dt=2026-01-01/P1D.json', {});
    await store.putJson('n/drift/dt=2026-01-01/P1D.json', {});
    await writeFile(join(root, 'm/drift/stray.json.123.abc.dwtmp'), '{');

    expect(await store.list('m/drift/')).toEqual([
      'm/drift/dt=2026-01-01/P1D.json',
      'm/drift/dt=2026-01-02/P1D.json',
    ]);
    expect(await store.list('m/')).toHaveLength(3);
    expect(await store.list('m/drift/dt=2026-01-02')).toEqual(['m/drift/dt=2026-01-02/P1D.json']);
    expect(await store.list('')).toHaveLength(4);
    expect(await store.list('absent/')).toEqual([]);
  });

  it('links to a key with a file:// URL', () => {
    expect(store.linkFor('m/report.html')).toBe(`file://${root}/m/report.html`);
  });

  it.each([['../outside.json'], ['/etc/passwd'], ['a/../../b.json'], [''], ['a\\..\\b'], ['./a.json']])(
    'refuses the key %j',
    async (key) => {
      await expect(store.putJson(key, {})).rejects.toBeInstanceOf(InvalidKeyError);
      await expect(store.createJson(key, {})).rejects.toBeInstanceOf(InvalidKeyError);
      await expect(store.getJson(key)).rejects.toBeInstanceOf(InvalidKeyError);
      expect(() => store.linkFor(key)).toThrow(InvalidKeyError);
    },
  );

  it('refuses a list prefix that climbs out', async () => {
    await expect(store.list('../')).rejects.toBeInstanceOf(InvalidKeyError);
  });
});
