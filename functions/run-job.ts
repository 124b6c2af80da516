/**
 * The Lambda of one monitored model: runs `baseline`, `drift`, `performance` or `digest` for the
 * model whose definition was bundled into this function at synth time.
 *
 * Event: `{ "job": "drift", "date"?: "2026-01-21", "scheduledTime"?: "2026-01-22T02:00:00Z" }`.
 * A malformed event is logged and counted (metric InvalidEvent) and NOT retried; a failed job throws,
 * so Lambda retries it and then sends it to the dead-letter queue. Results go under deterministic
 * keys and notifications are idempotent, so a re-delivered event does no double work.
 */
import { existsSync, readFileSync } from 'node:fs';
import { registryKey } from '../lib/adapters/athena-sources.js';
import { validateDefinition } from '../lib/config/load.js';
import type { JobSummary } from '../lib/jobs/types.js';
import { readHubEnvironment } from './shared/env.js';
import { InvalidEventError, parseJobEvent } from './shared/event.js';
import { buildAdapters, type LambdaContext, logger, rejectEvent, runModelJob } from './shared/runtime.js';

// Replaced by the definition's JSON at bundling time (esbuild `define`; tests set the variable),
// or, for the pre-bundled handler the package ships, definition.json beside it (infra/driftwatch-function.ts).
const bundled = process.env.DRIFTWATCH_DEFINITION ?? readDefinitionFile();
if (!bundled)
  throw new Error('no monitor definition was bundled: deploy this function with the ModelMonitor construct');
const definition = validateDefinition(JSON.parse(bundled), 'the definition bundled into this function');
const adapters = buildAdapters(readHubEnvironment(), definition.model.id);
logger.appendKeys({ model: definition.model.id });

function readDefinitionFile(): string | undefined {
  const file = new URL('./definition.json', import.meta.url);
  return existsSync(file) ? readFileSync(file, 'utf8') : undefined;
}

export async function handler(
  event: unknown,
  context: LambdaContext,
): Promise<JobSummary | { status: 'rejected'; message: string }> {
  logger.addContext(context as never);
  let request: ReturnType<typeof parseJobEvent>;
  try {
    request = parseJobEvent(event);
  } catch (error) {
    if (error instanceof InvalidEventError) return rejectEvent(error, event);
    throw error;
  }
  // The hub's digest reads the definitions of the deployed models from here.
  await adapters.store.putJson(registryKey(definition.model.id), {
    definition,
    functionName: context.functionName,
  });
  return runModelJob(request, definition, adapters, context);
}
