/**
 * Canary verdicts (pure): from the per-window, per-version statistics of the prediction log, which
 * version is the candidate and which the incumbent, and whether to promote, hold, roll back or call
 * the canary inconclusive. No I/O and no clock: the job (lib/jobs/canary.ts) reads the windows and
 * stores and publishes the verdict.
 *
 * Guardrails are shares of two arms compared by the mixture SPRT (lib/stats/sequential.ts), each at
 * falseRollbackRate / (number of guardrails) so the chance of rolling back a candidate that is not
 * worse stays under falseRollbackRate over the whole canary, however many windows are looked at:
 * - errors: errored rows of all rows (predictions.errorColumn);
 * - latency: rows slower than canary.latencyBound of rows with a latency (predictions.latencyColumn);
 * - performance: misclassified rows of labelled rows (labels), judged once each arm has
 *   canary.minimumLabels labelled rows.
 * The score distributions of the arms (PSI, incumbent as reference) hold a promote back when they
 * differ by more than margins.scoreShift; they never roll back on their own (a new model is
 * expected to score differently; harm shows in the guardrails).
 */
import type { CanarySettings } from '../config/schema.js';
import { psi } from '../stats/psi.js';
import { type MixtureSprtLook, type StratumCounts, stratifiedMixtureSprt } from '../stats/sequential.js';
import { stableHash } from './ids.js';

export const CANARY_VERDICTS = ['promote', 'hold', 'roll_back', 'inconclusive'] as const;
export type CanaryVerdictName = (typeof CANARY_VERDICTS)[number];
export const GUARDRAILS = ['errors', 'latency', 'performance'] as const;
export type GuardrailName = (typeof GUARDRAILS)[number];

/** Bins of the score histogram: [0, 0.1), [0.1, 0.2), ..., [0.9, 1]. */
export const SCORE_BINS = 10;

/** One version's statistics in one window (counts add up across windows). */
export interface VersionWindowStats {
  readonly version: string;
  readonly rows: number;
  /** The earliest prediction timestamp of this version in the window (ISO-8601). */
  readonly firstSeen: string;
  /** Errored rows (present when the log has an error column). */
  readonly errors?: number;
  /** Rows with a latency, and of them the rows slower than the bound (when a bound is configured). */
  readonly timed?: number;
  readonly slow?: number;
  /** Labelled rows and misclassified ones among them (when the model has labels). */
  readonly labelled?: number;
  readonly misclassified?: number;
  /** SCORE_BINS counts of the score column (binary models with a score column). */
  readonly scoreBins?: readonly number[];
}

/** One canary window's statistics, every version seen in it. */
export interface CanaryWindowStats {
  /** `[start, end)`, ISO-8601 timestamps. */
  readonly window: { readonly start: string; readonly end: string };
  readonly versions: readonly VersionWindowStats[];
}

/** Which guardrails a definition can judge (fixed by the definition, not by the data). */
export interface CanaryGuardrailPlan {
  readonly errors: boolean;
  readonly latency: boolean;
  readonly performance: boolean;
}

export interface ArmCounts {
  readonly n: number;
  readonly events: number;
  readonly share: number | null;
}

export interface GuardrailEvidence {
  readonly name: GuardrailName;
  /** worse: rolled back on it; non_inferior: within the margin; undecided; not_judged (too few rows). */
  readonly status: 'worse' | 'non_inferior' | 'undecided' | 'not_judged';
  readonly candidate: ArmCounts;
  readonly incumbent: ArmCounts;
  readonly difference: number | null;
  /** The always-valid confidence interval of the difference at this look. */
  readonly lower: number | null;
  readonly upper: number | null;
  /** The always-valid p-value of "the candidate is worse" (running minimum over the looks). */
  readonly pValue: number;
  readonly alpha: number;
  readonly margin: number;
}

export interface CanaryReason {
  readonly code: string;
  readonly message: string;
  readonly guardrail?: GuardrailName;
  readonly value?: number;
  readonly threshold?: number;
}

