/**
 * driftwatch's pure drift-statistics library: cleaning, binning, distances and tests on aligned
 * bin counts or weighted samples, distributions, noise thresholds, verdicts and the method
 * registry. No I/O.
 *
 * @module
 */

export * from './binning.js';
export * from './chi-square.js';
export * from './clean.js';
export * from './distributions.js';
export * from './errors.js';
export * from './hellinger.js';
export * from './jensen-shannon.js';
export * from './kl.js';
export * from './kolmogorov-distribution.js';
export * from './ks.js';
export * from './ks-exact.js';
export * from './linf.js';
export * from './noise-threshold.js';
export * from './psi.js';
export * from './registry.js';
export * from './shares.js';
export * from './types.js';
export * from './verdict.js';
export * from './wasserstein.js';
export * from './weighted-sample.js';
export * from './z-test.js';
