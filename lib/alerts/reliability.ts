/**
 * MTTD and MTTR from the incident history (pure: incidents and a clock reading in, numbers out).
 *
 * Definitions (one clock throughout: instants, never window starts):
 * - detected after: from the END of the first window showing the problem (`firstSeenAt`: the moment
 *   that window's data was complete) to the incident's opening (`openedAt`, the run's clock);
 * - resolved after: from the opening (`openedAt`) to the resolution (`resolvedAt`), both run clocks;
 * - MTTD / MTTR over a period: the mean of those durations over the incidents OPENED in the period
 *   (`openedAt` in (asOf - days, asOf]); MTTR only over those of them resolved by `asOf` (the open
 *   ones are counted beside it: an MTTR without them is a lower bound while any is open);
 * - open: every incident open at `asOf`, WHENEVER it was opened (one opened 120 days ago and still
 *   open counts in the 30- and 90-day lines, with the age of the oldest), so a festering incident
 *   never drops out of the numbers.
 * Incidents stored before `firstSeenAt` existed use the end of `sinceWindow` (the first confirming
 * window), so their MTTD is at most the true one.
 */
import type { Incident } from './types.js';

const HOUR = 3_600_000;

/** One incident with its detection and resolution times, as `driftwatch incidents` lists it. */
export interface IncidentTiming {
  id: string;
  model: string;
  ruleId: string;
  kind: string;
  subject: string;
  status: 'open' | 'resolved';
  level: string;
  peakLevel: string;
  /** The first window showing the problem (YYYY-MM-DD, its start). */
  firstSeenWindow: string;
  /** When that window ended (ISO-8601). */
  firstSeenAt: string;
  openedWindow: string;
  openedAt: string;
  resolvedWindow?: string;
  resolvedAt?: string;
  /** Hours from `firstSeenAt` to `openedAt`. */
  detectHours: number;
  /** Hours from `openedAt` to `resolvedAt` (resolved incidents only). */
  resolveHours?: number;
  /** The latest observation's one-line summary. */
  summary: string;
}

/** MTTD / MTTR of one model and rule (`ruleId` `*`: all rules) over one period. */
export interface ReliabilityStats {
  model: string;
  ruleId: string;
  /** The period's length in days, ending at `asOf`. */
  days: number;
  /** Incidents opened in the period. */
  opened: number;
  /** Of those, resolved by `asOf`. */
  resolved: number;
  /** Incidents open at `asOf`, whenever opened (also before the period). */
  open: number;
  /** Days since the oldest incident open at `asOf` was opened (undefined: none open). */
  oldestOpenDays?: number;
  /** Mean hours from the first window showing the problem to the opening (undefined: no incident). */
  mttdHours?: number;
  /** Mean hours from opening to resolution over the resolved ones (undefined: none resolved). */
  mttrHours?: number;
}

function endOfWindow(start: string, windowDays: number): string {
  return new Date(Date.parse(`${start}T00:00:00Z`) + windowDays * 86_400_000).toISOString();
}

/** Detection and resolution times of each incident, oldest opening first. */
export function incidentTimings(incidents: readonly Incident[], windowDays: number): IncidentTiming[] {
  return incidents
    .map((i): IncidentTiming => {
      const firstSeenWindow = i.firstSeenWindow ?? i.sinceWindow;
      const firstSeenAt = i.firstSeenAt ?? endOfWindow(firstSeenWindow, windowDays);
      const opened = Date.parse(i.openedAt);
      const resolved = i.status === 'resolved' && i.resolvedAt ? Date.parse(i.resolvedAt) : undefined;
      return {
        id: i.id,
        model: i.model,
        ruleId: i.ruleId,
        kind: i.kind,
        subject: i.subject,
        status: i.status,
        level: i.level,
        peakLevel: i.peakLevel,
        firstSeenWindow,
        firstSeenAt,
        openedWindow: i.openedWindow,
        openedAt: i.openedAt,
        ...(i.resolvedWindow ? { resolvedWindow: i.resolvedWindow } : {}),
        ...(i.resolvedAt ? { resolvedAt: i.resolvedAt } : {}),
        detectHours: (opened - Date.parse(firstSeenAt)) / HOUR,
        ...(resolved !== undefined ? { resolveHours: (resolved - opened) / HOUR } : {}),
        summary: i.last.summary,
      };
    })
    .sort((a, b) => a.openedAt.localeCompare(b.openedAt) || a.id.localeCompare(b.id));
}

