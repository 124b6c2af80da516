/**
 * MonitoringHub: what every monitored model in an account and region shares. The results bucket,
 * the Glue database, the Athena workgroup (enforced result location, encryption and a per-query
 * scan cutoff), the alert and digest topics, the event bus for retraining tickets, the daily digest
 * (one for every model) and the dashboard. Add models with `new ModelMonitor(scope, id, { hub, ... })`.
 */
import { Aws, Duration, Lazy, RemovalPolicy, Size, Stack, TimeZone, Token } from 'aws-cdk-lib';
import * as athena from 'aws-cdk-lib/aws-athena';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cloudwatchActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as events from 'aws-cdk-lib/aws-events';
import * as glue from 'aws-cdk-lib/aws-glue';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import * as schedulerTargets from 'aws-cdk-lib/aws-scheduler-targets';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import {
  DIGEST_SCOPE,
  notificationsPrefix,
  registryKey,
  runsPrefix,
} from '../lib/adapters/athena-sources.js';
import { IDENTIFIER_PATTERN } from '../lib/sql/identifiers.js';
import { DriftwatchFunction } from './driftwatch-function.js';
import { acknowledge, acknowledgeWildcard } from './nag.js';

/** How a new results bucket (and the Athena query results) is encrypted. */
export enum ResultsEncryption {
  /** A customer managed KMS key with rotation, shared with the topics. */
  KMS = 'kms',
  /** S3 managed keys (SSE-S3). */
  S3 = 's3',
}

export interface MonitoringHubProps {
  /**
   * An existing bucket for results and Athena query results. Give this or `encryption`, not both.
   * @default - a new bucket: encrypted, TLS only, public access blocked, with lifecycle rules
   */
  readonly bucket?: s3.IBucket;
  /**
   * Encryption of a new results bucket (and of the Athena query results).
   * @default 'kms' - a customer managed key with rotation, shared with the topics
   */
  readonly encryption?: ResultsEncryption;
  /** The prefix result documents are written under. @default 'results' */
  readonly resultsPrefix?: string;
  /** Days before Athena's own query result files expire. @default Duration.days(30) */
  readonly athenaResultsRetention?: Duration;
  /** Days before result documents move to S3 Standard-IA. @default Duration.days(90) */
  readonly resultsInfrequentAccessAfter?: Duration;
  /** A bucket for the results bucket's server access logs. @default - no access logging */
  readonly serverAccessLogsBucket?: s3.IBucket;
  /** @default 'driftwatch' */
  readonly databaseName?: string;
  /** @default 'driftwatch' */
  readonly workGroupName?: string;
  /** The most one query may scan; Athena cancels a query past it. @default Size.gibibytes(10) */
  readonly bytesScannedCutoffPerQuery?: Size;
  /** Email addresses subscribed to the alert topic (each must confirm). @default - none */
  readonly alertEmails?: string[];
  /** Email addresses subscribed to the digest topic (each must confirm). @default - none */
  readonly digestEmails?: string[];
  /** When the digest runs, an EventBridge Scheduler expression. @default 'cron(0 7 * * ? *)' (07:00 daily) */
  readonly digestSchedule?: string;
  /** The time zone of every driftwatch schedule. @default TimeZone.ETC_UTC */
  readonly scheduleTimeZone?: TimeZone;
  /** Where CloudWatch alarms notify. @default - the alert topic */
  readonly alarmTopic?: sns.ITopic;
  /** @default 'driftwatch' */
  readonly eventBusName?: string;
  /** @default 'driftwatch' */
  readonly dashboardName?: string;
  /** What happens to the bucket and key when the stack is deleted. @default RemovalPolicy.RETAIN */
  readonly removalPolicy?: RemovalPolicy;
}

