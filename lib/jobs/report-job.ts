/**
 * The report job: one self-contained HTML page per model and window, stored next to the results
 * (`<model>/reports/dt=<start>/<duration>.html` and `<model>/reports/latest.html`), showing the
 * open incidents from the alert state.
 */
import type { AlertState } from '../alerts/types.js';
import type { MonitorDefinition } from '../config/schema.js';
import type { Clock, ResultStore } from '../ports.js';
import { reportKeys } from '../report/keys.js';
import { loadReportInput } from '../report/load.js';
import { renderReport } from '../report/render.js';
import type { ReportIncident } from '../report/types.js';
import { writeReport } from '../report/write.js';
import { alertKeys } from './alerts.js';
import { windowFor } from './windows.js';

export interface ReportDeps {
  definition: MonitorDefinition;
  store: ResultStore;
  clock: Clock;
}

/** Open incidents of a model, as the report shows them. */
export async function openIncidents(store: ResultStore, model: string): Promise<ReportIncident[]> {
  const state = await store.getJson<AlertState>(alertKeys.state(model));
  return (state?.incidents ?? [])
    .filter((i) => i.status === 'open')
    .map((i) => ({
      id: i.id,
      title: i.last.title ?? `${i.ruleId} ${i.subject}`,
      severity: i.level,
      openedAt: i.openedWindow,
      subject: i.subject,
      kind: i.kind,
    }));
}

/** Renders and stores the report of the window starting on `date`; returns its key and link. */
export async function runReport(deps: ReportDeps, date: string): Promise<{ key: string; link: string }> {
  const window = windowFor(deps.definition, date);
  const model = deps.definition.model.id;
  const input = await loadReportInput(deps.store, deps.definition, window, {
    incidents: await openIncidents(deps.store, model),
    clock: deps.clock,
  });
  const html = await renderReport(input);
  const key = reportKeys.window(model, window);
  await writeReport(deps.store, key, html);
  await writeReport(deps.store, reportKeys.latest(model), html);
  return { key, link: deps.store.linkFor(key) };
}
