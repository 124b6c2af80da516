/**
 * The schedule replayed over real-shaped worlds (lib/demo/world.ts): features depend on their
 * segments, labels arrive a week late (some later, some never), and the drift job, the matured
 * performance job and the alert policy run every morning as deployed (lib/jobs/backtest.ts). A
 * stable world must stay quiet; each injected change must open the right incident, and only it,
 * within one window of its onset.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { DuckDbQueryEngine } from '../../../lib/adapters/duckdb-engine.js';
import { FileNotifier } from '../../../lib/adapters/file-notifier.js';
import { localContext } from '../../../lib/cli/context.js';
import { validateDefinition } from '../../../lib/config/load.js';
import { generateWorld, WORLD_DEFAULTS, type WorldChange, worldDefinition } from '../../../lib/demo/world.js';
import { type BacktestDay, runBacktest } from '../../../lib/jobs/backtest.js';
import { runBaseline } from '../../../lib/jobs/baseline.js';
import type { NumericProfile } from '../../../lib/jobs/profile.js';
import { shiftDate } from '../../../lib/jobs/windows.js';
import { tempDir } from '../../helpers/temp.js';

const cleanups: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const c of cleanups) await c();
});

interface Replay {
  days: BacktestDay[];
  /** `ruleId:subject` of every incident opened, with the window that opened it. */
  opened: { incident: string; date: string }[];
  profile: Awaited<ReturnType<typeof runBaseline>>['profile'];
}

async function replay(task: 'binary' | 'regression', changes: WorldChange[], days: number): Promise<Replay> {
  const dir = await tempDir();
  cleanups.push(dir.cleanup);
  const generator = await DuckDbQueryEngine.create();
  const { endDate } = await generateWorld(generator, {
    ...WORLD_DEFAULTS,
    outDir: dir.path,
    task,
    changes,
    days,
  }).finally(() => generator.close());
  const definition = validateDefinition(worldDefinition(task, 'data'), `${dir.path}/driftwatch.yaml`);
  const context = await localContext(definition, { baseDir: dir.path, outDir: dir.path });
  try {
    const { profile } = await runBaseline(context.deps);
    const result = await runBacktest(context.deps, {
      from: WORLD_DEFAULTS.startDate,
      to: endDate,
      notifier: new FileNotifier({ outDir: dir.path, print: () => {} }),
    });
    const opened = result.flatMap((d) =>
      d.alerts.decisions
        .filter((x) => x.type === 'opened')
        .map((x) => ({ incident: `${x.ruleId}:${x.subject}`, date: d.date })),
    );
    return { days: result, opened, profile };
  } finally {
    await context.close();
  }
}

/** The window (YYYY-MM-DD) of a 1-based world day. */
const day = (n: number) => shiftDate(WORLD_DEFAULTS.startDate, n - 1);

describe('the schedule replayed over real-shaped worlds', () => {
  it('a stable 60-day world whose features depend on its segments opens no incident', async () => {
    const { days, opened } = await replay('binary', [], 60);
    expect(days).toHaveLength(60);
    // Performance was evaluated on schedule from the first matured window on.
    expect(days.filter((d) => d.performance?.status === 'ok').length).toBeGreaterThanOrEqual(50);
    // Segments were judged against themselves.
    expect(days[10]!.drift.segments.every((s) => s.baseline === 'segment')).toBe(true);
    expect(opened).toEqual([]);
  }, 600_000);

  it('a feature shift opens one feature-drift incident within one window of onset', async () => {
    const { opened } = await replay(
      'binary',
      [{ kind: 'feature_shift', feature: 'age', day: 20, sd: 0.5 }],
      26,
    );
    expect(opened.map((o) => o.incident)).toEqual(['feature-drift:age']);
    expect(opened[0]!.date <= day(21)).toBe(true);
  }, 600_000);

  it('a gradual shift opens when its cumulative shift crosses 0.25 sd, within one window', async () => {
    const sdPerDay = 1 / 30;
    const { opened, profile } = await replay(
      'binary',
      [{ kind: 'gradual_shift', feature: 'credit_utilization', day: 5, sdPerDay }],
      30,
    );
    // The shift is in within-segment sds; the 0.25 sd mark is on the feature's overall sd.
    const overallSd = (profile.features.find((f) => f.name === 'credit_utilization') as NumericProfile).std!;
    const perDay = sdPerDay * 0.15;
    const crossing = 5 + Math.ceil((0.25 * overallSd) / perDay) - 1;
    expect(opened.map((o) => o.incident)).toEqual(['feature-drift:credit_utilization']);
    expect(opened[0]!.date <= day(crossing + 1)).toBe(true);
  }, 600_000);

  it('a performance failure in one segment opens that segment’s incident only, as soon as its labels mature', async () => {
    const { opened, days } = await replay(
      'binary',
      [{ kind: 'segment_concept_drift', segment: { column: 'region', value: 'west' }, day: 12 }],
      26,
    );
    expect(opened.map((o) => o.incident)).toEqual(['slice-parity:region=west']);
    // Window 12's labels mature on the morning after window 19: the first evaluation that can see it.
    const evaluated = days.find((d) => d.performance?.window.start === day(12))!;
    expect(opened[0]!.date <= shiftDate(evaluated.date, 1)).toBe(true);
  }, 600_000);

  it('a regression model with an in-sample training reference is quiet while stable and opens one incident for a +10% RMSE step', async () => {
    const { opened, days } = await replay(
      'regression',
      [{ kind: 'noise_increase', day: 22, factor: 1.1 }],
      36,
    );
    const rmse = days
      .filter((d) => d.performance?.status === 'ok')
      .map((d) => d.performance!.overall.metrics.rmse as number);
    expect(Math.min(...rmse)).toBeGreaterThan(40);
    expect(opened.map((o) => o.incident)).toEqual(['performance:rmse']);
    const evaluated = days.find((d) => d.performance?.window.start === day(22))!;
    expect(opened[0]!.date <= shiftDate(evaluated.date, 1)).toBe(true);
  }, 600_000);
});
