/**
 * What the deployment replay takes from the synthesized app: the Glue tables (columns, declared
 * types, partition keys, projection, location), the schedules (expression and the event each one
 * sends), the functions' environment and timeout, and the workgroup's bytes-scanned cutoff. Built
 * without bundling (as test/infra does); CloudFormation references are resolved to stable fake
 * names (a bucket `Ref` becomes its logical id in lower case, a topic an ARN in the stack's account).
 */
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { creditDefaultDefinition, DemoStack } from '../../infra/demo-stack.js';
import { ModelMonitor } from '../../infra/model-monitor.js';
import { MonitoringHub } from '../../infra/monitoring-hub.js';
import type { MonitorDefinition } from '../../lib/config/schema.js';

export const REPLAY_ACCOUNT = '123456789012';
export const REPLAY_REGION = 'eu-west-1';
export const REPLAY_LOGS_BUCKET = 'ml-logs-bucket';

/** One Glue table as the template declares it. */
export interface GlueTableSpec {
  database: string;
  name: string;
  /** `s3://bucket/prefix/` */
  location: string;
  columns: { name: string; type: string }[];
  partitionKeys: { name: string; type: string }[];
  parameters: Record<string, string>;
  serde: string;
}

/** One EventBridge Scheduler schedule: when, which function and the event it sends. */
export interface ScheduleSpec {
  logicalId: string;
  expression: string;
  timeZone: string;
  /** The logical id of the target function. */
  target: string;
  /** The target's input with `<aws.scheduler.scheduled-time>` left in. */
  input: Record<string, unknown>;
}

/** One Lambda function: its environment (references resolved) and timeout. */
export interface FunctionSpec {
  logicalId: string;
  description: string;
  environment: Record<string, string>;
  timeoutSeconds: number;
  memoryMb: number;
}

export interface Deployment {
  stack: Stack;
  tables: GlueTableSpec[];
  schedules: ScheduleSpec[];
  functions: FunctionSpec[];
  /** The workgroup's BytesScannedCutoffPerQuery. */
  bytesScannedCutoff: number;
  workGroup: string;
  /** Every bucket the template creates, by resolved name. */
  buckets: string[];
  /** The definition each model's function has bundled, by the function's logical id. */
  definitions: Map<string, MonitorDefinition>;
}

type Json = unknown;

/** Resolves the CloudFormation intrinsics the demo template uses to plain strings. */
function resolver(
  resources: Record<string, { Type: string; Properties?: Record<string, Json> }>,
  bucketSuffix: string,
) {
  const refName = (id: string): string => {
    const resource = resources[id];
    if (!resource) {
      if (id === 'AWS::AccountId') return REPLAY_ACCOUNT;
      if (id === 'AWS::Region') return REPLAY_REGION;
      if (id === 'AWS::Partition') return 'aws';
      throw new Error(`replay: cannot resolve Ref ${id}`);
    }
    switch (resource.Type) {
      case 'AWS::S3::Bucket':
        return bucketName(id, bucketSuffix);
      case 'AWS::SNS::Topic':
        return `arn:aws:sns:${REPLAY_REGION}:${REPLAY_ACCOUNT}:${id}`;
      case 'AWS::Events::EventBus':
        return String(resource.Properties?.Name ?? id);
      default:
        return id;
    }
  };
  const resolve = (value: Json): Json => {
    if (Array.isArray(value)) return value.map(resolve);
    if (value && typeof value === 'object') {
      const record = value as Record<string, Json>;
      if ('Ref' in record) return refName(String(record.Ref));
      if ('Fn::Join' in record) {
        const [separator, parts] = record['Fn::Join'] as [string, Json[]];
        return parts.map((p) => String(resolve(p))).join(separator);
      }
      if ('Fn::GetAtt' in record) {
        const [id, attribute] = record['Fn::GetAtt'] as [string, string];
        return `${id}.${attribute}`;
      }
      return Object.fromEntries(Object.entries(record).map(([k, v]) => [k, resolve(v)]));
    }
    return value;
  };
  return resolve;
}

function bucketName(logicalId: string, suffix: string): string {
  return `${logicalId.toLowerCase()}${suffix ? `-${suffix}` : ''}`;
}

/**
 * Reads a synthesized stack's template into the parts the replay runs. `bucketSuffix` keeps the
 * buckets of two replays on one S3 server apart (each replay deploys afresh).
 */