/** Settings every ModelMonitor reads from its hub. */
export class MonitoringHub extends Construct {
  readonly bucket: s3.IBucket;
  /** The hub's key: the topics always, the bucket and Athena results when `encryption` is 'kms'. */
  readonly key: kms.Key;
  /** The key the results bucket is encrypted with, if it uses KMS. */
  readonly bucketKey?: kms.IKey;
  readonly resultsPrefix: string;
  readonly athenaResultsPrefix: string = 'athena-results';
  readonly databaseName: string;
  readonly database: glue.CfnDatabase;
  readonly workGroupName: string;
  readonly workGroup: athena.CfnWorkGroup;
  readonly alertTopic: sns.Topic;
  readonly digestTopic: sns.Topic;
  readonly alarmTopic: sns.ITopic;
  readonly eventBus: events.EventBus;
  readonly dashboard: cloudwatch.Dashboard;
  readonly deadLetterQueue: sqs.Queue;
  readonly digestFunction: DriftwatchFunction;
  readonly digestSchedule: scheduler.Schedule;
  readonly scheduleTimeZone: TimeZone;
  /** The digest's alarms. */
  readonly alarms: cloudwatch.Alarm[] = [];
  /**
   * The dashboard's name, also the first part of every alarm name, so the hub's dashboard can show a
   * model's alarms by name even when the ModelMonitor lives in another stack (no cross-stack reference).
   */
  readonly namePrefix: string;
  private readonly modelIds: string[] = [];

  constructor(scope: Construct, id: string, props: MonitoringHubProps = {}) {
    super(scope, id);
    if (props.bucket && props.encryption) {
      throw new Error('give either bucket (an existing one) or encryption (for a new one), not both');
    }
    const prefix = (props.resultsPrefix ?? 'results').replace(/^\/+|\/+$/g, '');
    if (!Token.isUnresolved(prefix) && !/^[a-zA-Z0-9_-]+(\/[a-zA-Z0-9_-]+)*$/.test(prefix)) {
      throw new Error(
        `resultsPrefix must be a plain S3 prefix such as results, got ${JSON.stringify(props.resultsPrefix)}`,
      );
    }
    if (prefix === this.athenaResultsPrefix)
      throw new Error(`resultsPrefix cannot be ${this.athenaResultsPrefix}: Athena writes there`);
    this.resultsPrefix = prefix;
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;
    this.scheduleTimeZone = props.scheduleTimeZone ?? TimeZone.ETC_UTC;

    this.key = new kms.Key(this, 'Key', {
      description: 'driftwatch: notifications, and results when the bucket uses KMS',
      enableKeyRotation: true,
      removalPolicy,
    });
    // CloudWatch alarms publish to the encrypted topics.
    this.key.addToResourcePolicy(
      new iam.PolicyStatement({
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        resources: ['*'],
        conditions: { StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID } },
      }),
    );
    const useKms = !props.bucket && (props.encryption ?? ResultsEncryption.KMS) === ResultsEncryption.KMS;
    this.bucketKey = props.bucket ? props.bucket.encryptionKey : useKms ? this.key : undefined;
    this.bucket = props.bucket ?? this.createBucket(props, removalPolicy);

    this.databaseName = props.databaseName ?? 'driftwatch';
    if (!Token.isUnresolved(this.databaseName) && !IDENTIFIER_PATTERN.test(this.databaseName)) {
      throw new Error(
        `databaseName ${JSON.stringify(this.databaseName)} cannot be named by driftwatch's Athena queries: use letters, digits and underscores, not starting with a digit (e.g. ${JSON.stringify(this.databaseName.replace(/[^A-Za-z0-9_]/g, '_').replace(/^(?=\d)/, 'db_'))})`,
      );
    }
    this.database = new glue.CfnDatabase(this, 'Database', {
      catalogId: Aws.ACCOUNT_ID,
      databaseInput: {
        name: this.databaseName,
        description: 'driftwatch: prediction, label and result tables',
      },
    });

