/**
 * The report job: one self-contained HTML page per model and window, stored next to the results
 * (`<model>/reports/dt=<start>/<duration>.html` and `<model>/reports/latest.html`), showing the
 * open incidents from the alert state.
 */
import { incidentTimings, reliability } from '../alerts/reliability.js';
import type { AlertState } from '../alerts/types.js';
import type { MonitorDefinition } from '../config/schema.js';
import type { Clock, ResultStore } from '../ports.js';
import { reportKeys } from '../report/keys.js';
import { loadReportInput } from '../report/load.js';
import { renderReport } from '../report/render.js';
import type { ReportIncident, ReportReliability } from '../report/types.js';
import { writeReport } from '../report/write.js';
import { alertKeys } from './alerts.js';
import { durationDays, windowFor } from './windows.js';

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

/** MTTD / MTTR of a model over 30 and 90 days before `asOf`, and the incidents behind them. */
export async function incidentReliability(
  store: ResultStore,
  definition: MonitorDefinition,
  asOf: Date,
): Promise<ReportReliability> {
  const state = await store.getJson<AlertState>(alertKeys.state(definition.model.id));
  const incidents = state?.incidents ?? [];
  const windowDays = durationDays(definition.window);
  const rows = reliability(incidents, { asOf, windowDays });
  const since = asOf.getTime() - 90 * 86_400_000;
  const recent = incidentTimings(incidents, windowDays)
    .filter((t) => Date.parse(t.openedAt) > since && Date.parse(t.openedAt) <= asOf.getTime())
    .map((t) => {
      const resolved = t.resolvedAt !== undefined && Date.parse(t.resolvedAt) <= asOf.getTime();
      return {
        ruleId: t.ruleId,
        subject: t.subject,
        firstSeenWindow: t.firstSeenWindow,
        openedAt: t.openedAt,
        ...(resolved && t.resolvedAt ? { resolvedAt: t.resolvedAt } : {}),
        detectHours: t.detectHours,
        ...(resolved && t.resolveHours !== undefined ? { resolveHours: t.resolveHours } : {}),
      };
    });
  return { asOf: asOf.toISOString(), rows, recent };
}

/** Renders and stores the report of the window starting on `date`; returns its key and link. */
export async function runReport(deps: ReportDeps, date: string): Promise<{ key: string; link: string }> {
  const window = windowFor(deps.definition, date);
  const model = deps.definition.model.id;
  const input = await loadReportInput(deps.store, deps.definition, window, {
    incidents: await openIncidents(deps.store, model),
    reliability: await incidentReliability(deps.store, deps.definition, deps.clock.now()),
    clock: deps.clock,
  });
  const html = await renderReport(input);
  const key = reportKeys.window(model, window);
  await writeReport(deps.store, key, html);
  await writeReport(deps.store, reportKeys.latest(model), html);
  return { key, link: deps.store.linkFor(key) };
}