export interface CanaryVerdict {
  readonly verdict: CanaryVerdictName;
  readonly candidate: string | null;
  readonly incumbent: string | null;
  readonly reasons: readonly CanaryReason[];
  readonly evidence: {
    /** The first window with candidate rows (start, ISO-8601). */
    readonly since: string | null;
    /** Windows from `since` up to and including the judged one. */
    readonly windows: number;
    readonly candidateRows: number;
    readonly incumbentRows: number;
    readonly guardrails: readonly GuardrailEvidence[];
    readonly scoreShift: { readonly psi: number; readonly limit: number } | null;
    /** The window (start) whose look reached a promote, roll back or the maximum duration; later looks repeat it. */
    readonly decidedAt: string | null;
  };
}

function durationMillis(duration: string): number {
  const match = /^P(?:(\d+)W|(?:(\d+)D)?(?:T(?:(\d+)H)?)?)$/.exec(duration);
  if (!match) throw new Error(`duration ${JSON.stringify(duration)} is not ISO-8601 (e.g. PT1H)`);
  return (Number(match[1] ?? 0) * 168 + Number(match[2] ?? 0) * 24 + Number(match[3] ?? 0)) * 3_600_000;
}

/** `instant` floored to the start of its window (`step` ms, windows aligned on UTC midnight). */
function windowStartOf(instant: string, step: number): string {
  const t = Date.parse(instant);
  return new Date(t - (((t % step) + step) % step)).toISOString().replace('.000Z', 'Z');
}

/**
 * When each version was first seen, at WINDOW granularity (the start of its first window with rows):
 * a version's first row inside a window is a race between the arms' first requests, never evidence
 * of which was deployed later.
 */
export function firstSeenWindows(
  windows: readonly CanaryWindowStats[],
  known?: ReadonlyMap<string, string>,
): Map<string, string> {
  const first = windows[0];
  const span = first ? Date.parse(first.window.end) - Date.parse(first.window.start) : Number.NaN;
  const step = span > 0 ? span : 3_600_000;
  const seen = new Map<string, string>();
  for (const [version, at] of known ?? []) seen.set(version, windowStartOf(at, step));
  for (const w of windows)
    for (const v of w.versions) {
      if (v.rows <= 0) continue;
      const start = windowStartOf(w.window.start, step);
      const earlier = seen.get(v.version);
      if (earlier === undefined || Date.parse(start) < Date.parse(earlier)) seen.set(v.version, start);
    }
  return seen;
}

