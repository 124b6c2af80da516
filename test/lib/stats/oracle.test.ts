import { describe, expect, it } from 'vitest';
import {
  categoricalBins,
  chiSquare,
  cleanCategorical,
  cleanNumeric,
  countBins,
  countCategories,
  hellinger,
  jensenShannon,
  kl,
  ksTest,
  linf,
  psi,
  referenceQuantileEdges,
  StatsInputError,
  toWeightedSample,
  wasserstein,
  zTest,
} from '../../../lib/stats/index.js';
import { driftCases, type Expected, isClose, parseNumeric } from './support.js';

const STAT_REL = 1e-9;
const STAT_ABS = 1e-12;
const P_REL = 1e-6;
const P_ABS = 1e-300;

function isUndefinedExpected(e: unknown): boolean {
  return e === null || e === undefined || (typeof e === 'object' && e !== null && 'error' in e);
}

/**
 * Compare a computed value with an oracle field. When the oracle says undefined (null or
 * {error}), our function must throw a StatsInputError or report undefined, never a number.
 */
function check(
  label: string,
  compute: () => number | undefined,
  expected: unknown,
  rel: number,
  abs: number,
): void {
  if (isUndefinedExpected(expected)) {
    let value: number | undefined;
    try {
      value = compute();
    } catch (err) {
      expect(err, label).toBeInstanceOf(StatsInputError);
      return;
    }
    expect(value, `${label}: oracle says undefined`).toBeUndefined();
    return;
  }
  const value = compute();
  expect(typeof expected, `${label}: expected a number`).toBe('number');
  expect(value, label).toBeTypeOf('number');
  const ok = isClose(value as number, expected as number, rel, abs);
  expect(ok, `${label}: got ${value}, expected ${expected}`).toBe(true);
}

const numeric = driftCases('drift_numeric');
const categorical = driftCases('drift_categorical');

describe('oracle: numeric drift cases', () => {
  it('loads every numeric case', () => {
    expect(numeric.length).toBeGreaterThanOrEqual(22);
  });

  it.each(numeric.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const e: Expected = c.expected;
    const ref = cleanNumeric(parseNumeric(c.input.reference));
    const cur = cleanNumeric(parseNumeric(c.input.current));
    expect(ref.values.length).toBe(e.clean.n_reference);
    expect(cur.values.length).toBe(e.clean.n_current);

    // Reference-decile binning.
    const sorted = [...ref.values].sort((a, b) => a - b);
    const edges = referenceQuantileEdges(sorted, 10);
    expect(edges).toEqual(e.oracle_decile.inner_edges);
    const rc = countBins(ref.values, edges);
    const cc = countBins(cur.values, edges);
    expect(rc).toEqual(e.oracle_decile.reference_counts);
    expect(cc).toEqual(e.oracle_decile.current_counts);

    check('psi', () => psi(rc, cc).statistic, e.oracle_decile.psi, STAT_REL, STAT_ABS);
    check('kl', () => kl(rc, cc).statistic, e.oracle_decile.kl_div, STAT_REL, STAT_ABS);
    check(
      'jensenshannon',
      () => jensenShannon(rc, cc).statistic,
      e.oracle_decile.jensenshannon_distance_base2,
      STAT_REL,
      STAT_ABS,
    );

    const wr = toWeightedSample(ref.values);
    const wc = toWeightedSample(cur.values);
    const ks = ksTest(wr, wc);
    check('ks statistic', () => ks.statistic, e.scipy.ks_statistic, STAT_REL, STAT_ABS);
    check('ks pvalue', () => ks.pValue, e.scipy.ks_pvalue, P_REL, P_ABS);
    expect(ks.detail.pValueMethod).toBe(e.scipy.ks_pvalue_method_used === 'exact' ? 'exact' : 'asymptotic');
    check(
      'wasserstein normed',
      () => wasserstein(wr, wc).statistic,
      e.evidently.wasserstein_normed_reimpl,
      STAT_REL,
      STAT_ABS,
    );
  });
});

describe('oracle: categorical drift cases', () => {
  it('loads every categorical case', () => {
    expect(categorical.length).toBeGreaterThanOrEqual(10);
  });

  it.each(categorical.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const e: Expected = c.expected;
    const ref = cleanCategorical(c.input.reference);
    const cur = cleanCategorical(c.input.current);
    expect(ref.values.length).toBe(e.clean.n_reference);
    expect(cur.values.length).toBe(e.clean.n_current);
    const bins = categoricalBins(countCategories(ref.values), countCategories(cur.values));
    expect(bins.categories).toEqual(e.clean.categories);
    expect(bins.referenceCounts).toEqual(e.clean.reference_counts);
    expect(bins.currentCounts).toEqual(e.clean.current_counts);
    const r = bins.referenceCounts;
    const k = bins.currentCounts;

    check('psi', () => psi(r, k).statistic, e.evidently.psi_reimpl, STAT_REL, STAT_ABS);
    check('kl', () => kl(r, k).statistic, e.evidently.kl_div_reimpl_plain_sum, STAT_REL, STAT_ABS);
    check(
      'jensenshannon',
      () => jensenShannon(r, k).statistic,
      e.evidently.jensenshannon_base2,
      STAT_REL,
      STAT_ABS,
    );
    const chi = chiSquare(r, k);
    check(
      'chisquare statistic',
      () => chi.statistic,
      e.scipy.chi2_contingency_no_correction_statistic,
      STAT_REL,
      STAT_ABS,
    );
    check('chisquare pvalue', () => chi.pValue, e.scipy.chi2_contingency_no_correction_pvalue, P_REL, P_ABS);
    expect(chi.detail.dof).toBe(e.scipy.chi2_contingency_dof);
    // The z-test is defined for two categories only; elsewhere the oracle says null and we throw.
    check('ztest statistic', () => zTest(r, k).statistic, e.evidently.z_statistic_reimpl, STAT_REL, STAT_ABS);
    check('ztest pvalue', () => zTest(r, k).pValue, e.evidently.z_pvalue_reimpl, P_REL, P_ABS);
    if (r.length === 2) expect(e.evidently.z_statistic_reimpl).not.toBeNull();
    check('linf', () => linf(r, k).statistic, e.scipy.l_infinity, STAT_REL, STAT_ABS);
    check('hellinger', () => hellinger(r, k).statistic, e.nannyml.hellinger, STAT_REL, STAT_ABS);
  });
});
