/**
 * Estimated performance (CBPE, lib/jobs/estimate.ts): what the model's scores say its performance
 * is before the labels arrive, with the 95% band; once the labels matured, the realized value and
 * the estimation error beside it. A trend chart of the band, the estimate and the realized line;
 * per-segment estimates; the estimate's findings with what to do.
 */
import type { TopLevelSpec } from 'vega-lite';
import type { EstimatedGroup, EstimatedResult, EstimationFinding, RealizedGroup } from '../jobs/estimate.js';
import { shiftDate } from '../jobs/windows.js';
import type { EstimatedMetric, EstimatedMetricName } from '../metrics/estimation.js';
import { BASE_CONFIG, PALETTE, renderChart } from './chart.js';
import { escapeHtml } from './escape.js';
import { type Cell, chartDataDetails, formatCount, formatNumber, formatSigned } from './format.js';
import { PANEL_HEIGHT, PANEL_WIDTH, referenceLayer, xFor } from './performance-trends.js';

/** The estimated metrics, in the order the tables show them (the two the chart draws first). */
const METRICS: readonly EstimatedMetricName[] = ['accuracy', 'rocAuc', 'precision', 'recall', 'f1'];
const CHART_METRICS: readonly EstimatedMetricName[] = ['accuracy', 'rocAuc'];
export const METRIC_LABEL: Record<EstimatedMetricName, string> = {
  accuracy: 'accuracy',
  rocAuc: 'ROC-AUC',
  precision: 'precision',
  recall: 'recall',
  f1: 'F1',
};

const FINDING_WORDS: Record<EstimationFinding['kind'], string> = {
  estimation_invalid: 'Estimates not valid',
  estimation_extrapolated: 'Extrapolated',
  estimation_low_confidence: 'Low confidence',
  estimation_refused: 'Not estimated',
};

/** What to do about each kind of finding (the message says what was found, with the numbers). */
const FINDING_FIX: Record<EstimationFinding['kind'], string> = {
  estimation_invalid:
    'do not trust the estimates of this group until it is fixed: read the realized metrics instead, and retrain or recalibrate the model on recent labelled data (the calibration is fitted again when the reference changes).',
  estimation_extrapolated:
    'read the band as wide; a reference (reference.location) with labelled rows covering the scores the model now gives narrows it.',
  estimation_low_confidence:
    'label more reference rows (reference.labelColumn), then re-run the estimate job.',
  estimation_refused:
    'point predictions.scoreColumn at a probability of class 1 (apply the sigmoid to logits), then re-run the estimate job for the window.',
};

/** The band as text: `0.821–0.847`, `–` when undefined. */
export function bandText(m: EstimatedMetric | undefined): string {
  if (!m || m.lower === null || m.upper === null) return '–';
  return `${formatNumber(m.lower)}–${formatNumber(m.upper)}`;
}

/** An estimation error in metric points, to three decimals with its sign (`−0.008`). */
export function formatError(value: number | null | undefined): string {
  return value === null || value === undefined ? '–' : formatSigned(Number(value.toFixed(3)));
}

/** When a window's labels are due: its end plus the label delay. */
export function labelsDueOn(result: EstimatedResult, labelDelayDays: number | undefined): string | undefined {
  return labelDelayDays === undefined ? undefined : shiftDate(result.window.end, Math.ceil(labelDelayDays));
}

/** One word or two for a window's estimate. */
function statusText(r: EstimatedResult): string {
  switch (r.status) {
    case 'invalid_scores':
      return 'not estimated (scores not probabilities)';
    case 'no_data':
      return 'no predictions';
    default: {
      const extrapolated = r.status === 'extrapolated' ? ', extrapolated (wide band)' : '';
      if (!r.realized) return `estimated (no labels yet)${extrapolated}`;
      return `labels matured${r.valid === false ? ': estimates NOT VALID' : ''}${extrapolated}`;
    }
  }
}

function findingItem(f: EstimationFinding, window?: string): string {
  const where = `${window ? `window ${window}, ` : ''}${f.group}`;
  // Most messages start with the group; it is already in the parentheses.
  const message = f.message.startsWith(`${f.group}: `) ? f.message.slice(f.group.length + 2) : f.message;
  return `<li><strong>${escapeHtml(FINDING_WORDS[f.kind] ?? f.kind)}</strong> (${escapeHtml(where)}): ${escapeHtml(message)}. <em>Fix:</em> ${escapeHtml(FINDING_FIX[f.kind] ?? 'see the message.')}</li>`;
}

