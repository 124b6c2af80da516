/**
 * A driftwatch Lambda: Node 22 on arm64, with its own log group and a role that starts empty (no AWS managed policy): each construct grants only
 * what its function needs.
 *
 * The code: from the installed package (dist/infra/ beside dist/lambda/<handler>/index.mjs, built by
 * scripts/build.mjs) the pre-bundled handler is deployed as an asset, so a CDK app needs nothing
 * but aws-cdk-lib and constructs; from the TypeScript sources (this repo's tests and `npm run
 * synth`) NodejsFunction bundles the handler with the local esbuild (no Docker). A model's
 * definition rides along either way: replaced into the bundle (esbuild `define`) or written
 * beside the pre-bundled handler as definition.json (functions/run-job.ts reads either).
 */
import { cpSync, existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { acknowledge } from './nag.js';

/** ESM bundles have no `require`; some dependencies still call it. */
const CREATE_REQUIRE_BANNER =
  "import { createRequire as __dwCreateRequire } from 'node:module'; const require = __dwCreateRequire(import.meta.url);";

export interface DriftwatchFunctionProps {
  /** The handler under functions/, e.g. `run-job` (functions/run-job.ts, dist/lambda/run-job/). */
  readonly handler: string;
  readonly description: string;
  readonly environment: Record<string, string>;
  /** The monitor definition (JSON text) the handler runs with. @default - none */
  readonly definition?: string;
  /** @default 1024 */
  readonly memorySize?: number;
  /** @default Duration.minutes(15) */
  readonly timeout?: Duration;
  /** Where asynchronous invocations go once Lambda's retries are used up. */
  readonly deadLetterQueue: sqs.IQueue;
  /** @default logs.RetentionDays.THREE_MONTHS */
  readonly logRetention?: logs.RetentionDays;
  /** @default - none (the account's unreserved pool) */
  readonly reservedConcurrentExecutions?: number;
}

export class DriftwatchFunction extends Construct {
  readonly function: lambda.Function;
  readonly role: iam.Role;
  readonly logGroup: logs.LogGroup;

  constructor(scope: Construct, id: string, props: DriftwatchFunctionProps) {
    super(scope, id);
    this.logGroup = new logs.LogGroup(this, 'Logs', {
      retention: props.logRetention ?? logs.RetentionDays.THREE_MONTHS,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `driftwatch ${props.description}`,
    });
    this.role.addToPolicy(
      new iam.PolicyStatement({
        actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        resources: [this.logGroup.logGroupArn],
      }),
    );
    const common: lambda.FunctionOptions = {
      architecture: lambda.Architecture.ARM_64,
      memorySize: props.memorySize ?? 1024,
      timeout: props.timeout ?? Duration.minutes(15),
      description: props.description,
      role: this.role,
      logGroup: this.logGroup,
      loggingFormat: lambda.LoggingFormat.JSON,
      environment: {
        POWERTOOLS_SERVICE_NAME: 'driftwatch',
        POWERTOOLS_METRICS_NAMESPACE: 'Driftwatch',
        NODE_OPTIONS: '--enable-source-maps',
        ...props.environment,
      },
      reservedConcurrentExecutions: props.reservedConcurrentExecutions,
      retryAttempts: 2,
      maxEventAge: Duration.hours(6),
      deadLetterQueue: props.deadLetterQueue,
    };
    const prebuilt = fileURLToPath(new URL(`../lambda/${props.handler}/`, import.meta.url));
    if (existsSync(join(prebuilt, 'index.mjs'))) {
      this.function = new lambda.Function(this, 'Function', {
        ...common,
        runtime: lambda.Runtime.NODEJS_22_X,
        handler: 'index.handler',
        code: lambda.Code.fromAsset(withDefinition(prebuilt, props.definition)),
      });
    } else {
      this.function = new NodejsFunction(this, 'Function', {
        ...common,
        runtime: lambda.Runtime.NODEJS_22_X,
        entry: fileURLToPath(new URL(`../functions/${props.handler}.ts`, import.meta.url)),
        handler: 'handler',
        bundling: {
          format: OutputFormat.ESM,
          target: 'node22',
          mainFields: ['module', 'main'],
          banner: CREATE_REQUIRE_BANNER,
          minify: true,
          sourceMap: true,
          // The AWS SDK is bundled at the versions the tests ran with; DuckDB never runs in Lambda.
          externalModules: ['@duckdb/node-api'],
          define:
            props.definition === undefined
              ? {}
              : { 'process.env.DRIFTWATCH_DEFINITION': JSON.stringify(props.definition) },
          forceDockerBundling: false,
        },
      });
    }
    acknowledge(
      this.function,
      'AwsSolutions-L1',
      'Node.js 22 is the runtime driftwatch is built and tested for; bump with the library',
    );
  }
}

/**
 * The pre-bundled handler's folder, or a copy of it with definition.json beside the handler (one
 * staging folder per model; CDK hashes the content, so an unchanged definition is the same asset).
 */
function withDefinition(prebuilt: string, definition: string | undefined): string {
  if (definition === undefined) return prebuilt;
  const staged = mkdtempSync(join(tmpdir(), 'driftwatch-asset-'));
  cpSync(prebuilt, staged, { recursive: true });
  writeFileSync(join(staged, 'definition.json'), definition);
  return staged;
}
