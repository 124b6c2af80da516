/**
 * Least privilege per model, read from the synthesized template of one hub with two models:
 * each model's role reads its own logs and writes only its own results, registry entry, run and
 * notification markers, and publishes only alerts; the digest's role reads result documents and
 * writes only the digest; every cdk-nag acknowledgement matches a finding.
 */
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as kms from 'aws-cdk-lib/aws-kms';
import { beforeAll, describe, expect, it } from 'vitest';
import { creditDefaultDefinition } from '../../infra/demo-stack.js';
import { ModelMonitor } from '../../infra/model-monitor.js';
import { MonitoringHub } from '../../infra/monitoring-hub.js';
import { actions, demoStack, LOGS_BUCKET, resourcesOf, type Statement, statementsOf } from './helpers.js';
import { nagReport } from './nag-helpers.js';

let template: Template;
let stack: Stack;

beforeAll(() => {
  const app = new App({ postCliContext: { 'aws:cdk:bundling-stacks': [] } });
  stack = new Stack(app, 'S', { env: { account: '123456789012', region: 'eu-west-1' } });
  const hub = new MonitoringHub(stack, 'Hub');
  const credit = creditDefaultDefinition(LOGS_BUCKET);
  new ModelMonitor(stack, 'Credit', { hub, ...credit });
  const churnLogs = `s3://${LOGS_BUCKET}/churn`;
  new ModelMonitor(stack, 'Churn', {
    hub,
    ...credit,
    model: { id: 'churn', task: 'binary' },
    predictions: { ...credit.predictions, location: `${churnLogs}/predictions/` },
    labels: { ...credit.labels!, location: `${churnLogs}/labels/` },
    reference: { type: 'dataset', location: `${churnLogs}/reference/`, labelColumn: 'defaulted' },
    // An outcome KPI over an outcomes log in another bucket (issue #17).
    outcomes: { location: 's3://churn-outcomes/renewals/', idColumn: 'prediction_id', delay: 'P30D' },
    kpis: [
      ...(credit.kpis ?? []),
      {
        name: 'renewal_rate',
        aggregate: 'rate',
        column: 'renewed',
        source: 'outcomes',
        thresholds: { relative: 0.2 },
        direction: 'higher_is_better',
      },
    ],
    logsKey: kms.Key.fromKeyArn(
      stack,
      'LogsKey',
      'arn:aws:kms:eu-west-1:123456789012:key/11111111-2222-3333-4444-555555555555',
    ),
  });
  template = Template.fromStack(stack);
});

const s3Resources = (statements: Statement[], action: string) =>
  statements.filter((s) => actions(s).includes(action)).flatMap(resourcesOf);