function mean(values: readonly number[]): number | undefined {
  return values.length ? values.reduce((a, b) => a + b, 0) / values.length : undefined;
}

function stats(
  model: string,
  ruleId: string,
  days: number,
  asOf: number,
  timings: readonly IncidentTiming[],
): ReliabilityStats {
  const inPeriod = timings.filter((t) => {
    const opened = Date.parse(t.openedAt);
    return opened > asOf - days * 86_400_000 && opened <= asOf;
  });
  // Resolved by asOf (a replay's later resolution is not known yet at asOf).
  const resolved = inPeriod.filter(
    (t) => t.resolveHours !== undefined && t.resolvedAt !== undefined && Date.parse(t.resolvedAt) <= asOf,
  );
  const mttd = mean(inPeriod.map((t) => t.detectHours));
  const mttr = mean(resolved.map((t) => t.resolveHours as number));
  // Open at asOf: opened by then and not resolved by then, whenever opened.
  const openAt = timings.filter(
    (t) =>
      Date.parse(t.openedAt) <= asOf && !(t.resolvedAt !== undefined && Date.parse(t.resolvedAt) <= asOf),
  );
  const oldest = openAt.length ? Math.min(...openAt.map((t) => Date.parse(t.openedAt))) : undefined;
  return {
    model,
    ruleId,
    days,
    opened: inPeriod.length,
    resolved: resolved.length,
    open: openAt.length,
    ...(oldest !== undefined ? { oldestOpenDays: (asOf - oldest) / 86_400_000 } : {}),
    ...(mttd !== undefined ? { mttdHours: mttd } : {}),
    ...(mttr !== undefined ? { mttrHours: mttr } : {}),
  };
}

/**
 * MTTD and MTTR per model and rule, and per model over all rules (`ruleId: '*'`, first), for each
 * period (default 30 and 90 days) ending at `asOf`. Rules without an incident opened in the longest
 * period and none open at `asOf` are left out.
 */
export function reliability(
  incidents: readonly Incident[],
  options: { asOf: Date; windowDays: number; periods?: readonly number[] },
): ReliabilityStats[] {
  const periods = options.periods ?? [30, 90];
  const asOf = options.asOf.getTime();
  const longest = Math.max(...periods);
  const timings = incidentTimings(incidents, options.windowDays);
  const out: ReliabilityStats[] = [];
  for (const model of [...new Set(timings.map((t) => t.model))].sort()) {
    const mine = timings.filter((t) => t.model === model);
    const rules = [...new Set(mine.map((t) => t.ruleId))].sort().filter((r) => {
      const s = stats(
        model,
        r,
        longest,
        asOf,
        mine.filter((t) => t.ruleId === r),
      );
      return s.opened > 0 || s.open > 0;
    });
    if (rules.length === 0) continue;
    for (const ruleId of ['*', ...rules]) {
      const subset = ruleId === '*' ? mine : mine.filter((t) => t.ruleId === ruleId);
      for (const days of periods) out.push(stats(model, ruleId, days, asOf, subset));
    }
  }
  return out;
}

/** A duration for people: `45 min`, `5.5 h`, `3.2 d`. */
export function formatHours(hours: number | undefined): string {
  if (hours === undefined || !Number.isFinite(hours)) return '-';
  if (Math.abs(hours) < 1) return `${Math.round(hours * 60)} min`;
  if (Math.abs(hours) < 48) return `${hours.toFixed(1)} h`;
  return `${(hours / 24).toFixed(1)} d`;
}

/** One line per model: `MTTD 26.0 h, MTTR 3.0 d (30 d: 4 incidents, 1 open); 90 d: ...`. */
export function reliabilityLine(stats: readonly ReliabilityStats[]): string | undefined {
  const all = stats.filter((s) => s.ruleId === '*');
  if (all.length === 0) return undefined;
  return all
    .map(
      (s) =>
        `${s.days} d: MTTD ${formatHours(s.mttdHours)}, MTTR ${formatHours(s.mttrHours)} (${s.opened} incident${s.opened === 1 ? '' : 's'}${s.open ? `, ${s.open} open, oldest opened ${formatHours((s.oldestOpenDays ?? 0) * 24)} ago` : ''})`,
    )
    .join('; ');
}
