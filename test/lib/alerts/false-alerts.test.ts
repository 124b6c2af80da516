/**
 * False alerts on stable data. Simulated windows draw every feature's current histogram from the
 * reference distribution itself (no drift anywhere), at the demo's sizes: 3000 rows a window, 4
 * features + the score, 11 segment values of 171 to 2183 rows (the 171-row one too small to
 * judge); verdicts are the drift job's (decideDrift: PSI >= 0.1 and above the 1% noise quantile).
 * That is 55 judged tests a window.
 *
 * Expected false-alert rate with the default policy: under one incident per 1000 stable windows.
 * - Uncorrected, each test at the 1% level flags about 1 - 0.99^55 = 42% of stable windows (what
 *   a test-based method such as ks or chisquare at alpha 0.01 would report somewhere); measured
 *   here with seed 20261001: 45%.
 * - Benjamini-Hochberg at q = 0.05 over the window's tests bounds the share of windows with any
 *   surviving test by 5% (FDR = FWER when every null is true); measured: 6% (9 of 150; PSI's
 *   chi-square p-value is slightly liberal at a few hundred rows).
 * - A segment-drift incident also needs the segment's PSI >= 0.1 (1.3% of windows have one,
 *   measured) and the same subject in 2 of 3 windows, so the incident rate is of the order of
 *   3 x (5% / 55)^2 ~ 2.5e-6 per subject and window: none in the 150 windows simulated here.
 */
import { describe, expect, it } from 'vitest';
import { driftPValue } from '../../../lib/alerts/multiple-testing.js';
import { significantDrift } from '../../../lib/alerts/observe.js';
import { evaluatePolicy } from '../../../lib/alerts/policy.js';
import { type AlertState, emptyState } from '../../../lib/alerts/types.js';
import type { DriftResult, FeatureDrift } from '../../../lib/jobs/drift-result.js';
import { shiftDate, windowFor } from '../../../lib/jobs/windows.js';
import { psi } from '../../../lib/stats/psi.js';
import { decideDrift } from '../../../lib/stats/verdict.js';
import { driftResult, featureDrift, makeDefinition } from './fixtures.js';

/** mulberry32: a small seeded PRNG, enough for simulations. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const REFERENCE_SIZE = 50_000;
const SEGMENT_SIZES = [1072, 759, 629, 540, 290, 1076, 1634, 345, 2183, 301, 171];
const FEATURE_NAMES = ['income', 'debt_to_income', 'age', 'employment_type'];

function simulateFeature(name: string, shares: number[], size: number, random: () => number): FeatureDrift {
  const cumulative = shares.map((_, i) => shares.slice(0, i + 1).reduce((a, b) => a + b, 0));
  const counts = new Array<number>(shares.length).fill(0);
  for (let r = 0; r < size; r++) {
    const u = random();
    const bin = cumulative.findIndex((c) => u < c);
    counts[bin < 0 ? shares.length - 1 : bin]!++;
  }
  const referenceCounts = shares.map((s) => Math.round(s * REFERENCE_SIZE));
  const statistic = psi(referenceCounts, counts).statistic;
  const verdict = decideDrift({
    method: 'psi',
    statistic,
    referenceSize: REFERENCE_SIZE,
    currentSize: size,
    bins: shares.length,
    alpha: 0.01,
    minSampleSize: 100,
  });
  return {
    ...featureDrift(name, { statistic, level: verdict.level, currentSize: size }),
    noiseThreshold: verdict.noiseThreshold ?? null,
    drifted: verdict.drifted,
  };
}

function stableWindow(date: string, random: () => number, shares: number[][]): DriftResult {
  const base = driftResult(date);
  const group = (size: number) =>
    FEATURE_NAMES.map((name, i) => simulateFeature(name, shares[i]!, size, random));
  return {
    ...base,
    features: group(3000),
    prediction: simulateFeature('score', shares[4]!, 3000, random),
    segments: SEGMENT_SIZES.map((rows, i) => ({
      column: 'segment',
      value: `s${i}`,
      rows,
      tooSmall: rows < 200,
      features: group(rows),
      prediction: simulateFeature('score', shares[4]!, rows, random),
    })),
  };
}

describe('false alerts on stable data', () => {
  it('opens no incident over 150 stable windows while uncorrected tests flag many of them', () => {
    // Prepare: reference shares per feature (10 uneven bins) from a seeded PRNG.
    const random = prng(20261001);
    const shares = Array.from({ length: 5 }, () => {
      const raw = Array.from({ length: 10 }, () => 0.5 + random());
      const total = raw.reduce((a, b) => a + b, 0);
      return raw.map((v) => v / total);
    });
    const definition = makeDefinition({ labels: false });
    const history: { window: string; result?: DriftResult }[] = [];
    let state: AlertState = emptyState(definition.model.id);
    let opened = 0;
    let windowsWithRawSegmentVerdict = 0;
    let windowsWithRawSignificance = 0;
    let windowsWithBhRejection = 0;
    const windows = 150;
    // Act
    for (let day = 0; day < windows; day++) {
      const date = shiftDate('2026-01-01', day);
      const result = stableWindow(date, random, shares);
      if (result.segments.some((s) => !s.tooSmall && s.features.some((f) => f.drifted)))
        windowsWithRawSegmentVerdict++;
      const judged = [
        ...result.features,
        result.prediction!,
        ...result.segments.filter((s) => !s.tooSmall).flatMap((s) => [...s.features, s.prediction!]),
      ];
      if (judged.some((f) => (driftPValue(f) ?? 1) < 0.01)) windowsWithRawSignificance++;
      if (significantDrift(result, 0.05).size > 0) windowsWithBhRejection++;
      history.push({ window: date, result });
      const output = evaluatePolicy({
        definition,
        window: windowFor(definition, date),
        now: new Date(`${shiftDate(date, 1)}T02:00:00Z`),
        drift: history.slice(-30),
        performance: [],
        monitoringSince: '2026-01-01',
        state,
      });
      state = output.state;
      opened += output.decisions.filter((d) => d.type === 'opened').length;
    }
    // Assess
    expect(opened).toBe(0);
    expect(windowsWithRawSignificance / windows).toBeGreaterThan(0.25);
    expect(windowsWithBhRejection / windows).toBeLessThanOrEqual(0.08);
    expect(windowsWithRawSegmentVerdict / windows).toBeLessThan(0.05);
  });
});