/** The current window's metrics: estimate, band, the reference's own estimate, and realized once labelled. */
function metricsTable(r: EstimatedResult, dueOn: string | undefined): string {
  const realized = r.realized?.overall;
  // A metric undefined in this window says why (no predicted positive, one class only).
  const notes = METRICS.some((m) => r.overall.metrics[m].reason);
  const rows = METRICS.map((m) => {
    const est = r.overall.metrics[m];
    const stable = r.reference?.metrics[m].value ?? null;
    const real = realized?.metrics[m] ?? null;
    const realCell = realized
      ? escapeHtml(formatNumber(real))
      : `<span class="muted">${escapeHtml(dueOn ? `labels due ${dueOn}` : 'no labels yet')}</span>`;
    const inBand = realized?.inBand[m];
    return `<tr><th scope="row">${escapeHtml(METRIC_LABEL[m])}</th><td class="num">${escapeHtml(formatNumber(est.value))}</td><td class="num">${escapeHtml(bandText(est))}</td><td class="num">${escapeHtml(formatNumber(stable))}</td><td class="num">${realCell}</td><td class="num">${realized ? escapeHtml(formatError(realized.error[m])) : '–'}</td><td>${inBand === true ? 'yes' : inBand === false ? '<strong>no</strong>' : '–'}</td>${notes ? `<td>${est.reason ? escapeHtml(est.reason) : ''}</td>` : ''}</tr>`;
  });
  return `<div class="table-wrap"><table class="metrics"><caption>${escapeHtml(`Window ${r.window.start}: estimated from scores${realized ? ', realized from labels' : ' (no labels yet)'}`)}</caption>
<thead><tr><th scope="col">Metric</th><th scope="col">Estimated</th><th scope="col">95% band</th><th scope="col">Stable (reference)</th><th scope="col">Realized</th><th scope="col">Error</th><th scope="col">Realized in band</th>${notes ? '<th scope="col">Note</th>' : ''}</tr></thead>
<tbody>${rows.join('\n')}</tbody></table></div>`;
}

function realizedNote(realized: RealizedGroup): string {
  return `<p class="muted">Realized on ${escapeHtml(formatCount(realized.labelled))} labelled predictions. Error = realized − the estimate over those same labelled rows (like for like), and "in band" uses that estimate's band, so missing labels do not count as estimation error.</p>`;
}

/** Estimated metrics of one segment value, with realized and error once labelled. */
function segmentsTable(r: EstimatedResult): string {
  if (r.segments.length === 0) return '';
  const flagged = new Map<string, EstimationFinding['kind'][]>();
  for (const f of r.findings) flagged.set(f.group, [...(flagged.get(f.group) ?? []), f.kind]);
  const realizedOf = (s: { column: string; value: string }) =>
    r.realized?.segments.find((x) => x.column === s.column && x.value === s.value);
  const withRealized = r.realized !== undefined;
  const head = [
    'Segment',
    'Predictions',
    ...CHART_METRICS.flatMap((m) => [
      `${METRIC_LABEL[m]} estimated`,
      '95% band',
      ...(withRealized ? [`${METRIC_LABEL[m]} realized`, 'Error'] : []),
    ]),
    'Findings',
  ];
  const rows = r.segments.map((s: EstimatedGroup & { column: string; value: string }) => {
    const real = realizedOf(s);
    const group = `${s.column}=${s.value}`;
    const cells = [
      `<th scope="row" class="feature">${escapeHtml(`${s.column} = ${s.value}`)}</th>`,
      `<td class="num">${escapeHtml(formatCount(s.predictions))}</td>`,
      ...CHART_METRICS.flatMap((m) => [
        `<td class="num">${escapeHtml(formatNumber(s.metrics[m].value))}</td>`,
        `<td class="num">${escapeHtml(bandText(s.metrics[m]))}</td>`,
        ...(withRealized
          ? [
              `<td class="num">${escapeHtml(formatNumber(real?.metrics[m] ?? null))}</td>`,
              `<td class="num">${escapeHtml(formatError(real?.error[m] ?? null))}</td>`,
            ]
          : []),
      ]),
      `<td>${escapeHtml((flagged.get(group) ?? []).map((k) => FINDING_WORDS[k]).join(', '))}</td>`,
    ];
    return `<tr>${cells.join('')}</tr>`;
  });
  return `<h3>Per segment</h3><div class="table-wrap"><table class="metrics estimated-segments"><caption>${escapeHtml(`Estimated per segment value, window ${r.window.start}`)}</caption>
<thead><tr>${head.map((h) => `<th scope="col">${escapeHtml(h)}</th>`).join('')}</tr></thead>
<tbody>${rows.join('\n')}</tbody></table></div>`;
}

interface EstimatePoint {
  date: string;
  value: number | null;
  lower: number | null;
  upper: number | null;
  realized: number | null;
}

