/**
 * ModelMonitor: one monitored model, attached to a MonitoringHub. Its props are the monitor
 * definition (validated at synth: a bad definition fails `cdk synth` with the field and the fix)
 * plus AWS specifics. It creates the Glue tables over the model's logs (partition projection on
 * `dt`, no crawler), a results table, the model's Lambda with the definition bundled in, the
 * schedules, a dead-letter queue, least-privilege IAM and the alarms.
 */
import { Duration, Stack, type TimeZone, Token } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cloudwatchActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as events from 'aws-cdk-lib/aws-events';
import * as glue from 'aws-cdk-lib/aws-glue';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as logs from 'aws-cdk-lib/aws-logs';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import * as schedulerTargets from 'aws-cdk-lib/aws-scheduler-targets';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { glueTableNames } from '../lib/adapters/athena-sources.js';
import { validateDefinition } from '../lib/config/load.js';
import type { MonitorDefinitionProps } from '../lib/config/props.js';
import type { MonitorDefinition } from '../lib/config/schema.js';
import type { JobName } from '../lib/jobs/types.js';
import { IDENTIFIER_PATTERN } from '../lib/sql/identifiers.js';
import { DriftwatchFunction } from './driftwatch-function.js';
import {
  checkColumns,
  dtProjection,
  type GlueColumn,
  labelColumns,
  outcomeColumns,
  parseS3Uri,
  predictionColumns,
  referenceColumns,
  storageFor,
} from './glue-tables.js';
import { acknowledgeSchedulerInvoke, type MonitoringHub } from './monitoring-hub.js';
import { acknowledgeWildcard, addWarning } from './nag.js';

/** When each job runs: an EventBridge Scheduler expression, or 'off' (run it on demand). */
export interface ModelMonitorSchedules {
  /** @default 'cron(0 1 * * ? *)' (01:00 daily; the profile is rebuilt, so a changed reference is picked up) */
  readonly baseline?: string;
  /** @default 'cron(0 2 * * ? *)' (02:00 daily, over yesterday's window) */
  readonly drift?: string;
  /** @default 'cron(0 3 * * ? *)' (03:00 daily) when the definition has labels, otherwise off */
  readonly performance?: string;
  /**
   * The canary's verdict over the last complete canary window.
   * @default 'cron(10 * * * ? *)' (ten past every hour, after the SLO run) when the definition has a canary, otherwise off
   */
  readonly canary?: string;
  /**
   * The SLO job: error budgets and burn-rate alerts over the last complete sub-window.
   * @default 'cron(5 * * * ? *)' (hourly, five minutes past the hour) when the definition has slos, otherwise off
   */
  readonly slo?: string;
}

/** AWS specifics of a ModelMonitor, beside the monitor definition. */
export interface ModelMonitorAwsProps {
  /** The hub this model reports to. */
  readonly hub: MonitoringHub;
  /** @default - see ModelMonitorSchedules */
  readonly schedules?: ModelMonitorSchedules;
  /** The first day partition projection offers for `dt`. @default '2020-01-01' */
  readonly projectionStartDate?: string;
  /** Hive types of log columns that differ from the defaults (e.g. `{ defaulted: 'boolean' }`). @default - none */
  readonly columnTypes?: { readonly [column: string]: string };
  /**
   * Every column of the prediction log, in file order. Required in practice for CSV logs, whose
   * columns are positional. @default - derived from the definition
   */
  readonly predictionColumns?: GlueColumn[];
  /** @default - the label id and label columns */
  readonly labelColumns?: GlueColumn[];
  /** @default - the prediction columns plus the reference's label column */
  readonly referenceColumns?: GlueColumn[];
  /**
   * Every column of the outcomes log, in file order (CSV). Must include the id column and every
   * column an outcome KPI reads. @default - the outcomes id column and the outcome KPIs' columns
   */
  readonly outcomeColumns?: GlueColumn[];
  /** @default 1024 */
  readonly memorySize?: number;
  /** @default Duration.minutes(15) */
  readonly timeout?: Duration;
  /** @default logs.RetentionDays.THREE_MONTHS */
  readonly logRetention?: logs.RetentionDays;
  /**
   * The KMS key the monitored logs are encrypted with (SSE-KMS), if any: the model's function
   * (as whom Athena reads the files) is granted kms:Decrypt on it, nothing else.
   * @default - the logs use S3-managed keys
   */
  readonly logsKey?: kms.IKey;
}

