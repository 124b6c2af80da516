/** Severity words, symbols and ordering: the report never relies on colour alone. */
import type { DriftLevel, DriftResult, FeatureDrift, QualityFinding } from '../jobs/drift-result.js';
import { escapeHtml } from './escape.js';
import type { ReportIncident, ReportStatus } from './types.js';

/** The text marker of each level, shown beside its colour. */
export const LEVEL_SYMBOL: Record<DriftLevel | ReportStatus, string> = {
  critical: '▲',
  warning: '◆',
  insufficient_data: '?',
  none: '✓',
  healthy: '✓',
  no_data: '○',
};

export const LEVEL_WORD: Record<DriftLevel | ReportStatus, string> = {
  critical: 'critical',
  warning: 'warning',
  insufficient_data: 'insufficient data',
  none: 'no drift',
  healthy: 'healthy',
  no_data: 'no data',
};

/** CSS class per level; the stylesheet gives each a colour with enough contrast. */
const LEVEL_CLASS: Record<DriftLevel | ReportStatus, string> = {
  critical: 'sev-critical',
  warning: 'sev-warning',
  insufficient_data: 'sev-unknown',
  none: 'sev-ok',
  healthy: 'sev-ok',
  no_data: 'sev-unknown',
};

/** A badge: symbol and word, coloured by level. */
export function levelBadge(level: DriftLevel | ReportStatus, word = LEVEL_WORD[level]): string {
  return `<span class="badge ${LEVEL_CLASS[level]}"><span aria-hidden="true">${LEVEL_SYMBOL[level]}</span> ${escapeHtml(word)}</span>`;
}

const LEVEL_RANK: Record<DriftLevel, number> = { critical: 0, warning: 1, insufficient_data: 2, none: 3 };

/** The statistic as a multiple of its warning threshold (1 = at the threshold), null when unknown. */
export function thresholdRatio(feature: Pick<FeatureDrift, 'statistic' | 'threshold'>): number | null {
  if (feature.statistic === null || !(feature.threshold > 0)) return null;
  return feature.statistic / feature.threshold;
}

/**
 * Features ranked for people: critical, warning, insufficient data, no drift; within a level by
 * statistic / threshold, largest first (unknown last), then by name.
 */
export function rankFeatures<F extends FeatureDrift>(features: readonly F[]): F[] {
  return [...features].sort((a, b) => {
    const byLevel = LEVEL_RANK[a.level] - LEVEL_RANK[b.level];
    if (byLevel !== 0) return byLevel;
    const ra = thresholdRatio(a) ?? Number.NEGATIVE_INFINITY;
    const rb = thresholdRatio(b) ?? Number.NEGATIVE_INFINITY;
    if (ra !== rb) return rb - ra;
    return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
  });
}

/**
 * The overall status of a window: no data without a drift result with rows; otherwise the worst of
 * the features' levels, the data-quality findings and the open incidents.
 */
export function overallStatus(
  drift: DriftResult | undefined,
  incidents: readonly ReportIncident[],
): ReportStatus {
  const severities: ('warning' | 'critical')[] = incidents.map((i) => i.severity);
  if (drift && drift.status === 'ok') {
    for (const f of [...drift.features, ...(drift.prediction ? [drift.prediction] : [])]) {
      if (f.level === 'critical' || f.level === 'warning') severities.push(f.level);
    }
    severities.push(...drift.quality.findings.map((f: QualityFinding) => f.severity));
  }
  if (severities.includes('critical')) return 'critical';
  if (!drift || drift.status === 'no_data') return 'no_data';
  return severities.includes('warning') ? 'warning' : 'healthy';
}
