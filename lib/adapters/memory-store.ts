/** A ResultStore in memory, for tests and dry runs. */
import type { ResultStore } from '../ports.js';

export class MemoryResultStore implements ResultStore {
  readonly objects = new Map<string, string>();

  async putJson(key: string, doc: unknown): Promise<void> {
    this.objects.set(key, JSON.stringify(doc));
  }

  async getJson<T = unknown>(key: string): Promise<T | undefined> {
    const text = this.objects.get(key);
    return text === undefined ? undefined : (JSON.parse(text) as T);
  }

  async createJson(key: string, doc: unknown): Promise<boolean> {
    if (this.objects.has(key)) return false;
    this.objects.set(key, JSON.stringify(doc));
    return true;
  }

  async putText(key: string, text: string): Promise<void> {
    this.objects.set(key, text);
  }

  async list(prefix: string): Promise<string[]> {
    return [...this.objects.keys()].filter((k) => k.startsWith(prefix)).sort();
  }

  linkFor(key: string): string {
    return `memory://${key}`;
  }
}
