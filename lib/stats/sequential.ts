/**
 * A sequential test of two proportions that stays valid when it is looked at after every window:
 * the mixture sequential probability ratio test (mSPRT) of Johari, Pekelis and Walsh, "Always Valid
 * Inference: Continuous Monitoring of A/B Tests" (Operations Research 70(3), 2022; arXiv:1512.04922),
 * with a normal mixing distribution over the difference, in its normal-approximation form for two
 * binomial streams (their section on A/B tests).
 *
 * For the difference theta = p_candidate - p_incumbent, with the estimate d (the difference of the
 * observed shares) and its variance V, the mixture likelihood ratio against theta = theta0 is
 *
 *   Lambda = sqrt(V / (V + tau^2)) * exp( tau^2 (d - theta0)^2 / (2 V (V + tau^2)) )
 *
 * and by Ville's inequality P(Lambda ever >= 1/alpha | theta = theta0) <= alpha, whatever the
 * stopping rule. The always-valid p-value is the running minimum of 1/Lambda; inverting the test
 * gives a confidence sequence (an interval that holds at every look at once).
 *
 * @module
 */

/** One arm's count of events (errors, slow predictions, misclassifications) among its rows. */
export interface ProportionCounts {
  readonly n: number;
  readonly events: number;
}

/** The mSPRT at one look. */
export interface MixtureSprtLook {
  /** Observed candidate share minus incumbent share. */
  readonly difference: number;
  /** Variance of the difference used by the test (pooled shares, as under the null theta = 0). */
  readonly variance: number;
  /** ln Lambda against theta = 0. */
  readonly logLikelihoodRatio: number;
  /** 1 / Lambda, capped at 1 (the always-valid p-value is the running minimum of it). */
  readonly pValue: number;
  /** The always-valid (1 - alpha) confidence sequence for the difference at this look. */
  readonly lower: number;
  readonly upper: number;
}

/**
 * A share for a variance: (events + 0.5) / (n + 1), so an arm with no event yet does not claim a
 * variance of zero (which would make ten clean rows look like certainty).
 */
function smoothedShare(c: ProportionCounts): number {
  return (c.events + 0.5) / (c.n + 1);
}

function check(c: ProportionCounts, arm: string): void {
  if (!Number.isFinite(c.n) || !Number.isFinite(c.events) || c.n < 0 || c.events < 0 || c.events > c.n) {
    throw new RangeError(
      `${arm}: events must be between 0 and n, got ${c.events} of ${c.n} (counts of one window add up per arm)`,
    );
  }
}

/**
 * The mSPRT of two proportions at one look, from the cumulative counts of both arms.
 * `tau` is the standard deviation of the normal mixture over the difference: the effect size the
 * test is most sensitive to (driftwatch uses the guardrail's margin). `alpha` sets the width of
 * the confidence sequence.
 */
export function mixtureSprt(
  candidate: ProportionCounts,
  incumbent: ProportionCounts,
  options: { tau: number; alpha: number },
): MixtureSprtLook {
  check(candidate, 'candidate');
  check(incumbent, 'incumbent');
  const { tau, alpha } = options;
  if (!(tau > 0) || !Number.isFinite(tau)) throw new RangeError(`tau must be a positive number, got ${tau}`);
  if (!(alpha > 0 && alpha < 1)) throw new RangeError(`alpha must be in (0, 1), got ${alpha}`);
  if (candidate.n === 0 || incumbent.n === 0) {
    return {
      difference: 0,
      variance: Number.POSITIVE_INFINITY,
      logLikelihoodRatio: 0,
      pValue: 1,
      lower: -1,
      upper: 1,
    };
  }
  const pc = candidate.events / candidate.n;
  const pi = incumbent.events / incumbent.n;
  const d = pc - pi;
  const tau2 = tau * tau;
  // The test: pooled share, the variance of d under the null of equal shares.
  const pooled = smoothedShare({ n: candidate.n + incumbent.n, events: candidate.events + incumbent.events });
  const v0 = pooled * (1 - pooled) * (1 / candidate.n + 1 / incumbent.n);
  // The confidence sequence: each arm's own share (the difference need not be zero there).
  const sc = smoothedShare(candidate);
  const si = smoothedShare(incumbent);
  const v1 = (sc * (1 - sc)) / candidate.n + (si * (1 - si)) / incumbent.n;
  return mixtureLook(d, d, v0, v1, tau2, alpha);
}

