/**
 * The one entry point every caller uses: the CLI, the Lambda handlers and the tests. It picks the
 * window (the last complete one by default) and runs the job.
 */
import { runBaseline } from './baseline.js';
import { runCanary } from './canary.js';
import { runDrift } from './drift.js';
import { runEstimate } from './estimate.js';
import { runPerformance, runScheduledPerformance } from './performance.js';
import { runSlo } from './slo.js';
import type { JobDeps, JobRequest, JobSummary } from './types.js';
import { lastCompleteWindow } from './windows.js';

export { lastCompleteWindow };

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
            ? `no predictions in the window starting ${date}${noDataHint(result.quality.findings)}`
            : `${result.rows} rows, ${result.dataset.driftedCount} of ${result.dataset.featureCount} features drifted` +
              (result.dataset.drivers.length ? ` (${result.dataset.drivers.join(', ')})` : '') +
              `, ${result.quality.findings.length} data-quality finding${result.quality.findings.length === 1 ? '' : 's'}`,
      };
    }
    case 'performance': {
      const date = request.date ?? lastCompleteWindow(deps);
      const { result, key, rechecked } = request.scheduled
        ? await runScheduledPerformance(deps, date)
        : { ...(await runPerformance(deps, date)), rechecked: [] };
      const primary = result.overall.metrics[result.primaryMetric];
      const parts = [
        `${result.overall.labelled} of ${result.overall.predictions} predictions labelled (${(result.overall.coverage * 100).toFixed(1)}%)`,
      ];
      if (result.status === 'not_mature') parts.push(`not mature until ${result.maturity.matureOn}`);
      if (result.status === 'ok' && typeof primary === 'number')
        parts.push(`${result.primaryMetric} ${primary.toFixed(4)}`);
      if (result.status === 'ok' && result.worstSegment) {
        const w = result.worstSegment;
        parts.push(`worst segment ${w.column}=${w.value} (${w.gap >= 0 ? '+' : ''}${w.gap.toFixed(3)})`);
      }
      if (result.revision > 1) parts.push(`revision ${result.revision}`);
      if (rechecked.length) parts.push(`late labels: evaluated ${rechecked.join(', ')} again`);
      const findings = result.findings ?? [];
      if (findings.length)
        parts.push(
          `${findings.length} label/score finding${findings.length === 1 ? '' : 's'} (${findings.map((f) => f.kind).join(', ')})`,
        );
      return {
        job: 'performance',
        model,
        window: { start: result.window.start, end: result.window.end },
        status: result.status === 'ok' || result.status === 'not_mature' ? result.status : 'no_data',
        resultKey: key,
        message: parts.join(', '),
      };
    }
    case 'canary': {
      if (request.date) {
        throw new Error(
          'the canary judges one sub-day window: give its first instant (start, e.g. 2026-10-08T05:00:00Z), not a date',
        );
      }
      const { result, key } = await runCanary(deps, request.start);
      const v = result.verdict;
      const pair = v.candidate ? `${v.candidate} vs ${v.incumbent ?? '(none)'}` : 'no candidate';
      return {
        job: 'canary',
        model,
        window: { start: result.window.start, end: result.window.end },
        status: result.status,
        resultKey: key,
        message: `${v.verdict} (${pair}): ${v.reasons[0]?.message ?? 'every guardrail within its margin'}`,
      };
    }
    case 'slo': {
      if (request.date) {
        throw new Error(
          'the slo job evaluates the last complete sub-window as of its clock, not a date: run it without --date',
        );
      }
      const { result, key } = await runSlo(deps);
      const parts = result.slos.map(
        (s) =>
          `${s.name} ${s.level === 'none' ? 'ok' : s.level === 'critical' ? 'FAST BURN' : 'slow burn'} (${(Math.max(0, s.budget.remaining) * 100).toFixed(1)}% of budget left)`,
      );
      return {
        job: 'slo',
        model,
        window: { start: result.window.start, end: result.window.end },
        status: 'ok',
        resultKey: key,
        message: parts.join(', '),
      };
    }
    case 'estimate': {
      const date = request.date ?? lastCompleteWindow(deps);
      const { result, key } = await runEstimate(deps, date);
      const fmt = (name: 'accuracy' | 'rocAuc') => {
        const m = result.overall.metrics[name];
        return m.value === null
          ? `${name} undefined`
          : `${name} ${m.value.toFixed(4)} (95% band ${m.lower?.toFixed(4)}..${m.upper?.toFixed(4)})`;
      };
      return {
        job: 'estimate',
        model,
        window: { start: result.window.start, end: result.window.end },
        status: result.status === 'no_data' ? 'no_data' : 'ok',
        resultKey: key,
        message:
          result.status === 'no_data'
            ? `no scored predictions in the window starting ${date}`
            : `estimated (no labels): ${result.overall.estimated} predictions, ${fmt('accuracy')}, ${fmt('rocAuc')}${result.findings.map((f) => `; ${f.message}`).join('')}`,
      };
    }
    case 'digest':
      throw new Error(
        'the digest covers every model: run it with `driftwatch digest`, not as a per-model job',
      );
  }
}

/** The no_data finding's cause (unread files, where the log ends), unless it is the generic one. */
function noDataHint(findings: readonly { kind: string; message: string }[]): string {
  const message = findings.find((f) => f.kind === 'no_data')?.message ?? '';
  const cause = message.slice(message.indexOf(': ') + 2);
  return message.includes(': ') && !cause.startsWith('check the logging pipeline') ? `: ${cause}` : '';
}
