/**
 * Hostile tests of estimated performance (CBPE, issue #17), written by a tester trying to break it.
 * Each `it.fails` demonstrates a defect: the comment says what is wrong and what was expected; the
 * lead's fix turns it into a failing `it.fails` (then make it a plain `it`). Plain `it`s record
 * what held up.
 *
 * The simulations here are independent of test/lib/metrics/estimation.test.ts: their own PRNG, a
 * model that is NOT calibrated (truth P(y | s) = s^1.5), thresholds other than 0.5, reference sizes
 * and shifts the product's own tests do not try. Realized metrics are computed from the rows.
 */
import { readdir } from 'node:fs/promises';
import { afterAll, describe, expect, it } from 'vitest';
import { DuckDbQueryEngine } from '../../../lib/adapters/duckdb-engine.js';
import { localContext } from '../../../lib/cli/context.js';
import { validateDefinition } from '../../../lib/config/load.js';
import { generateWorld, WORLD_DEFAULTS, worldDefinition } from '../../../lib/demo/world.js';
import { type EstimatedResult, runEstimate } from '../../../lib/jobs/estimate.js';
import { runPerformance } from '../../../lib/jobs/performance.js';
import { shiftDate } from '../../../lib/jobs/windows.js';
import {
  checkCalibration,
  ESTIMATED_METRICS,
  type EstimatedMetricName,
  estimatePerformance,
  fitCalibration,
  type ScoreCell,
} from '../../../lib/metrics/estimation.js';
import { tempDir } from '../../helpers/temp.js';

function rng(seed: number): () => number {
  let a = (seed * 7919 + 13) >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Row {
  s: number;
  y: number;
}

/** What the score-grid SQL returns, done in memory. */
function cellsOf(rows: readonly Row[], threshold: number): ScoreCell[] {
  const m = new Map<
    string,
    { cell: number; above: boolean; rows: number; labelled: number; positives: number }
  >();
  for (const { s, y } of rows) {
    const cell = Math.min(999, Math.floor(s * 1000));
    const above = s >= threshold;
    const key = `${cell}:${above}`;
    const e = m.get(key) ?? { cell, above, rows: 0, labelled: 0, positives: 0 };
    e.rows++;
    e.labelled++;
    e.positives += y;
    m.set(key, e);
  }
  return [...m.values()];
}

/** Realized metrics from the rows (exact ROC-AUC, ties half). */
function realized(rows: readonly Row[], threshold: number): Record<EstimatedMetricName, number> {
  let tp = 0;
  let fp = 0;
  let tn = 0;
  let fn = 0;
  for (const { s, y } of rows) {
    if (s >= threshold) {
      if (y) tp++;
      else fp++;
    } else if (y) fn++;
    else tn++;
  }
  const precision = tp + fp ? tp / (tp + fp) : 0;
  const recall = tp + fn ? tp / (tp + fn) : 0;
  const sorted = [...rows].sort((a, b) => a.s - b.s);
  let negBelow = 0;
  let pairs = 0;
  for (let i = 0; i < sorted.length; ) {
    let j = i;
    let p = 0;
    let q = 0;
    while (j < sorted.length && sorted[j]!.s === sorted[i]!.s) {
      if (sorted[j]!.y) p++;
      else q++;
      j++;
    }
    pairs += p * (negBelow + 0.5 * q);
    negBelow += q;
    i = j;
  }
  return {
    accuracy: (tp + tn) / rows.length,
    precision,
    recall,
    f1: precision + recall ? (2 * precision * recall) / (precision + recall) : 0,
    rocAuc: pairs / ((tp + fn) * negBelow),
  };
}

const normal = (r: () => number) => Math.sqrt(-2 * Math.log(r())) * Math.cos(2 * Math.PI * r());
const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));
/** The model is over-confident; the truth is known. */
const truth = (s: number) => s ** 1.5;

/**
 * Band coverage over `seeds` simulated (reference, window) pairs: scores sigmoid(N(-0.5, 1.3)) in
 * the reference, the window's mean moved by `shift` on the logit scale (covariate shift only: the
 * score-to-outcome relation is the same, so CBPE's assumption holds).
 */
