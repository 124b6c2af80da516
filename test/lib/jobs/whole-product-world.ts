/**
 * A test world with EVERY monitoring feature switched on at once, replayed morning by morning as
 * the deployed schedule runs it (functions/shared/runtime.ts): at 02:00 the drift job for yesterday
 * (which also computes the KPIs of yesterday and of the window whose outcomes matured) and the
 * estimate, at 03:00 the performance job for the window whose labels matured, then the alert policy
 * with the estimated-performance rule ON. A job that fails is reported to the alert policy as a
 * failure (the `job-failed` path of the runtime: the 02:00 invocation runs drift then the estimate,
 * and an error in either fails it as the drift job), never thrown out of the replay, so one bad
 * day cannot stop the replay of the days after it. Unlike lib/jobs/backtest.ts, which throws.
 *
 * The world is lib/demo/world.ts (features that depend on their segments, labels a week late, 8%
 * later, 7% never) post-processed with DuckDB to add what that generator has no knob for: an
 * `approved` flag in the prediction log (the prediction-log KPI `approval_rate`), an outcomes log of
 * revenue arriving 3 days late (the outcome KPI `revenue_per_prediction`), a covariate shift in one
 * segment only, a KPI drop, a week without labels and bad files on chosen days.
 */
import { mkdir, readdir, rm, stat, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DuckDbQueryEngine } from '../../../lib/adapters/duckdb-engine.js';
import { FileNotifier } from '../../../lib/adapters/file-notifier.js';
import { localContext } from '../../../lib/cli/context.js';
import { validateDefinition } from '../../../lib/config/load.js';
import type { MonitorDefinitionInput } from '../../../lib/config/schema.js';
import { generateWorld, WORLD_DEFAULTS, type WorldChange, worldDefinition } from '../../../lib/demo/world.js';
import { type AlertsRunSummary, runAlerts } from '../../../lib/jobs/alerts.js';
import { runBaseline } from '../../../lib/jobs/baseline.js';
import { runDrift } from '../../../lib/jobs/drift.js';
import type { DriftResult } from '../../../lib/jobs/drift-result.js';
import { type EstimatedResult, runEstimate } from '../../../lib/jobs/estimate.js';
import type { KpiResult } from '../../../lib/jobs/kpi-result.js';
import { runPerformance } from '../../../lib/jobs/performance.js';
import type { PerformanceResult } from '../../../lib/jobs/performance-result.js';
import { maturedWindow, resultKeys, shiftDate, windowFor } from '../../../lib/jobs/windows.js';
import { quoteString } from '../../../lib/sql/identifiers.js';
import { tempDir } from '../../helpers/temp.js';

export const START = WORLD_DEFAULTS.startDate;
/** The window (YYYY-MM-DD) of a 1-based world day. */
export const day = (n: number) => shiftDate(START, n - 1);

/** What the post-processing injects, on 1-based days. */
export interface Injections {
  /**
   * `loan_amount` (a feature neither the score nor the outcome depends on) x `factor` from `day` on,
   * in one region, or everywhere without one.
   */
  loanShift?: { region?: string; day: number; factor: number };
  /** The approval rate falls from 0.6 to `to` from `day` on. */
  kpiDrop?: { day: number; to: number };
  /** No labels partition arrives on days `from` .. `from + days - 1` (arrival dates). */
  labelGap?: { from: number; days: number };
  /** Bad files in the prediction log's partition of a day. */
  badFiles?: { day: number; kind: 'wrong_schema' | 'truncated' | 'empty' }[];
}

export interface WholeWorld {
  seed: number;
  days: number;
  rowsPerDay?: number;
  changes?: WorldChange[];
  inject?: Injections;
  /** Alert-rule overrides on top of "estimated-performance on". */
  rules?: NonNullable<MonitorDefinitionInput['alerts']>['rules'];
}

export interface Morning {
  /** The window the drift job and the alerts judged. */
  date: string;
  drift?: DriftResult;
  estimated?: EstimatedResult;
  performance?: PerformanceResult;
  /** Jobs that failed this morning, with their message. */
  failures: { job: 'drift' | 'performance'; window: string; message: string }[];
  alerts: AlertsRunSummary;
}

