import { describe, expect, it } from 'vitest';
import { newInTail } from '../../../lib/jobs/drift.js';

// The window lists its top categories and an "other" total; a known category may sit in that tail.
describe("newInTail: new-category rows beyond a window's listed categories", () => {
  it('no tail: nothing beyond the listed categories', () => {
    expect(newInTail({ a: 5 }, { nulls: 0, categories: { a: 3, z: 2 }, other: 0 })).toEqual({
      rows: 0,
      exact: true,
    });
  });
  it('every known category listed: the whole tail is new, exactly', () => {
    expect(newInTail({ a: 5, b: 1 }, { nulls: 0, categories: { a: 3, b: 2 }, other: 40 })).toEqual({
      rows: 40,
      exact: true,
    });
  });
  it('a known category unlisted: the counted known rows leave the tail, exactly', () => {
    expect(newInTail({ a: 5, b: 1 }, { nulls: 0, categories: { a: 3, z: 2 }, other: 40 }, 1)).toEqual({
      rows: 39,
      exact: true,
    });
  });
  it('without the count: a lower bound, each unlisted known category at most the smallest listed count', () => {
    expect(newInTail({ a: 5, b: 1, c: 1 }, { nulls: 0, categories: { a: 3, z: 2 }, other: 40 })).toEqual({
      rows: 36,
      exact: false,
    });
    expect(newInTail({ b: 1, c: 1 }, { nulls: 0, categories: { z: 30 }, other: 10 })).toEqual({
      rows: 0,
      exact: false,
    });
  });
});
