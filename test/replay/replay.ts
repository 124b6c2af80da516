/**
 * The deployment replay: the synthesized app's schedules, day by day, through the real handlers,
 * against a real S3 API on loopback (logs and results), the Athena stand-in over tables typed as
 * the template's Glue tables declare, and captured SNS / EventBridge requests.
 *
 * `startReplay` uploads the logs, starts the stand-ins and cold-starts every function with its
 * template environment; `morning` fires one day's schedules in time order with the event each
 * schedule sends (`scheduledTime` filled in as EventBridge Scheduler does); `collect` reads back
 * what the deployment stored. Used by replay.test.ts and run.ts.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { S3ResultStore } from '../../lib/adapters/s3-store.js';
import type { AlertState } from '../../lib/alerts/types.js';
import { alertKeys } from '../../lib/jobs/alerts.js';
import { listTickets } from '../../lib/jobs/alerts-tickets.js';
import type { DriftResult } from '../../lib/jobs/drift-result.js';
import type { PerformanceResult } from '../../lib/jobs/performance-result.js';
import { shiftDate } from '../../lib/jobs/windows.js';
import { AthenaStandIn } from './athena-standin.js';
import { NotificationStandIns } from './aws-standins.js';
import { type Deployment, dailyTime, REPLAY_REGION } from './deployment.js';
import { type Invocation, invoke, type LoadedFunction, loadFunction, type Waiter } from './lambda.js';

export const S3_CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };

export interface ReplayOptions {
  deployment: Deployment;
  /** The S3 API on loopback (test/setup/s3-server-process.ts). */
  s3Endpoint: string;
  /** Local folders to upload, each to an `s3://bucket/prefix/` (e.g. the demo's data folder). */
  uploads: { from: string; to: string }[];
  /** Scratch space for the Athena stand-in's copies of the log files. */
  workDir: string;
  /** Simulated run time of each Athena query (see AthenaStandIn). */
  runMillis?: (sql: string) => number;
  /** Injected query failures (see AthenaStandIn). */
  failWhen?: (sql: string) => string | undefined;
  threads?: number;
}

export interface Replay {
  deployment: Deployment;
  s3: S3Client;
  athena: AthenaStandIn;
  notifications: NotificationStandIns;
  functions: Map<string, LoadedFunction>;
  invocations: Invocation[];
  /** The results store the functions write (the results bucket under RESULTS_PREFIX). */
  store: S3ResultStore;
  close(): Promise<void>;
}

export function s3Client(endpoint: string): S3Client {
  return new S3Client({
    endpoint,
    forcePathStyle: true,
    region: REPLAY_REGION,
    credentials: S3_CREDENTIALS,
    maxAttempts: 1,
  });
}

async function ensureBucket(s3: S3Client, bucket: string): Promise<void> {
  try {
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  } catch (error) {
    const name = (error as { name?: string }).name;
    if (name !== 'BucketAlreadyOwnedByYou' && name !== 'BucketAlreadyExists') throw error;
  }
}

async function* walk(dir: string): AsyncGenerator<string> {
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) yield* walk(path);
    else yield path;
  }
}

/** Uploads every file under `from` to `s3://bucket/prefix/<relative path>`. */
export async function uploadFolder(s3: S3Client, from: string, to: string): Promise<number> {
  const match = /^s3:\/\/([^/]+)\/?(.*)$/.exec(to);
  if (!match) throw new Error(`replay: upload target ${to} is not an s3:// URI`);
  const bucket = match[1]!;
  const prefix = match[2] ? `${match[2]!.replace(/\/+$/, '')}/` : '';
  await ensureBucket(s3, bucket);
  let count = 0;
  for await (const path of walk(from)) {
    await s3.send(
      new PutObjectCommand({
        Bucket: bucket,
        Key: `${prefix}${relative(from, path)}`,
        Body: await readFile(path),
      }),
    );
    count++;
  }
  return count;
}

/** The base environment of every function: region, credentials for the local S3 API, its endpoint. */
function runtimeEnvironment(s3Endpoint: string): Record<string, string> {
  return {
    AWS_REGION: REPLAY_REGION,
    AWS_DEFAULT_REGION: REPLAY_REGION,
    AWS_ACCESS_KEY_ID: S3_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: S3_CREDENTIALS.secretAccessKey,
    AWS_ENDPOINT_URL_S3: s3Endpoint,
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    POWERTOOLS_LOG_LEVEL: 'INFO',
  };
}

export async function startReplay(options: ReplayOptions): Promise<Replay> {
  const { deployment } = options;
  const saved = { ...process.env };
  const s3 = s3Client(options.s3Endpoint);
  for (const bucket of deployment.buckets) await ensureBucket(s3, bucket);
  for (const upload of options.uploads) await uploadFolder(s3, upload.from, upload.to);
  const athena = await AthenaStandIn.start({
    s3,
    tables: deployment.tables,
    workDir: options.workDir,
    bytesScannedCutoff: deployment.bytesScannedCutoff,
    runMillis: options.runMillis,
    failWhen: options.failWhen,
    threads: options.threads,
  });
  const notifications = new NotificationStandIns();
  const functions = new Map<string, LoadedFunction>();
  Object.assign(process.env, runtimeEnvironment(options.s3Endpoint));
  let resultsBucket = '';
  let resultsPrefix = 'results';
  for (const spec of deployment.functions) {
    const definition = deployment.definitions.get(spec.logicalId);
    const file = definition ? 'run-job' : 'digest';
    const environment = {
      ...spec.environment,
      ...(definition ? { DRIFTWATCH_DEFINITION: JSON.stringify(definition) } : {}),
    };
    resultsBucket = spec.environment.RESULTS_BUCKET ?? resultsBucket;
    resultsPrefix = spec.environment.RESULTS_PREFIX ?? resultsPrefix;
    functions.set(spec.logicalId, await loadFunction(spec.logicalId, file, environment, spec.timeoutSeconds));
  }
  const store = new S3ResultStore({ bucket: resultsBucket, prefix: resultsPrefix, client: s3 });
  return {
    deployment,
    s3,
    athena,
    notifications,
    functions,
    invocations: [],
    store,
    async close() {
      notifications.restore();
      await athena.close();
      s3.destroy();
      for (const key of Object.keys(process.env)) if (!(key in saved)) delete process.env[key];
      Object.assign(process.env, saved);
    },
  };
}

