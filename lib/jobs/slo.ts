/**
 * The `slo` job: error budgets and burn-rate alerts for a model's SLOs, on its own (hourly)
 * schedule. Per run and per sub-window size (PT1H, PT5M...):
 *
 * 1. the ledger (`<model>/slo/ledger-<window>.json`) holds good and total events per sub-window and
 *    version over the longest period; the run counts only what is new: from `recount` (PT6H by
 *    default) before the ledger's end (late rows, a backfill, are recounted) to the end of the last complete
 *    sub-window, in ONE query (`buildSloCountsQuery`), or the whole period when the ledger is
 *    missing or was counted for other SLIs;
 * 2. burn rates and budgets per SLO and subject (the model; each version with `perVersion`) come from
 *    the ledger (lib/alerts/burn-rate.ts);
 * 3. the result goes to `<model>/slo/dt=<day>/<HHMM>Z-<window>.json` (the run window's start);
 * 4. with a notifier, the SLO incidents are decided (lib/alerts/slo-policy.ts) in the model's alert
 *    state and published as one message per run (openings together, resolutions together).
 */
import type { Notifier } from '../adapters/notifier.js';
import {
  budgetSeries,
  evaluateBurn,
  evaluateSilence,
  type Silence,
  type WindowCounts,
} from '../alerts/burn-rate.js';
import { stableHash } from '../alerts/ids.js';
import { type AlertContext, renderAlert, renderGroup } from '../alerts/messages.js';
import { resolveAlertSettings } from '../alerts/settings.js';
import { evaluateSloPolicy, type SloSubjectEvaluation, sliText, sloRules } from '../alerts/slo-policy.js';
import { type AlertState, type Decision, emptyState } from '../alerts/types.js';
import type { SloDefinition } from '../config/schema.js';
import { buildSloCountsQuery, readSloCounts, type SloCountsRow } from '../sql/slo-query.js';
import { alertKeys } from './alerts.js';
import { sloFileCheck } from './file-check.js';
import { type SloLedger, type SloResult, type SloResultEntry, sloKeys } from './slo-result.js';
import { hasNoFiles, sourceFor } from './sources.js';
import type { JobDeps } from './types.js';
import {
  durationMillis,
  isoInstant,
  lastCompleteTimeWindow,
  partitionRange,
  type TimeWindow,
} from './windows.js';

/** Points of the budget series kept in a result (hourly over 30 days is 720). */
const SERIES_POINTS = 720;

function signatureOf(slos: readonly SloDefinition[], versionColumn: string | undefined): string {
  return JSON.stringify({ v: versionColumn ?? null, slos: slos.map((s) => [s.name, s.sli]) });
}

function maxPeriodMillis(slos: readonly SloDefinition[]): number {
  return Math.max(...slos.map((s) => durationMillis(s.period)));
}

