/** Human-readable lines for incidents. */
import type { Incident } from '../alerts/types.js';
import { renderTable } from './table.js';

export function incidentsTable(incidents: readonly Incident[]): string {
  if (incidents.length === 0) return 'incidents: none';
  return renderTable(
    ['opened', 'rule', 'subject', 'severity', 'status'],
    [...incidents]
      .sort((a, b) => a.openedWindow.localeCompare(b.openedWindow) || a.subject.localeCompare(b.subject))
      .map((i) => [
        i.openedWindow,
        i.ruleId,
        i.last.title ?? i.subject,
        i.peakLevel,
        i.status === 'resolved' ? `resolved ${i.resolvedWindow}` : 'open',
      ]),
  );
}
