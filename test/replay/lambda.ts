/**
 * Runs the real Lambda handlers (functions/) in this process as the Lambda runtime would: the
 * function's environment set before its module loads (cold start), a context whose
 * `getRemainingTimeInMillis` counts down to the function's timeout, stdout and stderr captured
 * (Powertools' JSON log lines and EMF metrics), and a hard kill at the deadline: a handler still
 * running when its time is up is abandoned, with no catch or finally of its own, as Lambda does.
 */
import { randomUUID } from 'node:crypto';
import { fileURLToPath, pathToFileURL } from 'node:url';

export interface LambdaContextLike {
  awsRequestId: string;
  functionName: string;
  getRemainingTimeInMillis(): number;
}

export type Handler = (event: unknown, context: LambdaContextLike) => Promise<unknown>;

export interface LoadedFunction {
  logicalId: string;
  file: 'run-job' | 'digest';
  timeoutSeconds: number;
  handler: Handler;
}

export interface Invocation {
  function: string;
  event: Record<string, unknown>;
  outcome: 'ok' | 'error' | 'killed';
  result?: unknown;
  error?: string;
  /** Milliseconds on Date.now() (faked in the deadline test) from start to settle or kill. */
  millis: number;
  /** Parsed JSON lines the function wrote (Powertools logs and EMF metrics). */
  lines: Record<string, unknown>[];
  /** EMF metric values by name, summed over the invocation. */
  metrics: Record<string, number>;
}

/**
 * Waits for a handler's promise until its deadline. The default waits in real time (a 15-minute
 * timeout is never reached by the demo); the deadline test passes one that drives fake timers.
 */
export type Waiter = (running: Promise<unknown>, deadline: number) => Promise<'settled' | 'killed'>;

export const realTimeWaiter: Waiter = async (running, deadline) => {
  let timer: NodeJS.Timeout | undefined;
  const killed = new Promise<'killed'>((resolve) => {
    timer = setTimeout(() => resolve('killed'), Math.max(0, deadline - Date.now()));
  });
  try {
    return await Promise.race([
      running.then(
        () => 'settled' as const,
        () => 'settled' as const,
      ),
      killed,
    ]);
  } finally {
    clearTimeout(timer);
  }
};

const functionsDir = fileURLToPath(new URL('../../functions/', import.meta.url));
let loads = 0;

/**
 * Loads a handler module fresh (its own cold start) with `environment` applied to process.env
 * first. The environment stays set: the handler's SDK clients read it lazily.
 */
export async function loadFunction(
  logicalId: string,
  file: 'run-job' | 'digest',
  environment: Record<string, string>,
  timeoutSeconds: number,
): Promise<LoadedFunction> {
  Object.assign(process.env, environment);
  const url = `${pathToFileURL(`${functionsDir}${file}.ts`).href}?fn=${logicalId}&load=${++loads}`;
  const module = (await import(url)) as { handler: Handler };
  return { logicalId, file, timeoutSeconds, handler: module.handler };
}

function parseLines(chunks: string[]): Record<string, unknown>[] {
  return chunks
    .join('')
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .flatMap((line) => {
      try {
        return [JSON.parse(line) as Record<string, unknown>];
      } catch {
        return [];
      }
    });
}

function emfMetrics(lines: Record<string, unknown>[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const line of lines) {
    const aws = line._aws as { CloudWatchMetrics?: { Metrics?: { Name: string }[] }[] } | undefined;
    for (const directive of aws?.CloudWatchMetrics ?? []) {
      for (const { Name } of directive.Metrics ?? []) {
        const value = line[Name];
        const values = Array.isArray(value) ? value : [value];
        out[Name] = (out[Name] ?? 0) + values.reduce((n: number, v) => n + Number(v ?? 0), 0);
      }
    }
  }
  return out;
}

/** Invokes a handler once, capturing what it writes; a handler past its deadline is abandoned. */
export async function invoke(
  fn: LoadedFunction,
  event: Record<string, unknown>,
  waiter: Waiter = realTimeWaiter,
): Promise<Invocation> {
  const started = Date.now();
  const deadline = started + fn.timeoutSeconds * 1000;
  const context: LambdaContextLike = {
    awsRequestId: randomUUID(),
    functionName: fn.logicalId,
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
  };
  const chunks: string[] = [];
  const stdoutWrite = process.stdout.write;
  const stderrWrite = process.stderr.write;
  const capture = (chunk: unknown, ...rest: unknown[]) => {
    chunks.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk as Uint8Array).toString());
    const callback = rest.find((r) => typeof r === 'function') as (() => void) | undefined;
    callback?.();
    return true;
  };
  process.stdout.write = capture as typeof process.stdout.write;
  process.stderr.write = capture as typeof process.stderr.write;
  let result: unknown;
  let error: Error | undefined;
  const running = fn.handler(event, context).then(
    (value) => {
      result = value;
    },
    (thrown: Error) => {
      error = thrown;
    },
  );
  let status: 'settled' | 'killed';
  try {
    status = await waiter(running, deadline);
  } finally {
    process.stdout.write = stdoutWrite;
    process.stderr.write = stderrWrite;
  }
  const lines = parseLines(chunks);
  return {
    function: fn.logicalId,
    event,
    outcome: status === 'killed' ? 'killed' : error ? 'error' : 'ok',
    ...(status === 'settled' && !error ? { result } : {}),
    ...(error ? { error: error.message } : {}),
    millis: Date.now() - started,
    lines,
    metrics: emfMetrics(lines),
  };
}
