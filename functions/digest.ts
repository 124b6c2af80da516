/**
 * The hub's digest Lambda, on one daily schedule for every model: runs the `digest` job of each
 * model deployed to the hub (MODEL_IDS, kept in step with the ModelMonitor constructs at synth),
 * using the definition each model's function registered in the results store.
 *
 * Event: `{ "job": "digest", "date"?: "2026-01-21", "scheduledTime"?: "..." }`. A model that has
 * not run yet (no registered definition) is skipped with a log line; a model whose digest fails
 * does not stop the others, and the invocation then fails so it is retried (the digests already
 * published are not repeated: notifications are idempotent).
 */
import { registryKey } from '../lib/adapters/athena-sources.js';
import { validateDefinition } from '../lib/config/load.js';
import type { JobSummary } from '../lib/jobs/types.js';
import { readHubEnvironment } from './shared/env.js';
import { InvalidEventError, parseJobEvent } from './shared/event.js';
import { buildAdapters, type LambdaContext, logger, rejectEvent, runModelJob } from './shared/runtime.js';

// Empty when no ModelMonitor is attached to the hub yet.
const modelIds = (process.env.MODEL_IDS ?? '')
  .split(',')
  .map((id) => id.trim())
  .filter(Boolean);
const adapters = buildAdapters(readHubEnvironment());

export async function handler(
  event: unknown,
  context: LambdaContext,
): Promise<{ digests: JobSummary[]; skipped: string[] } | { status: 'rejected'; message: string }> {
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
  const digests: JobSummary[] = [];
  const skipped: string[] = [];
  const failures: unknown[] = [];
  for (const id of modelIds) {
    const registered = await adapters.store.getJson<{ definition: unknown }>(registryKey(id));
    if (!registered) {
      logger.warn('model has not run yet: no registered definition, skipped from the digest', { model: id });
      skipped.push(id);
      continue;
    }
    try {
      const definition = validateDefinition(registered.definition, `the registered definition of ${id}`);
      digests.push(await runModelJob(request, definition, adapters, context));
    } catch (error) {
      failures.push(error);
    }
  }
  if (failures.length)
    throw new AggregateError(failures, `the digest failed for ${failures.length} model(s)`);
  return { digests, skipped };
}
