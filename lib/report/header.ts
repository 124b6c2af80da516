/** The report header: model, window, overall status, key numbers and the open incidents. */
import type { DriftResult } from '../jobs/drift-result.js';
import type { EstimatedResult } from '../jobs/estimate.js';
import type { PerformanceResult } from '../jobs/performance-result.js';
import { escapeHtml } from './escape.js';
import { bandText } from './estimate-section.js';
import { formatCount, formatNumber, formatPercent } from './format.js';
import { levelBadge } from './status.js';
import type { ReportIncident, ReportInput, ReportStatus } from './types.js';

function incidentList(incidents: readonly ReportIncident[]): string {
  if (incidents.length === 0) return '<p class="muted">No open incident.</p>';
  const sorted = [...incidents].sort((a, b) =>
    a.severity !== b.severity ? (a.severity === 'critical' ? -1 : 1) : a.openedAt < b.openedAt ? -1 : 1,
  );
  const items = sorted.map((i) => {
    const about = [i.kind, i.subject].filter((x): x is string => x !== undefined).join(': ');
    return `<li>${levelBadge(i.severity)} <strong>${escapeHtml(i.title)}</strong> <span class="muted">since ${escapeHtml(i.openedAt)}${about ? ` · ${escapeHtml(about)}` : ''} · ${escapeHtml(i.id)}</span></li>`;
  });
  return `<ul class="incidents">${items.join('')}</ul>`;
}

function fact(label: string, value: string): string {
  return `<div class="fact"><dt>${escapeHtml(label)}</dt><dd>${value}</dd></div>`;
}

function facts(
  drift: DriftResult | undefined,
  performance: PerformanceResult | undefined,
  evaluated: PerformanceResult | undefined,
  estimate: EstimatedResult | undefined,
): string {
  const items: string[] = [];
  if (drift) {
    const volume = drift.quality.volume;
    items.push(
      fact(
        'Predictions',
        `${escapeHtml(formatCount(drift.rows))}${volume.ratio !== undefined ? ` <span class="muted">(${escapeHtml(formatPercent(volume.ratio, 0))} of usual)</span>` : ''}`,
      ),
    );
    if (drift.status === 'ok') {
      items.push(fact('Drifted features', `${drift.dataset.driftedCount} of ${drift.dataset.featureCount}`));
      const findings = drift.quality.findings.length;
      items.push(fact('Data-quality findings', String(findings)));
    }
  }
  const judged = evaluated ?? performance;
  if (judged) {
    const value = judged.overall.metrics[judged.primaryMetric] ?? null;
    const reference = judged.reference?.metrics[judged.primaryMetric] ?? null;
    const asOf = judged !== performance ? `as of ${judged.window.start}` : '';
    const note = [asOf, reference !== null ? `reference ${formatNumber(reference)}` : '']
      .filter(Boolean)
      .join(', ');
    items.push(
      fact(
        judged.primaryMetric,
        `${escapeHtml(formatNumber(value))}${note ? ` <span class="muted">(${escapeHtml(note)})</span>` : ''}`,
      ),
    );
  }
  if (performance) {
    const pending =
      performance.status === 'not_mature' ? ' <span class="muted">(labels still arriving)</span>' : '';
    items.push(
      fact('Label coverage', `${escapeHtml(formatPercent(performance.overall.coverage))}${pending}`),
    );
  } else if (!judged) {
    items.push(fact('Performance', '<span class="muted">not evaluated yet</span>'));
  }
  if (estimate) {
    // The window's estimate, for a model that can be estimated: what the scores say before labels.
    const acc = estimate.overall.metrics.accuracy;
    items.push(
      fact(
        'Estimated accuracy',
        acc.value === null
          ? `<span class="muted">${estimate.status === 'invalid_scores' ? 'not estimated (see below)' : 'no estimate'}</span>`
          : `${escapeHtml(formatNumber(acc.value))} <span class="muted">(band ${escapeHtml(bandText(acc))}${estimate.realized ? '' : ', no labels yet'})</span>`,
      ),
    );
  }
  return `<dl class="facts">${items.join('')}</dl>`;
}

const STATUS_SENTENCE: Record<ReportStatus, string> = {
  healthy: 'No drift, data-quality problem or open incident in this window.',
  warning: 'Something moved past a warning threshold: worth a look.',
  critical: 'At least one critical finding or incident: act on it.',
  no_data: 'No predictions were analysed for this window.',
};

export function header(input: ReportInput, status: ReportStatus, evaluated?: PerformanceResult): string {
  const { model, window } = input;
  const incidents = input.incidents ?? [];
  const description = model.description ? `<p class="muted">${escapeHtml(model.description)}</p>` : '';
  const meta = [model.task, model.tier !== undefined ? `tier ${model.tier}` : undefined]
    .filter((x): x is string => x !== undefined)
    .join(' · ');
  return `<header class="report-header">
<p class="eyebrow">driftwatch monitoring report${meta ? ` · ${escapeHtml(meta)}` : ''}</p>
<h1><span class="model">${escapeHtml(model.id)}</span></h1>
${description}
<p class="window">Window <strong>${escapeHtml(window.start)}</strong> to ${escapeHtml(window.end)} (exclusive, ${escapeHtml(window.duration)})</p>
<div class="status-line"><span class="status-label">Overall status</span> <span class="status status-${status}">${levelBadge(status)}</span> <span class="muted">${STATUS_SENTENCE[status]}</span></div>
${facts(
  input.drift,
  input.performance,
  evaluated,
  input.estimated?.find((e) => e.window.start === window.start),
)}
<h2 id="incidents-heading" class="h-small">Open incidents <span class="count">(${incidents.length})</span></h2>
${incidentList(incidents)}
</header>`;
}