    this.workGroupName = props.workGroupName ?? 'driftwatch';
    const cutoff = (props.bytesScannedCutoffPerQuery ?? Size.gibibytes(10)).toBytes();
    if (cutoff < 10 * 2 ** 20)
      throw new Error(`bytesScannedCutoffPerQuery must be at least 10 MB, got ${cutoff} bytes`);
    this.workGroup = new athena.CfnWorkGroup(this, 'WorkGroup', {
      name: this.workGroupName,
      description: 'driftwatch monitoring queries',
      state: 'ENABLED',
      recursiveDeleteOption: true,
      workGroupConfiguration: {
        enforceWorkGroupConfiguration: true,
        publishCloudWatchMetricsEnabled: true,
        bytesScannedCutoffPerQuery: cutoff,
        engineVersion: { selectedEngineVersion: 'Athena engine version 3' },
        resultConfiguration: {
          outputLocation: `s3://${this.bucket.bucketName}/${this.athenaResultsPrefix}/`,
          encryptionConfiguration: this.bucketKey
            ? { encryptionOption: 'SSE_KMS', kmsKey: this.bucketKey.keyArn }
            : { encryptionOption: 'SSE_S3' },
        },
      },
    });

    this.namePrefix = props.dashboardName ?? 'driftwatch';
    this.alertTopic = this.createTopic('AlertTopic', 'driftwatch alerts', props.alertEmails ?? []);
    this.digestTopic = this.createTopic('DigestTopic', 'driftwatch daily digest', props.digestEmails ?? []);
    this.alarmTopic = props.alarmTopic ?? this.alertTopic;
    this.eventBus = new events.EventBus(this, 'EventBus', {
      eventBusName: props.eventBusName ?? 'driftwatch',
    });
    this.dashboard = new cloudwatch.Dashboard(this, 'Dashboard', {
      dashboardName: this.namePrefix,
      defaultInterval: Duration.days(14),
    });
    this.deadLetterQueue = this.createDeadLetterQueue(this, 'DigestDeadLetterQueue');

    this.digestFunction = new DriftwatchFunction(this, 'Digest', {
      handler: 'digest',
      description: 'daily digest of every monitored model',
      memorySize: 512,
      timeout: Duration.minutes(15),
      deadLetterQueue: this.deadLetterQueue,
      environment: {
        ...this.environment(),
        MODEL_IDS: Lazy.string({ produce: () => this.modelIds.join(',') }),
      },
    });
    // The digest reads result documents from S3 and publishes to the digest topic: no Athena, no
    // Glue, no alert topic, no event bus.
    this.grantDigestResults(this.digestFunction.role);
    this.digestFunction.role.addToPrincipalPolicy(
      new iam.PolicyStatement({ actions: ['sns:Publish'], resources: [this.digestTopic.topicArn] }),
    );
    this.key.grant(this.digestFunction.role, 'kms:Decrypt', 'kms:GenerateDataKey');

    this.digestSchedule = new scheduler.Schedule(this, 'DigestSchedule', {
      description: 'driftwatch: the daily digest of every model',
      schedule: scheduler.ScheduleExpression.expression(
        props.digestSchedule ?? 'cron(0 7 * * ? *)',
        this.scheduleTimeZone,
      ),
      target: new schedulerTargets.LambdaInvoke(this.digestFunction.function, {
        input: scheduler.ScheduleTargetInput.fromObject({
          job: 'digest',
          scheduledTime: scheduler.ContextAttribute.scheduledTime,
        }),
        retryAttempts: 3,
        maxEventAge: Duration.hours(6),
        deadLetterQueue: this.deadLetterQueue,
      }),
    });
    acknowledgeSchedulerInvoke(this, this.digestFunction);
    this.createDigestAlarms();

