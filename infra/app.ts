/**
 * The CDK app: the demo stack, checked by cdk-nag's AWS Solutions rules (any unacknowledged
 * finding fails synth). Context: `logsBucket`, `alertEmail`, `digestEmail` (comma-separated).
 *   npx cdk deploy -c logsBucket=my-ml-logs -c alertEmail=ml-oncall@example.com
 */
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { DemoStack } from './demo-stack.js';

const app = new App();
Validations.of(app).addPlugins(new AwsSolutionsChecks(app));

const list = (key: string): string[] | undefined => {
  const value = app.node.tryGetContext(key) as string | undefined;
  return value ? value.split(',').map((v) => v.trim()) : undefined;
};

new DemoStack(app, 'DriftwatchDemo', {
  description: 'driftwatch demo: monitoring hub and the credit-default model',
  logsBucket: (app.node.tryGetContext('logsBucket') as string | undefined) ?? 'driftwatch-demo-logs',
  alertEmails: list('alertEmail'),
  digestEmails: list('digestEmail'),
  env: { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION },
});

app.synth();
