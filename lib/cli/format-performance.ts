/** Human-readable lines for performance results. */
import type { EstimatedResult } from '../jobs/estimate.js';
import type { PerformanceResult } from '../jobs/performance-result.js';
import { formatNumber, renderTable } from './table.js';

function pct(share: number): string {
  return `${(share * 100).toFixed(1)}%`;
}

/** One row per window: label coverage, maturity, headline metrics, the worst segment. */
export function performanceDaysTable(results: PerformanceResult[]): string {
  const metricNames =
    results[0]?.task === 'binary' ? ['rocAuc', 'accuracy'] : [results[0]?.primaryMetric ?? ''];
  return renderTable(
    ['window', 'labelled', 'status', ...metricNames, 'worst segment (gap)'],
    results.map((r) => [
      r.window.start,
      `${r.overall.labelled}/${r.overall.predictions} (${pct(r.overall.coverage)})`,
      r.status === 'not_mature' ? `not mature until ${r.maturity.matureOn}` : r.status,
      ...metricNames.map((m) => (r.status === 'ok' ? formatNumber(r.overall.metrics[m] ?? null) : '-')),
      r.status === 'ok' && r.worstSegment
        ? `${r.worstSegment.column}=${r.worstSegment.value} ${r.worstSegment.metric} ${formatNumber(r.worstSegment.metricValue)} (${r.worstSegment.gap >= 0 ? '+' : ''}${formatNumber(r.worstSegment.gap)})`
        : '-',
    ]),
  );
}

/** One line per estimated window: the estimate with its band, then realized once labels matured. */
export function estimatedDaysTable(results: EstimatedResult[]): string {
  const est = (m: EstimatedResult['overall']['metrics']['accuracy']) =>
    m.value === null ? '-' : `${formatNumber(m.value)} [${formatNumber(m.lower)}, ${formatNumber(m.upper)}]`;
  return renderTable(
    [
      'window',
      'estimated accuracy [95% band]',
      'estimated rocAuc [95% band]',
      'realized accuracy',
      'realized rocAuc',
      'estimation',
    ],
    results.map((r) => {
      const real = r.realized?.overall;
      return [
        r.window.start,
        est(r.overall.metrics.accuracy),
        est(r.overall.metrics.rocAuc),
        real
          ? `${formatNumber(real.metrics.accuracy)}${real.inBand.accuracy === false ? ' (outside)' : ''}`
          : 'labels pending',
        real
          ? `${formatNumber(real.metrics.rocAuc)}${real.inBand.rocAuc === false ? ' (outside)' : ''}`
          : 'labels pending',
        r.valid === undefined
          ? '-'
          : r.valid
            ? 'valid'
            : `NOT VALID: ${r.findings.map((f) => f.group).join(', ')}`,
      ];
    }),
  );
}