    this.dashboard.addWidgets(
      new cloudwatch.TextWidget({
        markdown: '# driftwatch\nJobs, Athena scans and failures per model.',
        width: 24,
        height: 2,
      }),
      new cloudwatch.GraphWidget({
        title: 'Digest: invocations and errors',
        left: [this.digestFunction.function.metricInvocations(), this.digestFunction.function.metricErrors()],
        width: 12,
      }),
      new cloudwatch.GraphWidget({
        title: 'Athena: bytes scanned (workgroup)',
        left: [
          new cloudwatch.Metric({
            namespace: 'AWS/Athena',
            metricName: 'ProcessedBytes',
            dimensionsMap: { WorkGroup: this.workGroupName },
            statistic: 'Sum',
            period: Duration.days(1),
          }),
        ],
        width: 12,
      }),
    );
  }

  /**
   * The digest's alarms, on the alarm topic: a failed or timed-out digest run (Lambda Errors, the
   * run is retried) and events that ended in its dead-letter queue. Missing data is not breaching:
   * quiet until the digest runs.
   */
  private createDigestAlarms(): void {
    const action = new cloudwatchActions.SnsAction(this.alarmTopic);
    const errors = new cloudwatch.Alarm(this, 'DigestErrorsAlarm', {
      alarmDescription: "driftwatch digest: a digest run failed (see the digest function's logs)",
      metric: this.digestFunction.function.metricErrors({ period: Duration.hours(1), statistic: 'Sum' }),
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    const deadLetters = new cloudwatch.Alarm(this, 'DigestDeadLetterAlarm', {
      alarmDescription:
        'driftwatch digest: digest runs that could not be delivered or kept failing wait in the dead-letter queue',
      metric: this.deadLetterQueue.metricApproximateNumberOfMessagesVisible({
        period: Duration.minutes(5),
        statistic: 'Maximum',
      }),
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    for (const alarm of [errors, deadLetters]) {
      alarm.addAlarmAction(action);
      this.alarms.push(alarm);
    }
  }

  /** Called by ModelMonitor: adds the model to the digest. */
  registerModel(modelId: string): void {
    if (this.modelIds.includes(modelId)) {
      throw new Error(
        `model ${modelId} is already monitored by this hub: give each ModelMonitor its own model.id`,
      );
    }
    this.modelIds.push(modelId);
  }

  /** The environment variables every driftwatch function reads (see functions/shared/env.ts). */
  environment(): Record<string, string> {
    return {
      RESULTS_BUCKET: this.bucket.bucketName,
      RESULTS_PREFIX: this.resultsPrefix,
      ATHENA_WORKGROUP: this.workGroupName,
      GLUE_DATABASE: this.databaseName,
      ALERT_TOPIC_ARN: this.alertTopic.topicArn,
      DIGEST_TOPIC_ARN: this.digestTopic.topicArn,
      EVENT_BUS_NAME: this.eventBus.eventBusName,
    };
  }

  /**
   * What one model's function may read and write under the results prefix: its own documents
   * (`<model>/`), its registry entry, its scheduled-run markers and its notification markers.
   * Listing only under `<model>/`. No other model's results, alert state or registry entry.
   */
  grantModelResults(role: iam.IRole, modelId: string): void {
    const p = this.resultsPrefix;
    const objects = [
      `${p}/${modelId}/*`,
      `${p}/${registryKey(modelId)}`,
      `${p}/${runsPrefix(modelId)}*`,
      `${p}/${notificationsPrefix(modelId)}/*`,
    ];
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['s3:GetObject', 's3:PutObject'],
        resources: objects.map((o) => this.bucket.arnForObjects(o)),
      }),
    );
    const reasons = [
      `the results, alert state, tickets and reports of model ${modelId} only, keyed by job, window and id`,
      `the scheduled-run markers of model ${modelId} only, one per job and schedule time`,
      `the delivery markers of model ${modelId}'s notifications only, one per notification id`,
    ];
    [objects[0]!, objects[2]!, objects[3]!].forEach((o, i) => {
      acknowledgeWildcard(role, this.bucket.arnForObjects(o), reasons[i]!);
    });
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['s3:ListBucket'],
        resources: [this.bucket.bucketArn],
        // Every prefix it reads: a GET of a missing key (first run: no state, no marker yet) is
        // told apart from a refusal by listing that key (S3ResultStore.absent).
        conditions: {
          StringLike: {
            's3:prefix': [
              `${p}/${modelId}/*`,
              `${p}/${registryKey(modelId)}`,
              `${p}/${runsPrefix(modelId)}*`,
              `${p}/${notificationsPrefix(modelId)}/*`,
            ],
          },
        },
      }),
    );
    this.grantKey(role);
  }

  /**
   * What the digest reads (every model's registry entry, drift, performance, estimated, KPI and SLO results, alert
   * state and tickets) and writes (the digest documents and its own delivery markers).
   */
  private grantDigestResults(role: iam.IRole): void {
    const p = this.resultsPrefix;
    const reads = [
      `${p}/_registry/*`,
      `${p}/*/drift/*`,
      `${p}/*/performance/*`,
      `${p}/*/alerts/state.json`,
      `${p}/*/tickets/*`,
      `${p}/*/kpi/*`,
      `${p}/*/slo/*`,
      `${p}/*/estimated/*`,
    ];
    const writes = [`${p}/digests/*`, `${p}/${notificationsPrefix(DIGEST_SCOPE)}/*`];
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['s3:GetObject'],
        resources: reads.map((o) => this.bucket.arnForObjects(o)),
      }),
    );
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['s3:GetObject', 's3:PutObject'],
        resources: writes.map((o) => this.bucket.arnForObjects(o)),
      }),
    );
    const reasons: Record<string, string> = {
      [reads[0]!]: 'the digest reads the registered definition of every model, one document per model id',
      [reads[1]!]: 'the digest reads the drift results of every model (read only), keyed by model and window',
      [reads[2]!]:
        'the digest reads the performance results of every model (read only), keyed by model and window',
      [reads[3]!]:
        'the digest reads the alert state of every model (read only); the model id is the wildcard',
      [reads[4]!]: 'the digest reads the open retraining ticket of every model (read only)',
      [reads[5]!]: 'the digest reads the KPI results of every model (read only), keyed by model and window',
      [reads[6]!]:
        'the digest reads the latest SLO result of every model (read only), keyed by model and hour',
      [reads[7]!]:
        'the digest reads the estimated performance of every model (read only), keyed by model and window',
      [writes[0]!]: 'the digest writes one digest document per date',
      [writes[1]!]: "the digest's own delivery markers, one per digest id",
    };
    for (const [o, reason] of Object.entries(reasons))
      acknowledgeWildcard(role, this.bucket.arnForObjects(o), reason);
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['s3:ListBucket'],
        resources: [this.bucket.bucketArn],
        // Lists performance, SLO results and tickets; the other prefixes it reads are listed only to
        // tell a missing key from a refusal (S3ResultStore.absent).
        conditions: { StringLike: { 's3:prefix': [...reads, ...writes] } },
      }),
    );
    this.grantKey(role);
  }

  /**
   * Run Athena queries in the hub's workgroup and read the Glue tables named (`<database>/<table>`
   * patterns). Includes the workgroup's query result prefix, which Athena writes as the caller.
   */
  grantQueries(role: iam.IRole, tables: string[]): void {
    const stack = Stack.of(this);
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: [
          'athena:StartQueryExecution',
          'athena:GetQueryExecution',
          'athena:GetQueryResults',
          'athena:StopQueryExecution',
          'athena:GetWorkGroup',
        ],
        resources: [
          stack.formatArn({ service: 'athena', resource: 'workgroup', resourceName: this.workGroupName }),
        ],
      }),
    );
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: [
          'glue:GetDatabase',
          'glue:GetDatabases',
          'glue:GetTable',
          'glue:GetTables',
          'glue:GetPartition',
          'glue:GetPartitions',
        ],
        resources: [
          stack.formatArn({ service: 'glue', resource: 'catalog' }),
          stack.formatArn({ service: 'glue', resource: 'database', resourceName: this.databaseName }),
          ...tables.map((table) =>
            stack.formatArn({ service: 'glue', resource: 'table', resourceName: table }),
          ),
        ],
      }),
    );
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['s3:GetObject', 's3:PutObject', 's3:AbortMultipartUpload', 's3:ListMultipartUploadParts'],
        resources: [this.bucket.arnForObjects(`${this.athenaResultsPrefix}/*`)],
      }),
    );
    acknowledgeWildcard(
      role,
      this.bucket.arnForObjects(`${this.athenaResultsPrefix}/*`),
      'Athena writes each query result under the workgroup result prefix as the caller, with names it chooses',
    );
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['s3:ListBucket'],
        resources: [this.bucket.bucketArn],
        conditions: { StringLike: { 's3:prefix': [`${this.athenaResultsPrefix}/*`] } },
      }),
    );
    // GetBucketLocation carries no s3:prefix, so it cannot share the conditional statement above.
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({ actions: ['s3:GetBucketLocation'], resources: [this.bucket.bucketArn] }),
    );
    this.grantKey(role);
  }

  /** Decrypt and encrypt with the bucket's key, if it has one (no wildcard actions). */
  private grantKey(role: iam.IRole): void {
    this.bucketKey?.grant(role, 'kms:Decrypt', 'kms:GenerateDataKey');
  }

  /** A model's notifications: publish to the alert topic (not the digest's) and put retraining events on the bus. */
  grantNotify(role: iam.IRole): void {
    // Written out rather than topic.grantPublish, which grants kms:GenerateDataKey* on the key.
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({ actions: ['sns:Publish'], resources: [this.alertTopic.topicArn] }),
    );
    this.key.grant(role, 'kms:Decrypt', 'kms:GenerateDataKey');
    this.eventBus.grantPutEventsTo(role);
  }

  /**
   * A dead-letter queue: SQS-managed encryption, TLS only, messages kept 14 days. (cdk-nag's SQS3
   * sees that it is a dead-letter queue, so it needs no acknowledgement.)
   */
  createDeadLetterQueue(scope: Construct, id: string): sqs.Queue {
    return new sqs.Queue(scope, id, {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
  }

  private createBucket(props: MonitoringHubProps, removalPolicy: RemovalPolicy): s3.Bucket {
    const bucket = new s3.Bucket(this, 'ResultsBucket', {
      encryption: this.bucketKey ? s3.BucketEncryption.KMS : s3.BucketEncryption.S3_MANAGED,
      encryptionKey: this.bucketKey,
      bucketKeyEnabled: Boolean(this.bucketKey),
      enforceSSL: true,
      minimumTLSVersion: 1.2,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      versioned: true,
      removalPolicy,
      autoDeleteObjects: false,
      serverAccessLogsBucket: props.serverAccessLogsBucket,
      serverAccessLogsPrefix: props.serverAccessLogsBucket ? 'driftwatch-results/' : undefined,
      lifecycleRules: [
        {
          id: 'athena-query-results',
          prefix: `${this.athenaResultsPrefix}/`,
          expiration: props.athenaResultsRetention ?? Duration.days(30),
          noncurrentVersionExpiration: Duration.days(1),
          abortIncompleteMultipartUploadAfter: Duration.days(1),
        },
        {
          id: 'results',
          prefix: `${this.resultsPrefix}/`,
          transitions: [
            {
              storageClass: s3.StorageClass.INFREQUENT_ACCESS,
              transitionAfter: props.resultsInfrequentAccessAfter ?? Duration.days(90),
            },
          ],
          noncurrentVersionExpiration: Duration.days(30),
          abortIncompleteMultipartUploadAfter: Duration.days(1),
        },
      ],
    });
    if (!props.serverAccessLogsBucket) {
      acknowledge(
        bucket,
        'AwsSolutions-S1',
        'holds derived aggregates only; access logging is opt-in through serverAccessLogsBucket',
      );
    }
    return bucket;
  }

  private createTopic(id: string, displayName: string, emails: readonly string[]): sns.Topic {
    const topic = new sns.Topic(this, id, {
      displayName,
      masterKey: this.key,
      enforceSSL: true,
    });
    for (const email of emails) {
      if (!Token.isUnresolved(email) && !/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(email)) {
        throw new Error(
          `${id === 'AlertTopic' ? 'alertEmails' : 'digestEmails'} has an invalid address ${JSON.stringify(email)}`,
        );
      }
      topic.addSubscription(new subscriptions.EmailSubscription(email));
    }
    return topic;
  }
}

/** The scheduler's role may invoke the function and its versions (`<function arn>:*`), as CDK grants. */
export function acknowledgeSchedulerInvoke(scope: Construct, fn: DriftwatchFunction): void {
  acknowledgeWildcard(
    Stack.of(scope),
    `${fn.function.functionArn}:*`,
    'EventBridge Scheduler is granted the function and its versions, the grant CDK makes for a Lambda target',
  );
}
