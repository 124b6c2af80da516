/**
 * The local ResultStore: a folder. Every write goes to a temporary file first and is then renamed
 * (or hard-linked, for createJson) into place, so a reader never sees half a document. A failed
 * write removes its temporary file; temporary files still in flight when the process exits (the
 * CLI exits on Ctrl-C / SIGTERM) are removed by an exit hook; a hard kill can leave one, which
 * `list` ignores. Every file system error names the file and what to do (FileAccessError), and a
 * document that does not parse names the file and how to recover (CorruptDocumentError).
 */
import { randomBytes } from 'node:crypto';
import { type Dirent, rmSync } from 'node:fs';
import { link, mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { ResultStore } from '../ports.js';
import { CorruptDocumentError, fileError } from './errors.js';
import { assertValidKey, assertValidPrefix } from './keys.js';

const TEMP_SUFFIX = '.dwtmp';

/** Temporary files being written, removed on exit if still there. */
const inFlight = new Set<string>();
let exitHookInstalled = false;

/** Removes every temporary file this process is still writing (synchronous: safe in an exit hook). */
export function removeTempFilesSync(): void {
  for (const temp of inFlight) {
    try {
      rmSync(temp, { force: true });
    } catch {
      // best effort: the process is ending
    }
  }
  inFlight.clear();
}

function track(temp: string): void {
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.once('exit', removeTempFilesSync);
  }
  inFlight.add(temp);
}

/** How to recover from a corrupt stored document, by what it is. */
export function recoveryFor(key: string): string {
  if (/(^|\/)alerts\/state\.json$/.test(key))
    return 'delete it to start the alert state afresh (open incidents are forgotten and re-open if the problem persists), or restore it from a backup';
  if (key.includes('notifications/')) return 'delete it (that notification may then be delivered once more)';
  if (/\/(drift|performance)\/dt=/.test(key))
    return 'delete it and re-run the job for that window (driftwatch run --job ... --date ...) to rebuild it';
  if (key.includes('/baseline/')) return 'delete it and re-run driftwatch run --job baseline to rebuild it';
  return 'delete it to rebuild it by re-running the step that writes it';
}

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
    const path = this.pathFor(key);
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch (error) {
      if (hasCode(error, 'ENOENT', 'ENOTDIR')) return undefined;
      throw fileError(error, path, 'read');
    }
    try {
      return JSON.parse(text) as T;
    } catch (error) {
      throw new CorruptDocumentError(
        path,
        text.trim() === '' ? 'empty file' : `not valid JSON: ${(error as Error).message}`,
        recoveryFor(key),
      );
    }
  }

  async createJson(key: string, doc: unknown): Promise<boolean> {
    const target = this.pathFor(key);
    await this.mkdirFor(target);
    const temp = await this.writeTemp(target, `${JSON.stringify(doc, null, 2)}\n`);
    try {
      // link() fails with EEXIST when the target exists: an exclusive create that is also atomic.
      await link(temp, target);
      return true;
    } catch (error) {
      if (hasCode(error, 'EEXIST')) return false;
      if (!hasCode(error, 'EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'EXDEV')) throw fileError(error, target, 'write');
      // A file system without hard links: fall back to an exclusive create (not atomic for readers).
      try {
        await writeFile(target, `${JSON.stringify(doc, null, 2)}\n`, { flag: 'wx' });
        return true;
      } catch (fallbackError) {
        if (hasCode(fallbackError, 'EEXIST')) return false;
        throw fileError(fallbackError, target, 'write');
      }
    } finally {
      await rm(temp, { force: true });
      inFlight.delete(temp);
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
      throw fileError(error, join(this.root, folder), 'read');
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

  private async mkdirFor(target: string): Promise<void> {
    try {
      await mkdir(dirname(target), { recursive: true });
    } catch (error) {
      throw fileError(error, dirname(target), 'write');
    }
  }

  /** Writes `text` to a new temporary file beside `target`; on failure removes it and names `target`. */
  private async writeTemp(target: string, text: string): Promise<string> {
    const temp = `${target}.${process.pid}.${randomBytes(6).toString('hex')}${TEMP_SUFFIX}`;
    track(temp);
    try {
      await writeFile(temp, text, { flag: 'wx' });
    } catch (error) {
      await rm(temp, { force: true }).catch(() => undefined);
      inFlight.delete(temp);
      throw fileError(error, target, 'write');
    }
    return temp;
  }

  private async writeAtomic(key: string, text: string): Promise<void> {
    const target = this.pathFor(key);
    await this.mkdirFor(target);
    const temp = await this.writeTemp(target, text);
    try {
      await rename(temp, target);
    } catch (error) {
      await rm(temp, { force: true });
      throw fileError(error, target, 'write');
    } finally {
      inFlight.delete(temp);
    }
  }
}
