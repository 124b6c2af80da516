/**
 * The one entry point every caller uses: the CLI, the Lambda handlers and the tests. It picks the
 * window (the last complete one by default) and runs the job.
 */
import { runBaseline } from './baseline.js';
import { runDrift } from './drift.js';
import { runPerformance } from './performance.js';
import type { JobDeps, JobRequest, JobSummary } from './types.js';
import { durationDays, shiftDate } from './windows.js';

/** The start of the last complete window before `now` (yesterday for daily windows). */
export function lastCompleteWindow(deps: Pick<JobDeps, 'definition' | 'clock'>): string {
  const today = deps.clock.now().toISOString().slice(0, 10);
  return shiftDate(today, -Math.max(1, Math.round(durationDays(deps.definition.window))));
}

export async function runJob(request: JobRequest, deps: JobDeps): Promise<JobSummary> {
  const model = deps.definition.model.id;
  switch (request.job) {
    case 'baseline': {
      const { profile, key } = await runBaseline(deps);
      return {
        job: 'baseline',
        model,
        status: 'ok',
        resultKey: key,
        message: `profiled ${profile.rows} reference rows (${profile.reference.description})`,
      };
    }
    case 'drift': {
      const date = request.date ?? lastCompleteWindow(deps);
      const { result, key } = await runDrift(deps, date);
      return {
        job: 'drift',
        model,
        window: { start: result.window.start, end: result.window.end },
        status: result.status,
        resultKey: key,
        message:
          result.status === 'no_data'
            ? `no predictions in the window starting ${date}`
            : `${result.rows} rows, ${result.dataset.driftedCount} of ${result.dataset.featureCount} features drifted` +
              (result.dataset.drivers.length ? ` (${result.dataset.drivers.join(', ')})` : '') +
              `, ${result.quality.findings.length} data-quality finding${result.quality.findings.length === 1 ? '' : 's'}`,
      };
    }
    case 'performance':
    case 'digest':
      return {
        job: request.job,
        model,
        status: 'skipped',
        message: `the ${request.job} job is not available yet`,
      };
  }
}
