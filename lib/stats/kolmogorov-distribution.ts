/**
 * The one-sample Kolmogorov distribution (exact finite-n distribution of D_n = sup |F_n - F|)
 * and the one-sided Smirnov distribution of D_n^+.
 *
 * kolmogorovSf follows the algorithm of Simard & L'Ecuyer, "Computing the Two-Sided
 * Kolmogorov-Smirnov Distribution", Journal of Statistical Software 39(11), 2011: Ruben-Gambino
 * closed forms at the extremes, the Durbin matrix (Marsaglia, Tsang & Wang, "Evaluating
 * Kolmogorov's distribution", JSS 8(18), 2003) where exact evaluation is cheap, Miller's
 * 2 P(D_n^+ >= d) in the upper tail, and the Pelz-Good (1976) asymptotic series for large n.
 * The same choices are made by scipy.stats.kstwo, which the tests compare against.
 *
 * @module
 */

import { logGamma } from './distributions.js';
import { StatsInputError } from './errors.js';

const SQRT_2PI = Math.sqrt(2 * Math.PI);
const PI2 = Math.PI * Math.PI;
const PI4 = PI2 * PI2;
const PI6 = PI4 * PI2;

function checkN(name: string, n: number): void {
  if (!Number.isInteger(n) || n < 1)
    throw new StatsInputError(`${name}: n must be a positive integer, got ${n}`);
}

/**
 * One-sided Smirnov survival function P(D_n^+ >= d), exact, by the Birnbaum & Tingey (1951)
 * formula d * sum_{j=0}^{floor(n(1-d))} C(n, j) (1 - d - j/n)^(n-j) (d + j/n)^(j-1), summed
 * in log space (all terms are positive, so there is no cancellation).
 *
 * @throws StatsInputError when n is not a positive integer or d is NaN.
 * @example
 * ```ts
 * smirnovSf(1, 0.3) // => 0.7
 * ```
 */
export function smirnovSf(n: number, d: number): number {
  checkN('smirnovSf', n);
  if (Number.isNaN(d)) throw new StatsInputError('smirnovSf: d is NaN');
  if (d <= 0) return 1;
  if (d >= 1) return 0;
  const jmax = Math.floor(n * (1 - d));
  const logs = new Float64Array(jmax + 1);
  let logBinom = 0; // ln C(n, j)
  let max = Number.NEGATIVE_INFINITY;
  for (let j = 0; j <= jmax; j++) {
    if (j > 0) logBinom += Math.log(n - j + 1) - Math.log(j);
    const a = (n - j - n * d) / n; // 1 - d - j/n
    const b = d + j / n;
    const l = a > 0 ? logBinom + (n - j) * Math.log(a) + (j - 1) * Math.log(b) : Number.NEGATIVE_INFINITY;
    logs[j] = l;
    if (l > max) max = l;
  }
  if (max === Number.NEGATIVE_INFINITY) return 0;
  let sum = 0;
  for (let j = 0; j <= jmax; j++) sum += Math.exp((logs[j] as number) - max);
  return Math.min(1, Math.max(0, d * Math.exp(max) * sum));
}

/** Multiply two m x m matrices. */
function matMul(a: Float64Array, b: Float64Array, m: number): Float64Array {
  const c = new Float64Array(m * m);
  for (let i = 0; i < m; i++) {
    for (let k = 0; k < m; k++) {
      const aik = a[i * m + k] as number;
      if (aik === 0) continue;
      for (let j = 0; j < m; j++) c[i * m + j] = (c[i * m + j] as number) + aik * (b[k * m + j] as number);
    }
  }
  return c;
}

/** H^n with a decimal exponent kept aside (Marsaglia, Tsang & Wang 2003, mPower). */
function matPower(h: Float64Array, m: number, n: number): { v: Float64Array; e: number } {
  if (n === 1) return { v: h, e: 0 };
  const half = matPower(h, m, Math.floor(n / 2));
  let v = matMul(half.v, half.v, m);
  let e = 2 * half.e;
  if (n % 2 === 1) v = matMul(h, v, m);
  const center = Math.floor(m / 2);
  if ((v[center * m + center] as number) > 1e140) {
    for (let i = 0; i < m * m; i++) v[i] = (v[i] as number) * 1e-140;
    e += 140;
  }
  return { v, e };
}

/**
 * Exact CDF P(D_n < d) by the Durbin matrix method as described by Marsaglia, Tsang & Wang
 * (2003), with the matrix power taken by repeated squaring and decimal exponent bookkeeping.
 * Cost O(k^3 log n) with k = 2 floor(n d) + 1.
 *
 * @throws StatsInputError when n is not a positive integer.
 * @example
 * ```ts
 * kolmogorovCdfDurbin(10, 0.274) // => 0.6284796154565043
 * ```
 */
export function kolmogorovCdfDurbin(n: number, d: number): number {
  checkN('kolmogorovCdfDurbin', n);
  if (d <= 0) return 0;
  if (d >= 1) return 1;
  const k = Math.floor(n * d) + 1;
  const m = 2 * k - 1;
  const h = k - n * d;
  const H = new Float64Array(m * m);
  for (let i = 0; i < m; i++) for (let j = 0; j < m; j++) H[i * m + j] = i - j + 1 < 0 ? 0 : 1;
  for (let i = 0; i < m; i++) {
    H[i * m] = (H[i * m] as number) - h ** (i + 1);
    H[(m - 1) * m + i] = (H[(m - 1) * m + i] as number) - h ** (m - i);
  }
  H[(m - 1) * m] = (H[(m - 1) * m] as number) + (2 * h - 1 > 0 ? (2 * h - 1) ** m : 0);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < m; j++) {
      if (i - j + 1 > 0) for (let g = 1; g <= i - j + 1; g++) H[i * m + j] = (H[i * m + j] as number) / g;
    }
  }
  const { v, e } = matPower(H, m, n);
  let s = v[(k - 1) * m + (k - 1)] as number;
  let eQ = e;
  for (let i = 1; i <= n; i++) {
    s = (s * i) / n;
    if (s < 1e-140) {
      s *= 1e140;
      eQ -= 140;
    }
  }
  return Math.min(1, Math.max(0, s * 10 ** eQ));
}