/**
 * A ModelMonitor's props: the monitor definition's fields (as in the YAML; `parseDefinition` output
 * can be spread in) plus the AWS specifics. Plain readonly interfaces, so jsii can express them.
 */
export interface ModelMonitorProps extends MonitorDefinitionProps, ModelMonitorAwsProps {}

const DEFAULT_SCHEDULES = {
  baseline: 'cron(0 1 * * ? *)',
  drift: 'cron(0 2 * * ? *)',
  performance: 'cron(0 3 * * ? *)',
  // Five minutes past the hour: the hour before is complete and its rows have had time to land.
  slo: 'cron(5 * * * ? *)',
  // Ten past: after the SLO run (the function runs one job at a time).
  canary: 'cron(10 * * * ? *)',
} as const;

const SCHEDULE_EXPRESSION =
  /^(cron\([^()]+\)|rate\(\d+ (minute|minutes|hour|hours|day|days)\)|at\([^()]+\))$/;

export class ModelMonitor extends Construct {
  /** The validated definition, every default filled in. */
  private readonly definition: MonitorDefinition;
  readonly modelId: string;
  readonly hub: MonitoringHub;
  readonly monitorFunction: DriftwatchFunction;
  readonly deadLetterQueue: sqs.Queue;
  readonly predictionsTable: glue.CfnTable;
  readonly labelsTable?: glue.CfnTable;
  readonly referenceTable?: glue.CfnTable;
  /** The outcomes log's table (outcome KPIs), when the definition has an outcomes log. */
  readonly outcomesTable?: glue.CfnTable;
  readonly resultsTable: glue.CfnTable;
  /** The job schedules by job name ('baseline', 'drift', 'performance'); a job set to 'off' has none. */
  readonly schedules: { [job: string]: scheduler.Schedule } = {};
  readonly alarms: cloudwatch.Alarm[] = [];
  private readonly alarmNames: string[] = [];

