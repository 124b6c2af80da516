/**
 * Deep equality up to floating-point summation order. DuckDB aggregates with several threads by
 * default (CI sets no DRIFTWATCH_THREADS), so the same rows read from two file formats, or twice,
 * give sums a few ulps apart; `toEqual` on such results fails at random. Numbers here must agree
 * to a relative 1e-12 (far below any statistic's meaning); everything else exactly.
 */
import { expect } from 'vitest';

const RELATIVE = 1e-12;

export function expectClose(received: unknown, expected: unknown, path = '$'): void {
  if (typeof expected === 'number' && typeof received === 'number') {
    if (Number.isNaN(expected) || !Number.isFinite(expected)) {
      expect(received, path).toBe(expected);
      return;
    }
    const scale = Math.max(1, Math.abs(expected), Math.abs(received));
    expect(Math.abs(received - expected), `${path}: ${received} vs ${expected}`).toBeLessThanOrEqual(
      RELATIVE * scale,
    );
    return;
  }
  if (Array.isArray(expected)) {
    expect(Array.isArray(received), `${path} is an array`).toBe(true);
    const list = received as unknown[];
    expect(list.length, `${path}.length`).toBe(expected.length);
    for (const [i, e] of expected.entries()) expectClose(list[i], e, `${path}[${i}]`);
    return;
  }
  if (expected !== null && typeof expected === 'object') {
    expect(received !== null && typeof received === 'object', `${path} is an object`).toBe(true);
    const r = received as Record<string, unknown>;
    const e = expected as Record<string, unknown>;
    expect(Object.keys(r).sort(), `${path} keys`).toEqual(Object.keys(e).sort());
    for (const key of Object.keys(e)) expectClose(r[key], e[key], `${path}.${key}`);
    return;
  }
  expect(received, path).toEqual(expected);
}
