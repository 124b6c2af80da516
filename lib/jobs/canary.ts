/**
 * The canary job: one query reads the window's per-version statistics, the window's document is
 * stored (replacing an earlier run of the same window, so evidence is never counted twice), the
 * verdict is judged over the stored windows since the candidate's first (lib/alerts/canary.ts),
 * stored, and published as a `Canary Verdict` event (EventBridge on AWS, canary.jsonl locally).
 */
import {
  type CanaryGuardrailPlan,
  type CanaryVerdict,
  type CanaryWindowStats,
  canaryVerdictEvent,
  firstSeenWindows,
  judgeCanary,
  SCORE_BINS,
  type VersionWindowStats,
} from '../alerts/canary.js';
import type { CanarySettings, MonitorDefinition } from '../config/schema.js';
import type { Row } from '../ports.js';
import { buildCanaryQuery, CANARY_SCORE_BINS } from '../sql/canary-query.js';
import { labelFileCheck, predictionFileCheck } from './file-check.js';
import { hasNoFiles, sourceFor } from './sources.js';
import type { JobDeps } from './types.js';
import {
  durationMillis,
  isoInstant,
  lastCompleteTimeWindow,
  parseInstant,
  partitionRange,
  shiftDate,
  type TimeWindow,
  timeWindow,
  timeWindowKey,
  timeWindowsIn,
} from './windows.js';

if (SCORE_BINS !== CANARY_SCORE_BINS) throw new Error('canary score bins disagree between sql and alerts');

/** The stored document of one canary window: its statistics and the verdict judged at it. */
export interface CanaryResult {
  schemaVersion: 1;
  job: 'canary';
  model: string;
  window: TimeWindow;
  status: 'ok' | 'no_data';
  versions: VersionWindowStats[];
  verdict: CanaryVerdict;
  evaluatedAt: string;
  generatedAt: string;
  delivery?: 'sent' | 'duplicate';
}

/**
 * When each version's current serving period began (ISO instants; merged by minimum within it) and
 * the start of the last window it served in. A version that reappears after a gap longer than
 * canary.maximumDuration (a smoke test, an aborted canary, a redeploy under the same name) starts a
 * new canary: its first-seen time restarts there.
 */
interface VersionsState {
  versions: Record<string, string>;
  lastSeen?: Record<string, string>;
}

export const canaryKeys = {
  window: (model: string, window: TimeWindow) => timeWindowKey(model, 'canary', window),
  versions: (model: string) => `${model}/canary/versions.json`,
} as const;

/** The guardrails a definition can judge: fixed by its columns and settings, never by the data. */
export function canaryPlan(definition: MonitorDefinition): CanaryGuardrailPlan {
  const p = definition.predictions;
  const canary = definition.canary;
  return {
    errors: !!p.errorColumn,
    latency: !!p.latencyColumn && canary?.latencyBound !== undefined,
    performance: !!definition.labels && definition.model.task !== 'regression',
  };
}

function settingsOf(definition: MonitorDefinition): CanarySettings {
  if (!definition.canary) {
    throw new Error(
      `model ${definition.model.id} has no canary section: add canary: { candidate: { newest: true } } to the definition to judge a candidate version`,
    );
  }
  return definition.canary;
}

const num = (v: Row[string] | undefined): number =>
  typeof v === 'number' ? v : v === null || v === undefined ? 0 : Number(v);

function readRows(
  rows: Row[],
  plan: CanaryGuardrailPlan,
  scored: boolean,
  labelled: boolean,
): VersionWindowStats[] {
  return rows
    .map((r) => {
      const stats: {
        -readonly [K in keyof VersionWindowStats]: VersionWindowStats[K];
      } = {
        version: String(r.version),
        rows: num(r.rows),
        firstSeen: isoInstant(Math.floor(num(r.first_seen)) * 1000),
      };
      if (plan.errors) stats.errors = num(r.errors);
      if (plan.latency) {
        stats.timed = num(r.timed);
        stats.slow = num(r.slow);
      }
      if (labelled) {
        stats.labelled = num(r.labelled);
        stats.misclassified = num(r.misclassified);
      }
      if (scored) stats.scoreBins = Array.from({ length: CANARY_SCORE_BINS }, (_, i) => num(r[`s${i}`] ?? 0));
      return stats as VersionWindowStats;
    })
    .sort((a, b) => (a.version < b.version ? -1 : 1));
}

