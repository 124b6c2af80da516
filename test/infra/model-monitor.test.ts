import { App, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { beforeAll, describe, expect, it } from 'vitest';
import { creditDefaultDefinition } from '../../infra/demo-stack.js';
import { ModelMonitor, type ModelMonitorProps } from '../../infra/model-monitor.js';
import { MonitoringHub } from '../../infra/monitoring-hub.js';
import { actions, demoStack, LOGS_BUCKET, resourcesOf, statementsOf } from './helpers.js';

function monitorStack(overrides: Partial<ModelMonitorProps> = {}) {
  const app = new App({ postCliContext: { 'aws:cdk:bundling-stacks': [] } });
  const stack = new Stack(app, 'S', { env: { account: '123456789012', region: 'eu-west-1' } });
  const hub = new MonitoringHub(stack, 'Hub');
  const monitor = new ModelMonitor(stack, 'Model', {
    hub,
    ...creditDefaultDefinition(LOGS_BUCKET),
    ...overrides,
  });
  return { stack, hub, monitor };
}

describe('ModelMonitor', () => {
  let template: Template;

  beforeAll(() => {
    template = Template.fromStack(demoStack());
  });

  it('creates a Parquet predictions table with partition projection on dt and columns from the definition', () => {
    template.hasResourceProperties('AWS::Glue::Table', {
      DatabaseName: 'driftwatch',
      TableInput: {
        Name: 'credit_default_predictions',
        TableType: 'EXTERNAL_TABLE',
        Parameters: Match.objectLike({
          classification: 'parquet',
          'projection.enabled': 'true',
          'projection.dt.type': 'date',
          'projection.dt.format': 'yyyy-MM-dd',
          'projection.dt.range': '2020-01-01,NOW',
          'storage.location.template': `s3://${LOGS_BUCKET}/credit-default/predictions/dt=\${dt}/`,
        }),
        PartitionKeys: [{ Name: 'dt', Type: 'string' }],
        StorageDescriptor: Match.objectLike({
          Location: `s3://${LOGS_BUCKET}/credit-default/predictions/`,
          SerdeInfo: { SerializationLibrary: 'org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe' },
          Columns: [
            { Name: 'prediction_id', Type: 'string' },
            { Name: 'ts', Type: 'timestamp' },
            { Name: 'score', Type: 'double' },
            { Name: 'prediction', Type: 'int' },
            { Name: 'model_version', Type: 'string' },
            { Name: 'latency_ms', Type: 'double' },
            { Name: 'income', Type: 'double' },
            { Name: 'debt_to_income', Type: 'double' },
            { Name: 'credit_utilization', Type: 'double' },
            { Name: 'age', Type: 'int' },
            { Name: 'loan_amount', Type: 'double' },
            { Name: 'open_accounts', Type: 'int' },
            { Name: 'employment_type', Type: 'string' },
            { Name: 'home_ownership', Type: 'string' },
            { Name: 'loan_purpose', Type: 'string' },
            { Name: 'region', Type: 'string' },
            { Name: 'channel', Type: 'string' },
            { Name: 'locale', Type: 'string' },
          ],
        }),
      },
    });
  });

  it('creates the labels, reference and results tables', () => {
    template.hasResourceProperties('AWS::Glue::Table', {
      TableInput: Match.objectLike({
        Name: 'credit_default_labels',
        PartitionKeys: [{ Name: 'dt', Type: 'string' }],
        StorageDescriptor: Match.objectLike({
          Columns: [
            { Name: 'prediction_id', Type: 'string' },
            { Name: 'defaulted', Type: 'int' },
          ],
        }),
      }),
    });
    template.hasResourceProperties('AWS::Glue::Table', {
      TableInput: Match.objectLike({
        Name: 'credit_default_reference',
        PartitionKeys: [],
        Parameters: Match.not(Match.objectLike({ 'projection.enabled': 'true' })),
        StorageDescriptor: Match.objectLike({ Location: `s3://${LOGS_BUCKET}/credit-default/reference/` }),
      }),
    });
    template.hasResourceProperties('AWS::Glue::Table', {
      TableInput: Match.objectLike({
        Name: 'credit_default_results',
        PartitionKeys: [
          { Name: 'job', Type: 'string' },
          { Name: 'dt', Type: 'string' },
        ],
        Parameters: Match.objectLike({ 'projection.job.type': 'enum', 'projection.dt.type': 'date' }),
        StorageDescriptor: Match.objectLike({ Columns: [{ Name: 'doc', Type: 'string' }] }),
      }),
    });
    template.resourceCountIs('AWS::Glue::Crawler', 0);
  });

  it('creates the Node 22 arm64 function with the hub settings and a dead-letter queue', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Runtime: 'nodejs22.x',
      Architectures: ['arm64'],
      Handler: 'index.handler',
      MemorySize: 1024,
      Timeout: 900,
      DeadLetterConfig: {
        TargetArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^CreditDefaultDeadLetterQueue'), 'Arn'] },
      },
      Environment: {
        Variables: Match.objectLike({
          RESULTS_BUCKET: { Ref: Match.stringLikeRegexp('^HubResultsBucket') },
          RESULTS_PREFIX: 'results',
          ATHENA_WORKGROUP: 'driftwatch',
          GLUE_DATABASE: 'driftwatch',
          ALERT_TOPIC_ARN: { Ref: Match.stringLikeRegexp('^HubAlertTopic') },
          DIGEST_TOPIC_ARN: { Ref: Match.stringLikeRegexp('^HubDigestTopic') },
          EVENT_BUS_NAME: { Ref: Match.stringLikeRegexp('^HubEventBus') },
        }),
      },
    });
    template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      MaximumRetryAttempts: 2,
      MaximumEventAgeInSeconds: 21600,
    });
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ MODEL_IDS: 'credit-default' }) },
    });
  });

  it('wires the baseline, drift and performance schedules to the model function with retries and the DLQ', () => {
    const expected = [
      ['baseline', 'cron(0 1 * * ? *)'],
      ['drift', 'cron(0 2 * * ? *)'],
      ['performance', 'cron(0 3 * * ? *)'],
    ];
    for (const [job, cron] of expected) {
      template.hasResourceProperties('AWS::Scheduler::Schedule', {
        ScheduleExpression: cron,
        FlexibleTimeWindow: { Mode: 'OFF' },
        Target: {
          Arn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^CreditDefaultMonitorFunction'), 'Arn'] },
          Input: JSON.stringify({ job, scheduledTime: '<aws.scheduler.scheduled-time>' }),
          RetryPolicy: { MaximumRetryAttempts: 3, MaximumEventAgeInSeconds: 21600 },
          DeadLetterConfig: {
            Arn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^CreditDefaultDeadLetterQueue'), 'Arn'] },
          },
          RoleArn: Match.anyValue(),
        },
      });
    }
    // + the demo's hourly slo and canary schedules and the hub's digest.
    template.resourceCountIs('AWS::Scheduler::Schedule', 6);
  });

  it('lets the model function read only the monitored prefixes, and write only under the results prefix', () => {
    const statements = statementsOf(template, /^CreditDefaultMonitorRole/);
    const allActions = statements.flatMap(actions);
    expect(allActions.some((a) => a === 's3:*' || a === '*' || a.endsWith(':*'))).toBe(false);

    const reads = statements.filter((s) => actions(s).includes('s3:GetObject'));
    expect(reads.map((s) => s.Resource)).toContainEqual([
      {
        'Fn::Join': [
          '',
          ['arn:', { Ref: 'AWS::Partition' }, `:s3:::${LOGS_BUCKET}/credit-default/predictions/*`],
        ],
      },
      {
        'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:s3:::${LOGS_BUCKET}/credit-default/labels/*`]],
      },
      {
        'Fn::Join': [
          '',
          ['arn:', { Ref: 'AWS::Partition' }, `:s3:::${LOGS_BUCKET}/credit-default/reference/*`],
        ],
      },
    ]);
    const list = statements.find(
      (s) => actions(s).includes('s3:ListBucket') && JSON.stringify(s.Resource).includes(LOGS_BUCKET),
    );
    expect(list?.Condition).toEqual({
      StringLike: {
        's3:prefix': [
          'credit-default/predictions/',
          'credit-default/predictions/*',
          'credit-default/labels/',
          'credit-default/labels/*',
          'credit-default/reference/',
          'credit-default/reference/*',
        ],
      },
    });

    const writeTargets = statements
      .filter((s) => actions(s).includes('s3:PutObject'))
      .flatMap((s) => resourcesOf(s));
    expect(writeTargets.sort()).toEqual([
      '<HubResultsBucket.Arn>/athena-results/*',
      '<HubResultsBucket.Arn>/results/_notifications/credit-default/*',
      '<HubResultsBucket.Arn>/results/_registry/credit-default.json',
      '<HubResultsBucket.Arn>/results/_runs/credit-default/*',
      '<HubResultsBucket.Arn>/results/credit-default/*',
    ]);
    // GetBucketLocation has no s3:prefix: it stands in a statement without that condition.
    for (const s of statements.filter((s) => actions(s).includes('s3:GetBucketLocation'))) {
      expect(s.Condition).toBeUndefined();
    }
  });

  it('scopes Athena to the workgroup, Glue to the model tables, SNS to the topics and events to the bus', () => {
    const statements = statementsOf(template, /^CreditDefaultMonitorRole/);
    const athena = statements.find((s) => actions(s).includes('athena:StartQueryExecution'));
    expect(JSON.stringify(athena?.Resource)).toContain(':workgroup/driftwatch');
    const glue = statements.find((s) => actions(s).includes('glue:GetTable'));
    const glueResources = JSON.stringify(glue?.Resource);
    for (const table of ['predictions', 'labels', 'reference', 'results']) {
      expect(glueResources).toContain(`:table/driftwatch/credit_default_${table}`);
    }
    expect(glueResources).not.toContain('table/driftwatch/*');
    expect(actions(statements.find((s) => actions(s).includes('sns:Publish'))!)).toEqual(['sns:Publish']);
    expect(statements.some((s) => actions(s).includes('events:PutEvents'))).toBe(true);
    expect(statements.flatMap(actions)).not.toContain('kms:GenerateDataKey*');
  });

  it('alarms on job errors, dead letters and missing runs, notifying the alert topic', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'Errors',
      Namespace: 'AWS/Lambda',
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      AlarmActions: [{ Ref: Match.stringLikeRegexp('^HubAlertTopic') }],
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Namespace: 'AWS/SQS',
      Dimensions: [
        {
          Name: 'QueueName',
          Value: { 'Fn::GetAtt': [Match.stringLikeRegexp('^CreditDefaultDeadLetterQueue'), 'QueueName'] },
        },
      ],
    });
    // Missing runs: quiet while nothing has run (a fresh deploy), firing when the function ran that
    // day and the job did not succeed. Before: JobSucceeded < 1 with missing data breaching, which
    // fired right after every deploy.
    for (const job of ['baseline', 'drift', 'performance']) {
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        AlarmDescription: `driftwatch credit-default: the function ran in the last day but no ${job} run succeeded`,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        Threshold: 1,
        TreatMissingData: 'notBreaching',
        Metrics: Match.arrayWith([
          Match.objectLike({ Expression: 'IF(FILL(invocations, 0) > 0 AND FILL(succeeded, 0) < 1, 1, 0)' }),
          Match.objectLike({
            Id: 'invocations',
            MetricStat: Match.objectLike({ Metric: Match.objectLike({ MetricName: 'Invocations' }) }),
          }),
          Match.objectLike({
            Id: 'succeeded',
            MetricStat: Match.objectLike({
              Metric: Match.objectLike({
                MetricName: 'JobSucceeded',
                Namespace: 'Driftwatch',
                Dimensions: Match.arrayWith([{ Name: 'job', Value: job }]),
              }),
              Period: 86400,
              Stat: 'Sum',
            }),
          }),
        ]),
      });
    }
    const all = Object.values(template.findResources('AWS::CloudWatch::Alarm'));
    expect(all.every((a) => a.Properties.TreatMissingData === 'notBreaching')).toBe(true);
  });

  it('runs one job of the model at a time (reserved concurrency 1)', () => {
    // Before: no limit; two overlapping runs could both read, decide and write the alert state.
    template.hasResourceProperties('AWS::Lambda::Function', {
      Description: 'monitor of model credit-default',
      ReservedConcurrentExecutions: 1,
    });
  });

  it('routes retraining tickets of this model to a target with onRetrainingRequested', () => {
    const { stack, monitor } = monitorStack();
    const queue = new sqs.Queue(stack, 'RetrainQueue', { enforceSSL: true });
    monitor.onRetrainingRequested(new targets.SqsQueue(queue));
    Template.fromStack(stack).hasResourceProperties('AWS::Events::Rule', {
      EventBusName: { Ref: Match.stringLikeRegexp('^HubEventBus') },
      EventPattern: {
        source: ['driftwatch'],
        'detail-type': ['Model Retraining Requested'],
        detail: { model: ['credit-default'] },
      },
      Targets: [
        Match.objectLike({ Arn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^RetrainQueue'), 'Arn'] } }),
      ],
    });
  });

  it('routes canary verdicts of this model to a target with onCanaryVerdict, and runs the canary hourly', () => {
    const { stack, monitor } = monitorStack({ canary: { latencyBound: 250 } });
    const queue = new sqs.Queue(stack, 'DeployQueue', { enforceSSL: true });
    monitor.onCanaryVerdict(new targets.SqsQueue(queue));
    monitor.onCanaryVerdict(new targets.SqsQueue(queue), 'RollBacks', ['roll_back']);
    const t = Template.fromStack(stack);
    t.hasResourceProperties('AWS::Events::Rule', {
      EventBusName: { Ref: Match.stringLikeRegexp('^HubEventBus') },
      EventPattern: {
        source: ['driftwatch'],
        'detail-type': ['Canary Verdict'],
        detail: { model: ['credit-default'] },
      },
      Targets: [Match.objectLike({ Arn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^DeployQueue'), 'Arn'] } })],
    });
    t.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: {
        source: ['driftwatch'],
        'detail-type': ['Canary Verdict'],
        detail: { model: ['credit-default'], verdict: ['roll_back'] },
      },
    });
    t.hasResourceProperties('AWS::Scheduler::Schedule', {
      ScheduleExpression: 'cron(10 * * * ? *)',
      Target: Match.objectLike({
        Input: JSON.stringify({ job: 'canary', scheduledTime: '<aws.scheduler.scheduled-time>' }),
      }),
    });
    expect(() => monitor.onCanaryVerdict(new targets.SqsQueue(queue), 'Bad', ['ship'])).toThrow(
      /onCanaryVerdict verdicts \["ship"\] are not verdicts/,
    );
  });

  it('refuses a canary schedule or subscription without a canary section', () => {
    expect(() => monitorStack({ canary: undefined, schedules: { canary: 'rate(1 hour)' } })).toThrow(
      /schedules.canary is set but the definition has no canary section/,
    );
    const { stack, monitor } = monitorStack({ canary: undefined });
    const queue = new sqs.Queue(stack, 'Q', { enforceSSL: true });
    expect(() => monitor.onCanaryVerdict(new targets.SqsQueue(queue))).toThrow(/needs a canary section/);
    Template.fromStack(stack).resourcePropertiesCountIs(
      'AWS::Scheduler::Schedule',
      { ScheduleExpression: 'cron(10 * * * ? *)' },
      0,
    );
  });

  it('runs the slo job hourly when the definition has slos, on its own schedule', () => {
    const base = creditDefaultDefinition(LOGS_BUCKET);
    const slos = [{ name: 'latency-150ms', sli: { kind: 'latency', thresholdMs: 150 }, target: 0.999 }];
    const t = Template.fromStack(monitorStack({ slos }).stack);
    t.hasResourceProperties('AWS::Scheduler::Schedule', {
      ScheduleExpression: 'cron(5 * * * ? *)',
      Target: Match.objectLike({
        Input: JSON.stringify({ job: 'slo', scheduledTime: '<aws.scheduler.scheduled-time>' }),
      }),
    });
    const custom = Template.fromStack(
      monitorStack({ slos, schedules: { slo: 'cron(*/15 * * * ? *)' } }).stack,
    );
    custom.hasResourceProperties('AWS::Scheduler::Schedule', { ScheduleExpression: 'cron(*/15 * * * ? *)' });
    expect(() => monitorStack({ ...base, slos: [], schedules: { slo: 'rate(1 hour)' } })).toThrow(
      /schedules\.slo is set but the definition has no slos/,
    );
  });

  it('skips the performance schedule without labels and turns schedules off on request', () => {
    const { stack } = monitorStack({
      labels: undefined,
      schedules: { baseline: 'off', drift: 'rate(12 hours)', slo: 'off', canary: 'off' },
    });
    const t = Template.fromStack(stack);
    t.resourceCountIs('AWS::Scheduler::Schedule', 2); // drift + the hub's digest
    t.hasResourceProperties('AWS::Scheduler::Schedule', { ScheduleExpression: 'rate(12 hours)' });
    t.resourcePropertiesCountIs(
      'AWS::Glue::Table',
      { TableInput: Match.objectLike({ Name: 'credit_default_labels' }) },
      0,
    );
  });

  it('uses the JSON SerDe for JSON lines and the CSV SerDe (with a warning) for CSV', () => {
    const def = creditDefaultDefinition(LOGS_BUCKET);
    const { stack } = monitorStack({
      predictions: { ...def.predictions, format: 'jsonl' },
      reference: { type: 'dataset', location: `s3://${LOGS_BUCKET}/ref/train.csv`, format: 'csv' },
      columnTypes: { age: 'int' },
    });
    const t = Template.fromStack(stack);
    t.hasResourceProperties('AWS::Glue::Table', {
      TableInput: Match.objectLike({
        Name: 'credit_default_predictions',
        StorageDescriptor: Match.objectLike({
          SerdeInfo: Match.objectLike({ SerializationLibrary: 'org.openx.data.jsonserde.JsonSerDe' }),
          Columns: Match.arrayWith([
            { Name: 'ts', Type: 'string' },
            { Name: 'age', Type: 'int' },
          ]),
        }),
      }),
    });
    t.hasResourceProperties('AWS::Glue::Table', {
      TableInput: Match.objectLike({
        Name: 'credit_default_reference',
        Parameters: Match.objectLike({ 'skip.header.line.count': '1' }),
        StorageDescriptor: Match.objectLike({
          Location: `s3://${LOGS_BUCKET}/ref/`,
          SerdeInfo: Match.objectLike({ SerializationLibrary: 'org.apache.hadoop.hive.serde2.OpenCSVSerde' }),
        }),
      }),
    });
    Annotations.fromStack(stack).hasWarning('/S/Model', Match.stringLikeRegexp('reference is CSV'));
  });
});

describe('ModelMonitor with a feature whose log column has another name', () => {
  // Before: the Glue table declared the feature's name (`loan_amount`), which the files lack, so
  // Athena read NULL on every row and the feature looked 100% missing on AWS while local runs
  // were right.
  it('declares the real column in the Glue tables (in lower case)', () => {
    const def = creditDefaultDefinition(LOGS_BUCKET);
    const features = def.features.map((f, i) => (i === 0 ? { ...f, column: 'LoanAmount0' } : f));
    const { stack } = monitorStack({ features });
    const tables = Object.values(Template.fromStack(stack).findResources('AWS::Glue::Table'));
    const columnsOf = (suffix: string) =>
      (
        tables.find((t) => String(t.Properties.TableInput.Name).endsWith(suffix))!.Properties.TableInput
          .StorageDescriptor.Columns as { Name: string }[]
      ).map((c) => c.Name);
    for (const table of ['_predictions', '_reference']) {
      // In lower case, as Athena requires of Glue column names (it reads Parquet ignoring case).
      expect(columnsOf(table)).toContain('loanamount0');
      expect(columnsOf(table)).not.toContain(def.features[0]!.name);
    }
  });

  it('refuses, at synth, a real column Athena cannot declare, naming the field and the fix', () => {
    const def = creditDefaultDefinition(LOGS_BUCKET);
    const features = def.features.map((f, i) => (i === 1 ? { ...f, column: 'loan amount' } : f));
    expect(() => monitorStack({ features })).toThrow(
      /features\[1\]\.column "loan amount" cannot be a column of an Athena table.*"loan_amount".*monitor this model locally/s,
    );
  });
});

describe('ModelMonitor validation at synth', () => {
  it('refuses a column name that tries to break out of its quotes, naming the field', () => {
    const def = creditDefaultDefinition(LOGS_BUCKET);
    expect(() =>
      monitorStack({
        features: [...def.features, { name: 'income" FROM x; DROP TABLE t; --', kind: 'numeric' }],
      }),
    ).toThrow(/invalid monitor definition in ModelMonitor S\/Model.*features\[9\]\.name/s);
    expect(() => monitorStack({ segments: ["region') OR 1=1 --"] })).toThrow(/segments\[0\]/);
  });

  it('refuses a definition without features or with an unknown field', () => {
    expect(() => monitorStack({ features: [] })).toThrow(/features: .*at least one feature/);
    expect(() => monitorStack({ thresholds: {} } as unknown as Partial<ModelMonitorProps>)).toThrow(
      /unknown field/,
    );
  });

  it('refuses a local log location, a bad schedule, a bad column type and a second monitor of one model', () => {
    const def = creditDefaultDefinition(LOGS_BUCKET);
    expect(() =>
      monitorStack({ predictions: { ...def.predictions, location: './logs/predictions' } }),
    ).toThrow(/predictions.location must be an s3:\/\/ URI/);
    expect(() => monitorStack({ schedules: { drift: 'every day' } })).toThrow(
      /schedules.drift must be an EventBridge/,
    );
    expect(() => monitorStack({ columnTypes: { age: 'int; DROP' } })).toThrow(/not a supported Hive type/);
    expect(() => monitorStack({ columnTypes: { agee: 'int' } })).toThrow(
      /columnTypes names "agee", which is no column of model credit-default's tables/,
    );
    expect(() => monitorStack({ labels: undefined, schedules: { performance: 'rate(1 day)' } })).toThrow(
      /no labels/,
    );
    // Before: synthesized, then every Athena query refused "2024_credit_predictions". The
    // definition's own validation refuses it first (lib/config), naming the field and the fix.
    expect(() => monitorStack({ model: { ...def.model, id: '2024-credit' } })).toThrow(
      /model\.id[\s\S]*"2024-credit"[\s\S]*cannot start with a digit/,
    );
    expect(() => monitorStack({ model: { ...def.model, id: 'digests' } })).toThrow(/"digests" is reserved/);
    const { stack, hub } = monitorStack();
    expect(() => new ModelMonitor(stack, 'Again', { hub, ...def })).toThrow(/already monitored by this hub/);
  });
});

describe('ModelMonitor with outcome KPIs (issue #17)', () => {
  const OUTCOMES_BUCKET = 'biz-outcomes';
  const def = creditDefaultDefinition(LOGS_BUCKET);
  const outcomeKpis = [
    {
      name: 'repaid_revenue',
      aggregate: 'sum' as const,
      column: 'Revenue_EUR',
      where: { column: 'status', operator: '=' as const, value: 'repaid' },
      source: 'outcomes' as const,
      thresholds: { relative: 0.2 },
      direction: 'higher_is_better' as const,
    },
    {
      name: 'conversion',
      aggregate: 'rate' as const,
      column: 'converted',
      per: 'positive_decision' as const,
      source: 'outcomes' as const,
      thresholds: { relative: 0.2 },
      direction: 'higher_is_better' as const,
    },
  ];
  const withOutcomes = (outcomes: Partial<NonNullable<ModelMonitorProps['outcomes']>> = {}) => ({
    outcomes: {
      location: `s3://${OUTCOMES_BUCKET}/credit/outcomes/`,
      format: 'parquet' as const,
      idColumn: 'application_id',
      delay: 'P14D',
      ...outcomes,
    },
    kpis: [...(def.kpis ?? []), ...outcomeKpis],
  });
  const tableNamed = (t: Template, name: string) =>
    Object.values(t.findResources('AWS::Glue::Table')).find((r) => r.Properties.TableInput.Name === name)
      ?.Properties.TableInput;

  it('creates the outcomes table: dt partitions by projection, the id and the KPI columns by real name in lower case', () => {
    const { stack } = monitorStack(withOutcomes());
    const input = tableNamed(Template.fromStack(stack), 'credit_default_outcomes');
    expect(input).toEqual({
      Name: 'credit_default_outcomes',
      Description: 'driftwatch: credit-default business outcomes (outcome KPIs)',
      TableType: 'EXTERNAL_TABLE',
      Parameters: {
        classification: 'parquet',
        EXTERNAL: 'TRUE',
        'projection.enabled': 'true',
        'projection.dt.type': 'date',
        'projection.dt.format': 'yyyy-MM-dd',
        'projection.dt.range': '2020-01-01,NOW',
        'projection.dt.interval': '1',
        'projection.dt.interval.unit': 'DAYS',
        'storage.location.template': `s3://${OUTCOMES_BUCKET}/credit/outcomes/dt=\${dt}/`,
      },
      PartitionKeys: [{ Name: 'dt', Type: 'string' }],
      StorageDescriptor: {
        Location: `s3://${OUTCOMES_BUCKET}/credit/outcomes/`,
        Columns: [
          { Name: 'application_id', Type: 'string' },
          // The log's Revenue_EUR: Athena wants lower-case Glue names and reads Parquet ignoring case.
          { Name: 'revenue_eur', Type: 'double' },
          { Name: 'status', Type: 'string' },
          { Name: 'converted', Type: 'int' },
        ],
        InputFormat: 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat',
        OutputFormat: 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat',
        SerdeInfo: { SerializationLibrary: 'org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe' },
      },
    });
    // The prediction table does not gain the outcome columns.
    const predictionColumns = (
      tableNamed(Template.fromStack(stack), 'credit_default_predictions').StorageDescriptor.Columns as {
        Name: string;
      }[]
    ).map((c) => c.Name);
    expect(predictionColumns).not.toContain('revenue_eur');
    expect(predictionColumns).not.toContain('converted');
  });

  it('takes columnTypes for outcome columns, JSON and CSV logs (CSV warns), and an unpartitioned log', () => {
    const json = monitorStack({
      ...withOutcomes({ format: 'jsonl' }),
      columnTypes: { converted: 'boolean' },
    });
    const jsonInput = tableNamed(Template.fromStack(json.stack), 'credit_default_outcomes');
    expect(jsonInput.StorageDescriptor.SerdeInfo.SerializationLibrary).toBe(
      'org.openx.data.jsonserde.JsonSerDe',
    );
    expect(jsonInput.StorageDescriptor.Columns).toContainEqual({ Name: 'converted', Type: 'boolean' });

    const csv = monitorStack(withOutcomes({ format: 'csv', partitioned: false }));
    const csvInput = tableNamed(Template.fromStack(csv.stack), 'credit_default_outcomes');
    expect(csvInput.PartitionKeys).toEqual([]);
    expect(csvInput.Parameters['projection.enabled']).toBeUndefined();
    expect(csvInput.Parameters['skip.header.line.count']).toBe('1');
    Annotations.fromStack(csv.stack).hasWarning('/S/Model', Match.stringLikeRegexp('outcome is CSV'));

    const explicit = monitorStack({
      ...withOutcomes({ format: 'csv' }),
      outcomeColumns: [
        { name: 'application_id', type: 'string' },
        { name: 'booked_at', type: 'string' },
        { name: 'Revenue_EUR', type: 'double' },
        { name: 'status', type: 'string' },
        { name: 'converted', type: 'int' },
      ],
    });
    const explicitInput = tableNamed(Template.fromStack(explicit.stack), 'credit_default_outcomes');
    expect(explicitInput.StorageDescriptor.Columns.map((c: { Name: string }) => c.Name)).toEqual([
      'application_id',
      'booked_at',
      'revenue_eur', // declared in lower case, as Athena requires
      'status',
      'converted',
    ]);
    Annotations.fromStack(explicit.stack).hasNoWarning('/S/Model', Match.stringLikeRegexp('outcome is CSV'));
  });

  it('grants reading exactly the outcomes prefix (its own bucket statements) and its Glue table', () => {
    const { stack } = monitorStack(withOutcomes());
    const statements = statementsOf(Template.fromStack(stack), /^ModelMonitorRole/);
    const onOutcomes = statements.filter((s) => JSON.stringify(s.Resource).includes(OUTCOMES_BUCKET));
    expect(
      onOutcomes.map((s) => ({ Action: s.Action, Resource: resourcesOf(s), Condition: s.Condition })),
    ).toEqual([
      {
        Action: 's3:GetObject',
        Resource: [`arn:Partition:s3:::${OUTCOMES_BUCKET}/credit/outcomes/*`],
        Condition: undefined,
      },
      {
        Action: 's3:ListBucket',
        Resource: [`arn:Partition:s3:::${OUTCOMES_BUCKET}`],
        Condition: { StringLike: { 's3:prefix': ['credit/outcomes/', 'credit/outcomes/*'] } },
      },
      {
        Action: 's3:GetBucketLocation',
        Resource: [`arn:Partition:s3:::${OUTCOMES_BUCKET}`],
        Condition: undefined,
      },
    ]);
    // The logs bucket's grants are unchanged: no outcomes prefix there.
    expect(
      JSON.stringify(statements.filter((s) => JSON.stringify(s.Resource).includes(LOGS_BUCKET))),
    ).not.toContain('outcomes');
    const glue = statements.find((s) => actions(s).includes('glue:GetTable'))!;
    const tables = resourcesOf(glue).filter((r) => r.includes(':table/'));
    expect(tables.map((r) => r.slice(r.indexOf(':table/')))).toEqual([
      ':table/driftwatch/credit_default_predictions',
      ':table/driftwatch/credit_default_labels',
      ':table/driftwatch/credit_default_reference',
      ':table/driftwatch/credit_default_outcomes',
      ':table/driftwatch/credit_default_results',
    ]);
  });

  it('adds the outcomes prefix to the logs bucket statements when the outcomes live there', () => {
    const { stack } = monitorStack(
      withOutcomes({ location: `s3://${LOGS_BUCKET}/credit-default/outcomes/` }),
    );
    const statements = statementsOf(Template.fromStack(stack), /^ModelMonitorRole/);
    const read = statements.find(
      (s) => actions(s).includes('s3:GetObject') && JSON.stringify(s.Resource).includes(LOGS_BUCKET),
    )!;
    expect(resourcesOf(read)).toEqual(
      ['predictions', 'labels', 'reference', 'outcomes'].map(
        (p) => `arn:Partition:s3:::${LOGS_BUCKET}/credit-default/${p}/*`,
      ),
    );
    const list = statements.find(
      (s) => actions(s).includes('s3:ListBucket') && JSON.stringify(s.Resource).includes(LOGS_BUCKET),
    )!;
    expect(list.Condition).toEqual({
      StringLike: {
        's3:prefix': ['predictions', 'labels', 'reference', 'outcomes'].flatMap((p) => [
          `credit-default/${p}/`,
          `credit-default/${p}/*`,
        ]),
      },
    });
  });

  it('refuses at synth only what cannot work, naming the field and the fix', () => {
    expect(() => monitorStack(withOutcomes({ location: 'outcomes/' }))).toThrow(
      /outcomes\.location must be an s3:\/\/ URI/,
    );
    const dtKpi = { ...outcomeKpis[1]!, name: 'dt_rate', column: 'dt' };
    expect(() => monitorStack({ ...withOutcomes(), kpis: [dtKpi] })).toThrow(
      /outcomes: column "dt" has the name of the outcomes log's dt partition key.*rename the column.*partitioned: false/,
    );
    // Unpartitioned, `dt` is an ordinary column.
    expect(() => monitorStack({ ...withOutcomes({ partitioned: false }), kpis: [dtKpi] })).not.toThrow();
    expect(() =>
      monitorStack({ ...withOutcomes(), outcomeColumns: [{ name: 'application_id', type: 'string' }] }),
    ).toThrow(/outcomeColumns lacks "revenue_eur", "status", "converted".*add them to outcomeColumns/);
    expect(() => monitorStack({ ...withOutcomes(), columnTypes: { revenue_usd: 'double' } })).toThrow(
      /columnTypes names "revenue_usd", which is no column/,
    );
    // Column names ignore case (Athena's rule): revenue_eur is the log's Revenue_EUR.
    const typed = monitorStack({ ...withOutcomes(), columnTypes: { revenue_eur: 'decimal(12,2)' } });
    expect(
      tableNamed(Template.fromStack(typed.stack), 'credit_default_outcomes').StorageDescriptor.Columns,
    ).toContainEqual({ Name: 'revenue_eur', Type: 'decimal(12,2)' });
    // Explicit columns: each name once, ignoring case.
    expect(() =>
      monitorStack({
        ...withOutcomes(),
        outcomeColumns: [
          { name: 'application_id', type: 'string' },
          { name: 'Revenue_EUR', type: 'double' },
          { name: 'revenue_eur', type: 'double' },
        ],
      }),
    ).toThrow(/outcomeColumns\[2\]\.name "revenue_eur" is outcomeColumns\[1\] \("Revenue_EUR"\) again/);
  });
});
