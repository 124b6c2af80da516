/**
 * The KPI step: business KPIs of one window, stored as their own result document
 * (`<model>/kpi/dt=<start>/<duration>.json`). The drift job runs it after the drift scan for the
 * same window (same cadence, same partitions; no extra schedule), and for the window whose
 * outcomes just matured when the definition has outcome KPIs (like performance and labels).
 *
 * One aggregate query per source (lib/sql/kpi-query.ts): the prediction log; the prediction log
 * joined with the outcomes log by id, reading only the outcome partitions that had arrived by the
 * run's date. An outcome KPI before its outcomes matured is `not_mature` (no value).
 *
 * Late outcomes: a window whose outcome KPIs are held (coverage below the usual,
 * `heldOutcomeKpis` in lib/alerts/kpi-rules.ts, the policy's own rule) is recomputed every morning
 * for `outcomes.recheckWithin` after it matured (`recheckHeldKpis`), one outcomes query per held
 * window and none when nothing is held. A recheck that sees other outcomes keeps the earlier result
 * as a revision (lib/jobs/revisions.ts, the performance job's mechanism); at the last recheck a
 * window still held is marked `outcomesMissing`, which the policy reports once.
 */
import { heldOutcomeKpis } from '../alerts/kpi-rules.js';
import type { KpiDefinition, MonitorDefinition } from '../config/schema.js';
import { buildKpiQuery, type KpiGroupRow, type KpiQuerySpec, readKpiRows } from '../sql/kpi-query.js';
import { loadKpis } from './alerts.js';
import { outcomeFileCheck, predictionFileCheck } from './file-check.js';
import type { KpiResult, KpiResultItem } from './kpi-result.js';
import { lateHistoryLimit, nextRevision, recheckPlan, recheckWindows } from './revisions.js';
import { hasNoFiles, sourceFor } from './sources.js';
import type { JobDeps } from './types.js';
import {
  durationDays,
  lastCompleteWindow,
  resultKeys,
  shiftDate,
  type Window,
  windowFor,
} from './windows.js';

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

/**
 * The run (drift job's date) on which the KPIs of the window starting on `start` are final as
 * scheduled: the morning its outcomes matured with outcome KPIs, its own run otherwise.
 */