function coverage(refRows: number, winRows: number, seeds: number, shift: number, threshold: number) {
  const hit = Object.fromEntries(ESTIMATED_METRICS.map((m) => [m, 0])) as Record<EstimatedMetricName, number>;
  for (let seed = 1; seed <= seeds; seed++) {
    const r = rng(seed);
    const draw = (n: number, mean: number) =>
      Array.from({ length: n }, () => {
        const s = sigmoid(mean + 1.3 * normal(r));
        return { s, y: r() < truth(s) ? 1 : 0 };
      });
    const ref = draw(refRows, -0.5);
    const win = draw(winRows, -0.5 + shift);
    const est = estimatePerformance(cellsOf(win, threshold), fitCalibration(cellsOf(ref, threshold)), {
      seed,
    });
    const real = realized(win, threshold);
    for (const m of ESTIMATED_METRICS) {
      const b = est.metrics[m];
      if (b.lower !== null && b.upper !== null && real[m] >= b.lower && real[m] <= b.upper) hit[m]++;
    }
  }
  const out = {} as Record<EstimatedMetricName, number>;
  for (const m of ESTIMATED_METRICS) out[m] = hit[m] / seeds;
  console.log(
    `coverage ref=${refRows} window=${winRows} seeds=${seeds} shift=${shift} threshold=${threshold}`,
    out,
  );
  return out;
}

describe('CBPE under hostile inputs (pure core)', () => {
  it('holds its 95% band on an independent simulation: miscalibrated model, threshold 0.3, 20,000 reference rows, moderate shift', () => {
    // Measured (200 seeds, .scratch/cov.ts): accuracy 0.965, precision 0.955, recall 0.955,
    // F1 0.96, ROC-AUC 0.945. Here 60 seeds to stay quick.
    const c = coverage(20_000, 3000, 60, 0.8, 0.3);
    for (const m of ESTIMATED_METRICS) expect(c[m], m).toBeGreaterThanOrEqual(0.88);
  }, 60_000);

  // DEFECT (high: wrong numbers with a zero-width band). A reference whose labels are all 0 fits a
  // map of p = 0 everywhere; the window is then "estimated" at accuracy = share predicted negative
  // (0.51 in .scratch/pure.ts) with standard error 3e-16 and band [0.51, 0.51], precision 0 with band [0, 0],
  // while the window's realized accuracy is 0.755. Expected: estimation refused with a clear
  // message ("the reference has only one class: estimation needs both"), or at least a band that
  // is not claimed to be exact. fitCalibration accepts it silently.
  it('refuses (or gives an honest band for) a one-class reference', () => {
    const r = rng(1);
    const ref = Array.from({ length: 500 }, () => ({ s: r(), y: 0 }));
    const win = Array.from({ length: 1000 }, () => {
      const s = r();
      return { s, y: r() < s ? 1 : 0 };
    });
    let est: ReturnType<typeof estimatePerformance>;
    try {
      est = estimatePerformance(cellsOf(win, 0.5), fitCalibration(cellsOf(ref, 0.5)));
    } catch (e) {
      expect(String(e)).toMatch(/class|positive/i);
      return;
    }
    const real = realized(win, 0.5);
    const acc = est.metrics.accuracy;
    expect(acc.upper! - acc.lower!).toBeGreaterThan(0.01);
    expect(real.accuracy).toBeGreaterThanOrEqual(acc.lower!);
    expect(real.accuracy).toBeLessThanOrEqual(acc.upper!);
  });

  // DEFECT (high: a confident wrong estimate, no warning). Reference scores only in [0, 0.6]
  // (20,000 rows, truth P(y | s) = s, perfectly calibrated model); the window moves to [0.7, 1].
  // Above the reference's last block the map is flat at that block's p (0.66 at cell 900), so the
  // estimate is accuracy 0.579 [0.475, 0.683] while realized is 0.847: the band says 95% and
  // misses by 0.16 (another seed, .scratch/pure.ts: 0.617 [0.510, 0.724] vs 0.855). Nothing in the estimate says that most of the window lies where the reference
  // had no rows. Expected: the band widened to reflect extrapolation, or the estimate marked
  // (e.g. a finding "N% of the window's scores are outside the reference's score range") rather
  // than a narrow band around a flat extrapolation.
  it('does not give a narrow band when the window moves into scores the reference never had', () => {
    const r = rng(2);
    const ref = Array.from({ length: 20_000 }, () => {
      const s = 0.6 * r();
      return { s, y: r() < s ? 1 : 0 };
    });
    const win = Array.from({ length: 3000 }, () => {
      const s = 0.7 + 0.3 * r();
      return { s, y: r() < s ? 1 : 0 };
    });
    const est = estimatePerformance(cellsOf(win, 0.5), fitCalibration(cellsOf(ref, 0.5)));
    const real = realized(win, 0.5);
    console.log('extrapolation: estimated', est.metrics.accuracy, 'realized', real.accuracy);
    const a = est.metrics.accuracy;
    expect(real.accuracy >= a.lower! && real.accuracy <= a.upper!).toBe(true);
  });

  // DEFECT (high: a band that says 95% and covers ~56%). Reference 5,000 rows, the window's scores
  // moved by 2.5 on the logit scale (a strong covariate shift, no concept drift: CBPE's assumption
  // holds). Measured (.scratch/cov.ts, 100 seeds): accuracy 0.83, precision 0.83, recall 0.95,
  // F1 0.82, ROC-AUC 0.56; this test's 50 seeds: 0.82, 0.84, 0.96, 0.82, 0.58. The README's measured coverage (0.907-0.947) is for a mild shift only
  // and does not say that coverage collapses when the window moves to where the reference is
  // thin. Expected: >= 0.85 for each metric (or the README to state the limit and the estimate
  // to carry a warning).
  it('keeps its band near 95% under a strong covariate shift (5,000 reference rows)', () => {
    const c = coverage(5000, 3000, 50, 2.5, 0.5);
    for (const m of ESTIMATED_METRICS) expect(c[m], m).toBeGreaterThanOrEqual(0.85);
  }, 60_000);

  // DEFECT (medium: under-coverage with a small reference). 300 labelled reference rows, moderate
  // shift, threshold 0.3. Measured (200 seeds, .scratch/cov.ts): accuracy 0.93, precision 0.915,
  // recall 0.81, F1 0.90, ROC-AUC 0.825; this test's 100 seeds: 0.92, 0.92, 0.76, 0.90, 0.78. The map's fitting error is in the band (re-fits), but the isotonic
  // fit's bias on a thin reference is not: the README says the band is "a little narrow"; 0.81 is
  // not a little. No minimum reference size is enforced or warned about. Expected: coverage
  // >= 0.88 for every metric, or a refusal / warning below a documented reference size.
  it('keeps its band near 95% with a small (300-row) reference', () => {
    const c = coverage(300, 3000, 100, 0.8, 0.3);
    for (const m of ESTIMATED_METRICS) expect(c[m], m).toBeGreaterThanOrEqual(0.88);
  }, 60_000);
});