/** The candidate and incumbent versions over the windows, or why there is none. */
export function identifyArms(
  windows: readonly CanaryWindowStats[],
  candidate: CanarySettings['candidate'],
  known?: ReadonlyMap<string, string>,
): { candidate: string; incumbent: string } | { problem: CanaryReason; candidate: string | null } {
  const firstSeen = firstSeenWindows(windows, known);
  let chosen: string;
  if ('version' in candidate) {
    if (!firstSeen.has(candidate.version)) {
      return {
        candidate: candidate.version,
        problem: {
          code: 'candidate_not_seen',
          message: `the candidate version ${JSON.stringify(candidate.version)} has no prediction in the log yet`,
        },
      };
    }
    chosen = candidate.version;
  } else {
    if (firstSeen.size < 2) {
      const only = [...firstSeen.keys()];
      return {
        candidate: null,
        problem: {
          code: 'single_version',
          message: `only ${only.length === 0 ? 'no version' : `version ${JSON.stringify(only[0])}`} in the log: no canary is running`,
        },
      };
    }
    // The version(s) first seen in the latest window; when several were, the one with the smaller
    // traffic share over the windows is the canary (never row order or name order).
    const latest = Math.max(...[...firstSeen.values()].map((t) => Date.parse(t)));
    const newest = [...firstSeen.entries()].filter(([, t]) => Date.parse(t) === latest).map(([v]) => v);
    if (newest.length === firstSeen.size || newest.length > 1) {
      const rows = new Map<string, number>(newest.map((v) => [v, 0]));
      for (const w of windows)
        for (const v of w.versions)
          if (rows.has(v.version)) rows.set(v.version, rows.get(v.version)! + v.rows);
      const ranked = [...rows.entries()].sort((a, b) => a[1] - b[1]);
      if (ranked.length > 1 && ranked[0]![1] === ranked[1]![1]) {
        return {
          candidate: null,
          problem: {
            code: 'ambiguous_candidate',
            message: `versions ${JSON.stringify(ranked[0]![0])} and ${JSON.stringify(ranked[1]![0])} were first seen in the same window with the same traffic (${ranked[0]![1]} rows each): set canary.candidate.version to name the candidate`,
          },
        };
      }
      chosen = ranked[0]![0];
    } else {
      chosen = newest[0]!;
    }
  }
  const since = firstWindowOf(windows, chosen);
  if (since < 0) {
    return {
      candidate: chosen,
      problem: {
        code: 'candidate_not_seen',
        message: `the candidate version ${JSON.stringify(chosen)} has no prediction in the canary's windows`,
      },
    };
  }
  const totals = new Map<string, number>();
  for (const w of windows.slice(since))
    for (const v of w.versions)
      if (v.version !== chosen) totals.set(v.version, (totals.get(v.version) ?? 0) + v.rows);
  const incumbents = [...totals.entries()]
    .filter(([, n]) => n > 0)
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
  if (!incumbents.length) {
    return {
      candidate: chosen,
      problem: {
        code: 'no_incumbent',
        message: `no other version served beside the candidate ${JSON.stringify(chosen)}: nothing to compare with`,
      },
    };
  }
  return { candidate: chosen, incumbent: incumbents[0]![0] };
}

function firstWindowOf(windows: readonly CanaryWindowStats[], version: string): number {
  return windows.findIndex((w) => w.versions.some((v) => v.version === version && v.rows > 0));
}

interface Totals {
  rows: number;
  errors: number;
  timed: number;
  slow: number;
  labelled: number;
  misclassified: number;
  bins: number[] | null;
}

function emptyTotals(): Totals {
  return { rows: 0, errors: 0, timed: 0, slow: 0, labelled: 0, misclassified: 0, bins: null };
}

function add(t: Totals, v: VersionWindowStats | undefined): void {
  if (!v) return;
  t.rows += v.rows;
  t.errors += v.errors ?? 0;
  t.timed += v.timed ?? 0;
  t.slow += v.slow ?? 0;
  t.labelled += v.labelled ?? 0;
  t.misclassified += v.misclassified ?? 0;
  if (v.scoreBins) {
    t.bins ??= new Array<number>(v.scoreBins.length).fill(0);
    v.scoreBins.forEach((c, i) => {
      t.bins![i] = (t.bins![i] ?? 0) + c;
    });
  }
}

/**
 * Candidate events (errors, slow rows, misclassifications) a roll back needs: the normal
 * approximation of the mSPRT is not valid for a handful of rare events (one error in 20 candidate
 * rows against 0.1% reads as near-certain), so fewer events never roll back on their own.
 */
export const MINIMUM_EVENTS_TO_ROLL_BACK = 5;

function counts(n: number, events: number): ArmCounts {
  return { n, events, share: n > 0 ? events / n : null };
}

interface GuardrailSpec {
  name: GuardrailName;
  margin: number;
  arms: (t: Totals) => { n: number; events: number };
  minimum: number;
  what: string;
}

