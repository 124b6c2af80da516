/**
 * The hub's digest Lambda, on one daily schedule for every model: ONE digest message covering every
 * model deployed to the hub (MODEL_IDS, kept in step with the ModelMonitor constructs at synth),
 * using the definition each model's function registered in the results store.
 *
 * Event: `{ "job": "digest", "date"?: "2026-01-21", "scheduledTime"?: "..." }`. A model that has
 * not run yet (no registered definition) is skipped with a log line. A failure throws, so the
 * invocation is retried; the digest id is per date, so a retry never sends it twice.
 */
import { DIGEST_SCOPE, registryKey } from '../lib/adapters/athena-sources.js';
import { validateDefinition } from '../lib/config/load.js';
import type { MonitorDefinition } from '../lib/config/schema.js';
import { runDigest } from '../lib/jobs/alerts.js';
import { shiftDate } from '../lib/jobs/windows.js';
import { readHubEnvironment } from './shared/env.js';
import { InvalidEventError, parseJobEvent } from './shared/event.js';
import { buildAdapters, clockFor, type LambdaContext, logger, rejectEvent } from './shared/runtime.js';

// Empty when no ModelMonitor is attached to the hub yet.
const modelIds = (process.env.MODEL_IDS ?? '')
  .split(',')
  .map((id) => id.trim())
  .filter(Boolean);
const adapters = buildAdapters(readHubEnvironment(), DIGEST_SCOPE);

export async function handler(
  event: unknown,
  context: LambdaContext,
): Promise<
  | { date: string; models: string[]; skipped: string[]; subject: string; delivery: string }
  | { status: 'rejected'; message: string }
> {
  logger.addContext(context as never);
  let request: ReturnType<typeof parseJobEvent>;
  try {
    request = parseJobEvent(event);
  } catch (error) {
    if (error instanceof InvalidEventError) return rejectEvent(error, event);
    throw error;
  }
  if (request.job !== 'digest') {
    return rejectEvent(
      new InvalidEventError([`job: the hub runs the digest only, got ${request.job}`]),
      event,
    );
  }
  const definitions: MonitorDefinition[] = [];
  const skipped: string[] = [];
  for (const id of modelIds) {
    const registered = await adapters.store.getJson<{ definition: unknown }>(registryKey(id));
    if (!registered) {
      logger.warn('model has not run yet: no registered definition, skipped from the digest', { model: id });
      skipped.push(id);
      continue;
    }
    definitions.push(validateDefinition(registered.definition, `the registered definition of ${id}`));
  }
  const clock = clockFor(request);
  const date = request.date ?? shiftDate(clock.now().toISOString().slice(0, 10), -1);
  // One message for every model: the digest a stakeholder reads over breakfast.
  const { message, delivery } = await runDigest(
    { definitions, store: adapters.store, notifier: adapters.notifier, clock },
    date,
  );
  logger.info('digest published', { date, models: definitions.length, delivery: delivery.status });
  return {
    date,
    models: definitions.map((d) => d.model.id),
    skipped,
    subject: message.subject,
    delivery: delivery.status,
  };
}
