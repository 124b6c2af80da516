/**
 * `driftwatch incidents`: the incident history of the alert state (`<model>/alerts/state.json`)
 * with each incident's detection and resolution times, as a table, CSV or JSON, and MTTD / MTTR
 * per model over 30 and 90 days (lib/alerts/reliability.ts has the definitions).
 */
import { readdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { FsResultStore } from '../../adapters/fs-store.js';
import {
  formatHours,
  type IncidentTiming,
  incidentTimings,
  type ReliabilityStats,
  reliability,
} from '../../alerts/reliability.js';
import type { AlertState } from '../../alerts/types.js';
import { alertKeys } from '../../jobs/alerts.js';
import { asOfClock } from '../context.js';
import { toCsv } from '../csv.js';
import { CliError } from '../errors.js';
import { renderTable } from '../table.js';

export const INCIDENT_FORMATS = ['table', 'csv', 'json'] as const;
export type IncidentFormat = (typeof INCIDENT_FORMATS)[number];

export interface IncidentsOptions {
  out: string;
  model?: string;
  from?: string;
  to?: string;
  format: string;
  asOf?: string;
}

/** Columns of the CSV export, in order (the JSON export has the same fields). */
export const INCIDENT_COLUMNS = [
  'id',
  'model',
  'ruleId',
  'kind',
  'subject',
  'status',
  'level',
  'peakLevel',
  'firstSeenWindow',
  'firstSeenAt',
  'openedWindow',
  'openedAt',
  'resolvedWindow',
  'resolvedAt',
  'detectHours',
  'resolveHours',
  'summary',
] as const satisfies readonly (keyof IncidentTiming)[];

/**
 * Windows are whole days: an incident stored before `firstSeenAt` existed counts MTTD from the end
 * of its `sinceWindow` + 1 day (the state does not record the window's length).
 */
const FALLBACK_WINDOW_DAYS = 1;

/** The models with a folder in the results (those without an alert state are skipped later). */
async function modelsIn(resultsDir: string, only: string | undefined): Promise<string[]> {
  if (only) return [only];
  try {
    const entries = await readdir(resultsDir, { withFileTypes: true });
    return entries
      .filter((e) => e.isDirectory() && !e.name.startsWith('_'))
      .map((e) => e.name)
      .sort();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT')
      throw new CliError(
        `incidents: no results folder at ${resultsDir}: pass the --out folder the jobs wrote to`,
      );
    throw error;
  }
}

export async function runIncidentsCommand(
  opts: IncidentsOptions,
  print: (line: string) => void,
): Promise<void> {
  if (!(INCIDENT_FORMATS as readonly string[]).includes(opts.format))
    throw new CliError(
      `incidents: --format ${JSON.stringify(opts.format)} is not one of ${INCIDENT_FORMATS.join(', ')}: pick one`,
      2,
    );
  if (opts.from && opts.to && opts.from > opts.to)
    throw new CliError(`incidents: --from ${opts.from} is after --to ${opts.to}: swap them`, 2);
  const format = opts.format as IncidentFormat;
  const asOf = asOfClock(opts.asOf).now();
  const resultsDir = join(resolve(opts.out), 'results');
  const store = new FsResultStore(resultsDir);
  const models = await modelsIn(resultsDir, opts.model);
  const timings: IncidentTiming[] = [];
  const stats: ReliabilityStats[] = [];
  for (const model of models) {
    const state = await store.getJson<AlertState>(alertKeys.state(model));
    if (!state) {
      if (opts.model)
        throw new CliError(
          `incidents: model ${opts.model} has no alert state under ${join(resolve(opts.out), 'results', model, 'alerts')}: check --model and --out, or run "driftwatch alerts" first`,
        );
      continue;
    }
    const incidents = state.incidents.filter(
      (i) => (!opts.from || i.openedWindow >= opts.from) && (!opts.to || i.openedWindow <= opts.to),
    );
    timings.push(...incidentTimings(incidents, FALLBACK_WINDOW_DAYS));
    stats.push(...reliability(incidents, { asOf, windowDays: FALLBACK_WINDOW_DAYS }));
  }
  if (format === 'json') {
    print(JSON.stringify({ asOf: asOf.toISOString(), incidents: timings, reliability: stats }, null, 2));
    return;
  }
  if (format === 'csv') {
    print(
      toCsv(
        INCIDENT_COLUMNS,
        timings.map((t) => INCIDENT_COLUMNS.map((c) => t[c])),
      ),
    );
    return;
  }
  if (timings.length === 0) {
    print(
      `no incidents${opts.model ? ` for ${opts.model}` : ''}${opts.from ? ` opened ${opts.from} to ${opts.to ?? 'now'}` : ''}`,
    );
    return;
  }
  print(
    renderTable(
      [
        'model',
        'rule',
        'subject',
        'status',
        'first seen',
        'opened',
        'resolved',
        'detected after',
        'resolved after',
      ],
      timings.map((t) => [
        t.model,
        t.ruleId,
        // One line per row in the terminal: control characters shown escaped.
        JSON.stringify(t.subject).slice(1, -1),
        t.status,
        t.firstSeenWindow,
        t.openedAt.slice(0, 16).replace('T', ' '),
        t.resolvedAt ? t.resolvedAt.slice(0, 16).replace('T', ' ') : '-',
        formatHours(t.detectHours),
        formatHours(t.resolveHours),
      ]),
    ),
  );
  print('');
  print(
    renderTable(
      ['model', 'rule', 'period', 'MTTD', 'MTTR', 'opened', 'resolved', 'open'],
      stats.map((s) => [
        s.model,
        s.ruleId === '*' ? 'all rules' : s.ruleId,
        `${s.days} d`,
        formatHours(s.mttdHours),
        formatHours(s.mttrHours),
        String(s.opened),
        String(s.resolved),
        String(s.open),
      ]),
    ),
  );
  print(
    `as of ${asOf.toISOString().slice(0, 16).replace('T', ' ')} UTC; MTTD: end of the first window showing the problem to the opening; MTTR: opening to resolution (resolved incidents only)`,
  );
}