function guardrailSpecs(settings: CanarySettings, plan: CanaryGuardrailPlan): GuardrailSpec[] {
  const specs: GuardrailSpec[] = [];
  if (plan.errors)
    specs.push({
      name: 'errors',
      margin: settings.margins.errorRate,
      arms: (t) => ({ n: t.rows, events: t.errors }),
      minimum: 1,
      what: 'error rate',
    });
  if (plan.latency)
    specs.push({
      name: 'latency',
      margin: settings.margins.latencyOverBound,
      arms: (t) => ({ n: t.timed, events: t.slow }),
      minimum: 1,
      what: `share slower than ${settings.latencyBound}`,
    });
  if (plan.performance)
    specs.push({
      name: 'performance',
      margin: settings.margins.misclassification,
      arms: (t) => ({ n: t.labelled, events: t.misclassified }),
      minimum: settings.minimumLabels,
      what: 'misclassified share',
    });
  return specs;
}

const pct = (x: number | null) => (x === null ? 'n/a' : `${(x * 100).toFixed(2)}%`);

/**
 * The verdict at the last of `windows` (sorted by start, one per canary window up to the judged
 * one; windows without rows may be left out). Every look from the candidate's first window on is
 * replayed from the stored counts, so the always-valid p-values are the same whatever order or
 * how often windows were run, and the first promote, roll back or inconclusive at the maximum
 * duration sticks.
 */
