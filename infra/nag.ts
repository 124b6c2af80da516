/**
 * Acknowledging cdk-nag findings one resource at a time. cdk-nag names a wildcard finding after the
 * resource as it appears in the template (`<LogicalId.Arn>/results/*`); `acknowledgeWildcard`
 * renders an ARN the same way, so the acknowledgement covers exactly that resource and nothing else.
 */
import * as cdk from 'aws-cdk-lib';
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
  const id = `AwsSolutions-IAM5[Resource::${render(cdk.Stack.of(scope).resolve(resource))}]`;
  acknowledge(scope, id, reason);
}

/**
 * `Validations` (acknowledgeable findings, what cdk-nag 3 reads) came late in aws-cdk-lib 2.x; the
 * package's peer range starts earlier (the consumer test synthesizes with 2.200.0). Without it an
 * acknowledgement has no reader (cdk-nag 3 needs the new API itself) and a warning is an annotation.
 */
const validations = (cdk as { Validations?: typeof cdk.Validations }).Validations;

/** Acknowledges a validation finding on `scope` (a no-op on aws-cdk-lib versions without Validations). */
export function acknowledge(scope: IConstruct, id: string, reason: string): void {
  validations?.of(scope).acknowledge({ id, reason });
}

/** A synth warning on `scope`. */
export function addWarning(scope: IConstruct, id: string, message: string): void {
  if (validations) validations.of(scope).addWarning(id, message);
  else cdk.Annotations.of(scope).addWarningV2(id, message);
}
