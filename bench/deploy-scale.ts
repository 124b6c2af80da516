/**
 * How the deployment scales: a hub stack plus model stacks of 20 ModelMonitors each (100 models),
 * synthesized without bundling; prints resources, template bytes and outputs per stack.
 *   npx tsx bench/deploy-scale.ts
 */
import { App, Stack } from 'aws-cdk-lib';
import { creditDefaultDefinition } from '../infra/demo-stack.js';
import { ModelMonitor } from '../infra/model-monitor.js';
import { MonitoringHub } from '../infra/monitoring-hub.js';

const t0 = Date.now();
const app = new App({ postCliContext: { 'aws:cdk:bundling-stacks': [] } });
const env = { account: '123456789012', region: 'eu-west-1' };
const hubStack = new Stack(app, 'Hub', { env });
const hub = new MonitoringHub(hubStack, 'Hub');
const def = creditDefaultDefinition('ml-logs');
const stacks: Stack[] = [];
for (let k = 0; k < 5; k++) {
  const s = new Stack(app, `Models${k}`, { env });
  stacks.push(s);
  for (let i = 0; i < 20; i++)
    new ModelMonitor(s, `M${i}`, { hub, ...def, model: { ...def.model, id: `m${k}-${i}` } });
}
const asm = app.synth();
for (const st of asm.stacks) {
  const t = st.template as { Resources: Record<string, unknown>; Outputs?: Record<string, unknown> };
  console.log(
    st.stackName,
    Object.keys(t.Resources).length,
    'resources',
    JSON.stringify(t).length,
    'bytes',
    Object.keys(t.Outputs ?? {}).length,
    'outputs',
  );
}
console.log('ms', Date.now() - t0);