/**
 * How often the product's `estimation_invalid` rule (lib/jobs/estimate.ts attachRealized: calibration
 * check p < 0.01 AND a realized metric outside its band over the labelled rows) fires on windows
 * WITHOUT concept drift (truth P(y | s) = s^1.5 unchanged), covariate shift `shift` only.
 */
function falseInvalid(refRows: number, shift: number, seeds: number, windowTruth = truth) {
  let rejected = 0;
  let flagged = 0;
  for (let seed = 1; seed <= seeds; seed++) {
    const r = rng(seed);
    const draw = (n: number, mean: number, f = truth) =>
      Array.from({ length: n }, () => {
        const s = sigmoid(mean + 1.3 * normal(r));
        return { s, y: r() < f(s) ? 1 : 0 };
      });
    const map = fitCalibration(cellsOf(draw(refRows, -0.5), 0.5));
    const rows = draw(3000, -0.5 + shift, windowTruth);
    const cells = cellsOf(rows, 0.5);
    const check = checkCalibration(cells, map);
    const band = estimatePerformance(cells, map, { over: 'labelled', seed });
    const real = realized(rows, 0.5);
    const outside = ESTIMATED_METRICS.some((m) => {
      const b = band.metrics[m];
      return b.lower !== null && b.upper !== null && (real[m] < b.lower || real[m] > b.upper);
    });
    if (check.pValue !== null && check.pValue < 0.01) {
      rejected++;
      if (outside) flagged++;
    }
  }
  console.log(
    `${windowTruth === truth ? 'no concept drift' : 'concept drift'}, ref=${refRows} shift=${shift}: check rejects ${rejected}/${seeds}, flagged estimation_invalid ${flagged}/${seeds}`,
  );
  return { rejected: rejected / seeds, flagged: flagged / seeds };
}