export interface WholeReplay {
  dir: string;
  mornings: Morning[];
  /** Every decision of every morning, `type rule:subject level` with the window. */
  decisions: { date: string; type: string; incident: string; level: string; route: string }[];
  /** `rule:subject` of every incident opened, with its window. */
  opened: { incident: string; date: string; level: string; route: string }[];
  tickets: { date: string; ticketId: string; created: boolean }[];
  /** The stored KPI result of a window (computed by the drift job), if any. */
  kpi(date: string): Promise<KpiResult | undefined>;
  cleanup: () => Promise<void>;
}

const uniform = (expr: string) => `((hash(${expr}) >> 11)::DOUBLE + 0.5) / 9007199254740992.0`;

/** The definition: the world's, plus two KPIs, the outcomes log and the estimated-performance rule on. */
export function wholeDefinition(rules: WholeWorld['rules'] = {}): MonitorDefinitionInput {
  const base = worldDefinition('binary', 'data');
  return {
    ...base,
    outcomes: { location: 'data/outcomes', format: 'parquet', idColumn: 'prediction_id', delay: 'P3D' },
    kpis: [
      {
        name: 'approval_rate',
        aggregate: 'rate',
        column: 'approved',
        source: 'predictions',
        thresholds: { relative: 0.1 },
        direction: 'higher_is_better',
      },
      {
        name: 'revenue_per_prediction',
        aggregate: 'mean',
        column: 'revenue',
        source: 'outcomes',
        thresholds: { relative: 0.1 },
        direction: 'higher_is_better',
      },
    ],
    alerts: { rules: { 'estimated-performance': { enabled: true }, ...rules } },
  };
}

