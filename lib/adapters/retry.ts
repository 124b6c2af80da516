/**
 * Bounded retries with exponential backoff and jitter for AWS calls that were throttled or hit a
 * transient server error. Anything else (a bad request, access denied) fails at once.
 */

export interface RetryOptions {
  /** Total attempts, the first included. @default 6 */
  maxAttempts: number;
  /** The first backoff in milliseconds; it doubles per attempt up to `maxDelayMillis`. @default 200 */
  baseDelayMillis: number;
  /** @default 10_000 */
  maxDelayMillis: number;
  /** Waits; injected in tests. @default - setTimeout */
  sleep: (millis: number) => Promise<void>;
  /** A number in [0, 1) for jitter; tests pass `() => 1` to make delays exact. @default Math.random */
  random: () => number;
  /** Decides which errors are worth another attempt. @default isTransientError */
  retryIf: (error: unknown) => boolean;
}

const RETRYABLE_NAMES = new Set([
  'TooManyRequestsException',
  'ThrottlingException',
  'ThrottledException',
  'Throttling',
  'RequestLimitExceeded',
  'RequestThrottled',
  'RequestThrottledException',
  'SlowDown',
  'InternalServerException',
  'InternalFailure',
  'InternalError',
  'ServiceUnavailable',
  'ServiceUnavailableException',
  'RequestTimeout',
  'RequestTimeoutException',
]);

const NETWORK_CODES = new Set(['ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ECONNREFUSED', 'EAI_AGAIN']);

/** True for throttling, 5xx and connection errors: the call may succeed if repeated. */
export function isTransientError(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const e = error as { name?: string; code?: string; $metadata?: { httpStatusCode?: number } };
  if (e.name && RETRYABLE_NAMES.has(e.name)) return true;
  if (e.code && NETWORK_CODES.has(e.code)) return true;
  const status = e.$metadata?.httpStatusCode;
  return status !== undefined && (status >= 500 || status === 429);
}

const defaultSleep = (millis: number) => new Promise<void>((resolve) => setTimeout(resolve, millis));

/**
 * Calls `fn`, repeating it after a backoff while it fails with a transient error.
 * @throws the last error once attempts are used up, or the first non-transient error
 */
export async function withRetry<T>(fn: () => Promise<T>, options: Partial<RetryOptions> = {}): Promise<T> {
  const maxAttempts = options.maxAttempts ?? 6;
  const base = options.baseDelayMillis ?? 200;
  const max = options.maxDelayMillis ?? 10_000;
  const sleep = options.sleep ?? defaultSleep;
  const random = options.random ?? Math.random;
  const retryIf = options.retryIf ?? isTransientError;
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (error) {
      if (attempt >= maxAttempts || !retryIf(error)) throw error;
      const ceiling = Math.min(max, base * 2 ** (attempt - 1));
      // "Equal jitter": at least half the backoff, so retries never bunch up at zero.
      await sleep(Math.round(ceiling / 2 + (ceiling / 2) * random()));
    }
  }
}