export function kpiDueRun(definition: MonitorDefinition, start: string): string {
  if (!definition.outcomes || !(definition.kpis ?? []).some((k) => k.source === 'outcomes')) return start;
  const windowDays = Math.max(1, Math.round(durationDays(definition.window)));
  const delayDays = Math.max(0, Math.ceil(durationDays(definition.outcomes.delay)));
  return shiftDate(start, Math.ceil(delayDays / windowDays) * windowDays);
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

/** How a recheck runs the KPI step (lib/jobs/kpi.ts `recheckHeldKpis`). */
export interface KpiRecheck {
  /** The run recomputing the window (the drift job's window): stored as `recheckRun`. */
  run: string;
  /** The window's last recheck: outcome KPIs still held are marked `outcomesMissing`. */
  last: boolean;
  /** The stored result being rechecked (its prediction KPIs are kept: only outcomes are re-read). */
  stored: KpiResult;
  /** The KPI results of the windows before it, oldest first (the usual coverage). */
  previous: readonly KpiResult[];
}

/**
 * Computes and stores the KPIs of the window starting on `date` (nothing when there are none). A
 * stored result whose values differ is kept as a revision first (`nextRevision`).
 */
export async function runKpis(
  deps: JobDeps,
  date: string,
  recheck?: KpiRecheck,
): Promise<{ result: KpiResult; key: string } | undefined> {
  const { definition, engine } = deps;
  if ((definition.kpis ?? []).length === 0) return undefined;
  const window = windowFor(definition, date);
  const today = deps.clock.now().toISOString().slice(0, 10);
  const range = { from: window.start, to: window.end };
  const predictions = await sourceFor(deps, deps.sources.predictions, range, predictionFileCheck(definition));
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
  if (recheck) {
    // A recheck re-reads only the outcomes: the prediction KPIs of the window are already stored.
    rows = recheck.stored.rows;
    for (const k of recheck.stored.kpis) if (k.source === 'predictions') items.set(k.name, k);
  } else if (fromPredictions.length && !empty) {
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
        outcomeFileCheck(definition),
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
    ...(recheck ? { recheckRun: recheck.run } : {}),
    rows,
    kpis: (definition.kpis ?? []).map((k) => items.get(k.name) ?? item(k, 'no_data')),
    engine: { name: engine.dialect.name, queries },
  };
  if (recheck?.last) {
    // The last recheck: what is still held never got its outcomes.
    for (const held of heldOutcomeKpis(result, recheck.previous)) {
      const k = result.kpis.find((x) => x.name === held.name) as KpiResultItem;
      k.outcomesMissing = {
        usualCoverage: held.usualCoverage,
        neededCoverage: held.neededCoverage,
        lastRecheck: today,
      };
    }
  }
  const key = resultKeys.result(definition.model.id, 'kpi', window);
  const previous = await deps.store.getJson<KpiResult>(key);
  if (!recheck && previous) keepOutcomesMissing(previous, result);
  const revision = await nextRevision(deps.store, key, previous, (p) => valuesChanged(p, result));
  // A manual run (`run --job drift --date D`, the outcomes_missing fix) that recomputes a window
  // after its scheduled morning, with other values, is a late result like a recheck: stamped with
  // this morning's run so the alert policy judges it once. A first computation (a backfill) and a
  // re-run that finds the same values are not (nothing new to judge).
  const run = lastCompleteWindow(deps);
  const late =
    !recheck &&
    previous !== undefined &&
    kpiDueRun(definition, window.start) < run &&
    (revision !== (previous.revision ?? 1) || filledIn(previous, result));
  const stored: KpiResult = { ...result, ...(late ? { recheckRun: run } : {}), revision };
  await deps.store.putJson(key, stored);
  return { result: stored, key };
}

/** Whether outcome KPIs that were only `not_mature` now have a value (filled in place, same revision). */
function filledIn(previous: KpiResult, next: KpiResult): boolean {
  return previous.kpis.some(
    (p) => p.status === 'not_mature' && next.kpis.find((k) => k.name === p.name)?.status === 'ok',
  );
}

/**
 * A manual re-run of a window already reported `outcomes_missing` keeps the mark while no more
 * outcomes came (coverage not higher): otherwise the window would owe a verdict again and be
 * reported a second time.
 */
function keepOutcomesMissing(previous: KpiResult, next: KpiResult): void {
  for (const p of previous.kpis) {
    const n = next.kpis.find((k) => k.name === p.name);
    if (!p.outcomesMissing || !n || n.status !== 'ok') continue;
    if ((n.outcomeCoverage ?? 0) <= (p.outcomeCoverage ?? 0)) n.outcomesMissing = p.outcomesMissing;
  }
}

/**
 * Whether a new computation of a window differs from the stored one in a value that was already
 * computed (an `ok` KPI's value, rows, coverage or missing-outcomes mark): then the stored one is
 * kept as a revision. An outcome KPI that was only `not_mature` had no value: it is filled in place.
 */
function valuesChanged(previous: KpiResult, next: KpiResult): boolean {
  return previous.kpis.some((p) => {
    if (p.status !== 'ok') return false;
    const n = next.kpis.find((k) => k.name === p.name);
    return (
      n?.status !== 'ok' ||
      n.overall?.value !== p.overall?.value ||
      n.overall?.n !== p.overall?.n ||
      n.outcomeCoverage !== p.outcomeCoverage ||
      (n.outcomesMissing === undefined) !== (p.outcomesMissing === undefined)
    );
  });
}

/**
 * The windows whose held outcome KPIs the run of `date` rechecks, oldest first: those that matured
 * on the `outcomes.recheckWithin` mornings before this one (whole windows). The oldest is each
 * window's last recheck. Empty without outcome KPIs.
 */
export function outcomesRecheckWindows(definition: MonitorDefinition, date: string): string[] {
  const matured = outcomesMaturedWindow(definition, date);
  if (!matured || !definition.outcomes) return [];
  return recheckWindows(definition, matured, definition.outcomes.recheckWithin);
}

/**
 * Recomputes the outcome KPIs of every window that still owes its final verdict: in the look-back
 * (`outcomesRecheckWindows`) or overdue (OVERDUE_RECHECKS windows before it, whose last recheck
 * failed or did not run: `recheckPlan`), held (coverage late) or never computed though matured,
 * and not yet `outcomesMissing`. One outcomes query per such window, nothing when none owes.
 * Returns the windows rechecked; a window whose recheck fails stays owed (the next morning retries).
 */
export async function recheckHeldKpis(
  deps: JobDeps,
  date: string,
  onFailure?: (window: string, error: unknown) => void,
): Promise<string[]> {
  const { definition } = deps;
  const matured = outcomesMaturedWindow(definition, date);
  if (!matured || !definition.outcomes || !deps.sources.outcomes) return [];
  const plan = recheckPlan(definition, matured, definition.outcomes.recheckWithin);
  if (!plan.length) return [];
  const history = await loadKpis(
    deps.store,
    definition,
    definition.window,
    (plan.at(-1) as { start: string }).start,
    lateHistoryLimit(definition, definition.outcomes.recheckWithin, 0),
  );
  const rechecked: string[] = [];
  for (const { start, last } of plan) {
    const at = history.findIndex((r) => r.window.start === start);
    const stored = history[at];
    if (!stored || stored.kpis.some((k) => k.outcomesMissing)) continue;
    const previous = history.slice(0, at);
    // Held (outcomes late), or never computed although matured (the morning it matured failed or
    // did not run): an outcome KPI still `not_mature` here is past its maturity. (A window without
    // predictions has `no_data`, never `not_mature`; its `rows` come from the prediction KPIs, 0
    // for a model with outcome KPIs only, so they cannot tell.)
    const missed = stored.kpis.some((k) => k.source === 'outcomes' && k.status === 'not_mature');
    if (!missed && heldOutcomeKpis(stored, previous).length === 0) continue;
    try {
      const out = await runKpis(deps, start, { run: date, last, stored, previous });
      if (out) history[at] = out.result;
      rechecked.push(start);
    } catch (error) {
      if (!onFailure) throw error;
      onFailure(start, error);
    }
  }
  return rechecked;
}

/**
 * The drift run's KPI step for OTHER windows than its own (`date`; the schedule, the backtest and
 * the demo): the outcome KPIs of the window whose outcomes matured that morning, then the rechecks
 * of held windows. Each window reads its own data, so each is isolated: a failure (a bad file in
 * that window) is logged with the window and skipped, never thrown; the window's own drift run
 * reports its bad file. Never throws.
 */
export async function runOtherWindowsKpis(deps: JobDeps, date: string): Promise<void> {
  const failed = (window: string, error: unknown) =>
    deps.log?.('KPIs of another window failed; this run goes on', {
      window,
      error: error instanceof Error ? error.message : String(error),
    });
  const matured = outcomesMaturedWindow(deps.definition, date);
  if (matured && matured !== date) {
    try {
      await runKpis(deps, matured);
    } catch (error) {
      failed(matured, error);
    }
  }
  try {
    const rechecked = await recheckHeldKpis(deps, date, failed);
    if (rechecked.length) deps.log?.('rechecked KPI windows held for late outcomes', { windows: rechecked });
  } catch (error) {
    failed('(rechecks)', error);
  }
}

/**
 * The whole KPI step of a drift run for `date` without its scan (tests, tools): the window's own
 * KPIs (same data as the scan: a failure throws), then the other windows' (never throws).
 */
export async function runScheduledKpis(deps: JobDeps, date: string): Promise<void> {
  await runKpis(deps, date);
  await runOtherWindowsKpis(deps, date);
}
