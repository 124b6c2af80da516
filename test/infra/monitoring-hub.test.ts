import { App, Size, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { beforeAll, describe, expect, it } from 'vitest';
import { MonitoringHub, type MonitoringHubProps, ResultsEncryption } from '../../infra/monitoring-hub.js';

function hubTemplate(props: MonitoringHubProps = {}): { template: Template; hub: MonitoringHub } {
  const app = new App({ postCliContext: { 'aws:cdk:bundling-stacks': [] } });
  const stack = new Stack(app, 'HubStack', { env: { account: '123456789012', region: 'eu-west-1' } });
  const hub = new MonitoringHub(stack, 'Hub', props);
  return { template: Template.fromStack(stack), hub };
}

describe('MonitoringHub', () => {
  let template: Template;

  beforeAll(() => {
    template = hubTemplate({
      alertEmails: ['oncall@example.com'],
      digestEmails: ['team@example.com'],
    }).template;
  });

  it('creates a KMS-encrypted, TLS-only, private, versioned results bucket with lifecycle rules', () => {
    template.hasResourceProperties('AWS::S3::Bucket', {
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [
          {
            ServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: Match.anyValue() },
            BucketKeyEnabled: true,
          },
        ],
      },
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      },
      VersioningConfiguration: { Status: 'Enabled' },
      LifecycleConfiguration: {
        Rules: Match.arrayWith([
          Match.objectLike({
            Id: 'athena-query-results',
            Prefix: 'athena-results/',
            ExpirationInDays: 30,
            Status: 'Enabled',
          }),
          Match.objectLike({
            Id: 'results',
            Prefix: 'results/',
            Transitions: [{ StorageClass: 'STANDARD_IA', TransitionInDays: 90 }],
          }),
        ]),
      },
    });
    template.hasResourceProperties('AWS::S3::BucketPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: 'Deny',
            Action: 's3:*',
            Condition: { Bool: { 'aws:SecureTransport': 'false' } },
          }),
        ]),
      },
    });
    template.hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true });
    template.hasResource('AWS::S3::Bucket', { DeletionPolicy: 'Retain' });
  });

  it('creates the Glue database and an enforced Athena workgroup with a 10 GiB scan cutoff', () => {
    template.hasResourceProperties('AWS::Glue::Database', { DatabaseInput: { Name: 'driftwatch' } });
    template.hasResourceProperties('AWS::Athena::WorkGroup', {
      Name: 'driftwatch',
      WorkGroupConfiguration: {
        EnforceWorkGroupConfiguration: true,
        PublishCloudWatchMetricsEnabled: true,
        BytesScannedCutoffPerQuery: 10 * 2 ** 30,
        EngineVersion: { SelectedEngineVersion: 'Athena engine version 3' },
        ResultConfiguration: {
          OutputLocation: {
            'Fn::Join': [
              '',
              ['s3://', { Ref: Match.stringLikeRegexp('HubResultsBucket') }, '/athena-results/'],
            ],
          },
          EncryptionConfiguration: { EncryptionOption: 'SSE_KMS', KmsKey: Match.anyValue() },
        },
      },
    });
  });

  it('creates encrypted alert and digest topics with the email subscriptions', () => {
    template.resourcePropertiesCountIs('AWS::SNS::Topic', { KmsMasterKeyId: Match.anyValue() }, 2);
    template.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'email',
      Endpoint: 'oncall@example.com',
    });
    template.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'email',
      Endpoint: 'team@example.com',
    });
    template.resourceCountIs('AWS::SNS::TopicPolicy', 2);
  });

  it('creates the event bus, the dashboard and the daily digest schedule wired to the digest function', () => {
    template.hasResourceProperties('AWS::Events::EventBus', { Name: 'driftwatch' });
    template.resourceCountIs('AWS::CloudWatch::Dashboard', 1);
    template.hasResourceProperties('AWS::Scheduler::Schedule', {
      ScheduleExpression: 'cron(0 7 * * ? *)',
      ScheduleExpressionTimezone: 'Etc/UTC',
      Target: {
        Arn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^HubDigestFunction'), 'Arn'] },
        Input: JSON.stringify({ job: 'digest', scheduledTime: '<aws.scheduler.scheduled-time>' }),
        RetryPolicy: { MaximumRetryAttempts: 3, MaximumEventAgeInSeconds: 21600 },
        DeadLetterConfig: {
          Arn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^HubDigestDeadLetterQueue'), 'Arn'] },
        },
      },
    });
    template.hasResourceProperties('AWS::Lambda::Function', {
      Runtime: 'nodejs22.x',
      Architectures: ['arm64'],
      Environment: { Variables: Match.objectLike({ MODEL_IDS: '', ATHENA_WORKGROUP: 'driftwatch' }) },
    });
  });

  it('encrypts the dead-letter queue and enforces TLS on it', () => {
    template.hasResourceProperties('AWS::SQS::Queue', {
      SqsManagedSseEnabled: true,
      MessageRetentionPeriod: 1209600,
    });
    template.hasResourceProperties('AWS::SQS::QueuePolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        ]),
      },
    });
  });

  it('uses S3-managed encryption when asked, for the bucket and the Athena results', () => {
    const { template: s3Managed } = hubTemplate({
      encryption: ResultsEncryption.S3,
      bytesScannedCutoffPerQuery: Size.gibibytes(1),
    });
    s3Managed.hasResourceProperties('AWS::S3::Bucket', {
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
      },
    });
    s3Managed.hasResourceProperties('AWS::Athena::WorkGroup', {
      WorkGroupConfiguration: Match.objectLike({
        BytesScannedCutoffPerQuery: 2 ** 30,
        ResultConfiguration: Match.objectLike({ EncryptionConfiguration: { EncryptionOption: 'SSE_S3' } }),
      }),
    });
  });

  it('uses an existing bucket instead of creating one', () => {
    const app = new App({ postCliContext: { 'aws:cdk:bundling-stacks': [] } });
    const stack = new Stack(app, 'S', { env: { account: '123456789012', region: 'eu-west-1' } });
    const bucket = s3.Bucket.fromBucketName(stack, 'Existing', 'my-results');
    new MonitoringHub(stack, 'Hub', { bucket });
    const t = Template.fromStack(stack);
    t.resourceCountIs('AWS::S3::Bucket', 0);
    t.hasResourceProperties('AWS::Athena::WorkGroup', {
      WorkGroupConfiguration: Match.objectLike({
        ResultConfiguration: {
          OutputLocation: 's3://my-results/athena-results/',
          EncryptionConfiguration: { EncryptionOption: 'SSE_S3' },
        },
      }),
    });
  });

  it.each<[string, MonitoringHubProps, RegExp]>([
    [
      'both a bucket and an encryption',
      { encryption: ResultsEncryption.KMS, bucket: {} as s3.IBucket },
      /either bucket .* or encryption/,
    ],
    ['a bad email', { alertEmails: ['not-an-email'] }, /alertEmails has an invalid address "not-an-email"/],
    ['a tiny scan cutoff', { bytesScannedCutoffPerQuery: Size.mebibytes(1) }, /at least 10 MB/],
    ['a bad results prefix', { resultsPrefix: 'a b' }, /resultsPrefix must be a plain S3 prefix/],
    // Before: synthesized, then every Athena query refused the identifier at run time.
    [
      'a database name queries cannot name',
      { databaseName: 'ml-monitoring' },
      /databaseName "ml-monitoring" cannot be named .*e\.g\. "ml_monitoring"/,
    ],
  ])('refuses %s', (_, props, message) => {
    expect(() => hubTemplate(props)).toThrow(message);
  });
});
