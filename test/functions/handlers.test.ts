import {
  AthenaClient,
  GetQueryExecutionCommand,
  GetQueryResultsCommand,
  StartQueryExecutionCommand,
  StopQueryExecutionCommand,
} from '@aws-sdk/client-athena';
import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it, type MockInstance, vi } from 'vitest';
import type { MonitorDefinitionInput } from '../../lib/config/schema.js';
import type { JobDeps, JobRequest, JobSummary } from '../../lib/jobs/types.js';

const runJob = vi.fn<(request: JobRequest, deps: JobDeps) => Promise<JobSummary>>();
vi.mock('../../lib/jobs/run-job.js', () => ({ runJob }));

const s3 = mockClient(S3Client);
const sns = mockClient(SNSClient);

const DEFINITION: MonitorDefinitionInput = {
  model: { id: 'credit-default', task: 'binary' },
  predictions: {
    location: 's3://ml-logs/credit-default/predictions/',
    idColumn: 'prediction_id',
    timestampColumn: 'ts',
    scoreColumn: 'score',
  },
  features: [{ name: 'income', kind: 'numeric' }],
  reference: { type: 'dataset', location: 's3://ml-logs/credit-default/reference/' },
};

const ENV = {
  RESULTS_BUCKET: 'dw-results',
  RESULTS_PREFIX: 'results',
  ATHENA_WORKGROUP: 'driftwatch',
  GLUE_DATABASE: 'driftwatch',
  ALERT_TOPIC_ARN: 'arn:aws:sns:eu-west-1:123456789012:alerts',
  DIGEST_TOPIC_ARN: 'arn:aws:sns:eu-west-1:123456789012:digest',
  EVENT_BUS_NAME: 'driftwatch',
  AWS_REGION: 'eu-west-1',
  AWS_ACCESS_KEY_ID: 'test',
  AWS_SECRET_ACCESS_KEY: 'test',
};

const context = {
  awsRequestId: 'req-1',
  functionName: 'credit-default-monitor',
  getRemainingTimeInMillis: () => 900_000,
};

let stdout: MockInstance;
let stderr: MockInstance;
let saved: NodeJS.ProcessEnv;