export function judgeCanary(
  windows: readonly CanaryWindowStats[],
  settings: CanarySettings,
  plan: CanaryGuardrailPlan,
  /** When each version was first seen, from earlier windows than these (the job keeps it). */
  firstSeen?: ReadonlyMap<string, string>,
): CanaryVerdict {
  const specs = guardrailSpecs(settings, plan);
  const alpha = settings.falseRollbackRate / Math.max(1, specs.length);
  const last = windows.at(-1);
  const arms = identifyArms(windows, settings.candidate, firstSeen);
  const empty = (
    reasons: CanaryReason[],
    candidate: string | null,
    incumbent: string | null,
  ): CanaryVerdict => ({
    verdict: 'inconclusive',
    candidate,
    incumbent,
    reasons,
    evidence: {
      since: null,
      windows: 0,
      candidateRows: 0,
      incumbentRows: 0,
      guardrails: [],
      scoreShift: null,
      decidedAt: null,
    },
  });
  if (!last) return empty([{ code: 'no_data', message: 'no canary window has been read yet' }], null, null);
  if ('problem' in arms) return empty([arms.problem], arms.candidate, null);
  const { candidate, incumbent } = arms;
  const sinceIndex = firstWindowOf(windows, candidate);
  const since = windows[sinceIndex]!.window.start;
  const maxMillis = durationMillis(settings.maximumDuration);
  const c = emptyTotals();
  const i = emptyTotals();
  const runningP = new Map<GuardrailName, number>(specs.map((s) => [s.name, 1]));
  const strata = new Map<GuardrailName, StratumCounts[]>(specs.map((s) => [s.name, []]));
  let decided: CanaryVerdict | null = null;
  let verdict: CanaryVerdict | null = null;
  for (let k = sinceIndex; k < windows.length; k++) {
    const w = windows[k]!;
    const cw = emptyTotals();
    const iw = emptyTotals();
    add(
      cw,
      w.versions.find((v) => v.version === candidate),
    );
    add(
      iw,
      w.versions.find((v) => v.version === incumbent),
    );
    add(
      c,
      w.versions.find((v) => v.version === candidate),
    );
    add(
      i,
      w.versions.find((v) => v.version === incumbent),
    );
    const guardrails: GuardrailEvidence[] = specs.map((spec) => {
      const ca = spec.arms(c);
      const ia = spec.arms(i);
      const own = strata.get(spec.name)!;
      own.push({ candidate: spec.arms(cw), incumbent: spec.arms(iw) });
      const judged = ca.n >= spec.minimum && ia.n >= spec.minimum;
      // Within-window differences combined (stratified), tested against "worse by MORE than the margin".
      const look: MixtureSprtLook | null = judged
        ? stratifiedMixtureSprt(own, { tau: spec.margin, alpha, theta0: spec.margin })
        : null;
      let p = runningP.get(spec.name)!;
      if (look && look.difference > spec.margin) p = Math.min(p, look.pValue);
      runningP.set(spec.name, p);
      const status: GuardrailEvidence['status'] = !look
        ? 'not_judged'
        : p <= alpha && ca.events >= MINIMUM_EVENTS_TO_ROLL_BACK
          ? 'worse'
          : look.upper < spec.margin
            ? 'non_inferior'
            : 'undecided';
      return {
        name: spec.name,
        status,
        candidate: counts(ca.n, ca.events),
        incumbent: counts(ia.n, ia.events),
        difference: look?.difference ?? null,
        lower: look?.lower ?? null,
        upper: look?.upper ?? null,
        pValue: p,
        alpha,
        margin: spec.margin,
      };
    });
    const scoreShift =
      c.bins && i.bins && c.bins.some((x) => x > 0) && i.bins.some((x) => x > 0)
        ? { psi: psi(i.bins, c.bins).statistic, limit: settings.margins.scoreShift }
        : null;
    const evidence = {
      since,
      windows: k - sinceIndex + 1,
      candidateRows: c.rows,
      incumbentRows: i.rows,
      guardrails,
      scoreShift,
      decidedAt: null,
    };
    const reasons: CanaryReason[] = [];
    let name: CanaryVerdictName;
    const worse = guardrails.filter((g) => g.status === 'worse');
    if (worse.length) {
      name = 'roll_back';
      for (const g of worse)
        reasons.push({
          code: `${g.name}_worse`,
          guardrail: g.name,
          value: g.difference ?? 0,
          threshold: g.alpha,
          message: `${specs.find((s) => s.name === g.name)!.what}: candidate ${pct(g.candidate.share)} vs incumbent ${pct(g.incumbent.share)} (${g.candidate.events}/${g.candidate.n} vs ${g.incumbent.events}/${g.incumbent.n}), worse with always-valid p = ${g.pValue.toPrecision(3)} <= ${g.alpha.toPrecision(3)}`,
        });
    } else {
      const missing: CanaryReason[] = [];
      if (c.rows < settings.minimumRows || i.rows < settings.minimumRows)
        missing.push({
          code: 'too_few_rows',
          value: Math.min(c.rows, i.rows),
          threshold: settings.minimumRows,
          message: `${c.rows} candidate and ${i.rows} incumbent rows; a promote needs ${settings.minimumRows} each`,
        });
      if (evidence.windows < settings.minimumWindows)
        missing.push({
          code: 'too_few_windows',
          value: evidence.windows,
          threshold: settings.minimumWindows,
          message: `${evidence.windows} window${evidence.windows === 1 ? '' : 's'} of evidence; a promote needs ${settings.minimumWindows}`,
        });
      for (const g of guardrails) {
        const what = specs.find((s) => s.name === g.name)!.what;
        if (g.status === 'undecided')
          missing.push({
            code: `${g.name}_undecided`,
            guardrail: g.name,
            value: g.upper ?? 1,
            threshold: g.margin,
            message: `${what}: candidate ${pct(g.candidate.share)} vs incumbent ${pct(g.incumbent.share)}; the difference may still be up to ${pct(g.upper)} (margin ${pct(g.margin)})`,
          });
        if (g.status === 'not_judged' && g.name !== 'performance')
          missing.push({
            code: `${g.name}_missing`,
            guardrail: g.name,
            message: `${what}: no rows to judge in one of the arms (${g.candidate.n} candidate, ${g.incumbent.n} incumbent)`,
          });
      }
      if (scoreShift && scoreShift.psi > scoreShift.limit)
        missing.push({
          code: 'score_shift',
          value: scoreShift.psi,
          threshold: scoreShift.limit,
          message: `the candidate's scores are distributed differently from the incumbent's (PSI ${scoreShift.psi.toFixed(3)} > ${scoreShift.limit}): review before promoting`,
        });
      const elapsed = Date.parse(w.window.end) - Date.parse(since);
      if (!missing.length) {
        name = 'promote';
        for (const g of guardrails)
          reasons.push(
            g.status === 'not_judged'
              ? {
                  code: `${g.name}_not_judged`,
                  guardrail: g.name,
                  message: `${specs.find((s) => s.name === g.name)!.what}: not judged (${g.candidate.n} candidate and ${g.incumbent.n} incumbent labelled rows, fewer than ${settings.minimumLabels})`,
                }
              : {
                  code: `${g.name}_non_inferior`,
                  guardrail: g.name,
                  value: g.upper ?? 0,
                  threshold: g.margin,
                  message: `${specs.find((s) => s.name === g.name)!.what}: candidate ${pct(g.candidate.share)} vs incumbent ${pct(g.incumbent.share)}, at most ${pct(g.upper)} worse (margin ${pct(g.margin)})`,
                },
          );
      } else if (elapsed >= maxMillis) {
        name = 'inconclusive';
        reasons.push(
          {
            code: 'maximum_duration',
            value: elapsed / 3_600_000,
            threshold: maxMillis / 3_600_000,
            message: `no decision after ${settings.maximumDuration} (${(elapsed / 3_600_000).toFixed(0)} h since ${since})`,
          },
          ...missing,
        );
      } else {
        name = 'hold';
        reasons.push(...missing);
      }
    }
    verdict = { verdict: name, candidate, incumbent, reasons, evidence };
    if (name === 'promote' || name === 'roll_back' || name === 'inconclusive') {
      decided = { ...verdict, evidence: { ...evidence, decidedAt: w.window.start } };
      break;
    }
  }
  return decided ?? verdict!;
}

