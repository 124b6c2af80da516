/**
 * The daily digest: one short message for every monitored model, readable on a phone. Per model:
 * a status line (healthy / warning / critical / no data), what changed since yesterday, the open
 * incidents and ticket, label coverage and the report link.
 */
import type { DigestMessage } from '../adapters/notifier.js';
import type { KpiDefinition, MonitorDefinition } from '../config/schema.js';
import type { DriftResult } from '../jobs/drift-result.js';
import type { EstimatedResult } from '../jobs/estimate.js';
import type { KpiResult } from '../jobs/kpi-result.js';
import type { PerformanceResult } from '../jobs/performance-result.js';
import type { SloResult } from '../jobs/slo-result.js';
import { durationDays, shiftDate } from '../jobs/windows.js';
import { ESTIMATED_METRICS, type EstimatedMetricName } from '../metrics/estimation.js';
import { noValueReason } from './kpi-rules.js';
import { kpiDisplay, lateWords, performanceDisplay, recheckDays } from './late-display.js';
import { incidentTitle } from './messages.js';
import { fmt } from './observe.js';
import { reliability, reliabilityLine } from './reliability.js';
import type { TicketRecord } from './tickets.js';
import { type AlertState, type Incident, LEVEL_RANK } from './types.js';

export type ModelStatus = 'healthy' | 'warning' | 'critical' | 'no data';

export interface DigestModelInput {
  definition: MonitorDefinition;
  /** The drift result of the digest's window (undefined: none stored). */
  drift?: DriftResult | undefined;
  /** The drift result of the window before, to say what changed. */
  previousDrift?: DriftResult | undefined;
  /** The latest matured performance result. */
  performance?: PerformanceResult | undefined;
  /**
   * The matured performance results up to it, oldest first (`performance` last): tell whether its
   * labels are late. @default - `performance` alone (its lateness unknown, shown as before)
   */
  performanceHistory?: readonly PerformanceResult[] | undefined;
  state?: AlertState | undefined;
  openTicket?: TicketRecord | undefined;
  /** The latest SLO result (models with slos). */
  slo?: SloResult | undefined;
  reportLink: string;
  /** KPI results up to the digest's window, oldest first (each KPI shows its latest value). */
  kpis?: readonly KpiResult[] | undefined;
  /**
   * Estimated performance (CBPE) of the recent windows, oldest first (a model that can be
   * estimated): the latest one still pending labels gets a line, a judged one found not valid a flag.
   */
  estimates?: readonly EstimatedResult[] | undefined;
  /** The digest's clock: MTTD / MTTR cover the 30 and 90 days before it. @default - no MTTD line */
  asOf?: Date | undefined;
}

/** Incidents listed per model before "+N more". */
const MAX_LISTED = 3;

export function modelStatus(input: DigestModelInput): ModelStatus {
  if (!input.drift || input.drift.status === 'no_data') return 'no data';
  const open = (input.state?.incidents ?? []).filter((i) => i.status === 'open');
  if (open.some((i) => i.level === 'critical')) return 'critical';
  return open.length ? 'warning' : 'healthy';
}

function pct(share: number): string {
  return `${Math.round(share * 100)}%`;
}

function incidentLine(i: Incident): string {
  // A title already says how bad ("rmse rose 12% (47.1 vs 42)"); a bare subject gets the value.
  const value = i.last.title === undefined && i.last.value !== undefined ? ` ${fmt(i.last.value)}` : '';
  // A sub-day window (an SLO's hour) reads "10-04 05:00".
  const since =
    i.sinceWindow.length > 10 ? i.sinceWindow.slice(5, 16).replace('T', ' ') : i.sinceWindow.slice(5);
  return `${i.last.title ?? incidentTitle(i.kind, i.subject)}${value} (${i.level}, since ${since})`;
}

function changes(date: string, input: DigestModelInput): string[] {
  const incidents = input.state?.incidents ?? [];
  const out: string[] = [];
  for (const i of incidents.filter((x) => x.openedWindow === date))
    out.push(`new ${incidentTitle(i.kind, i.subject)}`);
  for (const i of incidents.filter((x) => x.resolvedWindow === date))
    out.push(`resolved ${incidentTitle(i.kind, i.subject)}`);
  const today = new Set(input.drift?.dataset.drivers ?? []);
  const yesterday = new Set(input.previousDrift?.dataset.drivers ?? []);
  const started = [...today].filter((f) => !yesterday.has(f));
  const stopped = [...yesterday].filter((f) => !today.has(f));
  if (input.previousDrift && started.length) out.push(`drifting now: ${started.join(', ')}`);
  if (input.previousDrift && stopped.length) out.push(`no longer drifting: ${stopped.join(', ')}`);
  if (
    input.drift?.quality.volume.ratio !== undefined &&
    input.previousDrift?.quality.volume.ratio !== undefined
  ) {
    const delta = input.drift.quality.volume.ratio - input.previousDrift.quality.volume.ratio;
    if (Math.abs(delta) >= 0.2)
      out.push(`volume ${delta > 0 ? 'up' : 'down'} to ${pct(input.drift.quality.volume.ratio)} of expected`);
  }
  return out;
}