  constructor(scope: Construct, id: string, props: ModelMonitorProps) {
    super(scope, id);
    const {
      hub,
      schedules,
      projectionStartDate,
      columnTypes,
      predictionColumns: explicitPredictionColumns,
      labelColumns: explicitLabelColumns,
      referenceColumns: explicitReferenceColumns,
      outcomeColumns: explicitOutcomeColumns,
      memorySize,
      timeout,
      logRetention,
      logsKey,
      ...givenDefinition
    } = props;

    // An outcomes log that no KPI reads (a KPI without `source: outcomes`, KPIs still to come) gets
    // no table, no grant and no place in the deployed definition: least privilege. A definition
    // file with one is refused (lib/config/load.ts); here the construct says so and leaves it out.
    const { outcomes: unreadOutcomes, ...withoutOutcomes } = givenDefinition;
    const outcomesUnread =
      unreadOutcomes !== undefined && !(givenDefinition.kpis ?? []).some((k) => k.source === 'outcomes');
    const definitionInput = outcomesUnread ? withoutOutcomes : givenDefinition;
    if (outcomesUnread)
      addWarning(
        this,
        'driftwatch:outcomes-unread',
        `outcomes (${unreadOutcomes.location}) is read by no KPI: no Glue table and no read access for it; add source: outcomes to the KPI that reads it, or remove outcomes`,
      );

    // Validate everything before creating any child.
    this.definition = validateDefinition(definitionInput, `ModelMonitor ${this.node.path}`);
    const def = this.definition;
    this.modelId = def.model.id;
    this.hub = hub;
    // The digest writes results/digests/: a model of that id would share its prefix (and its grants).
    if (this.modelId === 'digests') {
      throw new Error(
        `ModelMonitor ${this.node.path}: model.id "digests" is reserved for the hub's digest documents: choose another id`,
      );
    }
    // Every query names these tables through quoteIdentifier: refuse here what it would refuse later.
    const predictionsTableName = glueTableNames(this.modelId).predictions;
    if (!IDENTIFIER_PATTERN.test(predictionsTableName)) {
      throw new Error(
        `ModelMonitor ${this.node.path}: model.id ${JSON.stringify(this.modelId)} gives the Glue table ${JSON.stringify(predictionsTableName)}, which driftwatch's Athena queries cannot name (letters, digits and underscores, not starting with a digit, at most 128): start the id with a letter, e.g. ${JSON.stringify(`m${this.modelId}`.slice(0, 63))}`,
      );
    }
    const start = projectionStartDate ?? '2020-01-01';
    if (!/^\d{4}-\d{2}-\d{2}$/.test(start)) {
      throw new Error(`projectionStartDate must be a date as YYYY-MM-DD, got ${JSON.stringify(start)}`);
    }
    for (const [column, type] of Object.entries(columnTypes ?? {}))
      checkColumns([{ name: column, type }], 'columnTypes');
    // A type for a column no table declares is a typo that would leave the real column's type wrong.
    const declared = new Set(
      [...predictionColumns(def), ...labelColumns(def), ...referenceColumns(def), ...outcomeColumns(def)].map(
        (c) => c.name,
      ),
    );
    for (const column of Object.keys(columnTypes ?? {})) {
      if (!declared.has(column.toLowerCase())) {
        throw new Error(
          `columnTypes names ${JSON.stringify(column)}, which is no column of model ${def.model.id}'s tables (${[...declared].join(', ')}): fix the name or remove it`,
        );
      }
    }
    if (explicitPredictionColumns) checkColumns(explicitPredictionColumns, 'predictionColumns');
    if (explicitLabelColumns) checkColumns(explicitLabelColumns, 'labelColumns');
    if (explicitReferenceColumns) checkColumns(explicitReferenceColumns, 'referenceColumns');
    if (explicitOutcomeColumns) checkColumns(explicitOutcomeColumns, 'outcomeColumns');
    checkOutcomeColumns(def, explicitOutcomeColumns);
    const predictionsLocation = parseS3Uri(def.predictions.location, 'predictions.location');
    const labelsLocation = def.labels ? parseS3Uri(def.labels.location, 'labels.location') : undefined;
    const referenceLocation =
      def.reference.type === 'dataset' ? parseS3Uri(def.reference.location, 'reference.location') : undefined;
    const outcomesLocation = def.outcomes
      ? parseS3Uri(def.outcomes.location, 'outcomes.location')
      : undefined;
    const plan = {
      baseline: schedules?.baseline ?? DEFAULT_SCHEDULES.baseline,
      drift: schedules?.drift ?? DEFAULT_SCHEDULES.drift,
      performance: schedules?.performance ?? (def.labels ? DEFAULT_SCHEDULES.performance : 'off'),
      slo: schedules?.slo ?? (def.slos.length ? DEFAULT_SCHEDULES.slo : 'off'),
      canary: schedules?.canary ?? (def.canary ? DEFAULT_SCHEDULES.canary : 'off'),
    };
    for (const [job, expression] of Object.entries(plan)) {
      if (expression !== 'off' && !Token.isUnresolved(expression) && !SCHEDULE_EXPRESSION.test(expression)) {
        throw new Error(
          `schedules.${job} must be an EventBridge Scheduler expression such as cron(0 2 * * ? *) or rate(1 day), or 'off', got ${JSON.stringify(expression)}`,
        );
      }
    }
    if (plan.performance !== 'off' && !def.labels) {
      throw new Error(
        'schedules.performance is set but the definition has no labels: add labels or leave the schedule out',
      );
    }
    if (plan.slo !== 'off' && !def.slos.length) {
      throw new Error(
        'schedules.slo is set but the definition has no slos: add slos (README: SLOs) or leave the schedule out',
      );
    }
    if (plan.canary !== 'off' && !def.canary) {
      throw new Error(
        'schedules.canary is set but the definition has no canary section: add canary: { candidate: { newest: true } } or leave the schedule out',
      );
    }
    hub.registerModel(this.modelId);

    // Tables
    const names = glueTableNames(this.modelId);
    const warnCsv = (format: string, explicit: unknown, what: string) => {
      if (format === 'csv' && !explicit) {
        addWarning(
          this,
          'driftwatch:csv-columns',
          `${what} is CSV: its columns are positional, so give ${what}Columns in file order (the derived order is a guess)`,
        );
      }
    };
    warnCsv(def.predictions.format, explicitPredictionColumns, 'prediction');
    this.predictionsTable = this.createTable('PredictionsTable', {
      name: names.predictions,
      description: `driftwatch: ${this.modelId} predictions`,
      location: predictionsLocation.uri,
      format: def.predictions.format,
      columns: explicitPredictionColumns ?? predictionColumns(def, columnTypes),
      partitionStart: start,
    });
    if (def.labels && labelsLocation) {
      warnCsv(def.labels.format, explicitLabelColumns, 'label');
      this.labelsTable = this.createTable('LabelsTable', {
        name: names.labels,
        description: `driftwatch: ${this.modelId} ground-truth labels`,
        location: labelsLocation.uri,
        format: def.labels.format,
        columns: explicitLabelColumns ?? labelColumns(def, columnTypes),
        partitionStart: def.labels.partitioned ? start : undefined,
      });
    }
    if (def.reference.type === 'dataset' && referenceLocation) {
      warnCsv(def.reference.format, explicitReferenceColumns, 'reference');
      this.referenceTable = this.createTable('ReferenceTable', {
        name: names.reference,
        description: `driftwatch: ${this.modelId} reference dataset`,
        location: referenceLocation.uri,
        format: def.reference.format,
        columns: explicitReferenceColumns ?? referenceColumns(def, columnTypes),
      });
    }
    if (def.outcomes && outcomesLocation) {
      warnCsv(def.outcomes.format, explicitOutcomeColumns, 'outcome');
      this.outcomesTable = this.createTable('OutcomesTable', {
        name: names.outcomes,
        description: `driftwatch: ${this.modelId} business outcomes (outcome KPIs)`,
        location: outcomesLocation.uri,
        format: def.outcomes.format,
        columns: explicitOutcomeColumns ?? outcomeColumns(def, columnTypes),
        // dt= folders by arrival date: the KPI query reads those from the window start to the run day.
        partitionStart: def.outcomes.partitioned ? start : undefined,
      });
    }
    this.resultsTable = this.createResultsTable(names.results);

    // Function
    this.deadLetterQueue = hub.createDeadLetterQueue(this, 'DeadLetterQueue');
    this.monitorFunction = new DriftwatchFunction(this, 'Monitor', {
      handler: 'run-job',
      description: `monitor of model ${this.modelId}`,
      memorySize,
      timeout,
      logRetention,
      deadLetterQueue: this.deadLetterQueue,
      // One run of this model at a time: the alert state is one document per model, read, decided
      // and written by each run. A second invocation waits in Lambda's asynchronous queue.
      reservedConcurrentExecutions: 1,
      environment: hub.environment(),
      definition: JSON.stringify(definitionInput),
    });
    const role = this.monitorFunction.role;
    hub.grantModelResults(role, this.modelId);
    hub.grantQueries(
      role,
      [this.predictionsTable, this.labelsTable, this.referenceTable, this.outcomesTable, this.resultsTable]
        .filter((t): t is glue.CfnTable => t !== undefined)
        .map((t) => `${hub.databaseName}/${(t.tableInput as glue.CfnTable.TableInputProperty).name}`),
    );
    hub.grantNotify(role);
    const monitored = [predictionsLocation, labelsLocation, referenceLocation, outcomesLocation].filter(
      (l): l is NonNullable<typeof l> => l !== undefined,
    );
    this.grantReadLogs(role, monitored);
    logsKey?.grantDecrypt(role);

    // Schedules, alarms, dashboard
    for (const job of ['baseline', 'drift', 'performance', 'slo', 'canary'] as const) {
      if (plan[job] === 'off') continue;
      this.schedules[job] = this.createSchedule(job, plan[job], hub.scheduleTimeZone);
    }
    acknowledgeSchedulerInvoke(this, this.monitorFunction);
    this.createAlarms();
    this.addDashboardRow();
  }