function estimatePoints(results: readonly EstimatedResult[], m: EstimatedMetricName): EstimatePoint[] {
  return results.map((r) => {
    const e = r.overall.metrics[m];
    return {
      date: r.window.start,
      value: e.value,
      lower: e.lower,
      upper: e.upper,
      realized: r.realized?.overall.metrics[m] ?? null,
    };
  });
}

/** One panel: the band (area), the estimate (line, circles), the realized value (dashed line, squares), the reference's estimate (rule). */
function estimatePanel(
  m: EstimatedMetricName,
  points: readonly EstimatePoint[],
  stable: number | undefined,
  dates: readonly string[],
): object {
  const x = xFor(dates);
  const y = (field: string) => ({
    field,
    type: 'quantitative',
    title: null,
    scale: { zero: false },
    axis: { tickCount: 3 },
  });
  const banded = points.filter((p) => p.lower !== null && p.upper !== null);
  const estimated = points.filter((p) => p.value !== null);
  const realized = points.filter((p) => p.realized !== null);
  if (estimated.length === 0) {
    return {
      title: { text: `${METRIC_LABEL[m]} (estimated)`, subtitle: 'no estimate in these windows' },
      width: PANEL_WIDTH,
      height: PANEL_HEIGHT,
      data: { values: [{}] },
      mark: { type: 'text', color: PALETTE.muted, fontSize: 11 },
      encoding: { text: { value: 'not estimated yet' } },
    };
  }
  // Empty layers are left out (vega warns on them).
  const layers: object[] = [];
  if (banded.length)
    layers.push({
      data: { values: banded },
      mark: { type: 'area', color: PALETTE.fillBetter, opacity: 0.9 },
      encoding: { x, y: y('lower'), y2: { field: 'upper' } },
    });
  layers.push({
    data: { values: estimated },
    mark: {
      type: 'line',
      color: PALETTE.current,
      strokeWidth: 1.5,
      point: { filled: true, size: 25, color: PALETTE.current, shape: 'circle' },
    },
    encoding: { x, y: y('value') },
  });
  if (realized.length)
    layers.push({
      data: { values: realized },
      mark: {
        type: 'line',
        color: PALETTE.ok,
        strokeWidth: 1.5,
        strokeDash: [4, 2],
        point: { filled: true, size: 30, color: PALETTE.ok, shape: 'square' },
      },
      encoding: { x, y: y('realized') },
    });
  if (stable !== undefined) layers.push(referenceLayer(stable, PANEL_WIDTH, 'stable'));
  return {
    title: {
      text: `${METRIC_LABEL[m]}`,
      subtitle: `estimated (band, circles)${realized.length ? '; realized (squares)' : ''}`,
    },
    width: PANEL_WIDTH,
    height: PANEL_HEIGHT,
    layer: layers,
  };
}

export function estimateTrendSpec(
  results: readonly EstimatedResult[],
  stable: Partial<Record<EstimatedMetricName, number>>,
  dates: readonly string[],
): TopLevelSpec {
  return {
    config: BASE_CONFIG,
    columns: 3,
    spacing: 28,
    concat: CHART_METRICS.map((m) => estimatePanel(m, estimatePoints(results, m), stable[m], dates)),
  } as TopLevelSpec;
}

/** Findings to list: the shown window's, and the latest earlier window's `estimation_invalid` ones. */
function findingsList(shown: EstimatedResult, results: readonly EstimatedResult[]): string {
  const items = shown.findings.map((f) => findingItem(f));
  const judged = results.filter((r) => r.realized && r.window.start < shown.window.start).at(-1);
  if (judged && !shown.realized)
    for (const f of judged.findings.filter((x) => x.kind === 'estimation_invalid'))
      items.push(findingItem(f, judged.window.start));
  if (!items.length) return '';
  return `<p>Estimation findings:</p><ul class="findings">${items.join('')}</ul>`;
}

function leadLine(r: EstimatedResult, dueOn: string | undefined): string {
  const acc = r.overall.metrics.accuracy;
  if (r.status === 'invalid_scores' || r.status === 'no_data') {
    return `<p><strong>${escapeHtml(`Window ${r.window.start}: ${statusText(r)}.`)}</strong> ${escapeHtml(formatCount(r.overall.predictions))} predictions.</p>`;
  }
  const stable = r.reference?.metrics.accuracy.value ?? null;
  const text = `Window ${r.window.start}: estimated accuracy ${formatNumber(acc.value)} (band ${bandText(acc)}), stable ${formatNumber(stable)}; ${statusText(r)}`;
  const labels = r.realized
    ? `; realized ${formatNumber(r.realized.overall.metrics.accuracy)} (error ${formatError(r.realized.overall.error.accuracy)}).`
    : dueOn
      ? `; labels due ${dueOn}.`
      : '.';
  return `<p><strong>${escapeHtml(text + labels)}</strong> ${escapeHtml(`Estimated over ${formatCount(r.overall.estimated)} of ${formatCount(r.overall.predictions)} predictions; calibration fitted on ${formatCount(r.calibration.rows)} labelled reference rows.`)}</p>`;
}