async function postProcess(engine: DuckDbQueryEngine, dataDir: string, endDate: string, inject: Injections) {
  const predictions = join(dataDir, 'predictions');
  const dayNo = `(date_diff('day', DATE ${quoteString(START)}, CAST(dt AS DATE)) + 1)`;
  const shift = inject.loanShift;
  const drop = inject.kpiDrop;
  await engine.execute(
    `CREATE OR REPLACE TEMP TABLE p AS SELECT * REPLACE (
       ${shift ? `CASE WHEN ${shift.region ? `region = ${quoteString(shift.region)}` : 'true'} AND ${dayNo} >= ${shift.day} THEN round(loan_amount * ${shift.factor}, -1) ELSE loan_amount END` : 'loan_amount'} AS loan_amount),
       CAST(${uniform(`prediction_id || ':approved'`)} < ${drop ? `CASE WHEN ${dayNo} >= ${drop.day} THEN ${drop.to} ELSE 0.6 END` : '0.6'} AS INTEGER) AS approved
     FROM read_parquet(${quoteString(`${predictions}/*/*.parquet`)}, hive_partitioning = true, hive_types_autocast = false)`,
  );
  await rm(predictions, { recursive: true, force: true });
  await engine.execute(
    `COPY (SELECT * FROM p ORDER BY dt, prediction_id) TO ${quoteString(predictions)} (FORMAT parquet, PARTITION_BY (dt), COMPRESSION zstd)`,
  );
  // Outcomes: revenue of 97% of predictions, arriving 3 days after the prediction, independent of
  // everything else (a KPI drop in approvals must not move it).
  await engine.execute(
    `COPY (
       SELECT prediction_id, round(50 + 100 * ${uniform(`prediction_id || ':revenue'`)}, 2) AS revenue,
              strftime(CAST(dt AS DATE) + INTERVAL 3 DAY, '%Y-%m-%d') AS dt
       FROM p
       WHERE ${uniform(`prediction_id || ':has_outcome'`)} < 0.97
         AND strftime(CAST(dt AS DATE) + INTERVAL 3 DAY, '%Y-%m-%d') <= ${quoteString(endDate)}
       ORDER BY dt, prediction_id)
     TO ${quoteString(join(dataDir, 'outcomes'))} (FORMAT parquet, PARTITION_BY (dt), COMPRESSION zstd)`,
  );
  if (inject.labelGap) {
    for (let i = 0; i < inject.labelGap.days; i++)
      await rm(join(dataDir, 'labels', `dt=${day(inject.labelGap.from + i)}`), {
        recursive: true,
        force: true,
      });
  }
  for (const bad of inject.badFiles ?? []) {
    const folder = join(predictions, `dt=${day(bad.day)}`);
    if (bad.kind === 'wrong_schema') {
      // Another table's export dropped into the partition: an id, but none of the model's columns.
      const file = join(folder, 'export-customers.parquet');
      await engine.execute(
        `COPY (SELECT 'c-' || i AS customer_id, 'note ' || i AS note, i * 1.5 AS balance FROM range(400) t(i))
         TO ${quoteString(file)} (FORMAT parquet)`,
      );
    } else if (bad.kind === 'truncated') {
      // The day's own file cut in half (an upload that died).
      const [name] = (await readdir(folder)).filter((f) => f.endsWith('.parquet'));
      const file = join(folder, name as string);
      await truncate(file, Math.floor((await stat(file)).size / 2));
    } else {
      await mkdir(folder, { recursive: true });
      await writeFile(join(folder, 'part-empty.parquet'), '');
    }
  }
  await engine.execute('DROP TABLE p');
}

/** Generates the world, profiles the reference and replays every morning of it. */
export async function replayWhole(world: WholeWorld): Promise<WholeReplay> {
  const dir = await tempDir('driftwatch-whole-');
  const dataDir = join(dir.path, 'data');
  const generator = await DuckDbQueryEngine.create({ threads: 1 });
  let endDate: string;
  try {
    ({ endDate } = await generateWorld(generator, {
      ...WORLD_DEFAULTS,
      outDir: dir.path,
      task: 'binary',
      seed: world.seed,
      days: world.days,
      rowsPerDay: world.rowsPerDay ?? 2000,
      referenceRows: 20_000,
      changes: world.changes ?? [],
    }));
    await postProcess(generator, dataDir, endDate, world.inject ?? {});
  } finally {
    await generator.close();
  }
  const definition = validateDefinition(wholeDefinition(world.rules), `${dir.path}/driftwatch.yaml`);
  const context = await localContext(definition, { baseDir: dir.path, outDir: dir.path });
  const notifier = new FileNotifier({ outDir: dir.path, print: () => {} });
  const mornings: Morning[] = [];
  try {
    await runBaseline(context.deps);
    for (let i = 0; i < world.days; i++) {
      const date = day(i + 1);
      const morning = shiftDate(date, 1);
      const at = (time: string) => {
        const now = new Date(`${morning}T${time}:00Z`);
        return { ...context.deps, clock: { now: () => now } };
      };
      const m: Omit<Morning, 'alerts'> = { date, failures: [] };
      // As functions/shared/runtime.ts: the 02:00 invocation runs drift (whose KPI step computes
      // the KPIs), then the estimate; an error in either fails the invocation as the drift job.
      try {
        m.drift = (await runDrift(at('02:00'), date)).result;
        m.estimated = (await runEstimate(at('02:00'), date)).result;
      } catch (error) {
        m.failures.push({ job: 'drift', window: date, message: (error as Error).message });
      }
      const matured = maturedWindow(definition, at('03:00').clock.now());
      if (matured >= START) {
        try {
          m.performance = (await runPerformance(at('03:00'), matured)).result;
        } catch (error) {
          m.failures.push({ job: 'performance', window: matured, message: (error as Error).message });
        }
      }
      const alerts = await runAlerts(
        {
          definition,
          store: context.deps.store,
          notifier,
          clock: at('03:00').clock,
          failures: m.failures,
        },
        date,
      );
      mornings.push({ ...m, alerts });
    }
  } finally {
    await context.close();
  }
  const decisions = mornings.flatMap((m) =>
    m.alerts.decisions.map((d) => ({
      date: m.date,
      type: d.type,
      incident: `${d.ruleId}:${d.subject}`,
      level: d.level,
      route: d.route,
    })),
  );
  return {
    dir: dir.path,
    mornings,
    decisions,
    opened: decisions
      .filter((d) => d.type === 'opened')
      .map(({ incident, date, level, route }) => ({ incident, date, level, route })),
    tickets: mornings.flatMap((m) =>
      m.alerts.ticket
        ? [{ date: m.date, ticketId: m.alerts.ticket.ticketId, created: m.alerts.ticket.created }]
        : [],
    ),
    kpi: (date) =>
      context.deps.store.getJson<KpiResult>(
        resultKeys.result(definition.model.id, 'kpi', windowFor(definition, date)),
      ),
    cleanup: dir.cleanup,
  };
}

/** One line per decision, for a failure message a reader can act on. */
export function describeDecisions(replay: WholeReplay): string {
  return replay.decisions.map((d) => `${d.date} ${d.type} ${d.incident} ${d.level} ${d.route}`).join('\n');
}
