/**
 * Acknowledging cdk-nag findings one resource at a time. cdk-nag names a wildcard finding after the
 * resource as it appears in the template (`<LogicalId.Arn>/results/*`); `acknowledgeWildcard`
 * renders an ARN the same way, so the acknowledgement covers exactly that resource and nothing else.
 */
import { Stack, Validations } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';

/** Renders a resolved CloudFormation value the way cdk-nag prints it in finding ids. */
function render(value: unknown): string {
  if (typeof value === 'string') return value.replace(/\$\{/g, '<').replace(/\}/g, '>');
  if (value && typeof value === 'object') {
    const node = value as Record<string, unknown>;
    const join = node['Fn::Join'] as [string, unknown[]] | undefined;
    if (join) return join[1].map(render).join(join[0]);
    const getAtt = node['Fn::GetAtt'] as [unknown, unknown] | undefined;
    if (getAtt) return `<${render(getAtt[0])}.${render(getAtt[1])}>`;
    if ('Ref' in node) return `<${render(node.Ref)}>`;
    if ('Fn::Sub' in node) return render(node['Fn::Sub']);
    if ('Fn::ImportValue' in node) return render(node['Fn::ImportValue']);
  }
  return JSON.stringify(value);
}

/** Acknowledges AwsSolutions-IAM5 for one wildcard resource of the policies under `scope`. */
export function acknowledgeWildcard(scope: IConstruct, resource: string, reason: string): void {
  const id = `AwsSolutions-IAM5[Resource::${render(Stack.of(scope).resolve(resource))}]`;
  Validations.of(scope).acknowledge({ id, reason });
}
