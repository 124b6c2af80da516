/** `driftwatch demo`: generate the demo data, then baseline, drift and the rest over every day. */
import { copyFile, mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { stringify } from 'yaml';
import { DuckDbQueryEngine } from '../../adapters/duckdb-engine.js';
import { FileNotifier } from '../../adapters/file-notifier.js';
import { reliability, reliabilityLine } from '../../alerts/reliability.js';
import type { AlertState, Incident } from '../../alerts/types.js';
import { validateDefinition } from '../../config/load.js';
import { demoDefinition } from '../../demo/definition.js';
import { DEMO_CANARY_DAY, DEMO_DEFAULTS, type DemoManifest, generateDemo } from '../../demo/generate.js';
import { type AlertsRunSummary, alertKeys, loadKpis, runAlerts, runDigest } from '../../jobs/alerts.js';
import { listTickets } from '../../jobs/alerts-tickets.js';
import { runBaseline } from '../../jobs/baseline.js';
import { type CanaryResult, runCanary } from '../../jobs/canary.js';
import { runDrift } from '../../jobs/drift.js';
import type { DriftResult } from '../../jobs/drift-result.js';
import {
  type EstimatedResult,
  estimationUnavailable,
  loadEstimates,
  runEstimate,
} from '../../jobs/estimate.js';
import type { KpiResult } from '../../jobs/kpi-result.js';
import { runPerformance, runScheduledPerformance } from '../../jobs/performance.js';
import type { PerformanceResult } from '../../jobs/performance-result.js';
import { runReport } from '../../jobs/report-job.js';
import { runSlo } from '../../jobs/slo.js';
import type { SloResult } from '../../jobs/slo-result.js';
import type { JobDeps } from '../../jobs/types.js';
import { maturedWindow, shiftDate } from '../../jobs/windows.js';
import { localContext } from '../context.js';
import { CliError } from '../errors.js';
import { incidentsTable } from '../format-alerts.js';
import { driftDaysTable } from '../format-drift.js';
import { estimatedDaysTable, performanceDaysTable } from '../format-performance.js';
import { progressBar } from '../progress.js';
import { formatNumber } from '../table.js';

/** One line per KPI: its range over the windows and its latest value. */
function kpiLine(kpis: readonly KpiResult[]): string {
  const names = [...new Set(kpis.flatMap((r) => r.kpis.map((k) => k.name)))];
  if (names.length === 0) return 'KPIs: none defined';
  return names
    .map((name) => {
      const points = kpis.flatMap((r) => {
        const v = r.kpis.find((k) => k.name === name && k.status === 'ok')?.overall?.value;
        return typeof v === 'number' ? [{ date: r.window.start, v }] : [];
      });
      if (points.length === 0) return `KPI ${name}: no value yet`;
      const values = points.map((p) => p.v);
      const latest = points.at(-1) as { date: string; v: number };
      return `KPI ${name}: ${Math.min(...values).toFixed(4)} to ${Math.max(...values).toFixed(4)} over ${points.length} windows, ${latest.v.toFixed(4)} on ${latest.date} (report: Business KPIs)`;
    })
    .join('\n');
}

/**
 * The demo's story in one line: the estimated accuracy of the windows from the day-21 shift, each
 * computed the morning after its window while its labels were still a week away, against the
 * stable days' estimates; then what the labels said where they have matured.
 */
export function estimatedShiftLine(estimated: readonly EstimatedResult[], manifest: DemoManifest): string {
  const shiftStart = manifest.injected
    .filter((p) => p.kind === 'feature_shift')
    .map((p) => p.startDate)
    .sort()[0];
  const accuracy = (r: EstimatedResult) => r.overall.metrics.accuracy.value;
  const stable = estimated.filter(
    (r) =>
      r.window.start >= manifest.stableDays.from &&
      r.window.start <= manifest.stableDays.to &&
      accuracy(r) !== null,
  );
  const shifted = estimated.filter(
    (r) => shiftStart !== undefined && r.window.start >= shiftStart && accuracy(r) !== null,
  );
  if (stable.length === 0 || shifted.length === 0)
    return 'estimated accuracy: no stable or no shifted window to compare';
  const mean = (xs: number[]) => xs.reduce((a, x) => a + x, 0) / xs.length;
  const range = (xs: number[]) => `${formatNumber(Math.min(...xs))} to ${formatNumber(Math.max(...xs))}`;
  const estimates = shifted.map((r) => accuracy(r) as number);
  const upper = Math.max(...shifted.map((r) => r.overall.metrics.accuracy.upper ?? Number.NaN));
  const realizedOf = (rs: readonly EstimatedResult[]) =>
    rs.flatMap((r) => {
      const v = r.realized?.overall.metrics.accuracy;
      return typeof v === 'number' ? [v] : [];
    });
  const realizedStable = realizedOf(stable);
  const realizedShifted = realizedOf(shifted);
  return `estimated accuracy before labels: ${formatNumber(mean(stable.map((r) => accuracy(r) as number)))} on the stable days (mean of ${stable.length}), ${range(estimates)} from the ${shiftStart} shift (${shifted.length} windows, band upper at most ${formatNumber(upper)}), each estimated the morning after its window, ${manifest.labelDelayDays} days before its labels; realized once labels matured: ${realizedShifted.length ? `${range(realizedShifted)} (${realizedShifted.length} shifted windows)` : 'none yet'} vs ${realizedStable.length ? formatNumber(mean(realizedStable)) : '-'} on the stable days`;
}

export interface DemoCommandOptions {
  out: string;
  rowsPerDay: number;
  seed: number;
  json: boolean;
}

export interface DemoOutcome {
  manifest: DemoManifest;
  outDir: string;
  configPath: string;
  drift: DriftResult[];
  performance: PerformanceResult[];
  /** Every window's estimated performance, with realized values where labels matured. */
  estimated: EstimatedResult[];
  alerts: AlertsRunSummary[];
  /** The slo job's result after each day (run at 00:05 the next day: the day's last hour). */
  slo: SloResult[];
  incidents: Incident[];
  /** The hourly canary over the candidate's first day, one result per hour. */
  canary: CanaryResult[];
  reportPath: string;
}

/**
 * The canary as the hourly schedule runs it (ten past each hour), over the first day the candidate
 * version serves (the demo's day 8), until a verdict sticks.
 */
async function runDemoCanary(
  deps: JobDeps,
  notifier: FileNotifier,
  manifest: DemoManifest,
): Promise<CanaryResult[]> {
  const day = shiftDate(manifest.startDate, DEMO_CANARY_DAY - 1);
  if (day > manifest.endDate) return [];
  const results: CanaryResult[] = [];
  for (let hour = 0; hour < 24; hour++) {
    const start = `${day}T${String(hour).padStart(2, '0')}:00:00Z`;
    const now = new Date(Date.parse(start) + 70 * 60_000);
    const { result } = await runCanary({ ...deps, notifier, clock: { now: () => now } }, start);
    results.push(result);
    if (result.verdict.evidence.decidedAt) break;
  }
  return results;
}

/** "canary v3.3.0-canary vs v3.2.0: hold for 11 hours, promote at 2026-..T11:00:00Z (...)". */
function canaryLine(results: readonly CanaryResult[], path: string): string {
  const last = results.at(-1);
  if (!last) return 'canary: no candidate in the demo period';
  const v = last.verdict;
  const holds = results.filter((r) => r.verdict.verdict === 'hold').length;
  return `canary ${v.candidate} vs ${v.incumbent}: hold for ${holds} hour${holds === 1 ? '' : 's'}, then ${v.verdict} at ${last.window.start} (${v.evidence.candidateRows} candidate rows; ${v.reasons[0]?.message ?? ''}) -> ${path}`;
}

export async function runDemo(
  options: DemoCommandOptions,
  print: (line: string) => void,
): Promise<DemoOutcome> {
  if (!Number.isInteger(options.rowsPerDay) || options.rowsPerDay < 100) {
    throw new CliError(
      `--rows-per-day ${options.rowsPerDay} is too small: use at least 100 (default 20000)`,
      2,
    );
  }
  const outDir = resolve(options.out);
  await mkdir(outDir, { recursive: true });
  const started = Date.now();

  const generator = await DuckDbQueryEngine.create();
  let manifest: DemoManifest;
  try {
    manifest = await generateDemo(generator, {
      ...DEMO_DEFAULTS,
      outDir,
      rowsPerDay: options.rowsPerDay,
      seed: options.seed,
    });
  } finally {
    await generator.close();
  }
  const input = demoDefinition('data');
  const configPath = join(outDir, 'driftwatch.yaml');
  await writeFile(
    configPath,
    `# The demo model's monitor definition (see README: "Monitor definition").\n${stringify(input)}`,
  );
  const definition = validateDefinition(input, configPath);
  print(
    `generated ${manifest.days} days x ${manifest.rowsPerDay} predictions in ${outDir}/data (${((Date.now() - started) / 1000).toFixed(1)}s)`,
  );

  const context = await localContext(definition, { baseDir: outDir, outDir });
  const drift: DriftResult[] = [];
  const performance: PerformanceResult[] = [];
  const alertRuns: AlertsRunSummary[] = [];
  const sloRuns: SloResult[] = [];
  const notifier = new FileNotifier({ outDir, print: () => {} });
  const labelDelay = manifest.labelDelayDays;
  // The demo replays the schedule: each morning at 02:00 the drift job runs for yesterday (and
  // estimates it), at 03:00 the performance job for the window whose labels have just matured,
  // then the alerts.
  const at = (date: string, time = '02:00') => {
    const now = new Date(`${date}T${time}:00Z`);
    return { ...context.deps, clock: { now: () => now } };
  };
  let report: { key: string; link: string } | undefined;
  let kpis: KpiResult[] = [];
  let estimated: EstimatedResult[] = [];
  let digestPath: string | undefined;
  let canary: CanaryResult[] = [];
  try {
    await runBaseline(at(manifest.startDate, '00:00'));
    const progress = progressBar(manifest.days, 'drift + performance + alerts');
    for (let day = 0; day < manifest.days; day++) {
      const date = shiftDate(manifest.startDate, day);
      const deps = at(shiftDate(date, 1));
      drift.push((await runDrift(deps, date)).result);
      // As on AWS: the drift run also estimates the window's performance before its labels exist.
      if (!estimationUnavailable(definition)) await runEstimate(deps, date);
      // The performance job and the alerts after it at 03:00, as the deployed schedule runs them
      // (incidents open at the alert step's clock: MTTD is what a deployment would report).
      const after = at(shiftDate(date, 1), '03:00');
      const matured = maturedWindow(definition, after.clock.now());
      if (matured >= manifest.startDate)
        performance.push((await runScheduledPerformance(after, matured)).result);
      alertRuns.push(await runAlerts({ definition, store: after.store, notifier, clock: after.clock }, date));
      // The SLO job once a day in the demo (hourly on AWS): at 00:05 it counts the day just ended in
      // one query and judges the burn-rate rules on its last hour.
      if (definition.slos.length)
        sloRuns.push((await runSlo({ ...at(shiftDate(date, 1), '00:05'), notifier })).result);
      progress.tick(date);
    }
    progress.done();
    // The windows whose labels are still on their way, as of the last morning's digest (07:00, the
    // deployed digest schedule: the digest's ages and periods end where a deployment's do).
    const last = at(shiftDate(manifest.endDate, 1), '07:00');
    for (let day = manifest.days - labelDelay; day < manifest.days; day++) {
      performance.push((await runPerformance(last, shiftDate(manifest.startDate, day))).result);
    }
    kpis = await loadKpis(last.store, definition, definition.window, manifest.endDate);
    estimated = await loadEstimates(last, manifest.startDate, manifest.endDate);
    canary = await runDemoCanary(context.deps, notifier, manifest);
    await runDigest(
      { definitions: [definition], store: last.store, notifier, clock: last.clock },
      manifest.endDate,
    );
    digestPath = join(outDir, 'digest.txt');
    report = await runReport({ definition, store: last.store, clock: last.clock }, manifest.endDate);
    await copyFile(join(outDir, 'results', report.key), join(outDir, 'report.html'));
  } finally {
    await context.close();
  }
  const last = at(shiftDate(manifest.endDate, 1), '07:00');
  const state = await context.deps.store.getJson<AlertState>(alertKeys.state(definition.model.id));
  const incidents = state?.incidents ?? [];
  const tickets = await listTickets(context.deps.store, { model: definition.model.id });
  if (!options.json) {
    print('');
    print(driftDaysTable(drift));
    print('');
    print(performanceDaysTable(performance));
    print('');
    if (estimated.length) {
      print('estimated performance (from scores, before labels; CBPE):');
      print(estimatedDaysTable(estimated));
      print(estimatedShiftLine(estimated, manifest));
      print('');
    }
    print(incidentsTable(incidents));
    print(
      `MTTD / MTTR as of ${last.clock.now().toISOString().slice(0, 10)}: ${reliabilityLine(reliability(incidents, { asOf: last.clock.now(), windowDays: 1 })) ?? 'no incidents'} (driftwatch incidents --out ${outDir})`,
    );
    print('');
    print(kpiLine(kpis));
    print('');
    print(canaryLine(canary, join(outDir, 'canary.jsonl')));
    print(
      tickets.length
        ? `retraining tickets: ${tickets.map((t) => `${t.ticketId} (${t.status})`).join(', ')} -> ${join(outDir, 'tickets.jsonl')}`
        : 'retraining tickets: none',
    );
    const slo = sloRuns.at(-1);
    for (const s of slo?.slos ?? []) {
      const burning = sloRuns.filter((r) =>
        r.slos.some((x) => x.name === s.name && x.level !== 'none'),
      ).length;
      print(
        `slo ${s.name} (${s.sli}, target ${(s.target * 100).toFixed(1)}% over ${s.period}): ${s.budget.total} predictions, ${s.budget.bad} bad, ${(s.budget.remaining * 100).toFixed(1)}% of the error budget left; burning on ${burning} of ${sloRuns.length} days`,
      );
    }
    print(`alerts: ${join(outDir, 'alerts.jsonl')}   digest: ${digestPath}`);
    print(`report: ${join(outDir, 'report.html')}`);
    print(
      `injected (data/manifest.json): ${manifest.injected.map((p) => `${p.kind} ${p.feature ?? (p.segment ? `${p.segment.column}=${p.segment.value}` : 'all rows')} from ${p.startDate}`).join('; ')}`,
    );
    print(`results: ${join(outDir, 'results')}   config: ${configPath}`);
    print(`done in ${((Date.now() - started) / 1000).toFixed(1)}s`);
  }
  return {
    manifest,
    outDir,
    configPath,
    drift,
    performance,
    estimated,
    alerts: alertRuns,
    slo: sloRuns,
    incidents,
    canary,
    reportPath: join(outDir, 'report.html'),
  };
}
