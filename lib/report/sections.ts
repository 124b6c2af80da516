/** Sections built around charts: trends, segments and links. */
import type { DriftResult } from '../jobs/drift-result.js';
import type { PerformanceResult } from '../jobs/performance-result.js';
import { renderChart } from './chart.js';
import { escapeHtml, safeHref } from './escape.js';
import { type Cell, chartDataDetails, formatCount, formatNumber, formatPercent } from './format.js';
import { driftCells, gapCells, heatmapSpec, MAX_COLUMN } from './heatmap.js';
import { incidentsFor } from './history.js';
import { metricPoints, performanceTrendSpec, volumePoints } from './performance-trends.js';
import { LEVEL_SYMBOL, LEVEL_WORD } from './status.js';
import { driftTrendSpec, featureTrends } from './trends.js';
import type { ReportIncident, ReportLink } from './types.js';

const DRIFT_KINDS = /drift/i;
const VOLUME_KINDS = /volume|no_data|quality/i;
const PERFORMANCE_KINDS = /perf|label|coverage|metric/i;

function figure(svg: string, caption: string, table: string): string {
  return `<figure class="chart">${svg}<figcaption>${caption}</figcaption>${table}</figure>`;
}

export async function trendsSection(
  drift: readonly DriftResult[],
  performance: readonly PerformanceResult[],
  featureOrder: readonly string[],
  incidents: readonly ReportIncident[],
): Promise<string> {
  const heading = '<h2 id="trends-heading">Trends</h2>';
  const dates = [...new Set([...drift, ...performance].map((r) => r.window.start))].sort();
  if (dates.length === 0) {
    return `<section id="trends" aria-labelledby="trends-heading">${heading}<p class="empty">No results yet to draw a trend from.</p></section>`;
  }
  const parts: string[] = [];
  const trends = featureTrends(drift, featureOrder);
  if (trends.length) {
    const svg = await renderChart(
      driftTrendSpec(trends, (t) => incidentsFor(incidents, [t.name], DRIFT_KINDS), dates),
      {
        title: 'Drift statistic per feature over time',
        description: `Drift statistic of ${trends.length} features over ${dates.length} windows, ${dates[0]} to ${dates[dates.length - 1]}, with warning thresholds as dashed lines. ${trends
          .map((t) => `${t.name}: now ${t.level ? LEVEL_WORD[t.level] : 'unknown'}`)
          .join('; ')}.`,
      },
    );
    const byDate = new Map(drift.map((d) => [d.window.start, d]));
    const rows: Cell[][] = dates.map((date) => [
      date,
      ...trends.map((t) => {
        const point = t.points.find((p) => p.date === date);
        if (!point) return byDate.get(date)?.status === 'no_data' ? 'no data' : '–';
        const mark =
          point.level === 'critical' || point.level === 'warning' ? `${LEVEL_SYMBOL[point.level]} ` : '';
        return `${mark}${formatNumber(point.statistic)}`;
      }),
    ]);
    parts.push(
      `<h3>Drift statistic per feature</h3>`,
      figure(
        svg,
        'Line: the statistic per window. Points: ▲ critical, ◆ warning, ● no drift. Dashed lines: the warning and critical thresholds (the critical one only once a feature has reached warning). Purple dotted lines: when an open incident started.',
        chartDataDetails(
          'Drift statistic per window (data table)',
          ['Window', ...trends.map((t) => t.name)],
          rows,
        ),
      ),
    );
  }
  const latest = performance[performance.length - 1];
  const metric = latest?.primaryMetric;
  const volume = volumePoints(drift, performance);
  const points = metric ? metricPoints(performance, metric) : [];
  const svg = await renderChart(
    performanceTrendSpec({
      volume,
      volumeIncidents: incidentsFor(incidents, ['volume'], VOLUME_KINDS),
      ...(metric && latest
        ? {
            metric: {
              name: metric,
              points,
              reference: latest.reference?.metrics[metric] ?? undefined,
              incidents: incidentsFor(incidents, [metric, 'performance'], PERFORMANCE_KINDS),
            },
          }
        : {}),
      dates,
    }),
    {
      title: metric ? `Volume, ${metric} and label coverage over time` : 'Volume over time',
      description: `Predictions per window${metric ? `, ${metric} and label coverage` : ''} over ${dates.length} windows; latest volume ${formatCount(volume[volume.length - 1]?.rows)}${metric ? `, latest ${metric} ${formatNumber(points[points.length - 1]?.value)}` : ''}.`,
    },
  );
  const perfByDate = new Map(points.map((p) => [p.date, p]));
  const volumeByDate = new Map(volume.map((v) => [v.date, v]));
  const headers = [
    'Window',
    'Predictions',
    'Expected',
    ...(metric ? [metric, 'Label coverage', 'Status'] : []),
  ];
  const rows: Cell[][] = dates.map((date) => {
    const v = volumeByDate.get(date);
    const p = perfByDate.get(date);
    return [
      date,
      formatCount(v?.rows),
      formatCount(v?.expected),
      ...(metric
        ? [formatNumber(p?.value), formatPercent(p?.coverage), p ? p.status.replaceAll('_', ' ') : '–']
        : []),
    ];
  });
  parts.push(
    `<h3>${metric ? 'Volume and performance' : 'Volume'}</h3>`,
    figure(
      svg,
      metric
        ? 'Bars: predictions per window; dashed: the usual volume. Performance: filled points are final, hollow points provisional (labels still arriving); the dashed line is the reference.'
        : 'Bars: predictions per window; dashed: the usual volume. No performance result yet: performance appears here once labels are evaluated.',
      chartDataDetails('Volume and performance per window (data table)', headers, rows),
    ),
  );
  return `<section id="trends" aria-labelledby="trends-heading">${heading}${parts.join('\n')}</section>`;
}

