/** Runs the pure policy window by window, as the job would, carrying the state. */
import { evaluatePolicy, type PolicyOutput } from '../../../lib/alerts/policy.js';
import { type AlertState, type Decision, emptyState, type JobFailure } from '../../../lib/alerts/types.js';
import type { MonitorDefinition } from '../../../lib/config/schema.js';
import type { DriftResult } from '../../../lib/jobs/drift-result.js';
import type { PerformanceResult } from '../../../lib/jobs/performance-result.js';
import { shiftDate, windowFor } from '../../../lib/jobs/windows.js';

export interface Simulation {
  definition: MonitorDefinition;
  drift: Map<string, DriftResult>;
  performance: PerformanceResult[];
  state: AlertState;
  failures?: Map<string, JobFailure[]>;
}

export function simulation(definition: MonitorDefinition): Simulation {
  return { definition, drift: new Map(), performance: [], state: emptyState(definition.model.id) };
}

/** Evaluates one window (run at 02:00 the day after it ends) and keeps the new state. */
export function step(sim: Simulation, date: string, now?: Date): PolicyOutput {
  const drift = Array.from({ length: 30 }, (_, k) => shiftDate(date, k - 29)).map((window) => ({
    window,
    result: sim.drift.get(window),
  }));
  const since = [...sim.drift.keys()].sort()[0];
  const output = evaluatePolicy({
    definition: sim.definition,
    window: windowFor(sim.definition, date),
    now: now ?? new Date(`${shiftDate(date, 1)}T02:00:00Z`),
    drift,
    performance: sim.performance.filter((p) => p.window.start <= date),
    ...(since ? { monitoringSince: since } : {}),
    failures: sim.failures?.get(date) ?? [],
    state: sim.state,
  });
  sim.state = output.state;
  return output;
}

/** Runs every date in order; returns the decisions per date. */
export function runAll(sim: Simulation, dates: readonly string[]): Map<string, Decision[]> {
  const out = new Map<string, Decision[]>();
  for (const date of dates) out.set(date, step(sim, date).decisions);
  return out;
}

export function flat(
  decisions: Map<string, Decision[]>,
): { date: string; type: string; rule: string; subject: string; level: string; route: string }[] {
  return [...decisions].flatMap(([date, list]) =>
    list.map((d) => ({
      date,
      type: d.type,
      rule: d.incident.ruleId,
      subject: d.incident.subject,
      level: d.incident.level,
      route: d.incident.route,
    })),
  );
}
