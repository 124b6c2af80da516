/**
 * The local ResultStore: a folder. Every write goes to a temporary file first and is then renamed
 * (or hard-linked, for createJson) into place, so a reader never sees half a document and a crash
 * leaves at most a stray temporary file, which `list` ignores.
 */
import { randomBytes } from 'node:crypto';
import type { Dirent } from 'node:fs';
import { link, mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { ResultStore } from '../ports.js';
import { assertValidKey, assertValidPrefix } from './keys.js';

const TEMP_SUFFIX = '.dwtmp';

function hasCode(error: unknown, ...codes: string[]): boolean {
  return codes.includes((error as NodeJS.ErrnoException).code ?? '');
}

export class FsResultStore implements ResultStore {
  readonly root: string;

  constructor(root: string) {
    this.root = resolve(root);
  }

  async putJson(key: string, doc: unknown): Promise<void> {
    await this.writeAtomic(key, `${JSON.stringify(doc, null, 2)}\n`);
  }

  async getJson<T = unknown>(key: string): Promise<T | undefined> {
    try {
      return JSON.parse(await readFile(this.pathFor(key), 'utf8')) as T;
    } catch (error) {
      if (hasCode(error, 'ENOENT', 'ENOTDIR')) return undefined;
      throw error;
    }
  }

  async createJson(key: string, doc: unknown): Promise<boolean> {
    const target = this.pathFor(key);
    await mkdir(dirname(target), { recursive: true });
    const temp = await this.writeTemp(target, `${JSON.stringify(doc, null, 2)}\n`);
    try {
      // link() fails with EEXIST when the target exists: an exclusive create that is also atomic.
      await link(temp, target);
      return true;
    } catch (error) {
      if (hasCode(error, 'EEXIST')) return false;
      if (!hasCode(error, 'EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'EXDEV')) throw error;
      // A file system without hard links: fall back to an exclusive create (not atomic for readers).
      try {
        await writeFile(target, `${JSON.stringify(doc, null, 2)}\n`, { flag: 'wx' });
        return true;
      } catch (fallbackError) {
        if (hasCode(fallbackError, 'EEXIST')) return false;
        throw fallbackError;
      }
    } finally {
      await rm(temp, { force: true });
    }
  }

  async putText(key: string, text: string, _contentType: string): Promise<void> {
    await this.writeAtomic(key, text);
  }

  async list(prefix: string): Promise<string[]> {
    assertValidPrefix(prefix);
    // Only walk the folder the prefix names; a partial last segment filters within it.
    const folder = prefix.includes('/') ? prefix.slice(0, prefix.lastIndexOf('/')) : '';
    let entries: Dirent[];
    try {
      entries = await readdir(join(this.root, folder), { recursive: true, withFileTypes: true });
    } catch (error) {
      if (hasCode(error, 'ENOENT', 'ENOTDIR')) return [];
      throw error;
    }
    const keys: string[] = [];
    for (const entry of entries) {
      if (!entry.isFile() || entry.name.endsWith(TEMP_SUFFIX)) continue;
      const key = relative(this.root, join(entry.parentPath, entry.name)).split(sep).join('/');
      if (key.startsWith(prefix)) keys.push(key);
    }
    return keys.sort();
  }

  linkFor(key: string): string {
    return pathToFileURL(this.pathFor(key)).href;
  }

  private pathFor(key: string): string {
    assertValidKey(key);
    const path = resolve(this.root, ...key.split('/'));
    const rel = relative(this.root, path);
    if (rel.startsWith('..') || resolve(this.root, rel) !== path) {
      throw new Error(`key ${JSON.stringify(key)} resolves outside the store folder ${this.root}`);
    }
    return path;
  }

  private async writeTemp(target: string, text: string): Promise<string> {
    const temp = `${target}.${process.pid}.${randomBytes(6).toString('hex')}${TEMP_SUFFIX}`;
    await writeFile(temp, text, { flag: 'wx' });
    return temp;
  }

  private async writeAtomic(key: string, text: string): Promise<void> {
    const target = this.pathFor(key);
    await mkdir(dirname(target), { recursive: true });
    const temp = await this.writeTemp(target, text);
    try {
      await rename(temp, target);
    } catch (error) {
      await rm(temp, { force: true });
      throw error;
    }
  }
}
