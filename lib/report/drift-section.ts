/** The drift table: every feature (and the prediction), most severe first, with its histogram. */
import type { DriftResult, FeatureDrift } from '../jobs/drift-result.js';
import { escapeHtml } from './escape.js';
import { formatCount, formatNumber } from './format.js';
import { renderHistogram } from './histogram.js';
import { levelBadge, rankFeatures, thresholdRatio } from './status.js';

/** Features and the prediction (flagged), in the order the table shows them. */
export function rankedRows(drift: DriftResult): (FeatureDrift & { isPrediction: boolean })[] {
  return rankFeatures([
    ...drift.features.map((f) => ({ ...f, isPrediction: false })),
    ...(drift.prediction ? [{ ...drift.prediction, isPrediction: true }] : []),
  ]);
}

function statisticCell(f: FeatureDrift): string {
  const parts = [`<strong>${escapeHtml(formatNumber(f.statistic))}</strong>`];
  if (f.computation === 'approximate' && f.errorBound !== undefined) {
    parts.push(`<span class="muted">± ${escapeHtml(formatNumber(f.errorBound, 2))}</span>`);
  }
  if (f.pValue !== null)
    parts.push(`<span class="muted">p = ${escapeHtml(formatNumber(f.pValue, 2))}</span>`);
  return parts.join('<br>');
}

async function row(f: FeatureDrift & { isPrediction: boolean }): Promise<string> {
  const ratio = thresholdRatio(f);
  const name = `<th scope="row"><span class="feature">${escapeHtml(f.name)}</span><br><span class="muted">${escapeHtml(f.isPrediction ? `prediction · ${f.kind}` : f.kind)}</span></th>`;
  const cells = [
    `<td>${levelBadge(f.level)}</td>`,
    `<td>${escapeHtml(f.method)}</td>`,
    `<td class="num">${statisticCell(f)}</td>`,
    `<td class="num">${escapeHtml(formatNumber(f.threshold))} / ${escapeHtml(formatNumber(f.criticalThreshold))}</td>`,
    `<td class="num">${ratio === null ? '–' : `${escapeHtml(formatNumber(ratio, 2))}×`}</td>`,
    `<td class="num">${escapeHtml(formatNumber(f.noiseThreshold, 2))}</td>`,
    `<td class="num">${escapeHtml(formatCount(f.currentSize))}<br><span class="muted">of ${escapeHtml(formatCount(f.referenceSize))}</span></td>`,
    `<td>${await renderHistogram(f)}</td>`,
  ];
  return `<tr>${name}${cells.join('')}</tr>`;
}

export async function driftSection(drift: DriftResult | undefined): Promise<string> {
  const heading = '<h2 id="drift-heading">Feature drift</h2>';
  if (!drift) {
    return `<section id="drift" aria-labelledby="drift-heading">${heading}<p class="empty">No drift result for this window: the drift job has not run yet.</p></section>`;
  }
  if (drift.status === 'no_data') {
    return `<section id="drift" aria-labelledby="drift-heading">${heading}<p class="empty">${levelBadge('no_data')} No predictions were logged in this window, so nothing could be compared with the reference.</p></section>`;
  }
  const rows = await Promise.all(rankedRows(drift).map(row));
  const drivers = drift.dataset.drivers.length
    ? ` Main drivers: ${drift.dataset.drivers.map((d) => `<span class="feature">${escapeHtml(d)}</span>`).join(', ')}.`
    : '';
  return `<section id="drift" aria-labelledby="drift-heading">${heading}
<p>${drift.dataset.driftedCount} of ${drift.dataset.featureCount} features drifted (${escapeHtml(formatNumber(drift.dataset.driftedShare * 100, 2))}%), compared with ${escapeHtml(drift.reference.description)} (${escapeHtml(formatCount(drift.reference.rows))} rows).${drivers}
Ratio is the statistic divided by its warning threshold; the noise threshold is what sampling alone would reach at these sizes.
In each histogram, <span class="key-current">bars</span> are the current share of each bin and <span class="key-reference">black ticks</span> the reference share.</p>
<div class="table-wrap"><table class="drift">
<caption>Features ranked by severity, then by statistic over threshold</caption>
<thead><tr><th scope="col">Feature</th><th scope="col">Status</th><th scope="col">Method</th><th scope="col">Statistic</th><th scope="col">Threshold (warning / critical)</th><th scope="col">Ratio</th><th scope="col">Noise</th><th scope="col">Rows</th><th scope="col">Reference vs current</th></tr></thead>
<tbody>
${rows.join('\n')}
</tbody></table></div></section>`;
}
