/**
 * The SLO section: per SLO, the error budget left over its period as a chart (a line over the
 * period's sub-windows, the budget's end at 0 drawn as a rule), the burn-rate rules with their
 * long and short windows, and the budget per model version. From the newest SLO result.
 */
import type { TopLevelSpec } from 'vega-lite';
import type { SloResult, SloResultEntry } from '../jobs/slo-result.js';
import { BASE_CONFIG, PALETTE, renderChart } from './chart.js';
import { escapeHtml } from './escape.js';
import { chartDataDetails, dataTable, formatCount, formatNumber, formatPercent } from './format.js';
import { levelBadge } from './status.js';

const LEVEL = { none: 'none', warning: 'warning', critical: 'critical' } as const;
const BURN_WORD = {
  none: 'not burning',
  warning: 'slow burn (ticket)',
  critical: 'fast burn (page)',
} as const;

export function sloBudgetSpec(slo: SloResultEntry): TopLevelSpec {
  // At most 240 points (every third hour of 30 days): the line looks the same, vega draws less.
  const step = Math.max(1, Math.ceil(slo.series.length / 240));
  const values = slo.series
    .filter((_, i) => (slo.series.length - 1 - i) % step === 0)
    .map((p) => ({ time: p.start, remaining: p.remaining }));
  const low = Math.min(0, ...values.map((v) => v.remaining));
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    config: BASE_CONFIG,
    width: 520,
    height: 160,
    layer: [
      {
        data: { values },
        mark: { type: 'line', color: PALETTE.current, strokeWidth: 2, interpolate: 'step-after' },
        encoding: {
          x: {
            field: 'time',
            type: 'temporal',
            scale: { type: 'utc' },
            axis: { format: '%b %d', title: null, tickCount: 6, labelOverlap: true, grid: false },
          },
          y: {
            field: 'remaining',
            type: 'quantitative',
            scale: { domain: [low, 1] },
            axis: { format: '.0%', title: 'budget left', tickCount: 5 },
          },
        },
      },
      {
        data: { values: [{ value: 0, label: 'budget spent' }] },
        layer: [
          {
            mark: { type: 'rule', color: PALETTE.critical, strokeDash: [5, 3], strokeWidth: 1.5 },
            encoding: { y: { field: 'value', type: 'quantitative' } },
          },
          {
            mark: {
              type: 'text',
              color: PALETTE.critical,
              align: 'right',
              baseline: 'bottom',
              dy: -2,
              fontSize: 10,
            },
            encoding: {
              y: { field: 'value', type: 'quantitative' },
              x: { value: 520 },
              text: { field: 'label' },
            },
          },
        ],
      },
    ],
  };
}

/** The series thinned to one row per day (the last sub-window of each day), for the data table. */
function dailyRows(slo: SloResultEntry): string[][] {
  const byDay = new Map<string, number>();
  for (const p of slo.series) byDay.set(p.start.slice(0, 10), p.remaining);
  return [...byDay.entries()].map(([day, remaining]) => [day, formatPercent(remaining)]);
}

async function sloBlock(slo: SloResultEntry, result: SloResult): Promise<string> {
  const b = slo.budget;
  const left =
    b.remaining >= 0
      ? `${formatPercent(b.remaining)} of the budget left`
      : `budget overspent by ${formatPercent(-b.remaining)}`;
  const svg = await renderChart(sloBudgetSpec(slo), {
    title: `Error budget left of SLO ${slo.name}`,
    description: `Share of the ${slo.period} error budget of SLO ${slo.name} (${slo.sli}, target ${formatPercent(slo.target, 2)}) left after each ${slo.window} window from ${b.start} to ${b.end}; now ${left}, ${BURN_WORD[slo.level]}.`,
  });
  const rules = dataTable(
    'Burn-rate rules (Google SRE workbook): a rule fires when both windows burn at or above its rate',
    ['Rule', 'Rate', 'Long window', 'Burn (long)', 'Short window', 'Burn (short)', 'Firing'],
    slo.rules.map((r) => [
      `${r.severity === 'critical' ? 'page' : 'ticket'}: ${formatPercent(r.budgetConsumed, 0)} of the budget in ${r.longWindow}`,
      `${formatNumber(r.burnRate)}x`,
      r.long.duration,
      `${formatNumber(r.long.burnRate)}x (${formatCount(r.long.bad)} of ${formatCount(r.long.total)} bad)`,
      r.short.duration,
      `${formatNumber(r.short.burnRate)}x`,
      r.firing ? 'yes' : 'no',
    ]),
  );
  const versions = slo.versions.length
    ? dataTable(
        'Per model version',
        ['Version', 'Events', 'Bad', 'SLI', 'Budget left', 'Burn'],
        slo.versions.map((v) => [
          v.version,
          formatCount(v.budget.total),
          formatCount(v.budget.bad),
          v.budget.sli === null ? '–' : formatPercent(v.budget.sli, 3),
          formatPercent(v.budget.remaining),
          BURN_WORD[v.level],
        ]),
      )
    : '';
  return `<h3>${escapeHtml(slo.name)} ${levelBadge(LEVEL[slo.level], BURN_WORD[slo.level])}</h3>
<p>${escapeHtml(slo.description ? `${slo.description}: ` : '')}good when ${escapeHtml(slo.sli)}; target ${escapeHtml(formatPercent(slo.target, 2))} over ${escapeHtml(slo.period)}, counted per ${escapeHtml(slo.window)}. ${escapeHtml(formatCount(b.bad))} bad of ${escapeHtml(formatCount(b.total))} events since ${escapeHtml(b.start)} (SLI ${escapeHtml(b.sli === null ? '–' : formatPercent(b.sli, 3))}): <strong>${escapeHtml(left)}</strong>, as of ${escapeHtml(result.window.end)}.</p>
<figure class="chart">${svg}<figcaption>Line: the share of the period's error budget left after each ${escapeHtml(slo.window)} window (events so far in the period). Dashed line: the budget is spent.</figcaption>${chartDataDetails('Budget left per day (data table)', ['Day', 'Budget left'], dailyRows(slo))}</figure>
${rules}${versions}`;
}

export async function sloSection(slo: SloResult | undefined): Promise<string> {
  if (!slo) return '';
  const heading = '<h2 id="slo-heading">SLOs and error budgets</h2>';
  const blocks: string[] = [];
  for (const s of slo.slos) blocks.push(await sloBlock(s, slo));
  return `<section id="slo" aria-labelledby="slo-heading">${heading}${blocks.join('\n')}</section>`;
}
