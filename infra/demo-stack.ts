/**
 * The demo deployment: one hub and the `credit-default` model, whose prediction and label logs
 * lie in a bucket the stack is told about (context `logsBucket`, default `driftwatch-demo-logs`).
 */
import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import type { MonitorDefinitionInput } from '../lib/config/schema.js';
import { ModelMonitor } from './model-monitor.js';
import { MonitoringHub } from './monitoring-hub.js';

export interface DemoStackProps extends StackProps {
  /** The bucket holding the demo's logs under credit-default/. */
  readonly logsBucket: string;
  /** @default - no email subscriptions */
  readonly alertEmails?: readonly string[];
  /** @default - no email subscriptions */
  readonly digestEmails?: readonly string[];
}

/** The demo model's monitor definition, with its logs under `s3://<logsBucket>/credit-default/`. */
export function creditDefaultDefinition(logsBucket: string): MonitorDefinitionInput {
  const base = `s3://${logsBucket}/credit-default`;
  return {
    model: {
      id: 'credit-default',
      task: 'binary',
      tier: 1,
      description: 'probability of default on a consumer loan',
    },
    predictions: {
      location: `${base}/predictions/`,
      format: 'parquet',
      idColumn: 'prediction_id',
      timestampColumn: 'ts',
      scoreColumn: 'score',
      predictionColumn: 'prediction',
      modelVersionColumn: 'model_version',
    },
    features: [
      { name: 'income', kind: 'numeric' },
      { name: 'debt_to_income', kind: 'numeric' },
      { name: 'credit_utilization', kind: 'numeric' },
      { name: 'age', kind: 'numeric' },
      { name: 'loan_amount', kind: 'numeric' },
      { name: 'employment_type', kind: 'categorical' },
      { name: 'home_ownership', kind: 'categorical' },
      { name: 'loan_purpose', kind: 'categorical' },
    ],
    segments: ['region', 'channel', 'locale'],
    labels: {
      location: `${base}/labels/`,
      format: 'parquet',
      idColumn: 'prediction_id',
      labelColumn: 'defaulted',
      delay: 'P7D',
    },
    reference: {
      type: 'dataset',
      location: `${base}/reference/`,
      format: 'parquet',
      labelColumn: 'defaulted',
    },
    window: 'P1D',
  };
}

export class DemoStack extends Stack {
  readonly hub: MonitoringHub;
  readonly monitor: ModelMonitor;

  constructor(scope: Construct, id: string, props: DemoStackProps) {
    super(scope, id, props);
    this.hub = new MonitoringHub(this, 'Hub', {
      alertEmails: props.alertEmails,
      digestEmails: props.digestEmails,
    });
    this.monitor = new ModelMonitor(this, 'CreditDefault', {
      hub: this.hub,
      ...creditDefaultDefinition(props.logsBucket),
    });
    new CfnOutput(this, 'ResultsBucket', { value: this.hub.bucket.bucketName });
    new CfnOutput(this, 'MonitorFunction', {
      value: this.monitor.monitorFunction.function.functionName,
      description: 'aws lambda invoke --function-name <this> --payload \'{"job":"baseline"}\' out.json',
    });
    new CfnOutput(this, 'DeadLetterQueue', { value: this.monitor.deadLetterQueue.queueUrl });
    new CfnOutput(this, 'Dashboard', {
      value: `https://${this.region}.console.aws.amazon.com/cloudwatch/home?region=${this.region}#dashboards:name=driftwatch`,
    });
  }
}
