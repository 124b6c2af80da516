/**
 * Store keys are `/`-separated relative paths. They are checked before any I/O so no key can
 * escape the store's root folder or prefix.
 */
import { InvalidKeyError } from './errors.js';

function check(key: string, allowEmpty: boolean): void {
  if (!allowEmpty && key.length === 0) throw new InvalidKeyError(key, 'a key cannot be empty');
  if (key.startsWith('/')) throw new InvalidKeyError(key, 'use a relative key, without a leading /');
  if (key.includes('\\')) throw new InvalidKeyError(key, 'use / as the separator, not \\');
  // biome-ignore lint/suspicious/noControlCharactersInRegex: refusing control characters is the point
  if (/[\u0000-\u001f\u007f]/.test(key)) throw new InvalidKeyError(key, 'control characters are not allowed');
  const segments = key.split('/');
  if (segments.some((s) => s === '..' || s === '.')) {
    throw new InvalidKeyError(key, 'the segments . and .. are not allowed');
  }
}

/**
 * Checks a document key.
 * @throws InvalidKeyError when the key is empty, absolute, contains `..`, `.`, a backslash or a control character
 */
export function assertValidKey(key: string): void {
  check(key, false);
  if (key.endsWith('/') || key.includes('//'))
    throw new InvalidKeyError(key, 'empty path segments are not allowed');
}

/** Checks a list prefix: like a key, but it may be empty or end with `/`. */
export function assertValidPrefix(prefix: string): void {
  check(prefix, true);
  if (prefix.slice(0, -1).includes('//'))
    throw new InvalidKeyError(prefix, 'empty path segments are not allowed');
}

/** Joins a store prefix (`results`, `results/`, or empty) and a relative key. */
export function joinKey(prefix: string, key: string): string {
  const base = prefix.replace(/^\/+|\/+$/g, '');
  return base ? `${base}/${key}` : key;
}
