/**
 * Errors raised by the pure drift-statistics library.
 *
 * @module
 */

/**
 * Raised when a drift method name is not in the registry (see registry.ts getMethod).
 *
 * @throws never (constructing it does not throw).
 * @example
 * ```ts
 * new UnknownDriftMethodError('foo', ['psi', 'ks']).message
 * // => 'Unknown drift method "foo"; available methods: psi, ks'
 * ```
 */
export class UnknownDriftMethodError extends Error {
  /** The name that was looked up. */
  readonly method: string;
  /** The names that are available. */
  readonly available: readonly string[];

  constructor(method: string, available: readonly string[]) {
    super(`Unknown drift method "${method}"; available methods: ${available.join(', ')}`);
    this.name = 'UnknownDriftMethodError';
    this.method = method;
    this.available = available;
  }
}

/**
 * Raised when the input of a statistic is invalid (empty side, mismatched lengths, negative or
 * non-integer counts, unsorted values, ...), or when the statistic is undefined for that input
 * (for example a two-proportion z-test on three categories). The statistic is never invented.
 *
 * @throws never (constructing it does not throw).
 * @example
 * ```ts
 * new StatsInputError('psi: reference has no observations').name // => 'StatsInputError'
 * ```
 */
export class StatsInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StatsInputError';
  }
}
