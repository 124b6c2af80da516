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

/** What to do about a file system error, by its code. */
const FILE_FIXES: Readonly<Record<string, string>> = {
  ENOSPC:
    'no space left on the device: free some space (or pass --out with a folder on another disk) and re-run',
  EDQUOT:
    'the disk quota is exhausted: free some space (or pass --out with a folder on another disk) and re-run',
  EROFS: 'the file system is read-only: pass --out with a writable folder and re-run',
  EACCES:
    'permission denied: make the folder writable for this user (or pass --out with another folder) and re-run',
  EPERM:
    'operation not permitted: make the folder writable for this user (or pass --out with another folder) and re-run',
  EISDIR: 'a folder stands where a file should be: move it away and re-run',
  ENOTDIR: 'a file stands where a folder should be: move it away (or pass another --out) and re-run',
  EEXIST: 'a file stands where a folder should be: move it away (or pass another --out) and re-run',
  EMFILE: 'too many open files: raise the limit (ulimit -n) and re-run',
};

/**
 * A local file could not be read or written. The message names the file, the system's reason and
 * what to do, in one line (`driftwatch: error: cannot write /x/alerts.jsonl: no space left ...`).
 */
export class FileAccessError extends AdapterError {
  constructor(
    readonly path: string,
    readonly action: 'read' | 'write',
    readonly code: string,
    options?: { cause?: unknown },
  ) {
    super(
      `cannot ${action} ${path}: ${FILE_FIXES[code] ?? `${code || 'unknown error'}: check the path and its permissions, then re-run`}`,
      options,
    );
    // Printed by the CLI as "error: ..." (the name says nothing the message does not).
    this.name = 'Error';
  }
}

/** Wraps a file system error into a FileAccessError naming `path`; other errors pass unchanged. */
export function fileError(error: unknown, path: string, action: 'read' | 'write'): unknown {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (typeof code !== 'string' || error instanceof AdapterError) return error;
  return new FileAccessError(path, action, code, { cause: error });
}

/** A stored JSON document that does not parse: names the file and how to recover. */
export class CorruptDocumentError extends AdapterError {
  constructor(
    readonly path: string,
    reason: string,
    recovery: string,
  ) {
    super(`${path} is corrupt (${reason}): ${recovery}`);
    this.name = 'Error';
  }
}
