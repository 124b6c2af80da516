/**
 * The event every driftwatch Lambda accepts: `{ job, date?, scheduledTime? }`. EventBridge Scheduler
 * sends it as the schedule's input, with `scheduledTime` filled from `<aws.scheduler.scheduled-time>`,
 * so a retried or re-delivered run computes the same window as the first attempt.
 */
import { z } from 'zod';
import { JOB_NAMES } from '../../lib/jobs/types.js';

export const JobEventSchema = z.strictObject({
  job: z.enum(JOB_NAMES),
  /** The window's first day (UTC). @default - the last complete window before `scheduledTime` */
  date: z
    .string()
    .regex(/^\d{4}-\d{2}-\d{2}$/, { message: 'a date as YYYY-MM-DD' })
    .optional(),
  /** When the schedule fired (ISO-8601); the job's clock. @default - the time of the invocation */
  scheduledTime: z.iso.datetime({ offset: true }).optional(),
});

export type JobEvent = z.infer<typeof JobEventSchema>;

/** Thrown for an event that is not a JobEvent: says which field is wrong and what is expected. */
export class InvalidEventError extends Error {
  constructor(readonly problems: string[]) {
    super(
      `invalid driftwatch event: ${problems.join('; ')}. Expected {"job": "${JOB_NAMES.join('" | "')}", "date"?: "YYYY-MM-DD"}`,
    );
    this.name = 'InvalidEventError';
  }
}

/** Parses an event, or throws InvalidEventError listing every problem. */
export function parseJobEvent(event: unknown): JobEvent {
  const result = JobEventSchema.safeParse(event);
  if (result.success) return result.data;
  throw new InvalidEventError(
    result.error.issues.map(
      (issue) => `${issue.path.length ? issue.path.join('.') : '(event)'}: ${issue.message}`,
    ),
  );
}
