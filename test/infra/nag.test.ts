import { describe, expect, it } from 'vitest';
import { demoStack } from './helpers.js';
import { nagReport } from './nag-helpers.js';

describe('cdk-nag AwsSolutions', () => {
  it('reports no unacknowledged finding on the demo stack, and no acknowledgement without a finding', () => {
    expect(nagReport(demoStack())).toEqual({ findings: [], deadAcknowledgements: [] });
  });
});
