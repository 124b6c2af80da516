/**
 * The demo deployment: one hub and the `credit-default` model, whose prediction and label logs
 * lie in a bucket the stack is told about (context `logsBucket`, default `driftwatch-demo-logs`).
 */
import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import type { MonitorDefinitionInput } from '../lib/config/schema.js';
import { DEMO_COLUMN_TYPES, demoDefinition } from '../lib/demo/definition.js';
import { ModelMonitor } from './model-monitor.js';
import { MonitoringHub } from './monitoring-hub.js';

export interface DemoStackProps extends StackProps {
  /** The bucket holding the demo's logs under credit-default/. */
  readonly logsBucket: string;
  /** @default - no email subscriptions */
  readonly alertEmails?: string[];
  /** @default - no email subscriptions */
  readonly digestEmails?: string[];
}

/**
 * The demo model's monitor definition (the same as `driftwatch demo` monitors: lib/demo), with its
 * logs under `s3://<logsBucket>/credit-default/` and the reference as a folder of Parquet files.
 */
export function creditDefaultDefinition(logsBucket: string): MonitorDefinitionInput {
  const base = `s3://${logsBucket}/credit-default`;
  const demo = demoDefinition(base);
  return {
    ...demo,
    predictions: { ...demo.predictions, location: `${base}/predictions/` },
    labels: { ...demo.labels!, location: `${base}/labels/` },
    reference: {
      ...demo.reference,
      location: `${base}/reference/`,
      format: 'parquet',
    } as MonitorDefinitionInput['reference'],
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
      // The types the demo generator writes (lib/demo): Glue types must match the files.
      columnTypes: DEMO_COLUMN_TYPES,
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