describe('the concept-drift check without concept drift (pure core)', () => {
  // DEFECT (medium-high: false "concept drift" findings). No concept drift at all: the truth
  // P(y | s) is the same in reference and window; the window's scores moved by 2.5 on the logit
  // scale (5,000 reference rows). The calibration check rejects in 39/40 seeds and the product's
  // rule (check p < 0.01 AND a realized metric outside its band) would flag `estimation_invalid`,
  // "the score-to-outcome relationship changed: estimates are not valid", in about a quarter of
  // the windows (measured here: 18/40 with any metric outside; 9/40 on accuracy alone, .scratch/falseflag.ts). What changed is that the window
  // left the score range the map was fitted on (extrapolation), not the score-to-outcome
  // relation; the finding names the wrong cause. Even with NO shift the check rejects at
  // p < 0.01 in 4/40 seeds (5,000 rows) and 2/40 (20,000): its variance ignores the map's own
  // fitting error, so it is anti-conservative. Expected: at most ~5% of windows flagged without
  // concept drift, or a distinct finding for "window outside the reference's score range".
  // estinvalid (#17 finding 7, fixed): the check's null now includes the map's own error where the
  // reference is thin (a parametric bootstrap of re-fits in a null world shrunk away from p = 0 / 1,
  // the statistic referred to a two-moment scaled chi-square). Measured here (40 seeds): the check
  // rejects 1/40 at p < 0.01 under this shift (was 38/40) and flags 1/40 (was 5/40); with a
  // concept drift under the same shift it still rejects and flags 40/40.
  it('does not call a covariate shift concept drift (5,000 reference rows, shift 2.5)', () => {
    const { rejected, flagged } = falseInvalid(5000, 2.5, 40);
    expect(rejected).toBeLessThanOrEqual(1 / 40);
    expect(flagged).toBeLessThanOrEqual(1 / 40);
  }, 180_000);

  it('rarely flags a window with neither concept drift nor shift (20,000 reference rows)', () => {
    const { rejected, flagged } = falseInvalid(20_000, 0, 40);
    expect(rejected).toBeLessThanOrEqual(1 / 40);
    expect(flagged).toBeLessThanOrEqual(1 / 40);
  }, 180_000);

  // The same strong shift and thin reference WITH concept drift (the outcome follows the score
  // less: P(y | s) = sigmoid(0.4 logit(s) - 0.2) in the window): the wider null must not hide it.
  it('still flags every window of a concept drift under the same strong shift', () => {
    const flatter = (s: number) => sigmoid(0.4 * Math.log(s / (1 - s)) - 0.2);
    const { rejected, flagged } = falseInvalid(5000, 2.5, 40, flatter);
    expect(rejected).toBe(1);
    expect(flagged).toBe(1);
  }, 180_000);
});

const cleanups: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const c of cleanups) await c();
});
const day = (n: number) => shiftDate(WORLD_DEFAULTS.startDate, n - 1);

/** A generated binary world (lib/demo/world.ts) on DuckDB, with the engine kept open to rewrite its files. */
async function world(seed: number, days: number, rowsPerDay: number, referenceRows: number) {
  const dir = await tempDir();
  cleanups.push(dir.cleanup);
  const engine = await DuckDbQueryEngine.create();
  const { endDate } = await generateWorld(engine, {
    ...WORLD_DEFAULTS,
    seed,
    outDir: dir.path,
    task: 'binary',
    changes: [],
    days,
    rowsPerDay,
    referenceRows,
  });
  const definition = validateDefinition(worldDefinition('binary', 'data'), `${dir.path}/driftwatch.yaml`);
  const context = await localContext(definition, { baseDir: dir.path, outDir: dir.path });
  cleanups.push(async () => {
    await context.close();
    engine.close();
  });
  const at = (date: string, hour = '02') => ({
    ...context.deps,
    clock: { now: () => new Date(`${date}T${hour}:00:00Z`) },
  });
  /** Rewrites a Parquet file in place through DuckDB (`select` reads `src`). */
  const rewrite = async (file: string, select: string) => {
    const tmp = `${dir.path}/rewrite.parquet`;
    await engine.execute(
      `COPY (${select.replaceAll('src', `read_parquet('${file}')`)}) TO '${tmp}' (FORMAT parquet)`,
    );
    await engine.execute(`COPY (SELECT * FROM read_parquet('${tmp}')) TO '${file}' (FORMAT parquet)`);
  };
  return { dir: dir.path, endDate, context, at, rewrite, engine };
}

