import { describe, expect, it } from 'vitest';
import { DriftSettingsSchema } from '../../../lib/config/schema.js';
import { alignCategories, compareCategorical } from '../../../lib/jobs/compare-feature.js';
import type { CategoricalProfile } from '../../../lib/jobs/profile.js';
import { type CategoricalScan, mergeCategorical } from '../../../lib/jobs/scan-reader.js';
import { capCategoricalBins, categoricalBins, OTHER_CATEGORY } from '../../../lib/stats/binning.js';
import { chiSquare } from '../../../lib/stats/chi-square.js';

const profile = (categories: Record<string, number>, other = 0, nulls = 0): CategoricalProfile => ({
  name: 'cat',
  kind: 'categorical',
  rows: Object.values(categories).reduce((a, b) => a + b, 0) + other + nulls,
  nulls,
  categories,
});
const scan = (categories: Record<string, number>, other = 0, nulls = 0): CategoricalScan => ({
  nulls,
  categories,
  other,
});

describe('capped categories stay exact (issue 12, item 5)', () => {
  it('merging groups keeps a category only where both sides know its count', () => {
    const merged = mergeCategorical(scan({ a: 5, b: 3 }, 2), scan({ a: 4, c: 1 }, 0));
    // b is unknown in... no: the second side lists everything (other 0), so b = 3 + 0 exactly;
    // c is unknown on the first side (other 2): it moves into other.
    expect(merged).toEqual({ nulls: 0, categories: { a: 9, b: 3 }, other: 3 });
    expect(mergeCategorical(scan({ a: 1 }), scan({ b: 2 }))).toEqual({
      nulls: 0,
      categories: { a: 1, b: 2 },
      other: 0,
    });
  });

  it('aligns a capped profile and a capped window on one partition, with exact totals', () => {
    const bins = alignCategories(profile({ a: 50, b: 30 }, 20), scan({ a: 40, c: 25 }, 35));
    expect(bins).toEqual({
      categories: ['a', OTHER_CATEGORY],
      referenceCounts: [50, 50],
      currentCounts: [40, 60],
    });
    // uncapped on both sides: every category, no other bin
    expect(alignCategories(profile({ a: 1, b: 2 }), scan({ b: 1, c: 4 }))).toEqual(
      categoricalBins(
        new Map([
          ['a', 1],
          ['b', 2],
        ]),
        new Map([
          ['b', 1],
          ['c', 4],
        ]),
      ),
    );
  });

  it('capping merges the tail into one bin on both sides: chi-square equals the one on the merged partition', () => {
    const ref = new Map<string, number>();
    const cur = new Map<string, number>();
    for (let i = 0; i < 5000; i += 1) {
      ref.set(`v${i}`, 1 + (i % 7));
      cur.set(`v${i}`, 1 + ((i * 3) % 11));
    }
    const capped = capCategoricalBins(categoricalBins(ref, cur), 1000);
    expect(capped.categories).toHaveLength(1001);
    expect(capped.merged).toBe(4000);
    const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
    expect(sum(capped.referenceCounts)).toBe(sum([...ref.values()]));
    expect(sum(capped.currentCounts)).toBe(sum([...cur.values()]));
    const kept = new Set(capped.categories.slice(0, -1));
    const manual = [...ref.keys()].filter((k) => kept.has(k)).sort();
    const tailRef = [...ref].filter(([k]) => !kept.has(k)).reduce((a, [, v]) => a + v, 0);
    const tailCur = [...cur].filter(([k]) => !kept.has(k)).reduce((a, [, v]) => a + v, 0);
    const expected = chiSquare(
      [...manual.map((k) => ref.get(k)!), tailRef],
      [...manual.map((k) => cur.get(k)!), tailCur],
    );
    expect(chiSquare(capped.referenceCounts, capped.currentCounts)).toEqual(expected);
  });

  it('a feature with 100,000 listed categories compares on at most 1,001 bins', () => {
    const categories: Record<string, number> = {};
    for (let i = 0; i < 100_000; i += 1) categories[`v${i}`] = 1;
    const drift = compareCategorical(
      { feature: { name: 'cat', kind: 'categorical' }, settings: DriftSettingsSchema.parse({}) },
      profile(categories),
      scan(categories),
    );
    expect(drift.bins.length).toBe(1001);
    expect(drift.bins.at(-1)!.label).toBe(OTHER_CATEGORY);
    expect(drift.drifted).toBe(false);
  });
});
