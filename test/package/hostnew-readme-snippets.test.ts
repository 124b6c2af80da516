import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseDefinition } from '../../infra/definition.js';
import { ModelMonitor, MonitoringHub } from '../../infra/index.js';
import { runCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/temp.js';

// Hostile tester, a new user's first hour (branch hostnew): README's construct snippets, typed
// as a TypeScript CDK app writes them (`npm run typecheck` compiles this file: the snippets
// below are README's "Install as a library" and "Deploy on AWS" code, with `driftwatch` and
// `driftwatch/definition` resolved to the sources the package exports), then run on a
// definition written by `driftwatch init`, the way the first hour hands it over.

/** README "Install as a library", as written (the stack is the app's). */
function installAsALibrary(stack: Stack, yamlText: string, file: string): ModelMonitor {
  const hub = new MonitoringHub(stack, 'Monitoring', { alertEmails: ['ml-oncall@example.com'] });
  const definition = parseDefinition(yamlText, file);
  return new ModelMonitor(stack, 'CreditDefault', { hub, ...definition });
}

/** README "Deploy on AWS", as written inside a Stack subclass. */
class DeployOnAws extends Stack {
  constructor(scope: App, id: string, definition: ReturnType<typeof parseDefinition>) {
    super(scope, id);
    const hub = new MonitoringHub(this, 'Monitoring', {
      alertEmails: ['ml-oncall@example.com'],
      digestEmails: ['ml-team@example.com'],
    });
    new ModelMonitor(this, 'CreditDefault', { hub, ...definition }); // the same fields as the YAML
  }
}

let dir: { path: string; cleanup: () => Promise<void> };
let initYaml = '';

beforeAll(async () => {
  dir = await tempDir('driftwatch-hostnew-readme-');
  for (let d = 1; d <= 8; d++) {
    const folder = join(dir.path, 'logs', 'predictions', `dt=2026-10-0${d}`);
    await mkdir(folder, { recursive: true });
    const rows = Array.from(
      { length: 200 },
      (_, i) =>
        `p${d}-${i},2026-10-0${d} 01:00:00,${((i * 37) % 100) / 100},${1000 + ((i * 13) % 97)},${i % 2 ? 'north' : 'south'}`,
    );
    await writeFile(join(folder, 'part-0.csv'), `prediction_id,ts,score,income,region\n${rows.join('\n')}\n`);
  }
  const out = join(dir.path, 'driftwatch.yaml');
  const init = await runCli(['init', '--predictions', join(dir.path, 'logs', 'predictions'), '--out', out]);
  expect(init.code).toBe(0);
  initYaml = await readFile(out, 'utf8');
});

afterAll(async () => dir.cleanup());

const app = () => new App({ postCliContext: { 'aws:cdk:bundling-stacks': [] } });

describe("README's construct snippets on the first hour's definition", () => {
  it('the local definition init wrote is refused at synth in one line naming predictions.location and an s3:// example', () => {
    const stack = new Stack(app(), 'Local');
    expect(() => installAsALibrary(stack, initYaml, 'driftwatch.yaml')).toThrow(
      /^predictions\.location must be an s3:\/\/ URI such as s3:\/\/my-bucket\/predictions\/ for a deployed monitor, got "logs\/predictions"$/,
    );
  });

  it('with an s3:// location both snippets synthesize: a CSV Glue table over that location that skips the header', () => {
    const yamlText = initYaml.replace(
      'location: "logs/predictions"',
      'location: "s3://my-ml-logs/predictions/"',
    );
    expect(yamlText).not.toBe(initYaml);
    const a = new Stack(app(), 'Lib');
    installAsALibrary(a, yamlText, 'driftwatch.yaml');
    const stack = new DeployOnAws(app(), 'Deploy', parseDefinition(yamlText, 'driftwatch.yaml'));
    for (const s of [a, stack]) {
      const tables = Template.fromStack(s).findResources('AWS::Glue::Table');
      const predictions = Object.values(tables).find(
        (t) => t.Properties.TableInput.StorageDescriptor.Location === 's3://my-ml-logs/predictions/',
      );
      expect(predictions).toBeDefined();
      expect(predictions!.Properties.TableInput.StorageDescriptor.SerdeInfo.SerializationLibrary).toBe(
        'org.apache.hadoop.hive.serde2.OpenCSVSerde',
      );
      expect(predictions!.Properties.TableInput.Parameters['skip.header.line.count']).toBe('1');
    }
  });

  it('a column Athena cannot name (init aliased "user.age") fails synth with the rename to make', () => {
    const yamlText = `model: { id: names, task: binary }
predictions: { location: "s3://my-ml-logs/predictions/", format: csv, idColumn: prediction_id, timestampColumn: ts, scoreColumn: score }
features:
  - { name: user_age, column: "user.age", kind: numeric }
reference: { type: range, from: "2026-10-01", to: "2026-10-07" }
`;
    const stack = new Stack(app(), 'Names');
    expect(() => installAsALibrary(stack, yamlText, 'names.yaml')).toThrow(
      /features\[0\]\.column "user\.age" cannot be a column of an Athena table: .*rename the column in the log \(e\.g\. "user_age"\)/,
    );
  });
});
