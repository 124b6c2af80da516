/** Human-readable lines for drift results. */
import type { DriftResult } from '../jobs/drift-result.js';
import { formatNumber, renderTable } from './table.js';

/** One row per window: rows, drifted features with their statistic, data-quality findings. */
export function driftDaysTable(results: DriftResult[]): string {
  const rows = results.map((r) => {
    const drifted = r.features
      .filter((f) => f.drifted)
      .map((f) => `${f.name} ${f.method}=${formatNumber(f.statistic)}${f.level === 'critical' ? '!' : ''}`);
    const prediction = r.prediction?.drifted
      ? [`prediction ${r.prediction.method}=${formatNumber(r.prediction.statistic)}`]
      : [];
    const findings = r.quality.findings
      .filter((f) => !f.segment)
      .map((f) =>
        f.kind === 'new_category'
          ? `new category in ${f.feature}: ${f.values?.join(', ')}`
          : f.kind === 'volume'
            ? `volume ${r.rows} vs ${Math.round(f.expected ?? 0)}`
            : `${f.kind}${f.feature ? ` ${f.feature}` : ''}`,
      );
    return [
      r.window.start,
      String(r.rows),
      r.status === 'no_data' ? 'NO DATA' : [...drifted, ...prediction].join(', ') || 'none',
      findings.join('; ') || '-',
    ];
  });
  return renderTable(['window', 'rows', 'drifted (! = critical)', 'data quality'], rows);
}

/** The name of a test's effect size, shown beside the threshold that judges it. */
const EFFECT_NAMES: Record<string, string> = { chisquare: "Cramér's V", ztest: 'phi', ks: 'D' };

/** `V 0.031 / 0.1`: the value a threshold judges, next to it (a test's effect size, else the statistic). */
function judged(f: { method: string; statistic: number | null; effectSize?: number; threshold: number }) {
  if (f.effectSize === undefined || f.effectSize === f.statistic) return formatNumber(f.threshold, 3);
  const name = EFFECT_NAMES[f.method] ?? 'effect';
  return `${name} ${formatNumber(f.effectSize, 4)} / ${formatNumber(f.threshold, 3)}`;
}

/** The full per-feature table of one window. */
export function driftFeatureTable(
  result: Pick<DriftResult, 'features' | 'prediction'>,
  outOfRange: ReadonlyMap<string, number> = new Map(),
): string {
  const features = [
    ...result.features,
    ...(result.prediction ? [{ ...result.prediction, name: `${result.prediction.name} (prediction)` }] : []),
  ];
  return renderTable(
    ['feature', 'kind', 'method', 'statistic', 'threshold', 'noise', 'p-value', 'verdict'],
    features.map((f) => [
      f.name,
      f.kind,
      f.method,
      formatNumber(f.statistic, 4),
      judged(f),
      formatNumber(f.noiseThreshold, 4),
      f.pValue === null ? '-' : f.pValue.toExponential(2),
      (f.level === 'none'
        ? 'ok'
        : f.level === 'insufficient_data'
          ? 'insufficient data'
          : `DRIFT (${f.level})`) +
        (outOfRange.has(f.name) ? `, OUT OF RANGE (${(100 * outOfRange.get(f.name)!).toFixed(1)}%)` : ''),
    ]),
  );
}