/**
 * One look of the normal-mixture SPRT: the log likelihood ratio of the excess `e` over the null
 * (variance `v0` under the null, mixture variance `tau2`) and the always-valid confidence sequence
 * around the difference `d` (variance `v1` under the alternative).
 */
function mixtureLook(
  d: number,
  e: number,
  v0: number,
  v1: number,
  tau2: number,
  alpha: number,
): MixtureSprtLook {
  const logLr = 0.5 * Math.log(v0 / (v0 + tau2)) + (tau2 * e * e) / (2 * v0 * (v0 + tau2));
  const half = Math.sqrt(
    ((2 * v1 * (v1 + tau2)) / tau2) * (Math.log(1 / alpha) + 0.5 * Math.log((v1 + tau2) / v1)),
  );
  return {
    difference: d,
    variance: v0,
    logLikelihoodRatio: logLr,
    pValue: Math.min(1, Math.exp(-logLr)),
    lower: Math.max(-1, d - half),
    upper: Math.min(1, d + half),
  };
}

/**
 * The one-sided always-valid p-value of "the candidate is worse" along a sequence of looks: the
 * running minimum of 1/Lambda over the looks where the candidate's share was the higher one. A
 * one-sided rejection is a subset of the two-sided mSPRT's, so its false-rejection rate stays
 * under alpha at every stopping time.
 */
export function worseSideRunningP(looks: readonly MixtureSprtLook[]): number {
  let p = 1;
  for (const look of looks) if (look.difference > 0) p = Math.min(p, look.pValue);
  return p;
}

/** One stratum's (window's) counts of both arms. */
export interface StratumCounts {
  readonly candidate: ProportionCounts;
  readonly incumbent: ProportionCounts;
}

/**
 * The mSPRT over strata (canary windows): the difference is estimated WITHIN each stratum and the
 * estimates are combined with Cochran-Mantel-Haenszel weights w = n_c n_i / (n_c + n_i), so a
 * traffic share that changes across strata (a ramped canary in busier hours) cannot create a
 * difference (Simpson's paradox); a stratum where one arm has no row carries no weight. The test
 * is against theta = theta0 (the margin: "worse by more than the margin"), one-sided on the caller's
 * side. Variances are each stratum's smoothed pooled share (test) and own shares (interval).
 */
export function stratifiedMixtureSprt(
  strata: readonly StratumCounts[],
  options: { tau: number; alpha: number; theta0?: number },
): MixtureSprtLook {
  const { tau, alpha } = options;
  const theta0 = options.theta0 ?? 0;
  if (!(tau > 0) || !Number.isFinite(tau)) throw new RangeError(`tau must be a positive number, got ${tau}`);
  if (!(alpha > 0 && alpha < 1)) throw new RangeError(`alpha must be in (0, 1), got ${alpha}`);
  let sumW = 0;
  let sumWD = 0;
  let sumW2V0 = 0;
  let sumW2V1 = 0;
  for (const s of strata) {
    check(s.candidate, 'candidate');
    check(s.incumbent, 'incumbent');
    const nc = s.candidate.n;
    const ni = s.incumbent.n;
    if (nc === 0 || ni === 0) continue;
    const w = (nc * ni) / (nc + ni);
    const d = s.candidate.events / nc - s.incumbent.events / ni;
    const pooled = smoothedShare({ n: nc + ni, events: s.candidate.events + s.incumbent.events });
    const sc = smoothedShare(s.candidate);
    const si = smoothedShare(s.incumbent);
    sumW += w;
    sumWD += w * d;
    sumW2V0 += w * w * pooled * (1 - pooled) * (1 / nc + 1 / ni);
    sumW2V1 += w * w * ((sc * (1 - sc)) / nc + (si * (1 - si)) / ni);
  }
  if (sumW === 0) {
    return {
      difference: 0,
      variance: Number.POSITIVE_INFINITY,
      logLikelihoodRatio: 0,
      pValue: 1,
      lower: -1,
      upper: 1,
    };
  }
  const d = sumWD / sumW;
  const v0 = sumW2V0 / (sumW * sumW);
  const v1 = sumW2V1 / (sumW * sumW);
  const tau2 = tau * tau;
  return mixtureLook(d, d - theta0, v0, v1, tau2, alpha);
}
