/** cdk-nag with a record of which acknowledgements matched a finding, to find dead ones. */
import { Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';

const KEY = Validations.ACKNOWLEDGED_RULES_METADATA_KEY;

function acknowledgedIds(scope: IConstruct): string[] {
  return scope.node.metadata
    .filter((entry) => entry.type === KEY && entry.data)
    .flatMap((entry) => Object.keys(entry.data as object).map((k) => k.replace(/^annotation::/i, '')));
}

/**
 * Runs the AWS Solutions checks on `scope` and returns the unacknowledged findings plus every
 * acknowledgement (`<construct path> <rule id>`) that matched no finding.
 */
export function nagReport(scope: IConstruct): { findings: string[]; deadAcknowledgements: string[] } {
  const checks = new AwsSolutionsChecks();
  const used = new Set<string>();
  const hook = checks as unknown as { isAcknowledged(node: IConstruct, ruleId: string): boolean };
  const original = hook.isAcknowledged.bind(checks);
  hook.isAcknowledged = (node, ruleId) => {
    const acknowledged = original(node, ruleId);
    if (acknowledged) {
      for (let current: IConstruct | undefined = node; current; current = current.node.scope) {
        if (acknowledgedIds(current).includes(ruleId)) {
          used.add(`${current.node.path} ${ruleId}`);
          break;
        }
      }
    }
    return acknowledged;
  };
  const report = checks.validateScope(scope);
  const all = scope.node.findAll().flatMap((c) => acknowledgedIds(c).map((id) => `${c.node.path} ${id}`));
  return {
    findings: report.violations.map(
      (v) => `${v.ruleName}: ${v.violatingResources.map((r) => r.constructPath).join(', ')}`,
    ),
    deadAcknowledgements: [...new Set(all)].filter((a) => !used.has(a)),
  };
}