function modelSection(date: string, input: DigestModelInput): string[] {
  const { definition } = input;
  const status = modelStatus(input);
  const open = (input.state?.incidents ?? [])
    .filter((i) => i.status === 'open')
    .sort(
      (a, b) => LEVEL_RANK[b.level] - LEVEL_RANK[a.level] || a.openedWindow.localeCompare(b.openedWindow),
    );
  const rows = input.drift?.status === 'ok' ? `${input.drift.rows} predictions` : 'no predictions';
  const lines = [
    `${definition.model.id} (tier ${definition.model.tier}): ${status.toUpperCase()}${open.length ? ` - ${open.length} open incident${open.length === 1 ? '' : 's'}` : ''}, ${input.drift ? rows : 'no result'}`,
  ];
  const changed = changes(date, input);
  lines.push(`  changed: ${changed.length ? changed.join('; ') : 'nothing since yesterday'}`);
  if (open.length) {
    const listed = open.slice(0, MAX_LISTED).map(incidentLine);
    lines.push(
      `  open: ${listed.join('; ')}${open.length > MAX_LISTED ? `; +${open.length - MAX_LISTED} more` : ''}`,
    );
  }
  if (input.openTicket) {
    lines.push(
      `  ticket: ${input.openTicket.ticketId} open since ${input.openTicket.openedWindow} (${input.openTicket.reason.replace('_', ' ')})`,
    );
  }
  if (definition.labels) lines.push(labelsLine(input, definition.labels.recheckWithin));
  lines.push(...estimateLines(input));
  lines.push(...sloLines(input.slo));
  const outcomeDays = definition.outcomes
    ? recheckDays(definition, definition.outcomes.recheckWithin)
    : undefined;
  const kpiParts = (definition.kpis ?? []).map((k) => kpiPart(k, input.kpis ?? [], outcomeDays));
  if (kpiParts.length) lines.push(`  kpis: ${kpiParts.join('; ')}`);
  if (input.asOf) {
    const windowDays = durationDays(definition.window);
    const line = reliabilityLine(reliability(input.state?.incidents ?? [], { asOf: input.asOf, windowDays }));
    lines.push(`  incidents: ${line ?? 'none opened in 90 days'}`);
  }
  lines.push(`  report: ${input.reportLink}`);
  return lines;
}

function primaryOf(p: PerformanceResult): string {
  const v = p.overall.metrics[p.primaryMetric];
  return typeof v === 'number' ? `, ${p.primaryMetric} ${fmt(v)}` : '';
}

/**
 * The labels line: the latest matured window's coverage and primary metric; when its labels are
 * late (below 0.9 x the usual coverage, the performance job's recheck rule) it says so, and the
 * last window whose labels came as usual leads, since the late window's metric covers only the
 * labels that came (once missing, that metric is final and shown as such).
 */
function labelsLine(input: DigestModelInput, recheckWithin: string | undefined): string {
  const p = input.performance;
  if (!p) return '  labels: no matured window yet';
  const history = input.performanceHistory?.length ? input.performanceHistory : [p];
  const shown = performanceDisplay(history, recheckDays(input.definition, recheckWithin));
  const late = shown.late?.window === p.window.start ? shown.late : undefined;
  if (!late) return `  labels: ${pct(p.overall.coverage)} coverage (window ${p.window.start})${primaryOf(p)}`;
  const c = shown.complete;
  const complete = c
    ? `last complete window ${c.window.start.slice(5)}: ${pct(c.overall.coverage)} coverage${primaryOf(c)}`
    : 'no complete window yet';
  const partial = late.missing && primaryOf(p) ? `${primaryOf(p)} on the labels that came` : '';
  return `  labels: ${lateWords(late, 'labels')}${partial}; ${complete}`;
}

/**
 * One KPI in the digest: its latest judged value, or, when its newest window is held for late
 * outcomes (or they never came), that state and the last judged value: a held window's value is a
 * partial sum of the outcomes that came, not the KPI (late-display.ts, the policy's rule).
 */
function kpiPart(k: KpiDefinition, results: readonly KpiResult[], outcomeDays: number | undefined): string {
  const shown = kpiDisplay(results, k.name, outcomeDays);
  const value = shown.judged?.item.overall?.value;
  const judged =
    shown.judged && typeof value === 'number' ? `${fmt(value)} (${shown.judged.window.slice(5)})` : undefined;
  if (shown.late)
    return `${k.name} ${lateWords(shown.late, 'outcomes')}; ${judged ? `last judged ${judged}` : 'nothing judged yet'}`;
  const missing = shown.judged ? noValueReason(shown.judged.result, k) : undefined;
  const held = shown.held.length
    ? ` (held: outcomes late for ${shown.held.map((h) => h.window.slice(5)).join(', ')})`
    : '';
  return judged
    ? `${k.name} ${judged}${held}`
    : missing !== undefined
      ? `${k.name} no value (${shown.judged?.window.slice(5)}: ${missing})${held}`
      : `${k.name} not yet${held}`;
}

function bandOf(m: { lower: number | null; upper: number | null }): string {
  return m.lower === null || m.upper === null ? 'no band' : `band ${fmt(m.lower)}-${fmt(m.upper)}`;
}

