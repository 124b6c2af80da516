/**
 * Business KPIs: one trend panel per KPI (value per judged window) and the latest judged values per
 * segment and version. A window held for late outcomes (or whose outcomes never came) is neither
 * plotted nor listed with its value (a partial sum of the outcomes that came): it is named as held,
 * with its coverage, by the policy's rule (lib/alerts/late-display.ts).
 */
import type { TopLevelSpec } from 'vega-lite';
import { type KpiDisplay, kpiDisplay, type LateWindow, lateWords } from '../alerts/late-display.js';
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

/** The KPI's value per window the policy judges: held and missing windows left out. */
function series(history: readonly KpiResult[], name: string, late: readonly LateWindow[]): KpiPoint[] {
  const skip = new Set(late.map((l) => l.window));
  return history
    .flatMap((r) => {
      if (skip.has(r.window.start)) return [];
      const item = r.kpis.find((k) => k.name === name);
      const v = item?.status === 'ok' ? item.overall?.value : undefined;
      return typeof v === 'number' && Number.isFinite(v) ? [{ date: r.window.start, value: v }] : [];
    })
    .sort((a, b) => a.date.localeCompare(b.date));
}

/** Every late window of a KPI's display (the newest, then the other held ones), oldest first. */
function lateOf(display: KpiDisplay): LateWindow[] {
  return [...display.held, ...(display.late ? [display.late] : [])].sort((a, b) =>
    a.window.localeCompare(b.window),
  );
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

/**
 * The KPI section; empty string when the model has no KPI results. `outcomeRecheckDays`: the
 * outcomes' look-back in days (`recheckDays`), for a held window's last recheck date.
 */
export async function kpiSection(
  history: readonly KpiResult[] | undefined,
  outcomeRecheckDays?: number,
): Promise<string> {
  if (!history || history.length === 0) return '';
  const heading = '<h2 id="kpis-heading">Business KPIs</h2>';
  const sorted = [...history].sort((a, b) => a.window.start.localeCompare(b.window.start));
  const latest = sorted.at(-1) as KpiResult;
  const names = latest.kpis.map((k) => k.name);
  const displays = new Map(names.map((n) => [n, kpiDisplay(sorted, n, outcomeRecheckDays)]));
  const lateByName = new Map(names.map((n) => [n, lateOf(displays.get(n) as KpiDisplay)]));
  const withPoints = names
    .map((n) => ({ name: n, points: series(sorted, n, lateByName.get(n) ?? []) }))
    .filter((s) => s.points.length);
  const parts: string[] = [];
  if (withPoints.length) {
    const dates = [...new Set(withPoints.flatMap((s) => s.points.map((p) => p.date)))].sort();
    // The data table also lists the held windows, by name, without their partial values.
    const tableDates = [
      ...new Set([
        ...dates,
        ...withPoints.flatMap((s) => (lateByName.get(s.name) ?? []).map((l) => l.window)),
      ]),
    ].sort();
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
    const rows: Cell[][] = tableDates.map((date) => [
      date,
      ...withPoints.map((s) => {
        const late = lateByName.get(s.name)?.find((l) => l.window === date);
        return late
          ? late.missing
            ? 'outcomes missing'
            : 'held: outcomes late'
          : formatNumber(s.points.find((p) => p.date === date)?.value);
      }),
    ]);
    parts.push(
      `<figure class="chart">${svg}<figcaption>One panel per KPI: its overall value per judged window (outcome KPIs appear once their outcomes matured; a window held for late outcomes, or whose outcomes never came, is left out: its value covers only the outcomes that came).</figcaption>${chartDataDetails('KPI values per window (data table)', ['Window', ...withPoints.map((s) => s.name)], rows)}</figure>`,
    );
  }
  const breakdown: Cell[][] = [];
  const notes: string[] = [];
  for (const k of latest.kpis) {
    const display = displays.get(k.name) as KpiDisplay;
    for (const late of lateByName.get(k.name) ?? [])
      notes.push(`${k.name}: ${lateWords(late, 'outcomes', false)}`);
    // The latest window the policy judges (outcome KPIs lag behind; held windows are not judged).
    const shown = display.judged?.result;
    const item = display.judged?.item;
    if (display.late)
      breakdown.push([
        k.name,
        display.late.window,
        display.late.missing ? 'outcomes missing' : 'held: outcomes late',
        '–',
        '–',
      ]);
    if (!shown || !item) {
      if (!display.late) breakdown.push([k.name, k.status.replaceAll('_', ' '), '–', '–', '–']);
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
  const lateList = notes.length
    ? `<p>${escapeHtml('Windows not judged, their outcomes late (a value over the outcomes that came is not the KPI):')}</p><ul>${notes.map((n) => `<li>${escapeHtml(n)}</li>`).join('')}</ul>`
    : '';
  return `<section id="kpis" aria-labelledby="kpis-heading">${heading}<p>${escapeHtml(
    'Each KPI is computed per window over the whole window, each segment value and each model version; n is the rows its value is computed from. Alerts (rule kpi:<name>) judge the overall value.',
  )}</p>${lateList}${parts.join('\n')}</section>`;
}
