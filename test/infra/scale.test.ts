/**
 * The hub and its monitors in different stacks: no cyclic dependency (before: the hub's dashboard
 * referenced each model's alarm ARNs, a reference from the hub's stack back to the monitor's), no
 * reference from the hub to a model stack, and a fixed number of resources per model, from which
 * the models per stack under CloudFormation's 500 follow.
 */
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { creditDefaultDefinition } from '../../infra/demo-stack.js';
import { ModelMonitor } from '../../infra/model-monitor.js';
import { MonitoringHub } from '../../infra/monitoring-hub.js';

function deployment(modelsPerStack: number[], options: { slos?: boolean; canary?: boolean } = {}) {
  const app = new App({ postCliContext: { 'aws:cdk:bundling-stacks': [] } });
  const env = { account: '123456789012', region: 'eu-west-1' };
  const hubStack = new Stack(app, 'Hub', { env });
  const hub = new MonitoringHub(hubStack, 'Hub');
  const demo = creditDefaultDefinition('ml-logs');
  const withSlos = options.slos === false ? { ...demo, slos: [] } : demo;
  const def = options.canary === false ? { ...withSlos, canary: undefined } : withSlos;
  const stacks = modelsPerStack.map((n, k) => {
    const stack = new Stack(app, `Models${k}`, { env });
    for (let i = 0; i < n; i++) {
      new ModelMonitor(stack, `M${i}`, { hub, ...def, model: { ...def.model, id: `m${k}-${i}` } });
    }
    return stack;
  });
  const assembly = app.synth();
  const count = (s: Stack) => Object.keys(Template.fromStack(s).toJSON().Resources).length;
  return { assembly, hubStack, stacks, count };
}

describe('hub and monitors in different stacks', () => {
  it('synthesizes without a cycle; only the model stacks depend on the hub', () => {
    const { assembly } = deployment([2, 1]);
    const hub = assembly.getStackByName('Hub');
    expect(hub.dependencies.map((d) => d.id).filter((id) => !id.endsWith('.assets'))).toEqual([]);
    expect(JSON.stringify(hub.template)).not.toContain('Fn::ImportValue');
    for (const name of ['Models0', 'Models1']) {
      expect(assembly.getStackByName(name).dependencies.map((d) => d.id)).toContain('Hub');
    }
    // The hub's digest covers the models of every stack.
    expect(JSON.stringify(hub.template)).toContain('m0-0,m0-1,m1-0');
  });

  it('costs 21 resources per model and none in the hub, so 23 models fit under 500 per stack', () => {
    const one = deployment([1], { slos: false, canary: false });
    const three = deployment([3], { slos: false, canary: false });
    const perModel = (three.count(three.stacks[0]!) - one.count(one.stacks[0]!)) / 2;
    expect(perModel).toBe(21);
    expect(one.count(one.stacks[0]!)).toBe(21);
    expect(three.count(three.hubStack)).toBe(one.count(one.hubStack));
    expect(Math.floor(500 / perModel)).toBe(23);
  });

  it('costs 2 more per model with SLOs (the hourly schedule and its missing-run alarm): 21 models per stack', () => {
    const one = deployment([1], { canary: false });
    const two = deployment([2], { canary: false });
    const perModel = two.count(two.stacks[0]!) - one.count(one.stacks[0]!);
    expect(perModel).toBe(23);
    expect(Math.floor(500 / perModel)).toBe(21);
  });

  it('costs 2 more per model with a canary (its hourly schedule and missing-run alarm): 20 models per stack', () => {
    const one = deployment([1]);
    const two = deployment([2]);
    const perModel = two.count(two.stacks[0]!) - one.count(one.stacks[0]!);
    expect(perModel).toBe(25);
    expect(Math.floor(500 / perModel)).toBe(20);
  });
});