/** Runs the canary for one window (default: the last complete one before the clock). */
export async function runCanary(
  deps: JobDeps,
  start?: string,
): Promise<{ result: CanaryResult; key: string }> {
  const { definition, engine, store } = deps;
  const settings = settingsOf(definition);
  const model = definition.model.id;
  const p = definition.predictions;
  const now = deps.clock.now();
  const window = start ? timeWindow(start, settings.window) : lastCompleteTimeWindow(now, settings.window);
  const plan = canaryPlan(definition);

  // 1. The window's statistics: one query.
  const days = partitionRange(window);
  const predictions = await sourceFor(deps, deps.sources.predictions, days, predictionFileCheck(definition));
  let versions: VersionWindowStats[] = [];
  const empty = hasNoFiles(predictions);
  if (!empty) {
    const today = now.toISOString().slice(0, 10);
    const labelsSource =
      plan.performance && deps.sources.labels
        ? await sourceFor(
            deps,
            deps.sources.labels,
            deps.sources.labels.partitioned ? { from: days.from, to: shiftDate(today, 1) } : undefined,
            labelFileCheck(definition),
          )
        : undefined;
    const labels =
      labelsSource && !hasNoFiles(labelsSource) && definition.labels
        ? {
            source: labelsSource,
            idColumn: definition.labels.idColumn,
            labelColumn: definition.labels.labelColumn,
            ...(labelsSource.partitioned ? { since: days.from } : {}),
            ...(definition.labels.positiveValue !== undefined
              ? { positiveValue: definition.labels.positiveValue }
              : {}),
            ...(definition.labels.negativeValue !== undefined
              ? { negativeValue: definition.labels.negativeValue }
              : {}),
          }
        : undefined;
    const scored = definition.model.task === 'binary' && !!p.scoreColumn;
    const query = buildCanaryQuery(
      {
        source: predictions,
        window,
        task: definition.model.task,
        idColumn: p.idColumn,
        timestampColumn: p.timestampColumn,
        versionColumn: p.modelVersionColumn!,
        ...(p.errorColumn ? { errorColumn: p.errorColumn } : {}),
        ...(plan.latency ? { latencyColumn: p.latencyColumn!, latencyBound: settings.latencyBound! } : {}),
        ...(p.scoreColumn ? { scoreColumn: p.scoreColumn } : {}),
        ...(p.predictionColumn ? { predictionColumn: p.predictionColumn } : {}),
        threshold: definition.performance.threshold,
        ...(labels ? { labels } : {}),
      },
      engine.dialect,
    );
    versions = readRows(await engine.query(query), plan, scored, plan.performance);
    // Without labels in the log yet, the arms have none: zero labelled rows, not missing fields.
  }

  // 2. First-seen times, merged by minimum (a re-run or an out-of-order backfill changes nothing).
  const state = (await store.getJson<VersionsState>(canaryKeys.versions(model))) ?? { versions: {} };
  let changed = false;
  state.lastSeen ??= {};
  const lastSeen = state.lastSeen;
  const gapMillis = durationMillis(settings.maximumDuration);
  const windowStart = parseInstant(window.start, 'window start');
  for (const v of versions) {
    if (v.rows <= 0) continue;
    const seen = state.versions[v.version];
    const last = lastSeen[v.version] ?? seen;
    const restart =
      seen === undefined ||
      (last !== undefined &&
        windowStart - parseInstant(last, 'last seen') - durationMillis(window.duration) > gapMillis);
    if (restart) {
      state.versions[v.version] = v.firstSeen;
      lastSeen[v.version] = window.start;
      changed = true;
      continue;
    }
    // Within the current serving period (a re-run, or a backfill no older than the gap): merge.
    if (v.firstSeen < seen && parseInstant(seen, 'first seen') - windowStart <= gapMillis) {
      state.versions[v.version] = v.firstSeen;
      changed = true;
    }
    if (last === undefined || window.start > last) {
      lastSeen[v.version] = window.start;
      changed = true;
    }
  }
  if (changed) await store.putJson(canaryKeys.versions(model), state);

  // 3. The stored windows from the candidate's first up to this one (at most the maximum duration).
  const key = canaryKeys.window(model, window);
  const current: CanaryWindowStats = { window: { start: window.start, end: window.end }, versions };
  const firstSeen = new Map(Object.entries(state.versions));
  const history = await loadHistory(deps, settings, window, firstSeen, current);
  const verdict = judgeCanary(history, settings, plan, firstSeen);

  // 4. Store, then publish (idempotent on model, window, pair and verdict).
  const evaluatedAt = now.toISOString();
  const result: CanaryResult = {
    schemaVersion: 1,
    job: 'canary',
    model,
    window,
    status: empty || versions.length === 0 ? 'no_data' : 'ok',
    versions,
    verdict,
    evaluatedAt,
    generatedAt: new Date().toISOString(),
  };
  await store.putJson(key, result);
  if (deps.notifier) {
    // A verdict decided at an earlier window is that window's event: the same verdictId every hour
    // after, so the notifier's idempotent delivery sends it once (and re-sends it if it was lost).
    const decidedAt = verdict.evidence.decidedAt;
    const eventWindow =
      decidedAt && decidedAt !== window.start ? timeWindow(decidedAt, window.duration) : window;
    const event = canaryVerdictEvent(model, eventWindow, verdict, evaluatedAt);
    const delivery = await deps.notifier.publishCanaryVerdict(event);
    result.delivery = delivery.status;
    await store.putJson(key, result);
  }
  return { result, key };
}

