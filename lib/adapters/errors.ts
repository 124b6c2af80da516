/**
 * Errors raised by the AWS and local adapters. Each names what failed and carries the context an
 * operator needs (query id, key, message id) so a log line is enough to find the cause.
 */

/** The base of every adapter error. */
export class AdapterError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'AdapterError';
  }
}

/** An Athena query ended FAILED or CANCELLED: names the query id, the query name and Athena's reason. */
export class AthenaQueryFailedError extends AdapterError {
  constructor(
    readonly queryExecutionId: string,
    readonly queryName: string,
    readonly state: string,
    readonly reason: string,
    options?: { cause?: unknown },
  ) {
    super(`athena query ${queryName} (${queryExecutionId}) ended ${state}: ${reason}`, options);
    this.name = 'AthenaQueryFailedError';
  }
}

/** An Athena query ran past its time limit or was aborted; it was stopped (StopQueryExecution). */
export class AthenaQueryTimeoutError extends AdapterError {
  constructor(
    readonly queryExecutionId: string,
    readonly queryName: string,
    readonly waitedMillis: number,
    readonly aborted: boolean,
  ) {
    super(
      aborted
        ? `athena query ${queryName} (${queryExecutionId}) was aborted after ${waitedMillis} ms and stopped`
        : `athena query ${queryName} (${queryExecutionId}) did not finish within ${waitedMillis} ms and was stopped: raise the timeout or narrow the window`,
    );
    this.name = 'AthenaQueryTimeoutError';
  }
}

/**
 * The job's deadline (the Lambda's remaining time minus the margin kept for reporting) was reached:
 * the running query, if any, was stopped and no further query starts.
 */
export class JobDeadlineError extends AdapterError {
  constructor(
    readonly queryName: string,
    readonly queryExecutionId?: string,
    readonly waitedMillis?: number,
  ) {
    super(
      queryExecutionId
        ? `the job reached its deadline while athena query ${queryName} (${queryExecutionId}) ran for ${waitedMillis} ms; the query was stopped: raise the function's timeout, narrow the window or read fewer columns`
        : `the job reached its deadline before athena query ${queryName} could start: raise the function's timeout, narrow the window or read fewer columns`,
    );
    this.name = 'JobDeadlineError';
  }
}

/** A store key that could escape its root (`..`, a leading `/`, a backslash) or is empty. */
export class InvalidKeyError extends AdapterError {
  constructor(
    readonly key: string,
    reason: string,
  ) {
    super(`invalid store key ${JSON.stringify(key)}: ${reason}`);
    this.name = 'InvalidKeyError';
  }
}

/**
 * Another delivery of the same notification id is in flight (its lease has not expired). Thrown so
 * the caller's retry (Lambda, Scheduler) comes back later instead of publishing twice.
 */
export class DeliveryInProgressError extends AdapterError {
  constructor(
    readonly notificationId: string,
    readonly leaseExpiresAt: string,
  ) {
    super(
      `notification ${notificationId} is being delivered by another invocation; retry after ${leaseExpiresAt}`,
    );
    this.name = 'DeliveryInProgressError';
  }
}

/** A publish the service accepted at the HTTP level but reported as failed (EventBridge FailedEntryCount). */
export class PublishFailedError extends AdapterError {
  /** The service's error code for the failed entry, e.g. `ThrottlingException`. */
  readonly code: string | undefined;
  constructor(
    readonly notificationId: string,
    readonly reason: string,
    options?: { cause?: unknown; code?: string },
  ) {
    super(`publishing notification ${notificationId} failed: ${reason}`, options);
    this.name = 'PublishFailedError';
    this.code = options?.code;
  }
}