/**
 * Estimated performance: one line for the latest window still pending labels (accuracy with its
 * band, the stable level the reference gives, when the labels are due; the primary metric too when
 * it is another estimated one), and a flag when the latest window whose labels matured found the
 * estimates not valid (`estimation_invalid`).
 */
export function estimateLines(input: DigestModelInput): string[] {
  const estimates = input.estimates ?? [];
  if (estimates.length === 0) return [];
  const { definition } = input;
  const delay = definition.labels ? Math.ceil(durationDays(definition.labels.delay)) : 0;
  const lines: string[] = [];
  const pending = estimates.filter((e) => !e.realized);
  const latest = pending.at(-1);
  if (latest) {
    const due = shiftDate(latest.window.end, delay);
    const more = pending.length > 1 ? `, ${pending.length} windows pending` : '';
    const tail = `labels due ${due} (window ${latest.window.start.slice(5)}${more})`;
    if (latest.status === 'invalid_scores' || latest.status === 'no_data') {
      lines.push(
        `  estimated: ${latest.status === 'no_data' ? 'no predictions' : 'NOT ESTIMATED, scores are not probabilities (see report)'}; ${tail}`,
      );
    } else {
      const primary = definition.performance.primaryMetric;
      const metrics: EstimatedMetricName[] = ['accuracy'];
      if (primary && primary !== 'accuracy' && (ESTIMATED_METRICS as readonly string[]).includes(primary))
        metrics.push(primary as EstimatedMetricName);
      const parts = metrics.map((m, i) => {
        const est = latest.overall.metrics[m];
        const stable = latest.reference?.metrics[m].value;
        return `${i === 0 ? 'estimated ' : ''}${m} ${est.value === null ? 'undefined' : fmt(est.value)} (${bandOf(est)})${typeof stable === 'number' ? `, stable ${fmt(stable)}` : ''}`;
      });
      const extrapolated = latest.status === 'extrapolated' ? ' [extrapolated: wide band]' : '';
      lines.push(`  ${parts.join('; ')}${extrapolated}; ${tail}`);
    }
  }
  const judged = estimates.filter((e) => e.realized).at(-1);
  const invalid = judged?.findings.filter((f) => f.kind === 'estimation_invalid') ?? [];
  if (judged && invalid.length) {
    lines.push(
      `  ESTIMATION INVALID (window ${judged.window.start.slice(5)}: ${invalid.map((f) => f.group).join(', ')}): the score-to-outcome relation changed, estimates not valid; trust realized metrics`,
    );
  }
  return lines;
}

function share(x: number, digits = 4): string {
  return `${Number((x * 100).toPrecision(x > 0 && x < 0.01 ? 2 : digits))}%`;
}

const BURN_WORDS = { none: 'no burn', warning: 'SLOW BURN', critical: 'FAST BURN' } as const;

/** One line per SLO: the budget left, the SLI over the period and the burn; burning versions after it. */
export function sloLines(slo: SloResult | undefined): string[] {
  if (!slo) return [];
  return slo.slos.map((s) => {
    const b = s.budget;
    const left =
      b.remaining >= 0
        ? `${share(b.remaining)} of budget left`
        : `budget overspent by ${share(-b.remaining)}`;
    const sli = b.sli === null ? 'no events' : `SLI ${share(b.sli, 5)} vs ${share(s.target, 5)}`;
    const burning = s.versions
      .filter((v) => v.level !== 'none')
      .map((v) => `${v.version} ${BURN_WORDS[v.level]}`);
    return `  slo ${s.name} (${s.period}, as of ${slo.window.end.slice(5, 16).replace('T', ' ')}): ${left}, ${sli}, ${BURN_WORDS[s.level]}${burning.length ? ` (${burning.join(', ')})` : ''}`;
  });
}

/** Renders the digest for the windows starting on `date`. */
export function renderDigest(date: string, models: readonly DigestModelInput[]): DigestMessage {
  const statuses = models.map(modelStatus);
  const count = (s: ModelStatus) => statuses.filter((x) => x === s).length;
  const parts = (['critical', 'warning', 'no data', 'healthy'] as const)
    .filter((s) => count(s) > 0)
    .map((s) => `${count(s)} ${s}`);
  const order: Record<ModelStatus, number> = { critical: 0, 'no data': 1, warning: 2, healthy: 3 };
  const sorted = models
    .map((m, i) => ({ m, s: statuses[i]! }))
    .sort(
      (a, b) => order[a.s] - order[b.s] || a.m.definition.model.id.localeCompare(b.m.definition.model.id),
    );
  const body = [
    `driftwatch daily digest for ${date}: ${models.length} model${models.length === 1 ? '' : 's'}, ${parts.join(', ') || 'none monitored'}.`,
    '',
    ...sorted.flatMap(({ m }) => [...modelSection(date, m), '']),
  ].join('\n');
  return {
    id: `digest-${date}`,
    subject: `driftwatch digest ${date}: ${parts.join(', ') || 'no models'}`.slice(0, 99),
    body: body.trimEnd(),
  };
}