/**
 * Pelz-Good (1976) asymptotic expansion of P(D_n <= d) in powers of n^(-1/2), with z = d sqrt(n):
 * K0(z) + K1(z)/sqrt(n) + K2(z)/n + K3(z)/n^(3/2), the theta-function forms given by Simard &
 * L'Ecuyer (2011), section 2.
 *
 * @throws StatsInputError when n is not a positive integer.
 * @example
 * ```ts
 * kolmogorovCdfPelzGood(10000, 0.01) // => 0.7317808722970808
 * ```
 */
export function kolmogorovCdfPelzGood(n: number, d: number): number {
  checkN('kolmogorovCdfPelzGood', n);
  if (d <= 0) return 0;
  if (d >= 1) return 1;
  const z = d * Math.sqrt(n);
  const z2 = z * z;
  const z4 = z2 * z2;
  const z6 = z4 * z2;
  const z8 = z4 * z4;
  if (PI2 / (8 * z2) > 745) return 0;
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  let t2 = 0;
  let t3 = 0;
  const kmax = Math.ceil((Math.sqrt(1600) * z) / Math.PI) + 2;
  for (let k = 1; k <= kmax; k++) {
    const h = k - 0.5;
    const h2 = h * h;
    const h4 = h2 * h2;
    const h6 = h4 * h2;
    const e = Math.exp((-PI2 * h2) / (2 * z2));
    s0 += e;
    s1 += (PI2 * h2 - z2) * e;
    s2 += (6 * z6 + 2 * z4 + PI2 * (2 * z4 - 5 * z2) * h2 + PI4 * (1 - 2 * z2) * h4) * e;
    s3 +=
      (PI6 * h6 * (5 - 30 * z2) +
        PI4 * h4 * (-60 * z2 + 212 * z4) +
        PI2 * h2 * (135 * z4 - 96 * z6) -
        30 * z6 -
        90 * z8) *
      e;
    const ek = Math.exp((-PI2 * k * k) / (2 * z2));
    t2 += k * k * ek;
    t3 += (3 * PI2 * k * k * z2 - PI4 * k ** 4) * ek;
  }
  const k0 = (SQRT_2PI / z) * s0;
  const k1 = (SQRT_2PI / (6 * z4)) * s1;
  const k2 = (SQRT_2PI / (72 * z ** 7)) * s2 - ((SQRT_2PI * PI2) / (36 * z ** 3)) * t2;
  const k3 = (SQRT_2PI / (6480 * z ** 10)) * s3 + (SQRT_2PI / (216 * z6)) * t3;
  const sn = Math.sqrt(n);
  return Math.min(1, Math.max(0, k0 + k1 / sn + k2 / n + k3 / (n * sn)));
}

/**
 * Survival function P(D_n >= d) of the one-sample two-sided Kolmogorov statistic for sample
 * size n (the distribution scipy calls kstwo), following Simard & L'Ecuyer (2011):
 * - n d <= 1/2: 1; 1/2 < n d <= 1: Ruben-Gambino, 1 - n! / n^n (2 n d - 1)^n;
 * - n d >= n - 1: 2 (1 - d)^n; d >= 1/2: 2 P(D_n^+ >= d) (exact there);
 * - n <= 140: exact Durbin matrix when n d^2 <= 4 (Simard & L'Ecuyer use Pomeranz between 0.754693
 *   and 4; both are exact), else Miller's 2 P(D_n^+ >= d);
 * - n > 140: 0 when n d^2 >= 370; 2 P(D_n^+ >= d) when n d^2 >= 2.2; otherwise 1 - CDF with the
 *   Durbin matrix when n <= 100000 and n d^(3/2) <= 1.4, else with the Pelz-Good expansion.
 *
 * @throws StatsInputError when n is not a positive integer or d is NaN.
 * @example
 * ```ts
 * kolmogorovSf(50000, 0.02395) // => 2.39766690876e-25
 * ```
 */
export function kolmogorovSf(n: number, d: number): number {
  checkN('kolmogorovSf', n);
  if (Number.isNaN(d)) throw new StatsInputError('kolmogorovSf: d is NaN');
  if (d >= 1) return 0;
  if (d <= 0) return 1;
  const t = n * d;
  if (t <= 1) {
    if (t <= 0.5) return 1;
    const cdf = Math.exp(logGamma(n + 1) - n * Math.log(n) + n * Math.log(2 * t - 1));
    return Math.min(1, Math.max(0, 1 - cdf));
  }
  if (t >= n - 1) return Math.min(1, 2 * (1 - d) ** n);
  if (d >= 0.5) return Math.min(1, 2 * smirnovSf(n, d));
  const nd2 = t * d;
  if (n <= 140) {
    if (nd2 <= 4) return Math.min(1, Math.max(0, 1 - kolmogorovCdfDurbin(n, d)));
    return Math.min(1, 2 * smirnovSf(n, d));
  }
  if (nd2 >= 370) return 0;
  if (nd2 >= 2.2) return Math.min(1, 2 * smirnovSf(n, d));
  if (n <= 100000 && n * d ** 1.5 <= 1.4) return Math.min(1, Math.max(0, 1 - kolmogorovCdfDurbin(n, d)));
  return Math.min(1, Math.max(0, 1 - kolmogorovCdfPelzGood(n, d)));
}
