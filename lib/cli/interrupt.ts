/**
 * Ctrl-C (SIGINT) and SIGTERM for the CLI. Without a graceful scope the process exits at once with
 * 130 (SIGINT) or 143 (SIGTERM); the exit hooks remove temporary files (fs-store), and a delivery
 * cut short leaves a claim the next run takes over (local claims carry the pid). Inside a graceful
 * scope (a backfill) the first signal asks the loop to stop after the window in progress; a second
 * one exits at once, after printing what the scope says finished.
 */

export interface GracefulScope {
  /** Whether a stop was requested. */
  readonly stopRequested: boolean;
  /** The signal that asked to stop, if any. */
  readonly signal: NodeJS.Signals | undefined;
  /** Ends the scope (restores immediate exit). */
  dispose(): void;
}

interface ActiveScope {
  requested: NodeJS.Signals | undefined;
  /** One line on what finished, printed if the process has to exit at once. */
  finished: () => string;
}

let active: ActiveScope | undefined;
let installed = false;

/** The exit code of a process stopped by `signal`. */
export function signalExitCode(signal: NodeJS.Signals | undefined): number {
  return signal === 'SIGTERM' ? 143 : 130;
}

function onSignal(signal: NodeJS.Signals): void {
  const scope = active;
  if (scope && !scope.requested) {
    scope.requested = signal;
    process.stderr.write(
      `driftwatch: ${signal === 'SIGINT' ? 'Ctrl-C' : signal}: stopping after the window in progress (press Ctrl-C again to stop now)\n`,
    );
    return;
  }
  const summary = scope ? `; ${scope.finished()}` : '';
  process.stderr.write(`driftwatch: stopped by ${signal}${summary}\n`);
  process.exit(signalExitCode(signal));
}

/** Installs the SIGINT / SIGTERM handlers once (the CLI entry point calls it). */
export function installSignalHandlers(): void {
  if (installed) return;
  installed = true;
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
}

/** Opens a graceful scope: the first signal only requests a stop, which the caller polls. */
export function gracefulScope(finished: () => string): GracefulScope {
  const scope: ActiveScope = { requested: undefined, finished };
  active = scope;
  return {
    get stopRequested() {
      return scope.requested !== undefined;
    },
    get signal() {
      return scope.requested;
    },
    dispose() {
      if (active === scope) active = undefined;
    },
  };
}
