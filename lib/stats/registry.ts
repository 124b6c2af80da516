/**
 * The registry of drift methods: descriptors, lookup by name, and the automatic choice of a
 * method by feature kind and sample size.
 *
 * @module
 */

import { UnknownDriftMethodError } from './errors.js';

/** Names of the drift methods. */
export type DriftMethodName =
  | 'psi'
  | 'kl'
  | 'jensenshannon'
  | 'wasserstein'
  | 'hellinger'
  | 'ks'
  | 'chisquare'
  | 'ztest'
  | 'linf';

/** Feature kinds. */
export type FeatureKind = 'numeric' | 'categorical';

/** Warning and critical thresholds. For tests they apply to the effect size (see `effectSize`). */
export interface DriftThresholds {
  warning: number;
  critical: number;
}

/** What a drift method is and how to use it. */
export interface DriftMethodDescriptor {
  name: DriftMethodName;
  displayName: string;
  featureKinds: readonly FeatureKind[];
  /** 'distance': larger = more drift, thresholds apply to the statistic. 'test': p-value + effect size. */
  kind: 'distance' | 'test';
  defaultThresholds: DriftThresholds;
  /** 'bin-counts' (aligned counts, from SQL) or 'weighted-samples' (value counts). */
  input: 'bin-counts' | 'weighted-samples';
  /** For tests: the effect size the thresholds apply to. For distances: the statistic itself. */
  effectSize: string;
  /** Range of the statistic. */
  range: readonly [number, number];
  symmetric: boolean;
  description: string;
}

const DESCRIPTORS: readonly DriftMethodDescriptor[] = [
  {
    name: 'psi',
    displayName: 'Population Stability Index',
    featureKinds: ['numeric', 'categorical'],
    kind: 'distance',
    // Industry rule of thumb (Siddiqi 2006): < 0.1 stable, 0.1-0.25 moderate shift, > 0.25 major shift.
    defaultThresholds: { warning: 0.1, critical: 0.25 },
    input: 'bin-counts',
    effectSize: 'statistic',
    range: [0, Number.POSITIVE_INFINITY],
    symmetric: true,
    description: 'sum (r - c) ln(r / c) over reference-decile bins or categories, empty-bin rule applied',
  },
  {
    name: 'kl',
    displayName: 'Kullback-Leibler divergence',
    featureKinds: ['numeric', 'categorical'],
    kind: 'distance',
    // PSI = KL(r||c) + KL(c||r) ~ 2 KL for small shifts: half of PSI's thresholds.
    defaultThresholds: { warning: 0.05, critical: 0.125 },
    input: 'bin-counts',
    effectSize: 'statistic',
    range: [0, Number.POSITIVE_INFINITY],
    symmetric: false,
    description: 'KL(reference || current) = sum r ln(r / c), natural log, empty-bin rule applied',
  },
  {
    name: 'jensenshannon',
    displayName: 'Jensen-Shannon distance',
    featureKinds: ['numeric', 'categorical'],
    kind: 'distance',
    // Evidently's default threshold is 0.1; 0.2 corresponds to PSI of about 0.22 for small shifts.
    defaultThresholds: { warning: 0.1, critical: 0.2 },
    input: 'bin-counts',
    effectSize: 'statistic',
    range: [0, 1],
    symmetric: true,
    description: 'square root of the Jensen-Shannon divergence, base 2, no empty-bin rule',
  },
  {
    name: 'wasserstein',
    displayName: 'Wasserstein distance (normed)',
    featureKinds: ['numeric'],
    kind: 'distance',
    // In reference standard deviations: 0.1 sd (Evidently's default) and 0.2 sd.
    defaultThresholds: { warning: 0.1, critical: 0.2 },
    input: 'weighted-samples',
    effectSize: 'statistic',
    range: [0, Number.POSITIVE_INFINITY],
    symmetric: false,
    description: 'W1(reference, current) / max(population std of the reference, 0.001)',
  },
  {
    name: 'hellinger',
    displayName: 'Hellinger distance',
    featureKinds: ['numeric', 'categorical'],
    kind: 'distance',
    // Hellinger ~ 0.83 x JS distance for small shifts; same round numbers as Jensen-Shannon.
    defaultThresholds: { warning: 0.1, critical: 0.2 },
    input: 'bin-counts',
    effectSize: 'statistic',
    range: [0, 1],
    symmetric: true,
    description: 'sqrt(sum (sqrt r - sqrt c)^2) / sqrt 2 over bins or categories',
  },
  {
    name: 'ks',
    displayName: 'Kolmogorov-Smirnov test',
    featureKinds: ['numeric'],
    kind: 'test',
    // On D: 0.1 (a 10-point gap between the CDFs) and 0.2.
    defaultThresholds: { warning: 0.1, critical: 0.2 },
    input: 'weighted-samples',
    effectSize: 'KS statistic D',
    range: [0, 1],
    symmetric: true,
    description: 'two-sample KS, D = max |F_ref - F_cur|, exact p-value up to 10,000 rows per side',
  },
  {
    name: 'chisquare',
    displayName: 'Chi-square test',
    featureKinds: ['categorical'],
    kind: 'test',
    // On Cramer's V: Cohen's (1988) small (0.1) and medium (0.3) effects.
    defaultThresholds: { warning: 0.1, critical: 0.3 },
    input: 'bin-counts',
    effectSize: "Cramer's V = sqrt(chi2 / N)",
    range: [0, Number.POSITIVE_INFINITY],
    symmetric: true,
    description: 'Pearson chi-square test of homogeneity on the 2 x k table, no continuity correction',
  },
  {
    name: 'ztest',
    displayName: 'Two-proportion z-test',
    featureKinds: ['categorical'],
    kind: 'test',
    // On phi = |z| / sqrt(N) (Cramer's V of the 2 x 2 table): Cohen's small and medium effects.
    defaultThresholds: { warning: 0.1, critical: 0.3 },
    input: 'bin-counts',
    effectSize: 'phi = |z| / sqrt(N)',
    range: [Number.NEGATIVE_INFINITY, Number.POSITIVE_INFINITY],
    symmetric: false,
    description: 'pooled two-proportion z-test, two-sided, two categories only',
  },
  {
    name: 'linf',
    displayName: 'L-infinity distance',
    featureKinds: ['categorical', 'numeric'],
    kind: 'distance',
    // A 10-point (warning) or 20-point (critical) change in the share of some category.
    defaultThresholds: { warning: 0.1, critical: 0.2 },
    input: 'bin-counts',
    effectSize: 'statistic',
    range: [0, 1],
    symmetric: true,
    description: 'max |r - c| over bins or categories',
  },
];