describe('a model role', () => {
  it('reads and writes only its own results, registry entry, run and notification markers', () => {
    // Before: every model role had s3:GetObject and s3:PutObject on results/* (all models).
    const churn = statementsOf(template, /^ChurnMonitorRole/);
    const results = (a: string) => s3Resources(churn, a).filter((r) => r.includes('/results/'));
    const own = [
      '<HubResultsBucket.Arn>/results/churn/*',
      '<HubResultsBucket.Arn>/results/_registry/churn.json',
      '<HubResultsBucket.Arn>/results/_runs/churn/*',
      '<HubResultsBucket.Arn>/results/_notifications/churn/*',
    ].sort();
    expect(results('s3:PutObject').sort()).toEqual(own);
    expect(results('s3:GetObject').sort()).toEqual(own);
    const list = churn.filter(
      (s) => actions(s).includes('s3:ListBucket') && resourcesOf(s)[0]!.includes('Hub'),
    );
    // Listing where it reads: a GET of a missing key is then told from a refusal (S3ResultStore.absent).
    expect(list.map((s) => s.Condition)).toContainEqual({
      StringLike: {
        's3:prefix': [
          'results/churn/*',
          'results/_registry/churn.json',
          'results/_runs/churn/*',
          'results/_notifications/churn/*',
        ],
      },
    });
    expect(JSON.stringify(list)).not.toContain('credit-default');
  });

  it('reads only its own logs, and decrypts with the logs key it was given', () => {
    const churn = statementsOf(template, /^ChurnMonitorRole/);
    const logs = s3Resources(churn, 's3:GetObject').filter((r) => r.includes(LOGS_BUCKET));
    expect(logs.sort()).toEqual(
      ['predictions', 'labels', 'reference']
        .map((p) => `arn:Partition:s3:::${LOGS_BUCKET}/churn/${p}/*`)
        .sort(),
    );
    // Its outcomes log: that prefix of the other bucket, listed only under it; not the other model's.
    expect(s3Resources(churn, 's3:GetObject').filter((r) => r.includes('churn-outcomes'))).toEqual([
      'arn:Partition:s3:::churn-outcomes/renewals/*',
    ]);
    const outcomesList = churn.filter(
      (s) => actions(s).includes('s3:ListBucket') && JSON.stringify(s.Resource).includes('churn-outcomes'),
    );
    expect(outcomesList.map((s) => s.Condition)).toEqual([
      { StringLike: { 's3:prefix': ['renewals/', 'renewals/*'] } },
    ]);
    expect(JSON.stringify(statementsOf(template, /^CreditMonitorRole/))).not.toContain('churn-outcomes');
    const decrypt = churn.filter((s) => actions(s).includes('kms:Decrypt')).flatMap(resourcesOf);
    expect(decrypt).toContain('arn:aws:kms:eu-west-1:123456789012:key/11111111-2222-3333-4444-555555555555');
    // The other model got no logs key.
    const credit = statementsOf(template, /^CreditMonitorRole/);
    expect(JSON.stringify(credit)).not.toContain('11111111-2222');
  });

  it('publishes alerts only (not the digest), and GetBucketLocation stands without an s3:prefix condition', () => {
    // Before: model roles could publish to the digest topic; GetBucketLocation shared a statement
    // conditioned on s3:prefix, which that action never carries, so it was never allowed.
    for (const role of [/^ChurnMonitorRole/, /^CreditMonitorRole/]) {
      const statements = statementsOf(template, role);
      const publish = statements.filter((s) => actions(s).includes('sns:Publish')).flatMap(resourcesOf);
      expect(publish).toEqual(['<HubAlertTopic>']);
      const location = statements.filter((s) => actions(s).includes('s3:GetBucketLocation'));
      expect(location.length).toBeGreaterThan(0);
      for (const s of location) expect(s.Condition).toBeUndefined();
    }
  });
});

describe('the digest role', () => {
  it('reads result documents, writes only the digest and its markers, publishes only the digest, no Athena or Glue', () => {
    // Before: it held Athena and Glue grants (on every table) it never used, wrote all of results/*
    // and could publish alerts.
    const digest = statementsOf(template, /^HubDigestRole/);
    const all = digest.flatMap(actions);
    expect(all.filter((a) => a.startsWith('athena:') || a.startsWith('glue:'))).toEqual([]);
    expect(all).not.toContain('events:PutEvents');
    expect(s3Resources(digest, 's3:PutObject').sort()).toEqual([
      '<HubResultsBucket.Arn>/results/_notifications/_digest/*',
      '<HubResultsBucket.Arn>/results/digests/*',
    ]);
    expect(s3Resources(digest, 's3:GetObject')).not.toContain('<HubResultsBucket.Arn>/results/*');
    // The latest SLO result of each model, for its budget line.
    expect(s3Resources(digest, 's3:GetObject')).toContain('<HubResultsBucket.Arn>/results/*/slo/*');
    // The estimates of each model, for its estimated-performance line.
    expect(s3Resources(digest, 's3:GetObject')).toContain('<HubResultsBucket.Arn>/results/*/estimated/*');
    expect(digest.filter((s) => actions(s).includes('sns:Publish')).flatMap(resourcesOf)).toEqual([
      '<HubDigestTopic>',
    ]);
  });

  it('has alarms for a failed digest run and for its dead-letter queue, quiet while nothing ran', () => {
    const alarms = Object.values(template.findResources('AWS::CloudWatch::Alarm')).map((a) => a.Properties);
    const digest = alarms.filter((a) => String(a.AlarmDescription).startsWith('driftwatch digest'));
    expect(digest.map((a) => a.MetricName).sort()).toEqual(['ApproximateNumberOfMessagesVisible', 'Errors']);
    expect(digest.every((a) => a.TreatMissingData === 'notBreaching')).toBe(true);
  });
});

describe('cdk-nag', () => {
  it('finds nothing unacknowledged, and every acknowledgement matches a finding (two models, demo stack)', () => {
    // Before: the two SQS3 acknowledgements on the dead-letter queues matched no finding.
    for (const scope of [stack, demoStack()]) {
      expect(nagReport(scope)).toEqual({ findings: [], deadAcknowledgements: [] });
    }
  });
});