  /**
   * Sends this model's retraining tickets (`Model Retraining Requested` events on the hub's bus,
   * filtered to this model) to a target, e.g. a Step Functions state machine or a SageMaker pipeline.
   */
  onRetrainingRequested(target: events.IRuleTarget, id = 'RetrainingRequested'): events.Rule {
    return new events.Rule(this, id, {
      description: `driftwatch: retraining requested for ${this.modelId}`,
      eventBus: this.hub.eventBus,
      eventPattern: {
        source: ['driftwatch'],
        detailType: ['Model Retraining Requested'],
        detail: { model: [this.modelId] },
      },
      targets: [target],
    });
  }

  /**
   * Sends this model's canary verdicts (`Canary Verdict` events on the hub's bus, filtered to this
   * model; detail in schemas/canary-verdict.v1.json) to a target, e.g. the deployment pipeline's
   * state machine. `verdicts` narrows the rule to some verdicts (e.g. ['roll_back']).
   */
  onCanaryVerdict(target: events.IRuleTarget, id = 'CanaryVerdict', verdicts?: string[]): events.Rule {
    if (!this.definition.canary) {
      throw new Error(
        `ModelMonitor ${this.node.path}: onCanaryVerdict needs a canary section in the definition (no verdict is ever published without one)`,
      );
    }
    const allowed = ['promote', 'hold', 'roll_back', 'inconclusive'];
    const unknown = (verdicts ?? []).filter((v) => !allowed.includes(v));
    if (unknown.length) {
      throw new Error(
        `onCanaryVerdict verdicts ${JSON.stringify(unknown)} are not verdicts: use ${allowed.join(', ')}`,
      );
    }
    return new events.Rule(this, id, {
      description: `driftwatch: canary verdicts of ${this.modelId}`,
      eventBus: this.hub.eventBus,
      eventPattern: {
        source: ['driftwatch'],
        detailType: ['Canary Verdict'],
        detail: { model: [this.modelId], ...(verdicts?.length ? { verdict: verdicts } : {}) },
      },
      targets: [target],
    });
  }

