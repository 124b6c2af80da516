/** Builds the demo stack without bundling (bundling is exercised by `cdk synth`). */
import { App } from 'aws-cdk-lib';
import { DemoStack } from '../../infra/demo-stack.js';

export const LOGS_BUCKET = 'ml-logs-bucket';

export function demoStack(props: { alertEmails?: string[]; digestEmails?: string[] } = {}): DemoStack {
  const app = new App({ postCliContext: { 'aws:cdk:bundling-stacks': [] } });
  return new DemoStack(app, 'Demo', {
    logsBucket: LOGS_BUCKET,
    alertEmails: props.alertEmails ?? ['ml-oncall@example.com'],
    digestEmails: props.digestEmails ?? ['ml-team@example.com'],
    env: { account: '123456789012', region: 'eu-west-1' },
  });
}
