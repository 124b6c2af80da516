import { AwsSolutionsChecks } from 'cdk-nag';
import { describe, expect, it } from 'vitest';
import { demoStack } from './helpers.js';

describe('cdk-nag AwsSolutions', () => {
  it('reports no unacknowledged finding on the demo stack', () => {
    const report = new AwsSolutionsChecks().validateScope(demoStack());
    const findings = report.violations.map(
      (v) => `${v.ruleName}: ${v.violatingResources.map((r) => r.constructPath).join(', ')}`,
    );
    expect(findings).toEqual([]);
    expect(report.success).toBe(true);
  });
});