/**
 * Hourly schedules (`cron(M * * * ? *)`: the slo job) are not part of a morning: 24 more
 * invocations a day would multiply the replay's time. `test/replay/slo.test.ts` fires the slo
 * schedule on its own.
 */
export const HOURLY = /^cron\(\d+ \* \* \* \? \*\)$/;

/** The schedules that fire on a day, in time order, with the time each fires at. */
export function firings(
  deployment: Deployment,
  day: string,
): { at: string; schedule: Deployment['schedules'][number] }[] {
  return deployment.schedules
    .filter((schedule) => !HOURLY.test(schedule.expression))
    .map((schedule) => {
      const { hour, minute } = dailyTime(schedule.expression);
      if (schedule.timeZone !== 'Etc/UTC' && schedule.timeZone !== 'UTC')
        throw new Error(
          `replay: schedule ${schedule.logicalId} is in ${schedule.timeZone}; only UTC is replayed`,
        );
      const at = `${day}T${String(hour).padStart(2, '0')}:${String(minute).padStart(2, '0')}:00Z`;
      return { at, schedule };
    })
    .sort((a, b) => a.at.localeCompare(b.at) || a.schedule.logicalId.localeCompare(b.schedule.logicalId));
}

/** The event a schedule sends: its input with `<aws.scheduler.scheduled-time>` filled in. */
export function scheduledEvent(input: Record<string, unknown>, at: string): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(input).map(([k, v]) => [k, v === '<aws.scheduler.scheduled-time>' ? at : v]),
  );
}

/** Fires one day's schedules through the handlers, in time order. */
export async function morning(
  replay: Replay,
  day: string,
  options: { waiter?: Waiter; adjust?: (event: Record<string, unknown>) => Record<string, unknown> } = {},
): Promise<Invocation[]> {
  const out: Invocation[] = [];
  for (const { at, schedule } of firings(replay.deployment, day)) {
    const fn = replay.functions.get(schedule.target);
    if (!fn)
      throw new Error(
        `replay: schedule ${schedule.logicalId} targets ${schedule.target}, not a driftwatch function`,
      );
    const event = scheduledEvent(schedule.input, at);
    const invocation = await invoke(fn, options.adjust ? options.adjust(event) : event, options.waiter);
    out.push(invocation);
    replay.invocations.push(invocation);
  }
  return out;
}

export interface Collected {
  drift: DriftResult[];
  performance: PerformanceResult[];
  incidents: AlertState['incidents'];
  tickets: Awaited<ReturnType<typeof listTickets>>;
}

/** What the deployment stored for a model: drift and performance results by window, incidents, tickets. */
export async function collect(replay: Replay, model: string): Promise<Collected> {
  const { store } = replay;
  const read = async <T>(prefix: string): Promise<T[]> => {
    const keys = (await store.list(`${model}/${prefix}/`)).filter((k) =>
      /\/dt=[^/]+\/P[^/.]+\.json$/.test(k),
    );
    const docs: T[] = [];
    for (const key of keys.sort()) docs.push((await store.getJson<T>(key))!);
    return docs;
  };
  const state = await store.getJson<AlertState>(alertKeys.state(model));
  return {
    drift: await read<DriftResult>('drift'),
    performance: await read<PerformanceResult>('performance'),
    incidents: state?.incidents ?? [],
    tickets: await listTickets(store, { model }),
  };
}

/** The demo's Parquet types where they differ from the derived Glue defaults (the control run). */
export const CONTROL_TYPES = { open_accounts: 'int', age: 'int' } as const;

/**
 * For the control run: a performance event names the window whose labels have just matured
 * (`lag` days before the morning: the label delay plus the window), as a manual invocation may.
 */
export function maturedWindow(lag: number) {
  return (event: Record<string, unknown>): Record<string, unknown> =>
    event.job === 'performance'
      ? { ...event, date: shiftDate(String(event.scheduledTime).slice(0, 10), -lag) }
      : event;
}

/** Invokes the model's function (the one with a bundled definition) with one event, as a manual run. */
export async function invokeModel(
  replay: Replay,
  event: Record<string, unknown>,
  waiter?: Waiter,
): Promise<Invocation> {
  const [logicalId] = [...replay.deployment.definitions.keys()];
  const fn = logicalId ? replay.functions.get(logicalId) : undefined;
  if (!fn) throw new Error('replay: the deployment has no model function');
  const invocation = await invoke(fn, event, waiter);
  replay.invocations.push(invocation);
  return invocation;
}
