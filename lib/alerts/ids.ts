/** Deterministic ids: the same inputs give the same id on every run, so re-runs de-duplicate. */
import { createHash } from 'node:crypto';

/**
 * A short, stable hash of the parts (sha-256, 16 hex characters).
 * @example stableHash(['credit-default', 'volume', 'predictions', '2026-10-18']) // => '3f1c...'
 */
export function stableHash(parts: readonly string[]): string {
  return createHash('sha256').update(parts.join('\u0000')).digest('hex').slice(0, 16);
}

/** The id of the incident that opens for (model, rule, subject) in a window. */
export function incidentId(model: string, ruleId: string, subject: string, openedWindow: string): string {
  return `inc-${stableHash([model, ruleId, subject, openedWindow])}`;
}

/** The id of a retraining ticket requested for a model in a window. */
export function ticketId(model: string, window: string): string {
  return `rt-${stableHash([model, 'retraining', window])}`;
}