  /**
   * A metric this model's jobs publish (EMF, namespace Driftwatch), per job.
   * @param metricName 'JobSucceeded', 'JobFailed' or 'AthenaBytesScanned'
   * @param job 'baseline', 'drift' or 'performance'
   */
  metricJob(metricName: string, job: string, props: cloudwatch.MetricOptions = {}): cloudwatch.Metric {
    return new cloudwatch.Metric({
      namespace: 'Driftwatch',
      metricName,
      dimensionsMap: { service: 'driftwatch', model: this.modelId, job },
      statistic: 'Sum',
      period: Duration.days(1),
      ...props,
    });
  }

  private createTable(
    id: string,
    spec: {
      name: string;
      description: string;
      location: string;
      format: MonitorDefinition['predictions']['format'];
      columns: readonly GlueColumn[];
      partitionStart?: string;
    },
  ): glue.CfnTable {
    const storage = storageFor(spec.format);
    const table = new glue.CfnTable(this, id, {
      catalogId: Stack.of(this).account,
      databaseName: this.hub.databaseName,
      tableInput: {
        name: spec.name,
        description: spec.description,
        tableType: 'EXTERNAL_TABLE',
        parameters: {
          ...storage.tableParameters,
          EXTERNAL: 'TRUE',
          ...(spec.partitionStart ? dtProjection(spec.location, spec.partitionStart) : {}),
        },
        partitionKeys: spec.partitionStart ? [{ name: 'dt', type: 'string' }] : [],
        storageDescriptor: {
          location: spec.location,
          // Lower case, as Athena requires (glue-tables.ts `add`); explicit columns too.
          columns: spec.columns.map((c) => ({ name: c.name.toLowerCase(), type: c.type })),
          inputFormat: storage.inputFormat,
          outputFormat: storage.outputFormat,
          serdeInfo: storage.serdeInfo,
        },
      },
    });
    table.node.addDependency(this.hub.database);
    return table;
  }

  /**
   * The model's result documents as a table: one row per document (JSON on one line, read whole
   * into `doc`; query it with json_extract), partitioned by job and window date.
   */
  private createResultsTable(name: string): glue.CfnTable {
    const location = `s3://${this.hub.bucket.bucketName}/${this.hub.resultsPrefix}/${this.modelId}/`;
    const table = new glue.CfnTable(this, 'ResultsTable', {
      catalogId: Stack.of(this).account,
      databaseName: this.hub.databaseName,
      tableInput: {
        name,
        description: `driftwatch: ${this.modelId} result documents (json_extract(doc, '$.field'))`,
        tableType: 'EXTERNAL_TABLE',
        parameters: {
          EXTERNAL: 'TRUE',
          classification: 'json',
          'projection.enabled': 'true',
          'projection.job.type': 'enum',
          'projection.job.values': 'drift,performance,canary,digest',
          'projection.dt.type': 'date',
          'projection.dt.format': 'yyyy-MM-dd',
          'projection.dt.range': '2020-01-01,NOW',
          'projection.dt.interval': '1',
          'projection.dt.interval.unit': 'DAYS',
          'storage.location.template': `${location}\${job}/dt=\${dt}/`,
        },
        partitionKeys: [
          { name: 'job', type: 'string' },
          { name: 'dt', type: 'string' },
        ],
        storageDescriptor: {
          location,
          columns: [{ name: 'doc', type: 'string' }],
          inputFormat: 'org.apache.hadoop.mapred.TextInputFormat',
          outputFormat: 'org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat',
          // JSON escapes control characters, so \u0001 never occurs: each line is one field.
          serdeInfo: {
            serializationLibrary: 'org.apache.hadoop.hive.serde2.lazy.LazySimpleSerDe',
            parameters: { 'field.delim': '\u0001', 'serialization.format': '\u0001' },
          },
        },
      },
    });
    table.node.addDependency(this.hub.database);
    return table;
  }

