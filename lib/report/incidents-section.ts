/** Incident reliability: MTTD and MTTR per rule over 30 and 90 days, and the latest incidents. */
import { escapeHtml } from './escape.js';
import { dataTable, formatCount } from './format.js';
import type { ReportReliability } from './types.js';

/** A duration for people: `45 min`, `5.5 h`, `3.2 d`. */
export function formatDuration(hours: number | undefined): string {
  if (hours === undefined || !Number.isFinite(hours)) return '–';
  if (Math.abs(hours) < 1) return `${Math.round(hours * 60)} min`;
  if (Math.abs(hours) < 48) return `${hours.toFixed(1)} h`;
  return `${(hours / 24).toFixed(1)} d`;
}

/** Incidents listed under the table, newest first. */
const RECENT = 10;

export function incidentsSection(reliability: ReportReliability | undefined): string {
  const heading = '<h2 id="incidents-heading">Incidents: time to detect and resolve</h2>';
  const open = (body: string) =>
    `<section id="incidents" aria-labelledby="incidents-heading">${heading}${body}</section>`;
  if (!reliability || reliability.rows.length === 0) {
    return open('<p class="empty">No incident opened in the last 90 days.</p>');
  }
  const periods = [...new Set(reliability.rows.map((r) => r.days))].sort((a, b) => a - b);
  const rules = [...new Set(reliability.rows.map((r) => r.ruleId))];
  const rows = rules.map((ruleId) => [
    ruleId === '*' ? 'all rules' : ruleId,
    ...periods.flatMap((days) => {
      const r = reliability.rows.find((x) => x.ruleId === ruleId && x.days === days);
      return [
        formatDuration(r?.mttdHours),
        formatDuration(r?.mttrHours),
        r ? `${formatCount(r.opened)}${r.open ? ` (${r.open} open)` : ''}` : '–',
      ];
    }),
  ]);
  const headers = ['Rule', ...periods.flatMap((d) => [`MTTD ${d} d`, `MTTR ${d} d`, `Incidents ${d} d`])];
  const recent = [...reliability.recent]
    .sort((a, b) => b.openedAt.localeCompare(a.openedAt))
    .slice(0, RECENT)
    .map((i) => [
      i.ruleId,
      i.subject,
      i.firstSeenWindow,
      i.openedAt.slice(0, 16).replace('T', ' '),
      i.resolvedAt ? i.resolvedAt.slice(0, 16).replace('T', ' ') : 'open',
      formatDuration(i.detectHours),
      formatDuration(i.resolveHours),
    ]);
  return open(`<p>As of ${escapeHtml(reliability.asOf.slice(0, 16).replace('T', ' '))} UTC, over the incidents opened in each period. MTTD: from the end of the first window showing the problem (the first window at warning or above in the run that led to the opening) to the opening. MTTR: from the opening to the resolution, over the resolved incidents only (open ones are counted beside it).</p>
${dataTable('MTTD and MTTR per rule', headers, rows)}
${recent.length ? dataTable(`Latest ${recent.length} incidents`, ['Rule', 'Subject', 'First seen (window)', 'Opened (UTC)', 'Resolved (UTC)', 'Detected after', 'Resolved after'], recent) : ''}`);
}
