import { describe, expect, it } from 'vitest';
import {
  chiSquareCdf,
  chiSquareQuantile,
  chiSquareSf,
  kolmogorovCdfDurbin,
  kolmogorovSf,
  logGamma,
  normalCdf,
  normalQuantile,
  normalSf,
  regularizedGammaP,
  regularizedGammaQ,
  StatsInputError,
  smirnovSf,
} from '../../../lib/stats/index.js';
import { isClose } from './support.js';

const rel = (a: number, b: number) => Math.abs(a - b) / Math.abs(b);

describe('logGamma', () => {
  it('matches factorials and Gamma(1/2)', () => {
    expect(rel(logGamma(5), Math.log(24))).toBeLessThan(1e-14);
    expect(rel(logGamma(0.5), Math.log(Math.sqrt(Math.PI)))).toBeLessThan(1e-14);
    // ln(100!) = 363.73937555556347...
    expect(rel(logGamma(101), 363.73937555556347)).toBeLessThan(1e-14);
  });
  it('throws on non-positive arguments', () => {
    expect(() => logGamma(0)).toThrow(StatsInputError);
  });
});

describe('regularized incomplete gamma', () => {
  it('has P + Q = 1 and the closed form for a = 1', () => {
    for (const x of [0.1, 1, 3, 10, 50]) {
      expect(rel(regularizedGammaQ(1, x), Math.exp(-x))).toBeLessThan(1e-13);
      expect(Math.abs(regularizedGammaP(2.5, x) + regularizedGammaQ(2.5, x) - 1)).toBeLessThan(1e-14);
    }
  });
});

describe('normal distribution', () => {
  it('matches reference values in the tails', () => {
    expect(normalCdf(0)).toBe(0.5);
    // Phi(-10) = 7.61985302416047e-24 (A&S / mpmath)
    expect(rel(normalCdf(-10), 7.619853024160527e-24)).toBeLessThan(1e-12);
    expect(rel(normalSf(5), 2.866515718791939e-7)).toBeLessThan(1e-12);
  });
  it('inverts the CDF', () => {
    for (const p of [1e-300, 1e-10, 0.001, 0.3, 0.5, 0.975, 1 - 1e-9]) {
      const x = normalQuantile(p);
      const back = p < 0.5 ? normalCdf(x) : 1 - normalSf(x);
      expect(isClose(back, p, 1e-12, 0)).toBe(true);
    }
    expect(isClose(normalQuantile(0.975), 1.959963984540054, 1e-14, 0)).toBe(true);
  });
});

describe('chi-square distribution', () => {
  it('matches reference quantiles and tails', () => {
    expect(isClose(chiSquareQuantile(0.95, 1), 3.841458820694124, 1e-12, 0)).toBe(true);
    expect(isClose(chiSquareQuantile(0.99, 9), 21.665994333461924, 1e-12, 0)).toBe(true);
    expect(isClose(chiSquareQuantile(0.5, 2), 2 * Math.LN2, 1e-12, 0)).toBe(true);
    // scipy.stats.chi2.sf(537.1746277253961, 4) = 6.091316023216581e-115
    expect(isClose(chiSquareSf(537.1746277253961, 4), 6.091316023216581e-115, 1e-10, 0)).toBe(true);
    expect(isClose(chiSquareCdf(2, 2), 1 - Math.exp(-1), 1e-14, 0)).toBe(true);
  });
  it('round-trips quantile and CDF for many dof', () => {
    for (const dof of [1, 2, 3, 9, 49, 200, 5000]) {
      for (const p of [0.001, 0.5, 0.95, 0.99, 0.999999]) {
        const x = chiSquareQuantile(p, dof);
        const back = p > 0.5 ? 1 - chiSquareSf(x, dof) : chiSquareCdf(x, dof);
        expect(isClose(back, p, 1e-10, 0), `dof ${dof} p ${p}`).toBe(true);
      }
    }
  });
});

describe('kolmogorov distribution', () => {
  // scipy.stats.kstwo.sf(d, n), scipy 1.17, one value per branch of Simard & L'Ecuyer's algorithm.
  const table: [number, number, number][] = [
    [3, 0.4, 0.5946666666666665],
    [10, 0.274, 0.3715203845434957],
    [10, 0.6, 0.0005681672000000003],
    [100, 0.05, 0.9532159710635725],
    [100, 0.2, 0.0005551927327988775],
    [100, 0.35, 1.865228719089831e-11],
    [140, 0.1, 0.11353657290090946],
    [141, 0.1, 0.11128445516467944],
    [500, 0.02, 0.9859871786857471],
    [500, 0.08, 0.0031305058199356268],
    [2000, 0.03, 0.05354694793932557],
    [33333, 0.00398, 0.6650136828278623],
    [50000, 0.02395, 2.397666908932616e-25],
    [100001, 0.003, 0.32845050055711633],
    [250000, 0.001, 0.9637319876831367],
    [250000, 0.01, 3.827782382946494e-22],
  ];
  it.each(table)('kolmogorovSf(%i, %d) matches scipy.stats.kstwo.sf to 1e-6 relative', (n, d, expected) => {
    expect(rel(kolmogorovSf(n, d), expected)).toBeLessThan(1e-6);
  });
  it('has exact closed forms for n = 1', () => {
    expect(kolmogorovSf(1, 0.7)).toBeCloseTo(0.6, 14);
    expect(smirnovSf(1, 0.3)).toBeCloseTo(0.7, 14);
    expect(kolmogorovCdfDurbin(1, 0.7)).toBeCloseTo(0.4, 14);
  });
});