  /** GetObject on the monitored prefixes only, ListBucket limited to them by condition. */
  private grantReadLogs(role: iam.IRole, locations: readonly { bucket: string; prefix: string }[]): void {
    const byBucket = new Map<string, string[]>();
    for (const { bucket, prefix } of locations)
      byBucket.set(bucket, [...(byBucket.get(bucket) ?? []), prefix]);
    for (const [bucket, prefixes] of byBucket) {
      const unique = [...new Set(prefixes)];
      const objects = unique.map((p) => `arn:${Stack.of(this).partition}:s3:::${bucket}/${p}*`);
      role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: objects }));
      for (const arn of objects) {
        acknowledgeWildcard(
          role,
          arn,
          'Athena reads the monitored log files under this prefix as the caller (read only)',
        );
      }
      role.addToPrincipalPolicy(
        new iam.PolicyStatement({
          actions: ['s3:ListBucket'],
          resources: [`arn:${Stack.of(this).partition}:s3:::${bucket}`],
          conditions: { StringLike: { 's3:prefix': unique.flatMap((p) => (p ? [p, `${p}*`] : ['*'])) } },
        }),
      );
      // GetBucketLocation carries no s3:prefix: a conditional statement would never allow it.
      role.addToPrincipalPolicy(
        new iam.PolicyStatement({
          actions: ['s3:GetBucketLocation'],
          resources: [`arn:${Stack.of(this).partition}:s3:::${bucket}`],
        }),
      );
    }
  }

  private createSchedule(job: JobName, expression: string, timeZone: TimeZone): scheduler.Schedule {
    const name = job.charAt(0).toUpperCase() + job.slice(1);
    return new scheduler.Schedule(this, `${name}Schedule`, {
      description: `driftwatch: ${job} job of ${this.modelId}`,
      schedule: scheduler.ScheduleExpression.expression(expression, timeZone),
      target: new schedulerTargets.LambdaInvoke(this.monitorFunction.function, {
        input: scheduler.ScheduleTargetInput.fromObject({
          job,
          scheduledTime: scheduler.ContextAttribute.scheduledTime,
        }),
        retryAttempts: 3,
        maxEventAge: Duration.hours(6),
        deadLetterQueue: this.deadLetterQueue,
      }),
    });
  }

  private createAlarms(): void {
    const fn = this.monitorFunction.function;
    const action = new cloudwatchActions.SnsAction(this.hub.alarmTopic);
    const add = (alarm: cloudwatch.Alarm) => {
      alarm.addAlarmAction(action);
      this.alarms.push(alarm);
    };
    add(
      new cloudwatch.Alarm(this, 'JobErrorsAlarm', {
        alarmName: this.alarmName('job-errors'),
        alarmDescription: `driftwatch ${this.modelId}: a job failed (see the function's logs; failed events are in the dead-letter queue)`,
        metric: fn.metricErrors({ period: Duration.hours(1), statistic: 'Sum' }),
        threshold: 1,
        evaluationPeriods: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      }),
    );
    add(
      new cloudwatch.Alarm(this, 'DeadLetterAlarm', {
        alarmName: this.alarmName('dead-letters'),
        alarmDescription: `driftwatch ${this.modelId}: runs that could not be delivered or kept failing wait in the dead-letter queue`,
        metric: this.deadLetterQueue.metricApproximateNumberOfMessagesVisible({
          period: Duration.minutes(5),
          statistic: 'Maximum',
        }),
        threshold: 1,
        evaluationPeriods: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      }),
    );
    // A missing run: the function was invoked that day (some job ran) but this job did not
    // succeed. Quiet on a fresh deploy, when nothing has run yet, where "missing data is breaching"
    // fired at once; a day without any invocation is not flagged here (a DLQ, an error or the
    // digest shows it).
    const invocations = fn.metricInvocations({ period: Duration.days(1), statistic: 'Sum' });
    for (const job of Object.keys(this.schedules) as JobName[]) {
      const name = job.charAt(0).toUpperCase() + job.slice(1);
      add(
        new cloudwatch.Alarm(this, `Missing${name}RunAlarm`, {
          alarmName: this.alarmName(`missing-${job}-run`),
          alarmDescription: `driftwatch ${this.modelId}: the function ran in the last day but no ${job} run succeeded`,
          metric: new cloudwatch.MathExpression({
            expression: 'IF(FILL(invocations, 0) > 0 AND FILL(succeeded, 0) < 1, 1, 0)',
            usingMetrics: { invocations, succeeded: this.metricJob('JobSucceeded', job) },
            period: Duration.days(1),
            label: `${job} missing`,
          }),
          threshold: 1,
          evaluationPeriods: 1,
          comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
          treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        }),
      );
    }
  }

  /** A fixed alarm name, `<hub prefix>-<model>-<what>`, unique per hub. */
  private alarmName(what: string): string {
    const name = `${this.hub.namePrefix}-${this.modelId}-${what}`;
    this.alarmNames.push(name);
    return name;
  }

  private addDashboardRow(): void {
    const jobs: JobName[] = ['baseline', 'drift', 'performance'];
    this.hub.dashboard.addWidgets(
      new cloudwatch.TextWidget({ markdown: `## ${this.modelId}`, width: 24, height: 1 }),
      new cloudwatch.GraphWidget({
        title: `${this.modelId}: job runs`,
        left: jobs.map((job) => this.metricJob('JobSucceeded', job, { label: `${job} ok` })),
        right: jobs.map((job) => this.metricJob('JobFailed', job, { label: `${job} failed` })),
        width: 8,
      }),
      new cloudwatch.GraphWidget({
        title: `${this.modelId}: Athena bytes scanned`,
        left: jobs.map((job) => this.metricJob('AthenaBytesScanned', job, { label: job })),
        width: 8,
      }),
      // By name, imported in the hub's scope: no reference from the hub's stack to this one.
      new cloudwatch.AlarmStatusWidget({
        title: `${this.modelId}: alarms`,
        alarms: this.alarmNames.map((name) => cloudwatch.Alarm.fromAlarmName(this.hub, name, name)),
        width: 8,
      }),
    );
  }
}

