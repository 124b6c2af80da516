/** Shared helpers for the lib/stats tests: oracle loading, a seeded PRNG, tolerances. */
import { readFileSync } from 'node:fs';

export const ORACLE_DIR = new URL('../../fixtures/oracle/', import.meta.url);

export interface OracleCaseRef {
  name: string;
  kind: string;
  input: string;
  expected: string;
}

export type RawValue = number | string | null;

export interface DriftInput {
  name: string;
  kind: 'drift_numeric' | 'drift_categorical';
  reference: RawValue[];
  current: RawValue[];
}

// biome-ignore lint/suspicious/noExplicitAny: oracle JSON is loosely typed by design.
export type Expected = Record<string, any>;

export function readJson<T>(relative: string): T {
  return JSON.parse(readFileSync(new URL(relative, ORACLE_DIR), 'utf8')) as T;
}

export function driftCases(
  kind: 'drift_numeric' | 'drift_categorical',
): { name: string; input: DriftInput; expected: Expected }[] {
  const index = readJson<{ cases: OracleCaseRef[] }>('index.json');
  return index.cases
    .filter((c) => c.kind === kind)
    .map((c) => ({
      name: c.name,
      input: readJson<DriftInput>(c.input),
      expected: readJson<{ expected: Expected }>(c.expected).expected,
    }));
}

/** Parse an oracle numeric array: null = missing, "Infinity"/"-Infinity" = infinities. */
export function parseNumeric(values: readonly RawValue[]): (number | null)[] {
  return values.map((v) => {
    if (v === null) return null;
    if (v === 'Infinity') return Number.POSITIVE_INFINITY;
    if (v === '-Infinity') return Number.NEGATIVE_INFINITY;
    if (typeof v === 'number') return v;
    throw new Error(`unexpected numeric value ${JSON.stringify(v)}`);
  });
}

/** |actual - expected| <= max(rel |expected|, abs). */
export function isClose(actual: number, expected: number, rel: number, abs: number): boolean {
  if (actual === expected) return true;
  return Math.abs(actual - expected) <= Math.max(rel * Math.abs(expected), abs);
}

/** Mulberry32: a small seeded PRNG returning uniforms in [0, 1). */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Standard normal draws by Box-Muller. */
export function normalSampler(rand: () => number): () => number {
  return () => {
    let u = rand();
    while (u === 0) u = rand();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rand());
  };
}

/** Multinomial counts of n draws from the given probabilities. */
export function multinomial(rand: () => number, n: number, probs: readonly number[]): number[] {
  const cum: number[] = [];
  let s = 0;
  for (const p of probs) {
    s += p;
    cum.push(s);
  }
  const counts = new Array<number>(probs.length).fill(0);
  for (let i = 0; i < n; i++) {
    const u = rand() * s;
    let k = 0;
    while (k < cum.length - 1 && u >= (cum[k] as number)) k++;
    counts[k] = (counts[k] as number) + 1;
  }
  return counts;
}
