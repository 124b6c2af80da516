/**
 * The retraining-ticket rule: a ticket is requested when the model's performance is confirmed below
 * its critical level, or when a top feature drifts at critical level in each of the last N drift
 * windows. One ticket is open per model at a time; the job enforces it with a conditional create
 * (lib/jobs/alerts-tickets.ts), and a replay of a window before the last request requests nothing.
 */
import type { MonitorDefinition } from '../config/schema.js';
import { ticketId } from './ids.js';
import type { WindowObservations } from './observe.js';
import type { Rule } from './rules.js';
import type { AlertSettings } from './settings.js';
import type { AlertState, Hint, Observation } from './types.js';

export interface TicketEvidenceStatistic {
  name: string;
  window: string;
  value: number;
  threshold?: number;
  feature?: string;
  segment?: string;
}

export interface TicketRequest {
  ticketId: string;
  model: string;
  /** The run window the request was made in. */
  window: string;
  reason: 'performance_degraded' | 'critical_drift';
  summary: string;
  evidence: {
    windows: string[];
    statistics: TicketEvidenceStatistic[];
    segments: string[];
  };
}

export interface TicketRuleInput {
  definition: MonitorDefinition;
  settings: AlertSettings;
  runWindow: string;
  driftSeries: readonly WindowObservations[];
  /** The performance rule's judgement, when it fires at critical. */
  perfJudgement?: { rule: Rule; observation?: Observation; sinceWindow: string } | undefined;
  state: AlertState;
  hints: readonly Hint[];
}

function statistic(o: Observation): TicketEvidenceStatistic {
  return {
    name: o.measure ?? o.ruleId,
    window: o.window,
    value: o.value ?? 0,
    ...(o.critical !== undefined ? { threshold: o.critical } : {}),
    ...(o.kind === 'feature_drift' ? { feature: o.subject } : {}),
  };
}

export function evaluateTicket(input: TicketRuleInput): TicketRequest | undefined {
  const { settings, runWindow, definition } = input;
  if (!settings.tickets.enabled) return undefined;
  if (input.state.lastTicketWindow && runWindow <= input.state.lastTicketWindow) return undefined;
  const model = definition.model.id;
  const segments = input.hints
    .filter((h) => h.segment)
    .map((h) => `${h.segment!.column}=${h.segment!.value}`);

  const perf = input.perfJudgement;
  if (settings.tickets.onPerformance && perf?.observation) {
    return {
      ticketId: ticketId(model, runWindow),
      model,
      window: runWindow,
      reason: 'performance_degraded',
      summary: `${perf.observation.summary}, critical since ${perf.sinceWindow}`,
      evidence: {
        windows: [perf.sinceWindow, perf.observation.window],
        statistics: [statistic(perf.observation)],
        segments,
      },
    };
  }

  const n = settings.tickets.driftWindows;
  const top = new Set(settings.topFeatures ?? definition.features.map((f) => f.name));
  const last = input.driftSeries.slice(-n);
  if (last.length < n || last.at(-1)?.window !== runWindow) return undefined;
  const critical = last.map((w) =>
    w.observations.filter((o) => o.kind === 'feature_drift' && o.level === 'critical' && top.has(o.subject)),
  );
  if (critical.some((c) => c.length === 0)) return undefined;
  const persistent = [...new Set(critical.flatMap((c) => c.map((o) => o.subject)))].filter((f) =>
    critical.every((c) => c.some((o) => o.subject === f)),
  );
  const features = persistent.length ? persistent : [...new Set(critical.at(-1)!.map((o) => o.subject))];
  return {
    ticketId: ticketId(model, runWindow),
    model,
    window: runWindow,
    reason: 'critical_drift',
    summary: `critical drift in ${features.join(', ')} for ${n} consecutive windows`,
    evidence: {
      windows: last.map((w) => w.window),
      statistics: critical.flat().map(statistic),
      segments,
    },
  };
}