/**
 * What the outcomes table cannot serve, refused at synth with the fix: a column named like the
 * `dt` partition key of a partitioned log (a Glue table cannot declare both), and explicit
 * outcomeColumns missing a column the KPI query reads (Athena would fail every run with
 * COLUMN_NOT_FOUND).
 */
function checkOutcomeColumns(def: MonitorDefinition, explicit: readonly GlueColumn[] | undefined): void {
  if (!def.outcomes) return;
  const needed = outcomeColumns(def);
  if (def.outcomes.partitioned) {
    const clash = [...needed, ...(explicit ?? [])].find((c) => c.name.toLowerCase() === 'dt');
    if (clash) {
      throw new Error(
        `outcomes: column ${JSON.stringify(clash.name)} has the name of the outcomes log's dt partition key (dt=YYYY-MM-DD arrival folders): rename the column in the log, or set outcomes.partitioned: false if the log has no dt folders`,
      );
    }
  }
  if (explicit) {
    const declared = new Set(explicit.map((c) => c.name.toLowerCase()));
    const missing = needed.filter((c) => !declared.has(c.name.toLowerCase())).map((c) => c.name);
    if (missing.length) {
      throw new Error(
        `outcomeColumns lacks ${missing.map((m) => JSON.stringify(m)).join(', ')}, read by the outcomes join (outcomes.idColumn) or an outcome KPI: add ${missing.length === 1 ? 'it' : 'them'} to outcomeColumns with the log's type`,
      );
    }
  }
}
