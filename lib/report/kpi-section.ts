/** Business KPIs: one trend panel per KPI (value per window) and the latest values per segment and version. */
import type { TopLevelSpec } from 'vega-lite';
import type { KpiResult, KpiResultItem } from '../jobs/kpi-result.js';
import { BASE_CONFIG, PALETTE, renderChart } from './chart.js';
import { escapeHtml } from './escape.js';
import { type Cell, chartDataDetails, dataTable, formatCount, formatNumber } from './format.js';
import { DATE_AXIS } from './trends.js';

interface KpiPoint {
  date: string;
  value: number;
}

const WIDTH = 250;
const HEIGHT = 100;

function series(history: readonly KpiResult[], name: string): KpiPoint[] {
  return history
    .flatMap((r) => {
      const item = r.kpis.find((k) => k.name === name);
      const v = item?.status === 'ok' ? item.overall?.value : undefined;
      return typeof v === 'number' && Number.isFinite(v) ? [{ date: r.window.start, value: v }] : [];
    })
    .sort((a, b) => a.date.localeCompare(b.date));
}

function panel(
  name: string,
  subtitle: string,
  points: readonly KpiPoint[],
  dates: readonly string[],
): object {
  const x = {
    field: 'date',
    type: 'temporal',
    scale: { type: 'utc', domain: [dates[0], dates[dates.length - 1]] },
    axis: DATE_AXIS,
  };
  const y = {
    field: 'value',
    type: 'quantitative',
    title: null,
    scale: { zero: false },
    axis: { tickCount: 3 },
  };
  return {
    title: { text: name, subtitle },
    width: WIDTH,
    height: HEIGHT,
    data: { values: points },
    layer: [
      { mark: { type: 'line', color: PALETTE.current, strokeWidth: 1.5 }, encoding: { x, y } },
      { mark: { type: 'point', filled: true, size: 30, color: PALETTE.current }, encoding: { x, y } },
    ],
  };
}

function describeKpi(k: KpiResultItem): string {
  return `${k.aggregate} of ${k.column}${k.per === 'positive_decision' ? ' per positive decision' : ''}${k.source === 'outcomes' ? ' (outcomes)' : ''}, ${k.direction.replaceAll('_', ' ')}`;
}

/** The KPI section; empty string when the model has no KPI results. */
export async function kpiSection(history: readonly KpiResult[] | undefined): Promise<string> {
  if (!history || history.length === 0) return '';
  const heading = '<h2 id="kpis-heading">Business KPIs</h2>';
  const sorted = [...history].sort((a, b) => a.window.start.localeCompare(b.window.start));
  const latest = sorted.at(-1) as KpiResult;
  const names = latest.kpis.map((k) => k.name);
  const withPoints = names
    .map((n) => ({ name: n, points: series(sorted, n) }))
    .filter((s) => s.points.length);
  const parts: string[] = [];
  if (withPoints.length) {
    const dates = [...new Set(withPoints.flatMap((s) => s.points.map((p) => p.date)))].sort();
    const spec = {
      config: BASE_CONFIG,
      columns: 3,
      spacing: 28,
      concat: withPoints.map((s) =>
        panel(
          s.name,
          describeKpi(latest.kpis.find((k) => k.name === s.name) as KpiResultItem),
          s.points,
          dates,
        ),
      ),
    } as TopLevelSpec;
    const svg = await renderChart(spec, {
      title: 'Business KPIs over time',
      description: `${withPoints.length} KPI${withPoints.length === 1 ? '' : 's'} per window from ${dates[0]} to ${dates.at(-1)}: ${withPoints
        .map((s) => `${s.name} latest ${formatNumber(s.points.at(-1)?.value)}`)
        .join('; ')}.`,
    });
    const rows: Cell[][] = dates.map((date) => [
      date,
      ...withPoints.map((s) => formatNumber(s.points.find((p) => p.date === date)?.value)),
    ]);
    parts.push(
      `<figure class="chart">${svg}<figcaption>One panel per KPI: its overall value per window (outcome KPIs appear once their outcomes matured).</figcaption>${chartDataDetails('KPI values per window (data table)', ['Window', ...withPoints.map((s) => s.name)], rows)}</figure>`,
    );
  }
  const breakdown: Cell[][] = [];
  for (const k of latest.kpis) {
    // The latest window where this KPI has a value (outcome KPIs lag behind).
    const shown = [...sorted].reverse().find((r) => r.kpis.find((x) => x.name === k.name)?.status === 'ok');
    const item = shown?.kpis.find((x) => x.name === k.name);
    if (!shown || !item) {
      breakdown.push([k.name, k.status.replaceAll('_', ' '), '–', '–', '–']);
      continue;
    }
    breakdown.push([
      k.name,
      shown.window.start,
      'all',
      formatNumber(item.overall?.value),
      formatCount(item.overall?.n),
    ]);
    for (const s of item.segments)
      breakdown.push([
        k.name,
        shown.window.start,
        `${s.column} = ${s.segment}`,
        formatNumber(s.value),
        formatCount(s.n),
      ]);
    for (const v of item.versions)
      breakdown.push([
        k.name,
        shown.window.start,
        `version ${v.version}`,
        formatNumber(v.value),
        formatCount(v.n),
      ]);
  }
  parts.push(
    dataTable(
      'Latest KPI values by segment and model version',
      ['KPI', 'Window', 'Group', 'Value', 'Rows'],
      breakdown,
    ),
  );
  return `<section id="kpis" aria-labelledby="kpis-heading">${heading}<p>${escapeHtml(
    'Each KPI is computed per window over the whole window, each segment value and each model version; n is the rows its value is computed from. Alerts (rule kpi:<name>) judge the overall value.',
  )}</p>${parts.join('\n')}</section>`;
}