function output(): Record<string, unknown>[] {
  return [...stdout.mock.calls, ...stderr.mock.calls]
    .map((call) => String(call[0]))
    .flatMap((text) => text.split('\n'))
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

async function loadRunJob(env: Record<string, string | undefined> = {}) {
  Object.assign(process.env, ENV, { DRIFTWATCH_DEFINITION: JSON.stringify(DEFINITION) }, env);
  for (const [k, v] of Object.entries(env)) if (v === undefined) delete process.env[k];
  return import('../../functions/run-job.js');
}

beforeEach(() => {
  saved = { ...process.env };
  vi.resetModules();
  runJob.mockReset();
  s3.reset();
  s3.on(PutObjectCommand).resolves({});
  s3.on(ListObjectsV2Command).resolves({ Contents: [] });
  sns.reset();
  sns.on(PublishCommand).resolves({ MessageId: 'm-1' });
  s3.on(GetObjectCommand).rejects(
    Object.assign(new Error('NoSuchKey'), { name: 'NoSuchKey', $metadata: { httpStatusCode: 404 } }),
  );
  // Powertools writes logs and EMF to stdout, errors to stderr.
  stdout = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
  stderr = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
});
afterEach(() => {
  stdout.mockRestore();
  stderr.mockRestore();
  process.env = saved;
});

describe('run-job handler', () => {
  it('runs the job with Athena sources, the schedule time as clock, and reports metrics', async () => {
    // Prepare
    runJob.mockResolvedValue({ job: 'drift', model: 'credit-default', status: 'ok', message: '3 features' });
    const { handler } = await loadRunJob();

    // Act
    const summary = await handler({ job: 'drift', scheduledTime: '2026-01-22T02:00:00Z' }, context);

    // Assess
    expect(summary).toMatchObject({ status: 'ok', job: 'drift' });
    expect(runJob).toHaveBeenCalledTimes(1);
    const [request, deps] = runJob.mock.calls[0]!;
    expect(request).toEqual({ job: 'drift' });
    expect(deps.definition.model.id).toBe('credit-default');
    expect(deps.engine.dialect.name).toBe('athena');
    expect(deps.clock.now().toISOString()).toBe('2026-01-22T02:00:00.000Z');
    expect(deps.sources.predictions).toEqual({
      location: 's3://ml-logs/credit-default/predictions/',
      format: 'parquet',
      partitioned: true,
      table: { database: 'driftwatch', name: 'credit_default_predictions' },
    });
    expect(deps.sources.reference?.table).toEqual({
      database: 'driftwatch',
      name: 'credit_default_reference',
    });
    expect(deps.store.linkFor('x.json')).toContain('results%2Fx.json');
    expect('notifier' in deps).toBe(true);
    const put = s3.commandCalls(PutObjectCommand)[0]!.args[0].input;
    expect(put).toMatchObject({ Bucket: 'dw-results', Key: 'results/_registry/credit-default.json' });
    const emf = output().filter((line) => '_aws' in line);
    expect(emf.some((m) => m.JobSucceeded === 1 && m.model === 'credit-default' && m.job === 'drift')).toBe(
      true,
    );
    expect(emf.some((m) => m.AthenaBytesScanned === 0)).toBe(true);
    // The model has no labels, so drift is its last job of the morning: alerts and report follow.
    const keys = s3.commandCalls(PutObjectCommand).map((c) => c.args[0].input.Key);
    expect(keys).toContain('results/credit-default/alerts/state.json');
    expect(keys).toContain('results/credit-default/reports/latest.html');
  });

  it('the 02:00 drift run also estimates the same window when the reference is labelled, and only then', async () => {
    runJob.mockImplementation(async (request) => ({
      job: request.job,
      model: 'credit-default',
      status: 'ok',
      window: { start: '2026-01-21', end: '2026-01-22' },
      message: '',
    }));
    const labelled = { ...DEFINITION, reference: { ...DEFINITION.reference, labelColumn: 'defaulted' } };
    const { handler } = await loadRunJob({ DRIFTWATCH_DEFINITION: JSON.stringify(labelled) });
    await handler({ job: 'drift', scheduledTime: '2026-01-22T02:00:00Z' }, context);
    expect(runJob.mock.calls.map((c) => c[0])).toEqual([
      { job: 'drift' },
      { job: 'estimate', date: '2026-01-21' },
    ]);

    // Without reference labels there is nothing to calibrate on: drift only.
    runJob.mockClear();
    vi.resetModules();
    const { handler: plain } = await loadRunJob();
    await plain({ job: 'drift', scheduledTime: '2026-01-23T02:00:00Z' }, context);
    expect(runJob.mock.calls.map((c) => c[0])).toEqual([{ job: 'drift' }]);
  });

  it('does not run a re-delivered scheduled event again', async () => {
    // Prepare: the first delivery ran and recorded its summary
    const summary = { job: 'drift', model: 'credit-default', status: 'ok', message: 'first run' } as const;
    runJob.mockResolvedValue(summary);
    const { handler } = await loadRunJob();
    const event = { job: 'drift', scheduledTime: '2026-01-22T02:00:00Z' };
    await handler(event, context);
    const marker = s3
      .commandCalls(PutObjectCommand)
      .map((c) => c.args[0].input)
      .find((input) => input.Key?.startsWith('results/_runs/'));
    expect(marker?.Key).toBe('results/_runs/credit-default/drift/2026-01-22T02%3A00%3A00Z.json');
    s3.on(GetObjectCommand, { Key: marker!.Key }).resolves({
      Body: { transformToString: async () => String(marker!.Body) } as never,
    });

    // Act
    const again = await handler(event, context);

    // Assess
    expect(again).toEqual(summary);
    expect(runJob).toHaveBeenCalledTimes(1);
  });

  it('evaluates performance for the window whose labels have just matured, not yesterday', async () => {
    // Before the fix the request had no date, so runJob evaluated 2026-01-21 (yesterday), which a
    // 7-day label delay leaves unmatured on every scheduled run.
    runJob.mockResolvedValue({ job: 'performance', model: 'credit-default', status: 'ok', message: '' });
    const labelled = {
      ...DEFINITION,
      labels: {
        location: 's3://ml-logs/credit-default/labels/',
        idColumn: 'prediction_id',
        labelColumn: 'defaulted',
        delay: 'P7D',
      },
    };
    const { handler } = await loadRunJob({ DRIFTWATCH_DEFINITION: JSON.stringify(labelled) });

    await handler({ job: 'performance', scheduledTime: '2026-01-22T03:00:00Z' }, context);

    // `scheduled`: the run also rechecks earlier matured windows whose labels came late.
    expect(runJob.mock.calls[0]![0]).toEqual({ job: 'performance', date: '2026-01-14', scheduled: true });
    // 2026-01-14 ends on the 15th; its labels are complete on the 22nd, the morning of the run.
  });

  it('runs the hourly canary on the schedule time, with the EventBridge notifier, and no alerts after it', async () => {
    runJob.mockResolvedValue({ job: 'canary', model: 'credit-default', status: 'ok', message: 'hold' });
    const { handler } = await loadRunJob();

    await handler({ job: 'canary', scheduledTime: '2026-01-22T05:05:00Z' }, context);

    const [request, deps] = runJob.mock.calls[0]!;
    expect(request).toEqual({ job: 'canary' });
    expect(deps.clock.now().toISOString()).toBe('2026-01-22T05:05:00.000Z');
    expect(typeof deps.notifier?.publishCanaryVerdict).toBe('function');
    const keys = s3.commandCalls(PutObjectCommand).map((c) => c.args[0].input.Key);
    expect(keys).not.toContain('results/credit-default/alerts/state.json');
  });

  it('passes an explicit date through', async () => {
    runJob.mockResolvedValue({ job: 'baseline', model: 'credit-default', status: 'ok', message: '' });
    const { handler } = await loadRunJob();
    await handler({ job: 'baseline', date: '2026-01-01' }, context);
    expect(runJob.mock.calls[0]![0]).toEqual({ job: 'baseline', date: '2026-01-01' });
  });

  it.each([
    [{ job: 'retrain' }, /job: Invalid option/],
    [{ job: 'drift', date: '21/01/2026' }, /date: a date as YYYY-MM-DD/],
    [{ job: 'drift', extra: 1 }, /Unrecognized key/],
    [{ 'detail-type': 'Scheduled Event', detail: {} }, /job/],
    ['drift', /\(event\)/],
  ])('rejects the malformed event %j without retry, logging why', async (event, reason) => {
    const { handler } = await loadRunJob();

    const result = await handler(event, context);

    expect(result).toMatchObject({ status: 'rejected', message: expect.stringMatching(reason) });
    expect(runJob).not.toHaveBeenCalled();
    const errors = output().filter((line) => line.level === 'ERROR');
    expect(errors).toHaveLength(1);
    expect(errors[0]!.message).toMatch(/malformed event/);
    expect(output().some((line) => line.InvalidEvent === 1)).toBe(true);
  });

  it('rethrows a failed job so Lambda retries it and then dead-letters it', async () => {
    runJob.mockRejectedValue(new Error('athena query drift-scan (q-1) ended FAILED: boom'));
    const { handler } = await loadRunJob();

    await expect(handler({ job: 'drift' }, context)).rejects.toThrow('boom');
    expect(output().some((line) => line.JobFailed === 1 && line.job === 'drift')).toBe(true);
  });

  it('fails at cold start when an environment variable is missing', async () => {
    await expect(loadRunJob({ ATHENA_WORKGROUP: undefined })).rejects.toThrow(
      'environment variable ATHENA_WORKGROUP is not set',
    );
  });

  it('fails at cold start when the bundled definition is invalid', async () => {
    const bad = { ...DEFINITION, features: [{ name: 'x"; DROP TABLE t; --', kind: 'numeric' }] };
    await expect(loadRunJob({ DRIFTWATCH_DEFINITION: JSON.stringify(bad) })).rejects.toThrow(
      /invalid monitor definition.*features\[0\]\.name/s,
    );
  });
});

describe('the job deadline', () => {
  const athena = mockClient(AthenaClient);
  afterEach(() => {
    vi.useRealTimers();
    athena.reset();
  });

  /**
   * Athena as a clock-driven stand-in: each query runs `queryMillis` after its start, a stopped query
   * is CANCELLED, and any call after the Lambda's own deadline is recorded as a violation (Lambda has
   * killed the function by then: nothing after it would happen).
   */
  function fakeAthena(queryMillis: number, lambdaDeadline: number) {
    const started = new Map<string, number>();
    const stopped: string[] = [];
    const late: string[] = [];
    const check = (what: string) => {
      if (Date.now() > lambdaDeadline) late.push(`${what} at +${Date.now() - lambdaDeadline} ms`);
    };
    athena.on(StartQueryExecutionCommand).callsFake(() => {
      check('StartQueryExecution');
      const id = `q-${started.size + 1}`;
      started.set(id, Date.now());
      return { QueryExecutionId: id };
    });
    athena.on(GetQueryExecutionCommand).callsFake((input: { QueryExecutionId: string }) => {
      check('GetQueryExecution');
      const id = input.QueryExecutionId;
      const done = Date.now() - started.get(id)! >= queryMillis;
      const state = stopped.includes(id) ? 'CANCELLED' : done ? 'SUCCEEDED' : 'RUNNING';
      return { QueryExecution: { QueryExecutionId: id, StatementType: 'DML', Status: { State: state } } };
    });
    athena.on(StopQueryExecutionCommand).callsFake((input: { QueryExecutionId: string }) => {
      check('StopQueryExecution');
      stopped.push(input.QueryExecutionId);
      return {};
    });
    athena.on(GetQueryResultsCommand).callsFake(() => {
      check('GetQueryResults');
      return { ResultSet: { ResultSetMetadata: { ColumnInfo: [] }, Rows: [] } };
    });
    return { started, stopped, late };
  }

  it('stops the running query, publishes JobFailed and the job-failed alert, then fails, all before Lambda kills it', async () => {
    // Prepare: 60 s left; a 7-query job whose queries take 20 s each (140 s in all). Before the fix
    // each query got its own 30 s timeout, every query finished and the job ran 80 s past the
    // Lambda deadline with no stop and no alert.
    vi.useFakeTimers({
      toFake: ['Date', 'setTimeout', 'clearTimeout'],
      now: new Date('2026-01-22T02:00:00Z'),
    });
    const remaining = 60_000;
    const lambdaDeadline = Date.now() + remaining;
    const fake = fakeAthena(20_000, lambdaDeadline);
    runJob.mockImplementation(async (_request, deps) => {
      for (let i = 1; i <= 7; i++)
        await deps.engine.query({ name: `q${i}`, sql: 'SELECT 1', parameters: [] });
      return { job: 'drift', model: 'credit-default', status: 'ok', message: '7 queries' };
    });
    const { handler } = await loadRunJob();
    const lambdaContext = { ...context, getRemainingTimeInMillis: () => lambdaDeadline - Date.now() };

    // Act
    const outcome = handler({ job: 'drift', scheduledTime: '2026-01-22T02:00:00Z' }, lambdaContext).then(
      () => 'succeeded',
      (error: Error) => error,
    );
    let settled: unknown;
    void outcome.then((value) => {
      settled = value;
    });
    while (settled === undefined && Date.now() < lambdaDeadline + 120_000)
      await vi.advanceTimersByTimeAsync(250);
    const finishedAt = Date.now();

    // Assess
    expect(settled).toBeInstanceOf(Error);
    expect((settled as Error).name).toBe('JobDeadlineError');
    expect((settled as Error).message).toMatch(/deadline while athena query q2 \(q-2\)/);
    expect(finishedAt).toBeLessThanOrEqual(lambdaDeadline);
    expect(fake.late).toEqual([]);
    expect(fake.started.size).toBe(2);
    expect(fake.stopped).toEqual(['q-2']);
    expect(output().some((line) => line.JobFailed === 1 && line.job === 'drift')).toBe(true);
    const alerts = sns.commandCalls(PublishCommand).map((c) => String(c.args[0].input.Message));
    expect(alerts.some((m) => /deadline/.test(m))).toBe(true);
    // Its delivery markers are the model's own (the only markers its role may write).
    const keys = s3.commandCalls(PutObjectCommand).map((c) => String(c.args[0].input.Key));
    expect(keys.some((k) => k.startsWith('results/_notifications/credit-default/alert/'))).toBe(true);
    expect(keys.filter((k) => k.startsWith('results/notifications/'))).toEqual([]);
  });
});

/** A bucket in memory behind the S3 mock: puts (conditional ones too), gets and listings. */
function memoryBucket(): Map<string, string> {
  const objects = new Map<string, string>();
  s3.on(PutObjectCommand).callsFake((input: { Key: string; Body: string; IfNoneMatch?: string }) => {
    if (input.IfNoneMatch === '*' && objects.has(input.Key))
      throw Object.assign(new Error('PreconditionFailed'), {
        name: 'PreconditionFailed',
        $metadata: { httpStatusCode: 412 },
      });
    objects.set(input.Key, String(input.Body));
    return {};
  });
  s3.on(GetObjectCommand).callsFake((input: { Key: string }) => {
    const body = objects.get(input.Key);
    if (body === undefined)
      throw Object.assign(new Error('NoSuchKey'), { name: 'NoSuchKey', $metadata: { httpStatusCode: 404 } });
    return { Body: { transformToString: async () => body } };
  });
  s3.on(ListObjectsV2Command).callsFake((input: { Prefix?: string }) => ({
    Contents: [...objects.keys()].filter((k) => k.startsWith(input.Prefix ?? '')).map((Key) => ({ Key })),
  }));
  return objects;
}

describe('a failed daily run and its Lambda retry', () => {
  it('the failed attempt pages once (retries that fail again send nothing); the retry that succeeds resolves it', async () => {
    memoryBucket();
    const { handler } = await loadRunJob();
    const { resultKeys, windowFor } = await import('../../lib/jobs/windows.js');
    const { driftResult } = await import('../lib/alerts/fixtures.js');
    const subjects = () => sns.commandCalls(PublishCommand).map((c) => String(c.args[0].input.Subject));
    const drift = () => handler({ job: 'drift', scheduledTime: '2026-01-22T02:00:00Z' }, context);
    runJob.mockRejectedValue(new Error('athena query drift-scan (q-1) ended FAILED: HIVE_CURSOR_ERROR'));
    await expect(drift()).rejects.toThrow('HIVE_CURSOR_ERROR');
    await expect(drift()).rejects.toThrow('HIVE_CURSOR_ERROR');
    expect(subjects()).toEqual(['[CRITICAL] credit-default: drift job failed for 2026-01-21']);
    runJob.mockImplementation(async (_request, deps) => {
      const window = windowFor(deps.definition, '2026-01-21');
      await deps.store.putJson(
        resultKeys.result('credit-default', 'drift', window),
        driftResult('2026-01-21'),
      );
      return { job: 'drift', model: 'credit-default', status: 'ok', message: '', window };
    });
    await drift();
    expect(subjects()).toEqual([
      '[CRITICAL] credit-default: drift job failed for 2026-01-21',
      '[RESOLVED] credit-default: drift job failed resolved',
    ]);
  });
});

// #16 leftover: a failed hourly slo (or canary) run raised no job-failed incident at all. One
// failed hour is noise the next run repairs; HOURLY_FAILURES_TO_OPEN (3) in a row open one.
describe('hourly job failures', () => {
  it('three failed slo hours in a row open one job-failed incident (retries count once); the next good run resolves it', async () => {
    memoryBucket();
    const { handler } = await loadRunJob();
    const slo = (hour: string) =>
      handler({ job: 'slo', scheduledTime: `2026-01-22T${hour}:05:00Z` }, context);
    const subjects = () => sns.commandCalls(PublishCommand).map((c) => String(c.args[0].input.Subject));
    runJob.mockRejectedValue(new Error('athena query slo-ledger (q-9) ended FAILED: Access denied'));
    await expect(slo('05')).rejects.toThrow('Access denied');
    await expect(slo('05')).rejects.toThrow('Access denied'); // Lambda's retry of the same run
    await expect(slo('06')).rejects.toThrow('Access denied');
    expect(subjects()).toEqual([]);
    await expect(slo('07')).rejects.toThrow('Access denied');
    expect(subjects()).toEqual(['[CRITICAL] credit-default: slo job failed for 2026-01-22T05:05:00Z']);
    const page = String(sns.commandCalls(PublishCommand)[0]!.args[0].input.Message);
    expect(page).toContain('3 slo runs in a row failed (since 2026-01-22T05:05:00Z)');
    expect(page).toContain('Access denied');
    await expect(slo('08')).rejects.toThrow('Access denied');
    expect(subjects()).toHaveLength(1);
    runJob.mockResolvedValue({ job: 'slo', model: 'credit-default', status: 'ok', message: '' });
    await slo('09');
    expect(subjects().at(-1)).toBe('[RESOLVED] credit-default: slo job failed resolved');
    // A single failed hour later opens nothing.
    runJob.mockRejectedValueOnce(new Error('HIVE_CURSOR_ERROR: transient'));
    await expect(slo('10')).rejects.toThrow('transient');
    await slo('11');
    expect(subjects()).toHaveLength(2);
  });
});

describe('digest handler', () => {
  async function loadDigest() {
    Object.assign(process.env, ENV, { MODEL_IDS: 'credit-default,churn' });
    return import('../../functions/digest.js');
  }

  it('publishes one digest for every registered model and skips the ones that never ran', async () => {
    // Prepare
    s3.on(GetObjectCommand, { Key: 'results/_registry/credit-default.json' }).resolves({
      Body: { transformToString: async () => JSON.stringify({ definition: DEFINITION }) } as never,
    });
    s3.on(GetObjectCommand, { Key: 'results/_registry/churn.json' }).rejects(
      Object.assign(new Error('NoSuchKey'), { name: 'NoSuchKey', $metadata: { httpStatusCode: 404 } }),
    );
    const { handler } = await loadDigest();

    // Act
    const result = await handler({ job: 'digest', scheduledTime: '2026-01-22T07:00:00Z' }, context);

    // Assess
    expect(result).toMatchObject({
      date: '2026-01-21',
      models: ['credit-default'],
      skipped: ['churn'],
      delivery: 'sent',
    });
    const published = sns.commandCalls(PublishCommand);
    expect(published).toHaveLength(1);
    expect(published[0]!.args[0].input.Subject).toMatch(/^driftwatch digest 2026-01-21/);
    expect(published[0]!.args[0].input.Message).toContain('credit-default');
    expect(runJob).not.toHaveBeenCalled();
  });

  it('refuses any job but the digest', async () => {
    const { handler } = await loadDigest();
    expect(await handler({ job: 'drift' }, context)).toMatchObject({ status: 'rejected' });
    expect(runJob).not.toHaveBeenCalled();
  });
});
