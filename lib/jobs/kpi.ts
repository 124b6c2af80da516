/**
 * The KPI step: business KPIs of one window, stored as their own result document
 * (`<model>/kpi/dt=<start>/<duration>.json`). The drift job runs it after the drift scan for the
 * same window (same cadence, same partitions; no extra schedule), and for the window whose
 * outcomes just matured when the definition has outcome KPIs (like performance and labels).
 *
 * One aggregate query per source (lib/sql/kpi-query.ts): the prediction log; the prediction log
 * joined with the outcomes log by id, reading only the outcome partitions that had arrived by the
 * run's date. An outcome KPI before its outcomes matured is `not_mature` (no value).
 */
import type { KpiDefinition, MonitorDefinition } from '../config/schema.js';
import { buildKpiQuery, type KpiGroupRow, type KpiQuerySpec, readKpiRows } from '../sql/kpi-query.js';
import type { KpiResult, KpiResultItem } from './kpi-result.js';
import { hasNoFiles, sourceFor } from './sources.js';
import type { JobDeps } from './types.js';
import { durationDays, resultKeys, shiftDate, type Window, windowFor } from './windows.js';

/** The day a window's outcomes are complete: its end plus the outcomes' delay (whole days). */
export function outcomesMatureOn(definition: MonitorDefinition, window: Window): string {
  const delay = definition.outcomes ? Math.ceil(durationDays(definition.outcomes.delay)) : 0;
  return shiftDate(window.end, delay);
}

/** The window whose outcomes matured on the run date `date` + 1 (the morning after `date`). */
export function outcomesMaturedWindow(definition: MonitorDefinition, date: string): string | undefined {
  if (!definition.outcomes || !(definition.kpis ?? []).some((k) => k.source === 'outcomes')) return undefined;
  const windowDays = Math.max(1, Math.round(durationDays(definition.window)));
  const delayDays = Math.max(0, Math.ceil(durationDays(definition.outcomes.delay)));
  return shiftDate(date, -Math.ceil(delayDays / windowDays) * windowDays);
}

function item(
  k: KpiDefinition,
  status: KpiResultItem['status'],
  row?: readonly KpiGroupRow[],
  index = 0,
): KpiResultItem {
  const base: KpiResultItem = {
    name: k.name,
    aggregate: k.aggregate,
    column: k.column,
    per: k.per,
    source: k.source,
    direction: k.direction,
    status,
    segments: [],
    versions: [],
  };
  if (!row) return base;
  const cell = (g: KpiGroupRow) =>
    g.cells[index] as { value: number | null; n: number; nulls: number; unreadable: number };
  const overall = row.find((g) => g.group.kind === 'overall');
  return {
    ...base,
    ...(overall
      ? {
          overall: {
            value: cell(overall).value,
            n: cell(overall).n,
            nulls: cell(overall).nulls,
            unreadable: cell(overall).unreadable,
          },
        }
      : {}),
    segments: row.flatMap((g) =>
      g.group.kind === 'segment'
        ? [{ column: g.group.column, segment: g.group.value, value: cell(g).value, n: cell(g).n }]
        : [],
    ),
    versions: row.flatMap((g) =>
      g.group.kind === 'version' ? [{ version: g.group.value, value: cell(g).value, n: cell(g).n }] : [],
    ),
  };
}

/** Computes and stores the KPIs of the window starting on `date` (nothing when there are none). */
export async function runKpis(
  deps: JobDeps,
  date: string,
): Promise<{ result: KpiResult; key: string } | undefined> {
  const { definition, engine } = deps;
  if ((definition.kpis ?? []).length === 0) return undefined;
  const window = windowFor(definition, date);
  const today = deps.clock.now().toISOString().slice(0, 10);
  const range = { from: window.start, to: window.end };
  const predictions = await sourceFor(deps, deps.sources.predictions, range);
  const p = definition.predictions;
  const empty = hasNoFiles(predictions);
  const common: Omit<KpiQuerySpec, 'kpis'> = {
    dialect: engine.dialect,
    // No relation over an empty range (no file list is ever empty): no query runs then.
    predictionsRelation: empty ? '' : engine.dialect.relation(predictions),
    predictionIdColumn: p.idColumn,
    window: range,
    segmentColumns: definition.segments,
    ...(p.modelVersionColumn ? { modelVersionColumn: p.modelVersionColumn } : {}),
    decision: {
      ...(p.scoreColumn ? { scoreColumn: p.scoreColumn } : {}),
      ...(p.predictionColumn ? { predictionColumn: p.predictionColumn } : {}),
      threshold: definition.performance.threshold,
    },
  };
  const items = new Map<string, KpiResultItem>();
  let rows = 0;
  let queries = 0;

  const fromPredictions = (definition.kpis ?? []).filter((k) => k.source === 'predictions');
  if (fromPredictions.length && !empty) {
    const spec: KpiQuerySpec = { ...common, kpis: fromPredictions };
    const groups = readKpiRows(await engine.query(buildKpiQuery(spec)), spec);
    queries++;
    rows = groups.find((g) => g.group.kind === 'overall')?.rows ?? 0;
    fromPredictions.forEach((k, i) => {
      items.set(k.name, item(k, rows > 0 ? 'ok' : 'no_data', groups, i));
    });
  }

  const fromOutcomes = (definition.kpis ?? []).filter((k) => k.source === 'outcomes');
  const matureOn = outcomesMatureOn(definition, window);
  if (fromOutcomes.length && definition.outcomes && deps.sources.outcomes) {
    if (today < matureOn || empty) {
      for (const k of fromOutcomes)
        items.set(k.name, { ...item(k, empty ? 'no_data' : 'not_mature'), matureOn });
    } else {
      const until = shiftDate(today, 1);
      const outcomes = await sourceFor(
        deps,
        deps.sources.outcomes,
        deps.sources.outcomes.partitioned ? { from: window.start, to: until } : undefined,
      );
      if (hasNoFiles(outcomes)) {
        for (const k of fromOutcomes) items.set(k.name, { ...item(k, 'ok'), matureOn, outcomeCoverage: 0 });
      } else {
        const spec: KpiQuerySpec = {
          ...common,
          kpis: fromOutcomes,
          outcomes: {
            relation: engine.dialect.relation(outcomes),
            idColumn: definition.outcomes.idColumn,
            partitioned: deps.sources.outcomes.partitioned,
            from: window.start,
            until,
          },
        };
        const groups = readKpiRows(await engine.query(buildKpiQuery(spec)), spec);
        queries++;
        const overall = groups.find((g) => g.group.kind === 'overall');
        rows = overall?.rows ?? rows;
        const coverage = overall && overall.rows > 0 ? (overall.outcomeRows ?? 0) / overall.rows : 0;
        fromOutcomes.forEach((k, i) => {
          items.set(k.name, { ...item(k, 'ok', groups, i), matureOn, outcomeCoverage: coverage });
        });
      }
    }
  }

  const result: KpiResult = {
    schemaVersion: 1,
    kind: 'kpi',
    model: definition.model.id,
    window,
    generatedAt: deps.clock.now().toISOString(),
    status: empty || rows === 0 ? 'no_data' : 'ok',
    rows,
    kpis: (definition.kpis ?? []).map((k) => items.get(k.name) ?? item(k, 'no_data')),
    engine: { name: engine.dialect.name, queries },
  };
  const key = resultKeys.result(definition.model.id, 'kpi', window);
  await deps.store.putJson(key, result);
  return { result, key };
}
