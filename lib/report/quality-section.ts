/** Data-quality findings of the window, and each feature's null rate against the reference. */
import type { DriftResult, QualityFinding } from '../jobs/drift-result.js';
import { escapeHtml } from './escape.js';
import { dataTable, formatCount, formatNumber, formatPercent, html } from './format.js';
import { levelBadge } from './status.js';

const SHARE_KINDS = new Set<QualityFinding['kind']>([
  'null_rate',
  'out_of_range',
  'new_category',
  'invalid_values',
]);

/** Shares as percentages, counts (volume) as counts. */
function formatFindingValue(finding: QualityFinding, value: number | undefined): string {
  if (value === undefined) return '–';
  if (SHARE_KINDS.has(finding.kind)) return formatPercent(value);
  return finding.kind === 'volume' ? formatCount(value) : formatNumber(value);
}

function findingRow(finding: QualityFinding): string {
  const segment = finding.segment ? `${finding.segment.column} = ${finding.segment.value}` : 'all rows';
  const values = finding.values?.length
    ? `<br><span class="muted">values: ${finding.values.map(escapeHtml).join(', ')}</span>`
    : '';
  return `<tr><td>${levelBadge(finding.severity)}</td><th scope="row">${escapeHtml(finding.kind.replaceAll('_', ' '))}</th><td class="feature">${escapeHtml(finding.feature ?? '–')}</td><td>${escapeHtml(segment)}</td><td class="num">${escapeHtml(formatFindingValue(finding, finding.value))}</td><td class="num">${escapeHtml(formatFindingValue(finding, finding.expected))}</td><td>${escapeHtml(finding.message)}${values}</td></tr>`;
}

export function qualitySection(drift: DriftResult | undefined): string {
  const heading = '<h2 id="quality-heading">Data quality</h2>';
  if (!drift) {
    return `<section id="quality" aria-labelledby="quality-heading">${heading}<p class="empty">No drift result for this window, so no data-quality checks either.</p></section>`;
  }
  const findings = [...drift.quality.findings].sort((a, b) =>
    a.severity === b.severity ? 0 : a.severity === 'critical' ? -1 : 1,
  );
  const table = findings.length
    ? `<div class="table-wrap"><table class="findings"><caption>${findings.length} finding${findings.length === 1 ? '' : 's'}, critical first</caption>
<thead><tr><th scope="col">Severity</th><th scope="col">Kind</th><th scope="col">Feature</th><th scope="col">Segment</th><th scope="col">Value</th><th scope="col">Expected</th><th scope="col">Message</th></tr></thead>
<tbody>${findings.map(findingRow).join('\n')}</tbody></table></div>`
    : `<p class="empty">${levelBadge('healthy', 'no findings')} No data-quality finding in this window.</p>`;
  const volume = drift.quality.volume;
  const volumeLine = `<p>Volume: ${escapeHtml(formatCount(volume.rows))} predictions${volume.expected !== undefined ? ` (usually ${escapeHtml(formatCount(volume.expected))}, ${escapeHtml(formatPercent(volume.ratio))} of that)` : ''}.</p>`;
  const perFeature = drift.quality.features.length
    ? `<details><summary>Null rates and invalid values per feature</summary>${dataTable(
        'Per-feature quality',
        ['Feature', 'Null rate', 'Reference null rate', 'Invalid', 'Out of range', 'New categories'],
        drift.quality.features.map((f) => [
          f.name,
          formatPercent(f.nullRate, 2),
          formatPercent(f.referenceNullRate, 2),
          formatCount(f.invalid),
          f.outOfRangeShare === undefined ? '–' : formatPercent(f.outOfRangeShare, 2),
          html(
            f.newCategories?.length
              ? f.newCategories.map((c) => `${escapeHtml(c.value)} (${formatCount(c.count)})`).join(', ')
              : '–',
          ),
        ]),
      )}</details>`
    : '';
  return `<section id="quality" aria-labelledby="quality-heading">${heading}${volumeLine}${table}${perFeature}</section>`;
}