/**
 * The estimated-performance section, or '' when the model has no estimates to show (`results`
 * undefined: not estimable). `windowStart`: the report's window; its estimate is shown, else the
 * latest.
 */
export async function estimateSection(
  results: readonly EstimatedResult[] | undefined,
  windowStart: string,
  labelDelayDays: number | undefined,
): Promise<string> {
  if (results === undefined) return '';
  const heading = '<h2 id="estimated-heading">Estimated performance</h2>';
  const open = `<section id="estimated" aria-labelledby="estimated-heading">${heading}`;
  const intro =
    '<p>Estimated from the model’s scores alone (CBPE), before any label arrives: a drop shows here days before the labels can confirm it. The 95% band covers the sampling of the window’s labels and the calibration fit, not a change of the score-to-outcome relation; once labels mature the realized value appears beside the estimate.</p>';
  const sorted = [...results].sort((a, b) => (a.window.start < b.window.start ? -1 : 1));
  if (sorted.length === 0)
    return `${open}${intro}<p class="empty">No estimate yet: the estimate job runs the morning after each window.</p></section>`;
  const shown = sorted.find((r) => r.window.start === windowStart) ?? sorted.at(-1)!;
  const dueOn = labelsDueOn(shown, labelDelayDays);
  const parts = [open, intro];
  if (shown.window.start !== windowStart)
    parts.push(
      `<p class="muted">${escapeHtml(`No estimate for ${windowStart} yet; showing the latest, ${shown.window.start}.`)}</p>`,
    );
  parts.push(leadLine(shown, dueOn), findingsList(shown, sorted));
  if (shown.status !== 'invalid_scores' && shown.status !== 'no_data') {
    parts.push(metricsTable(shown, dueOn));
    if (shown.realized) parts.push(realizedNote(shown.realized.overall));
  }
  const dates = sorted.map((r) => r.window.start);
  const latestWithReference = [...sorted].reverse().find((r) => r.reference);
  const stable: Partial<Record<EstimatedMetricName, number>> = {};
  for (const m of CHART_METRICS) {
    const v = latestWithReference?.reference?.metrics[m].value;
    if (typeof v === 'number') stable[m] = v;
  }
  const svg = await renderChart(estimateTrendSpec(sorted, stable, dates), {
    title: 'Estimated accuracy and ROC-AUC over time',
    description: `Estimated accuracy and ROC-AUC with their 95% bands over ${dates.length} windows, ${dates[0]} to ${dates.at(-1)}, and the realized values where labels matured. ${CHART_METRICS.map((m) => `${METRIC_LABEL[m]}: latest estimate ${formatNumber(shown.overall.metrics[m].value)} (band ${bandText(shown.overall.metrics[m])})`).join('; ')}.`,
  });
  const headers = [
    'Window',
    'Status',
    ...CHART_METRICS.flatMap((m) => [
      `${METRIC_LABEL[m]} estimated`,
      '95% band',
      `${METRIC_LABEL[m]} realized`,
      'Error',
    ]),
    'Labels',
  ];
  const rows: Cell[][] = sorted.map((r) => {
    const due = labelsDueOn(r, labelDelayDays);
    return [
      r.window.start,
      statusText(r),
      ...CHART_METRICS.flatMap((m) => [
        formatNumber(r.overall.metrics[m].value),
        bandText(r.overall.metrics[m]),
        formatNumber(r.realized?.overall.metrics[m] ?? null),
        formatError(r.realized?.overall.error[m] ?? null),
      ]),
      r.realized ? `${formatCount(r.realized.overall.labelled)} labelled` : due ? `due ${due}` : 'not yet',
    ];
  });
  parts.push(
    '<h3>Estimated vs realized over time</h3>',
    `<figure class="chart">${svg}<figcaption>Shaded: the 95% band of the estimate; solid line and circles: the estimate (no labels needed); dashed line and squares: the realized value once labels matured; dashed rule: the stable level (the same estimate on the reference).</figcaption>${chartDataDetails('Estimated and realized per window (data table)', headers, rows)}</figure>`,
  );
  parts.push(segmentsTable(shown));
  return `${parts.filter(Boolean).join('\n')}</section>`;
}
