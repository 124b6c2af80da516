/** The current window's performance: overall metrics against the reference, and its maturity. */
import { lateWords, type PerformanceDisplay } from '../alerts/late-display.js';
import type { PerformanceResult } from '../jobs/performance-result.js';
import { escapeHtml } from './escape.js';
import { formatCount, formatNumber, formatPercent, formatSigned } from './format.js';

const STATUS_NOTE: Record<PerformanceResult['status'], string> = {
  ok: 'Evaluated on matured labels.',
  not_mature: 'Provisional: the label delay has not passed yet, so more labels may still arrive.',
  no_data: 'No predictions in this window.',
  no_labels: 'The label delay has passed but no label arrived for this window.',
};

function metricsTable(performance: PerformanceResult, caption: string): string {
  const overall = performance.overall;
  const reference = performance.reference?.metrics ?? {};
  const names = Object.keys(overall.metrics).sort((a, b) =>
    a === performance.primaryMetric ? -1 : b === performance.primaryMetric ? 1 : a < b ? -1 : 1,
  );
  const rows = names.map((name) => {
    const value = overall.metrics[name] ?? null;
    const ref = reference[name] ?? null;
    const why = overall.undefined[name];
    const primary = name === performance.primaryMetric;
    // The grid path's approximate metrics carry their proven error bound (as drift's KS does).
    const bound = overall.errorBound?.[name];
    const shown =
      bound === undefined
        ? escapeHtml(formatNumber(value))
        : `${escapeHtml(formatNumber(value))} <span class="muted">± ${escapeHtml(formatNumber(bound, 2))}</span>`;
    return `<tr${primary ? ' class="primary"' : ''}><th scope="row">${escapeHtml(name)}${primary ? ' <span class="muted">(primary)</span>' : ''}</th><td class="num">${shown}</td><td class="num">${escapeHtml(formatNumber(ref))}</td><td class="num">${value !== null && ref !== null ? escapeHtml(formatSigned(value - ref)) : '–'}</td><td>${why ? escapeHtml(why) : ''}</td></tr>`;
  });
  return `<div class="table-wrap"><table class="metrics"><caption>${escapeHtml(caption)}</caption>
<thead><tr><th scope="col">Metric</th><th scope="col">Value</th><th scope="col">Reference</th><th scope="col">Change</th><th scope="col">Note</th></tr></thead>
<tbody>${rows.join('\n')}</tbody></table></div>`;
}

function coverageLine(performance: PerformanceResult): string {
  const overall = performance.overall;
  return `Revision ${performance.revision}; ${escapeHtml(formatCount(overall.labelled))} of ${escapeHtml(formatCount(overall.predictions))} predictions labelled (${escapeHtml(formatPercent(overall.coverage))}); labels mature on ${escapeHtml(performance.maturity.matureOn)}.`;
}

function worstLine(performance: PerformanceResult): string {
  const worst = performance.worstSegment;
  if (!worst) return '';
  return `<p>Worst segment: <strong>${escapeHtml(`${worst.column} = ${worst.value}`)}</strong>, ${escapeHtml(worst.metric)} ${escapeHtml(formatNumber(worst.metricValue))} (${escapeHtml(formatSigned(worst.gap))} vs overall).</p>`;
}

function latencyLine(performance: PerformanceResult): string {
  const latency = performance.operational.latencyMs;
  if (!latency) return '';
  const parts = (['p50', 'p95', 'p99'] as const).map((p) => `${p} ${formatNumber(latency[p])} ms`).join(', ');
  return `<p>Latency: ${escapeHtml(parts)}.</p>`;
}

/** The label and score checks' findings, one item each (the message names the column and the fix). */
function findingsList(performance: PerformanceResult): string {
  const findings = performance.findings ?? [];
  if (!findings.length) return '';
  const items = findings
    .map((f) => `<li><strong>${escapeHtml(f.severity)}</strong>: ${escapeHtml(f.message)}</li>`)
    .join('');
  return `<p>Label and score checks:</p><ul class="findings">${items}</ul>`;
}

/**
 * When the shown window's labels are late (held, or missing at its last recheck), says so before
 * its metrics, which cover only the labels that came, and names the last complete window.
 */
function lateLabelsNote(shown: PerformanceResult, display: PerformanceDisplay | undefined): string {
  const late = display?.late;
  if (!late || late.window !== shown.window.start) return '';
  const what = late.missing
    ? 'its metrics below are final, on the labels that came'
    : 'its metrics below cover only the labels that came so far (the performance job evaluates it again each morning)';
  const c = display?.complete;
  const v = c?.overall.metrics[c.primaryMetric];
  const complete = c
    ? ` Last window with its usual labels: ${c.window.start}, ${c.primaryMetric} ${formatNumber(typeof v === 'number' ? v : null)} (${formatPercent(c.overall.coverage)} labelled).`
    : '';
  return `<p><strong>${escapeHtml(lateWords(late, 'labels', false))}</strong>: ${escapeHtml(`${what}.${complete}`)}</p>`;
}

/**
 * The current window's performance when it is evaluated; otherwise its status and the latest
 * window whose labels have matured (`evaluated`), so the section is never empty for long. `late`:
 * whether the shown window's labels are late (lib/alerts/late-display.ts `performanceDisplay`).
 */
export function performanceSection(
  current: PerformanceResult | undefined,
  evaluated: PerformanceResult | undefined,
  late?: PerformanceDisplay,
): string {
  const heading = '<h2 id="performance-heading">Performance</h2>';
  const open = `<section id="performance" aria-labelledby="performance-heading">${heading}`;
  const parts: string[] = [];
  if (current) {
    parts.push(
      `<p>This window: ${escapeHtml(STATUS_NOTE[current.status])} ${coverageLine(current)}</p>`,
      latencyLine(current),
      findingsList(current),
    );
  } else {
    parts.push(
      '<p class="empty">No performance result for this window: labels have not been evaluated yet (or the model logs no labels).</p>',
    );
  }
  if (current && current.status === 'ok') {
    parts.push(
      lateLabelsNote(current, late),
      worstLine(current),
      metricsTable(current, 'Overall metrics, primary first'),
    );
  } else if (evaluated) {
    parts.push(
      `<h3>Latest evaluated window: ${escapeHtml(evaluated.window.start)}</h3>`,
      `<p>${coverageLine(evaluated)}</p>`,
      lateLabelsNote(evaluated, late),
      worstLine(evaluated),
      metricsTable(evaluated, `Overall metrics of ${evaluated.window.start}, primary first`),
    );
  }
  return `${open}${parts.filter(Boolean).join('\n')}</section>`;
}