describe('CBPE end to end under hostile data (DuckDB)', () => {
  // DEFECT (high: stale calibration, wrong numbers). The calibration's fingerprint is the
  // reference's LOCATION, label column, score column, id column and grid, not its content. A
  // reference replaced at the same path (retrained model, refreshed training set: the usual
  // case) keeps the old map forever: here the reference's labels are all flipped (963 -> 4037
  // positives of 5,000) and the next estimate still reports calibration positives 963, fittedAt
  // the first morning, and the same accuracy (0.833). The README says the map "is fitted again
  // when the reference ... changes". Expected: a changed reference (size / modified time / ETag,
  // or its row and positive counts) re-fits the map.
  it('re-fits the calibration when the reference file is replaced at the same location', async () => {
    const w = await world(5, 3, 1000, 5000);
    const first = await runEstimate(w.at(day(2)), day(1));
    const ref = `${w.dir}/data/reference/training.parquet`;
    await w.rewrite(ref, 'SELECT * REPLACE (1 - label AS label) FROM src');
    const second = await runEstimate(w.at(day(3)), day(2));
    console.log(
      'calibration before',
      first.result.calibration,
      'after the reference was replaced',
      second.result.calibration,
    );
    expect(second.result.calibration.positives).toBe(
      first.result.calibration.rows - first.result.calibration.positives,
    );
  }, 120_000);

  // DEFECT (high: silent estimate on a sliver of the window). The day's scores are logits (a
  // common mistake: predictions.scoreColumn pointed at the raw margin). Of 1,000 predictions 64
  // (6.4%) have a logit inside [0, 1]; the estimate says status ok, predictions = estimated = that
  // sliver (the score grid drops out-of-range rows BEFORE counting, so `predictions` is not the
  // window's predictions), an accuracy, and no finding. Expected: `predictions` = 1,000, and the
  // estimate refused or flagged ("scores outside [0, 1] in N of 1,000 rows: predictions.scoreColumn
  // must be a probability of class 1"), not an accuracy (0.729) over 6.4% of the rows.
  it('does not silently estimate over the few rows whose logit happens to fall in [0, 1]', async () => {
    const w = await world(6, 2, 1000, 3000);
    const folder = `${w.dir}/data/predictions/dt=${day(1)}`;
    for (const f of await readdir(folder))
      await w.rewrite(`${folder}/${f}`, 'SELECT * REPLACE (ln(score / (1 - score)) AS score) FROM src');
    const { result } = await runEstimate(w.at(day(2)), day(1));
    console.log(
      'logit scores:',
      result.status,
      'predictions',
      result.overall.predictions,
      'estimated',
      result.overall.estimated,
      'accuracy',
      result.overall.metrics.accuracy.value,
      'findings',
      result.findings,
    );
    expect(result.overall.predictions).toBe(1000);
    expect(result.status === 'ok' && result.findings.length === 0).toBe(false);
  }, 120_000);

  // DEFECT (medium-high: a wrong "estimation error"). Labels that never arrive are not missing at
  // random here: every day-1 prediction scored above 0.35 loses its label (29% of the window).
  // The realized accuracy is computed on the 2,135 labelled rows (0.8745) and `error` subtracts
  // the estimate over ALL 3,000 rows (0.8286): error = +0.046, as if the estimate had been 4.6
  // points too pessimistic. The estimate recomputed over the same labelled rows (`band.accuracy`)
  // is 0.883 with realized inside its band: the estimation was good; `error` mixes two
  // populations, and nothing in the result says the labelled share (71%) or that the error is
  // not like-for-like. Expected: `error` against the estimate over the labelled rows (or both,
  // named), so |error| stays within the band's half-width here.
  it('reports the estimation error like for like when labels are missing, not at random', async () => {
    const w = await world(9, 10, 3000, 20_000);
    const predictions = `read_parquet('${w.dir}/data/predictions/*/*.parquet', hive_partitioning = true)`;
    const labels = `${w.dir}/data/labels`;
    for (const d of await readdir(labels))
      for (const f of await readdir(`${labels}/${d}`))
        await w.rewrite(
          `${labels}/${d}/${f}`,
          `SELECT l.* FROM src l LEFT JOIN ${predictions} p USING (prediction_id) WHERE NOT (p.dt = '${day(1)}' AND p.score > 0.35)`,
        );
    await runEstimate(w.at(day(2)), day(1));
    await runPerformance(w.at(shiftDate(w.endDate, 1), '03'), day(1));
    const e = (await w.context.deps.store.getJson<EstimatedResult>(
      `world-binary/estimated/dt=${day(1)}/P1D.json`,
    ))!;
    const o = e.realized!.overall;
    console.log(
      `labelled ${o.labelled} of ${e.overall.predictions}; estimated (all rows) ${e.overall.metrics.accuracy.value}, estimated (labelled rows) ${o.band.accuracy.value}, realized ${o.metrics.accuracy}, error ${o.error.accuracy}, in band ${o.inBand.accuracy}`,
    );
    expect(o.inBand.accuracy).toBe(true);
    const halfWidth = (o.band.accuracy.upper! - o.band.accuracy.lower!) / 2;
    expect(Math.abs(o.error.accuracy!)).toBeLessThanOrEqual(halfWidth);
  }, 180_000);

  // estfix (#17 finding 8): below 1,000 labelled reference rows (or 50 of a class) the estimate
  // says it is low-confidence.
  it('marks an estimate on a 300-row labelled reference low-confidence', async () => {
    const w = await world(7, 2, 1000, 300);
    const { result } = await runEstimate(w.at(day(2)), day(1));
    const low = result.findings.filter((f) => f.kind === 'estimation_low_confidence');
    expect(low).toHaveLength(1);
    expect(low[0]!.message).toMatch(/has 300 rows .*below 1000 rows/);
    const big = await world(7, 2, 1000, 3000);
    const ok = await runEstimate(big.at(day(2)), day(1));
    expect(ok.result.findings.filter((f) => f.kind === 'estimation_low_confidence')).toEqual([]);
  }, 120_000);

  // DEFECT (medium-high: estimation refused on a valid definition, with a wrong reason). Labels
  // coded as text with `labels.positiveValue: default` / `negativeValue: repaid`, the reference's
  // label column coded the same way. The calibration query (like the reference-performance query)
  // does not apply the mapping to the reference, so every reference label reads as invalid and the
  // estimate throws "the reference has no labelled row with a score in [0, 1]: estimation needs
  // reference.labelColumn on a reference with scores", though the reference has 3,000 labelled
  // rows with scores and reference.labelColumn is set. Expected: the mapping applied to the
  // reference's labels (an estimate), or an error naming the reference's label values and the fix.
  it('estimates with text labels mapped by labels.positiveValue, in the reference too', async () => {
    const w = await world(5, 2, 1000, 3000);
    const ref = `${w.dir}/data/reference/training.parquet`;
    await w.rewrite(
      ref,
      "SELECT * REPLACE (CASE WHEN label = 1 THEN 'default' ELSE 'repaid' END AS label) FROM src",
    );
    const input = worldDefinition('binary', 'data');
    const definition = validateDefinition(
      { ...input, labels: { ...input.labels!, positiveValue: 'default', negativeValue: 'repaid' } },
      `${w.dir}/driftwatch.yaml`,
    );
    const context = await localContext(definition, { baseDir: w.dir, outDir: `${w.dir}/mapped` });
    try {
      const { result } = await runEstimate(
        { ...context.deps, clock: { now: () => new Date(`${day(2)}T02:00:00Z`) } },
        day(1),
      );
      expect(result.calibration.rows).toBe(3000);
    } catch (e) {
      console.log('text labels:', String(e));
      expect(String(e)).toMatch(/default|repaid|positiveValue/);
    } finally {
      await context.close();
    }
  }, 120_000);
});
