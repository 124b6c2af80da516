/** Builds the demo stack without bundling (bundling is exercised by `cdk synth`). */
import { App } from 'aws-cdk-lib';
import type { Template } from 'aws-cdk-lib/assertions';
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

export type Statement = { Effect: string; Action: string | string[]; Resource: unknown; Condition?: unknown };

/** Every statement of the policies attached to the role whose logical id starts with `rolePrefix`. */
export function statementsOf(template: Template, rolePrefix: RegExp): Statement[] {
  const policies = template.findResources('AWS::IAM::Policy');
  return Object.values(policies)
    .filter((p) => (p.Properties.Roles as { Ref: string }[]).some((r) => rolePrefix.test(r.Ref)))
    .flatMap((p) => p.Properties.PolicyDocument.Statement as Statement[]);
}

export const actions = (s: Statement) => (Array.isArray(s.Action) ? s.Action : [s.Action]);

/** A CloudFormation value as text: `{Ref: X}` as `<X>`, `Fn::GetAtt` as `<X.Attr>`, joins joined. */
function render(value: unknown): string {
  if (typeof value === 'string') return value;
  const node = value as Record<string, unknown>;
  if (node['Fn::Join']) {
    const [sep, parts] = node['Fn::Join'] as [string, unknown[]];
    return parts.map(render).join(sep);
  }
  if (node['Fn::GetAtt']) return `<${(node['Fn::GetAtt'] as string[]).join('.')}>`;
  if ('Ref' in node) return `<${String(node.Ref)}>`.replace(/^<AWS::(\w+)>$/, '$1');
  return JSON.stringify(value);
}

/** A statement's resources as text, with the logical ids' hashes cut (`<HubResultsBucket.Arn>`). */
export function resourcesOf(s: Statement): string[] {
  const list = Array.isArray(s.Resource) ? s.Resource : [s.Resource];
  return list.map((r) => render(r).replace(/<([A-Za-z]+?)[0-9A-F]{8}(\.\w+)?>/g, '<$1$2>'));
}