/** Brings one sub-window size's ledger up to `end`, counting only what is new. */
async function updateLedger(
  deps: JobDeps,
  slos: readonly SloDefinition[],
  window: string,
  end: number,
): Promise<{ ledger: SloLedger; counted?: SloResult['counted'][number] }> {
  const { definition, store } = deps;
  const model = definition.model.id;
  const p = definition.predictions;
  const versionColumn = slos.some((s) => s.perVersion) ? p.modelVersionColumn : undefined;
  const signature = signatureOf(slos, versionColumn);
  const key = sloKeys.ledger(model, window);
  const stored = await store.getJson<SloLedger>(key);
  const windowMillis = durationMillis(window);
  const periodStart = end - maxPeriodMillis(slos);
  const usable = stored?.signature === signature ? stored : undefined;
  const through = usable ? Date.parse(usable.through) : Number.NEGATIVE_INFINITY;
  // Late rows (a backfill after a logging outage): recount the longest `recount` of these SLOs.
  const recount = Math.max(...slos.map((s) => durationMillis(s.recount)));
  let from = Math.max(periodStart, Math.min(through, end) - recount);
  from -= from % windowMillis;
  const kept = (usable?.rows ?? []).filter((r) => {
    const t = Date.parse(r[0]);
    return t >= periodStart && t < from;
  });
  const ledger: SloLedger = {
    schemaVersion: 1,
    model,
    window,
    signature,
    through: isoInstant(end),
    rows: kept,
  };
  if (from >= end) return { ledger };
  const range = { start: isoInstant(from), end: isoInstant(end) };
  const source = await sourceFor(
    deps,
    deps.sources.predictions,
    partitionRange(range),
    sloFileCheck(deps.definition),
  );
  let counts: SloCountsRow[] = [];
  if (!hasNoFiles(source)) {
    const spec = {
      source,
      timestampColumn: p.timestampColumn,
      range,
      windowSeconds: windowMillis / 1000,
      ...(versionColumn ? { versionColumn } : {}),
      ...(p.latencyColumn ? { latencyColumn: p.latencyColumn } : {}),
      ...(p.errorColumn ? { errorColumn: p.errorColumn } : {}),
      slos,
    };
    counts = readSloCounts(await deps.engine.query(buildSloCountsQuery(spec, deps.engine.dialect)), spec);
  }
  for (const c of counts) ledger.rows.push([isoInstant(c.start), c.version, c.total, c.good]);
  await store.putJson(key, ledger);
  return { ledger, counted: { window, start: range.start, end: range.end, rows: counts.length } };
}

/** The ledger's counts of SLO `index`, for one version (a string), every version (undefined). */
function countsOf(ledger: SloLedger, index: number, version?: string | null): WindowCounts[] {
  const byStart = new Map<number, WindowCounts>();
  for (const [start, v, total, good] of ledger.rows) {
    if (version !== undefined && v !== version) continue;
    const t = Date.parse(start);
    const seen = byStart.get(t) ?? { start: t, total: 0, good: 0 };
    seen.total += total;
    seen.good += good[index] ?? 0;
    byStart.set(t, seen);
  }
  return [...byStart.values()].sort((a, b) => a.start - b.start);
}

const NO_VERSION = '(none)';

/** Runs the SLO job as of the deps' clock: the last complete sub-window of each SLO window size. */
export async function runSlo(
  deps: JobDeps & { notifier?: Notifier },
): Promise<{ result: SloResult; key: string }> {
  const { definition, store } = deps;
  const model = definition.model.id;
  if (!definition.slos.length) {
    throw new Error(`model ${model} has no slos: add an slos: list to the monitor definition (README: SLOs)`);
  }
  const now = deps.clock.now();
  const sizes = [...new Set(definition.slos.map((s) => s.window))].sort(
    (a, b) => durationMillis(a) - durationMillis(b),
  );
  // The run window: the last complete sub-window of the finest size (its key names the run).
  const runWindow = lastCompleteTimeWindow(now, sizes[0] as string);
  const entries: SloResultEntry[] = [];
  const evaluations: SloSubjectEvaluation[] = [];
  const counted: SloResult['counted'] = [];
  const versionColumn = definition.predictions.modelVersionColumn;
  let silence: Silence | undefined;
  for (const size of sizes) {
    const slos = definition.slos.filter((s) => s.window === size);
    const end = Date.parse(lastCompleteTimeWindow(now, size).end);
    const { ledger, counted: c } = await updateLedger(deps, slos, size, end);
    if (c) counted.push(c);
    // Silence on the finest ledger (every SLO counts the same events: any SLO's totals will do).
    silence ??= evaluateSilence(countsOf(ledger, 0), { window: size, end });
    slos.forEach((slo, index) => {
      const spec = { target: slo.target, period: slo.period, window: slo.window, end };
      const overall = evaluateBurn(countsOf(ledger, index), spec);
      evaluations.push({ slo, subject: slo.name, evaluation: overall });
      const versions: SloResultEntry['versions'] = [];
      if (slo.perVersion && versionColumn) {
        const seen = [...new Set(ledger.rows.map((r) => r[1]))].sort((a, b) =>
          String(a).localeCompare(String(b)),
        );
        for (const v of seen) {
          const evaluation = evaluateBurn(countsOf(ledger, index, v), spec);
          const subject = `${slo.name}@${versionColumn}=${v ?? NO_VERSION}`;
          evaluations.push({ slo, subject, evaluation });
          versions.push({ version: v ?? NO_VERSION, subject, ...evaluation });
        }
      }
      const series = budgetSeries(countsOf(ledger, index), spec);
      const step = Math.max(1, Math.ceil(series.length / SERIES_POINTS));
      entries.push({
        name: slo.name,
        ...(slo.description ? { description: slo.description } : {}),
        sli: sliText(slo),
        target: slo.target,
        period: slo.period,
        window: slo.window,
        ...overall,
        series: series
          .filter((_, i) => (series.length - 1 - i) % step === 0)
          .map((s) => ({ start: isoInstant(s.start), remaining: s.remaining })),
        versions,
      });
    });
  }
  // In the definition's order (the loop above went by sub-window size).
  const order = new Map(definition.slos.map((s, i) => [s.name, i]));
  entries.sort((a, b) => (order.get(a.name) ?? 0) - (order.get(b.name) ?? 0));
  const result: SloResult = {
    schemaVersion: 1,
    kind: 'slo',
    model,
    window: runWindow,
    generatedAt: now.toISOString(),
    counted,
    slos: entries,
    ...(silence ? { silence } : {}),
  };
  const key = sloKeys.result(model, runWindow);
  if (deps.notifier) {
    result.alerts = await publishSloAlerts(
      deps as JobDeps & { notifier: Notifier },
      runWindow,
      evaluations,
      silence,
      key,
    );
  }
  await store.putJson(key, result);
  return { result, key };
}