/** `performance` is the evaluated result shown (possibly an earlier window than `windowStart`). */
export async function segmentsSection(
  drift: DriftResult | undefined,
  performance: PerformanceResult | undefined,
  windowStart: string,
  featureOrder: readonly string[],
): Promise<string> {
  const heading = '<h2 id="segments-heading">Segments</h2>';
  const dCells = drift && drift.status === 'ok' ? driftCells(drift, featureOrder) : [];
  const gCells = performance
    ? gapCells(performance, performance.window.start === windowStart ? undefined : performance.window.start)
    : [];
  if (dCells.length === 0 && gCells.length === 0) {
    return `<section id="segments" aria-labelledby="segments-heading">${heading}<p class="empty">No segment results in this window.</p></section>`;
  }
  const columns = featureOrder.filter((name) => dCells.some((c) => c.column === name));
  const flagged = dCells.filter(
    (c) => c.column === MAX_COLUMN && (c.level === 'critical' || c.level === 'warning'),
  );
  const svg = await renderChart(heatmapSpec(dCells, gCells, columns), {
    title: 'Segment heatmap',
    description: `Segment heatmap: ${new Set(dCells.map((c) => c.segment)).size} segment values by drift ratio per feature${gCells.length ? ' and performance gap vs overall' : ''}. ${flagged.length} segment values past a warning threshold${flagged.length ? `: ${flagged.map((c) => `${c.segment} (${c.level}, ratio ${formatNumber(c.ratio, 2)})`).join(', ')}` : ''}.`,
  });
  const segments = [...new Set([...dCells.map((c) => c.segment), ...gCells.map((c) => c.segment)])];
  const headers = [
    'Segment',
    ...(dCells.length ? [MAX_COLUMN, ...columns] : []),
    ...(gCells.length ? [gCells[0]!.column] : []),
  ];
  const rows: Cell[][] = segments.map((segment) => [
    segment,
    ...(dCells.length
      ? [MAX_COLUMN, ...columns].map(
          (column) => dCells.find((c) => c.segment === segment && c.column === column)?.text ?? '–',
        )
      : []),
    ...(gCells.length ? [gCells.find((c) => c.segment === segment)?.text ?? '–'] : []),
  ]);
  return `<section id="segments" aria-labelledby="segments-heading">${heading}
<p>Each row is one segment value. Drift cells show the statistic divided by its warning threshold (1 = at the threshold); the first column is the largest over all features.${gCells.length ? ` The performance column shows the primary metric in the segment minus overall${performance && performance.window.start !== windowStart ? `, from ${escapeHtml(performance.window.start)} (the latest window with matured labels)` : ''} (▼ marks the worst segment).` : ''}</p>
${figure(svg, 'Colours repeat the symbols: red ▲ critical, amber ◆ warning, green no drift, grey unknown or too small.', chartDataDetails('Segment heatmap (data table)', headers, rows))}</section>`;
}

export function linksSection(links: readonly ReportLink[]): string {
  if (links.length === 0) return '';
  const items = links.map((link) => {
    const href = safeHref(link.href);
    return href
      ? `<li><a href="${escapeHtml(href)}">${escapeHtml(link.label)}</a></li>`
      : `<li>${escapeHtml(link.label)}: <code>${escapeHtml(link.href)}</code></li>`;
  });
  return `<section id="links" aria-labelledby="links-heading"><h2 id="links-heading">Links</h2><ul>${items.join('')}</ul></section>`;
}