const BY_NAME = new Map<string, DriftMethodDescriptor>(DESCRIPTORS.map((d) => [d.name, d]));

/**
 * All method descriptors, in a stable order.
 *
 * @throws never.
 * @example
 * ```ts
 * listMethods().map((d) => d.name)
 * // => ['psi', 'kl', 'jensenshannon', 'wasserstein', 'hellinger', 'ks', 'chisquare', 'ztest', 'linf']
 * ```
 */
export function listMethods(): readonly DriftMethodDescriptor[] {
  return DESCRIPTORS;
}

/**
 * The descriptor of a drift method by name.
 *
 * @throws UnknownDriftMethodError (listing the available names) when the name is unknown.
 * @example
 * ```ts
 * getMethod('psi').defaultThresholds // => { warning: 0.1, critical: 0.25 }
 * ```
 */
export function getMethod(name: string): DriftMethodDescriptor {
  const d = BY_NAME.get(name);
  if (!d)
    throw new UnknownDriftMethodError(
      name,
      DESCRIPTORS.map((x) => x.name),
    );
  return d;
}

/** min(reference, current) at or below which a window counts as small (as Evidently's 1000). */
export const SMALL_SAMPLE_SIZE = 1000;

/**
 * The automatic choice of a drift method by feature kind and sample size ("small" means
 * min(referenceSize, currentSize) <= 1000):
 *
 * | kind        | small (<= 1000)                      | large (> 1000) |
 * | ----------- | ------------------------------------ | -------------- |
 * | numeric     | ks (exact p-value, effect gate on D) | psi on reference deciles |
 * | categorical | ztest if <= 2 categories, else chisquare | psi on categories |
 *
 * Small windows get a hypothesis test because a distance is dominated by noise there; large
 * windows get PSI because every test rejects for negligible shifts at large n, and PSI is
 * computed from bin counts that SQL can return.
 *
 * @param categories number of distinct categories over both sides (categorical only).
 * @throws never (sizes are not validated here).
 * @example
 * ```ts
 * chooseMethod('numeric', 500, 400) // => 'ks'
 * chooseMethod('categorical', 5000, 8000, 4) // => 'psi'
 * ```
 */
export function chooseMethod(
  kind: FeatureKind,
  referenceSize: number,
  currentSize: number,
  categories?: number,
): DriftMethodName {
  const small = Math.min(referenceSize, currentSize) <= SMALL_SAMPLE_SIZE;
  if (kind === 'numeric') return small ? 'ks' : 'psi';
  if (!small) return 'psi';
  return categories !== undefined && categories <= 2 ? 'ztest' : 'chisquare';
}
