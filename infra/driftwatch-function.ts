/**
 * A driftwatch Lambda: Node 22 on arm64, bundled as ESM by the local esbuild (no Docker), with its
 * own log group and a role that starts empty (no AWS managed policy): each construct grants only
 * what its function needs.
 */
import { fileURLToPath } from 'node:url';
import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';

/** ESM bundles have no `require`; some dependencies still call it. */
const CREATE_REQUIRE_BANNER =
  "import { createRequire as __dwCreateRequire } from 'node:module'; const require = __dwCreateRequire(import.meta.url);";

export interface DriftwatchFunctionProps {
  /** The handler file under functions/, e.g. `run-job.ts`. */
  readonly handlerFile: string;
  readonly description: string;
  readonly environment: Record<string, string>;
  /** Identifiers replaced by JSON values at bundling time (esbuild `define`). @default - none */
  readonly define?: Record<string, string>;
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
  readonly function: NodejsFunction;
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
    this.function = new NodejsFunction(this, 'Function', {
      entry: fileURLToPath(new URL(`../functions/${props.handlerFile}`, import.meta.url)),
      handler: 'handler',
      runtime: lambda.Runtime.NODEJS_22_X,
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
      bundling: {
        format: OutputFormat.ESM,
        target: 'node22',
        mainFields: ['module', 'main'],
        banner: CREATE_REQUIRE_BANNER,
        minify: true,
        sourceMap: true,
        // The AWS SDK is bundled at the versions the tests ran with; DuckDB never runs in Lambda.
        externalModules: ['@duckdb/node-api'],
        define: props.define ?? {},
        forceDockerBundling: false,
      },
    });
    Validations.of(this.function).acknowledge({
      id: 'AwsSolutions-L1',
      reason: 'Node.js 22 is the runtime driftwatch is built and tested for; bump with the library',
    });
  }
}
