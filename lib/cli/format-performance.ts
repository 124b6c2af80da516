/** Human-readable lines for performance results. */
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