export const CANARY_SCHEMA_VERSION = '1.0.0';
export const CANARY_EVENT_SOURCE = 'driftwatch';
export const CANARY_EVENT_DETAIL_TYPE = 'Canary Verdict';

/** The `Canary Verdict` event detail (schemas/canary-verdict.v1.json). */
export type CanaryVerdictDetail = {
  readonly schemaVersion: string;
  /** Same verdict for the same model, window, pair and outcome: consumers de-duplicate on it. */
  readonly verdictId: string;
  readonly model: string;
  readonly candidate: string | null;
  readonly incumbent: string | null;
  readonly verdict: CanaryVerdictName;
  readonly window: { readonly start: string; readonly end: string; readonly duration: string };
  readonly evaluatedAt: string;
  readonly reasons: readonly CanaryReason[];
  readonly evidence: CanaryVerdict['evidence'];
};

/** The event of one window's verdict: id and detail, idempotent on (model, window, pair, verdict). */
export function canaryVerdictEvent(
  model: string,
  window: { start: string; end: string; duration: string },
  verdict: CanaryVerdict,
  evaluatedAt: string,
): { id: string; detail: CanaryVerdictDetail } {
  const id = `cv-${stableHash([model, window.start, window.duration, verdict.candidate ?? '', verdict.incumbent ?? '', verdict.verdict])}`;
  return {
    id,
    detail: {
      schemaVersion: CANARY_SCHEMA_VERSION,
      verdictId: id,
      model,
      candidate: verdict.candidate,
      incumbent: verdict.incumbent,
      verdict: verdict.verdict,
      window: { start: window.start, end: window.end, duration: window.duration },
      evaluatedAt,
      reasons: verdict.reasons,
      evidence: verdict.evidence,
    },
  };
}

/** The event as EventBridge carries it (what a rule matches and a consumer receives). */
export function canaryEnvelope(event: { detail: CanaryVerdictDetail }): {
  source: string;
  'detail-type': string;
  detail: CanaryVerdictDetail;
} {
  return { source: CANARY_EVENT_SOURCE, 'detail-type': CANARY_EVENT_DETAIL_TYPE, detail: event.detail };
}