export function readDeployment(
  stack: Stack,
  monitors: readonly ModelMonitor[],
  bucketSuffix = '',
): Deployment {
  const template = Template.fromStack(stack).toJSON() as {
    Resources: Record<string, { Type: string; Properties?: Record<string, Json> }>;
  };
  const resources = template.Resources;
  const resolve = resolver(resources, bucketSuffix);
  const tables: GlueTableSpec[] = [];
  const schedules: ScheduleSpec[] = [];
  const functions: FunctionSpec[] = [];
  const buckets: string[] = [];
  let bytesScannedCutoff = Number.POSITIVE_INFINITY;
  let workGroup = '';
  for (const [id, resource] of Object.entries(resources)) {
    // biome-ignore lint/suspicious/noExplicitAny: CloudFormation properties, read field by field below
    const p = resolve(resource.Properties ?? {}) as Record<string, any>;
    switch (resource.Type) {
      case 'AWS::Glue::Table': {
        const input = p.TableInput;
        const storage = input.StorageDescriptor;
        tables.push({
          database: p.DatabaseName,
          name: input.Name,
          location: storage.Location,
          columns: storage.Columns.map((c: { Name: string; Type: string }) => ({
            name: c.Name,
            type: c.Type,
          })),
          partitionKeys: (input.PartitionKeys ?? []).map((c: { Name: string; Type: string }) => ({
            name: c.Name,
            type: c.Type,
          })),
          parameters: input.Parameters ?? {},
          serde: storage.SerdeInfo?.SerializationLibrary ?? '',
        });
        break;
      }
      case 'AWS::Scheduler::Schedule':
        schedules.push({
          logicalId: id,
          expression: p.ScheduleExpression,
          timeZone: p.ScheduleExpressionTimezone ?? 'Etc/UTC',
          target: String(p.Target.Arn).replace(/\.Arn$/, ''),
          input: JSON.parse(p.Target.Input),
        });
        break;
      case 'AWS::Lambda::Function':
        if (!p.Environment?.Variables?.RESULTS_BUCKET) break; // not a driftwatch function
        functions.push({
          logicalId: id,
          description: p.Description ?? '',
          environment: p.Environment.Variables,
          timeoutSeconds: p.Timeout ?? 3,
          memoryMb: p.MemorySize ?? 128,
        });
        break;
      case 'AWS::Athena::WorkGroup':
        workGroup = p.Name;
        bytesScannedCutoff = Number(
          p.WorkGroupConfiguration?.BytesScannedCutoffPerQuery ?? Number.POSITIVE_INFINITY,
        );
        break;
      case 'AWS::S3::Bucket':
        buckets.push(bucketName(id, bucketSuffix));
        break;
    }
  }
  const definitions = new Map<string, MonitorDefinition>();
  for (const monitor of monitors) {
    const fnId = stack.getLogicalId(monitor.monitorFunction.function.node.defaultChild as never);
    // The validated definition is private to the construct (its public props are jsii's plain interfaces).
    definitions.set(fnId, (monitor as unknown as { definition: MonitorDefinition }).definition);
  }
  return { stack, tables, schedules, functions, bytesScannedCutoff, workGroup, buckets, definitions };
}

/** The demo app (infra/demo-stack.ts) as `cdk synth` builds it, minus bundling. */
export function demoDeployment(bucketSuffix = ''): Deployment {
  const app = new App({ postCliContext: { 'aws:cdk:bundling-stacks': [] } });
  const stack = new DemoStack(app, 'Demo', {
    logsBucket: REPLAY_LOGS_BUCKET,
    alertEmails: ['ml-oncall@example.com'],
    digestEmails: ['ml-team@example.com'],
    env: { account: REPLAY_ACCOUNT, region: REPLAY_REGION },
  });
  return readDeployment(stack, [stack.monitor], bucketSuffix);
}

/**
 * The demo app built like DemoStack but with the Glue column types given here (the control run:
 * the types the demo's Parquet files really hold, as the audit's fix will declare them).
 */
export function demoDeploymentWithTypes(
  columnTypes: Readonly<Record<string, string>>,
  bucketSuffix = '',
): Deployment {
  const app = new App({ postCliContext: { 'aws:cdk:bundling-stacks': [] } });
  const stack = new Stack(app, 'Demo', { env: { account: REPLAY_ACCOUNT, region: REPLAY_REGION } });
  const hub = new MonitoringHub(stack, 'Hub', { alertEmails: ['ml-oncall@example.com'] });
  const monitor = new ModelMonitor(stack, 'CreditDefault', {
    hub,
    ...creditDefaultDefinition(REPLAY_LOGS_BUCKET),
    columnTypes,
  });
  return readDeployment(stack, [monitor], bucketSuffix);
}

/** The hour and minute of a daily `cron(M H * * ? *)` expression. */
export function dailyTime(expression: string): { hour: number; minute: number } {
  const match = /^cron\((\d+) (\d+) \* \* \? \*\)$/.exec(expression);
  if (!match)
    throw new Error(`replay: only daily cron(M H * * ? *) schedules are replayed, got ${expression}`);
  return { minute: Number(match[1]), hour: Number(match[2]) };
}