/** Decides and publishes the run's SLO incidents (one message per run and kind), then stores the state. */
async function publishSloAlerts(
  deps: JobDeps & { notifier: Notifier },
  window: TimeWindow,
  evaluations: SloSubjectEvaluation[],
  silence: Silence | undefined,
  resultKey: string,
): Promise<NonNullable<SloResult['alerts']>> {
  const { definition, store, notifier } = deps;
  const model = definition.model.id;
  const stateKey = alertKeys.state(model);
  const state = (await store.getJson<AlertState>(stateKey)) ?? emptyState(model);
  const output = evaluateSloPolicy({
    definition,
    window,
    now: deps.clock.now(),
    evaluations,
    state,
    ...(silence ? { silence } : {}),
  });
  const settings = resolveAlertSettings(definition.alerts);
  const rules = sloRules(definition, settings);
  const contextOf = (d: Decision): AlertContext => ({
    tier: definition.model.tier,
    rule: rules.get(d.incident.ruleId) as NonNullable<ReturnType<typeof rules.get>>,
    reportLink: store.linkFor(resultKey),
    windowDuration: window.duration,
  });
  const sendable = output.decisions.filter((d) => d.notify && rules.has(d.incident.ruleId));
  const groups = [
    sendable.filter((d) => d.type !== 'resolved'),
    sendable.filter((d) => d.type === 'resolved'),
  ];
  const delivery = new Map<Decision, string>();
  let sent = 0;
  for (const group of groups) {
    if (!group.length) continue;
    const message =
      group.length === 1
        ? renderAlert(group[0] as Decision, contextOf(group[0] as Decision))
        : renderGroup(group, contextOf, `grp-${stableHash(group.map((d) => d.notificationId).sort())}`);
    const status = (await notifier.publishAlert(message)).status;
    if (status === 'sent') sent++;
    for (const d of group) delivery.set(d, status);
  }
  // Publish first, then store: a crash in between re-sends under the same ids, which the Notifier drops.
  await store.putJson(stateKey, output.state);
  return {
    decisions: output.decisions.map((d) => ({
      type: d.type,
      incidentId: d.incident.id,
      subject: d.incident.subject,
      level: d.incident.level,
      delivery: delivery.get(d) ?? 'digest',
    })),
    sent,
  };
}