/**
 * The windows the verdict replays: from the window holding the candidate's first prediction (the
 * newest version's, or the configured one's) to the judged window, cut at the maximum duration
 * (the verdict is decided by then). Windows never run count as empty.
 */
async function loadHistory(
  deps: JobDeps,
  settings: CanarySettings,
  window: TimeWindow,
  firstSeen: ReadonlyMap<string, string>,
  current: CanaryWindowStats,
): Promise<CanaryWindowStats[]> {
  // The canary starts in the window where the candidate was first seen; with newest: true that is
  // the latest first-seen window of any version (versions first seen together share it).
  const starts = firstSeenWindows([current], firstSeen);
  const seen =
    'version' in settings.candidate
      ? starts.get(settings.candidate.version)
      : [...starts.values()].sort().at(-1);
  if (seen === undefined || seen >= window.end) return [current];
  const step = durationMillis(window.duration);
  const first =
    parseInstant(seen, 'first seen') - (parseInstant(seen, 'first seen') % Math.min(step, 86_400_000));
  const cut = Math.min(
    parseInstant(window.start, 'window start'),
    first + durationMillis(settings.maximumDuration),
  );
  if (cut < first) return [current];
  const windows = timeWindowsIn({ start: isoInstant(first), end: isoInstant(cut) }, window.duration);
  const stored = await Promise.all(
    windows.map((w) => deps.store.getJson<CanaryResult>(canaryKeys.window(deps.definition.model.id, w))),
  );
  const history: CanaryWindowStats[] = stored
    .filter((d): d is CanaryResult => d !== undefined)
    .map((d) => ({ window: { start: d.window.start, end: d.window.end }, versions: d.versions }));
  // The judged window itself, unless it lies past the maximum duration (then the verdict is decided).
  if (parseInstant(window.start, 'window start') < first + durationMillis(settings.maximumDuration))
    history.push(current);
  return history;
}
