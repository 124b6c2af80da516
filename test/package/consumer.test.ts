/**
 * The package as a CDK app and a CLI user get it: `npm pack` (which builds dist/ through
 * prepack), the tarball installed into an empty folder beside aws-cdk-lib 2.200.0 (the low end of
 * the peer range; the repo itself builds with 2.276.0), then a plain-JS ESM app synthesizes a
 * hub and a model from a YAML definition, the pre-bundled handler loads under plain node, and
 * the installed `driftwatch` runs without tsx, without DuckDB (--help) and with it (compare).
 * Last, `npm run jsii` builds the jsii assembly (Python target) from the same sources.
 * Network: the registry (aws-cdk-lib, constructs, DuckDB, jsii); npm's default cache keeps reruns short.
 */
import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/temp.js';

const run = promisify(execFile);
const repo = fileURLToPath(new URL('../..', import.meta.url));
const CDK_VERSION = '2.200.0';
const DUCKDB = '@duckdb/node-api@1.5.5-r.5';

/** The parent's npm_* variables (set when vitest runs under `npm test`) must not steer the nested npm. */
const env = Object.fromEntries(
  Object.entries(process.env).filter(([key]) => !key.toLowerCase().startsWith('npm_')),
);

function npm(args: string[], cwd: string) {
  return run('npm', [...args, '--no-audit', '--no-fund', '--prefer-offline'], {
    cwd,
    env,
    maxBuffer: 64 * 2 ** 20,
  });
}

/** node, collecting the exit code instead of throwing on a non-zero one. */
async function node(args: string[], cwd: string, extraEnv: Record<string, string> = {}) {
  try {
    const { stdout, stderr } = await run(process.execPath, args, { cwd, env: { ...env, ...extraEnv } });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

function folderSize(path: string): number {
  let total = 0;
  for (const entry of readdirSync(path, { withFileTypes: true })) {
    const full = join(path, entry.name);
    if (entry.isDirectory()) total += folderSize(full);
    else if (entry.isFile()) total += statSync(full).size;
  }
  return total;
}

const DEFINITION = `# a definition as a team writes it
model:
  id: credit-default
  task: binary
predictions:
  location: s3://consumer-logs/credit/predictions/
  idColumn: request_id
  timestampColumn: ts
  scoreColumn: score
features:
  - name: income
    kind: numeric
  - name: region
    kind: categorical
labels:
  location: s3://consumer-logs/credit/labels/
  idColumn: request_id
  labelColumn: defaulted
  delay: P7D
reference:
  type: dataset
  location: s3://consumer-logs/credit/reference/
`;

const APP = `import { readFileSync } from 'node:fs';
import { App, Stack } from 'aws-cdk-lib';
import { ModelMonitor, MonitoringHub } from 'driftwatch';
import { parseDefinition } from 'driftwatch/definition';

const app = new App({ outdir: 'cdk.out' });
const stack = new Stack(app, 'Consumer');
const hub = new MonitoringHub(stack, 'Hub', { alertEmails: ['oncall@example.com'] });
const definition = parseDefinition(readFileSync('monitor.yaml', 'utf8'), 'monitor.yaml');
new ModelMonitor(stack, 'Credit', { hub, ...definition });
app.synth();
`;

let work: { path: string; cleanup: () => Promise<void> };
let consumer: string;
let tarball: string;

beforeAll(async () => {
  work = await tempDir('driftwatch-package-');
  consumer = join(work.path, 'consumer');
  await run('mkdir', ['-p', consumer]);
  // npm pack runs prepack: scripts/build.mjs (tsc declarations + JS, esbuild bundles).
  await npm(['pack', '--pack-destination', work.path], repo);
  tarball = join(work.path, readdirSync(work.path).find((f) => f.endsWith('.tgz'))!);
  writeFileSync(
    join(consumer, 'package.json'),
    JSON.stringify({ name: 'consumer', private: true, type: 'module' }),
  );
  await npm(['install', tarball, `aws-cdk-lib@${CDK_VERSION}`, 'constructs@^10'], consumer);
}, 300_000);

afterAll(async () => {
  await work?.cleanup();
});

describe('the packed tarball', () => {
  it('ships compiled JS, declarations, the bundled handlers and the CLI: no TypeScript sources', async () => {
    const { stdout } = await run('tar', ['-tzf', tarball]);
    const files = stdout.trim().split('\n');
    expect(files).toContain('package/dist/infra/index.js');
    expect(files).toContain('package/dist/infra/index.d.ts');
    expect(files).toContain('package/dist/lambda/run-job/index.mjs');
    expect(files).toContain('package/dist/lambda/digest/index.mjs');
    expect(files).toContain('package/dist/cli/driftwatch.mjs');
    expect(files).toContain('package/bin/driftwatch.js');
    // Our TypeScript sources stay out (the bundled zod ships its own .ts sources under node_modules).
    const sources = files.filter(
      (f) => f.endsWith('.ts') && !f.endsWith('.d.ts') && !f.startsWith('package/node_modules/'),
    );
    expect(sources).toEqual([]);
    expect(files.filter((f) => /^package\/(test|bench|lib|infra|functions)\//.test(f))).toEqual([]);
  });

  it('installs beside another aws-cdk-lib 2.x without a nested copy, DuckDB, charting or tsx', () => {
    const nm = join(consumer, 'node_modules');
    const cdk = JSON.parse(readFileSync(join(nm, 'aws-cdk-lib/package.json'), 'utf8')) as { version: string };
    expect(cdk.version).toBe(CDK_VERSION);
    expect(existsSync(join(nm, 'driftwatch/node_modules/aws-cdk-lib'))).toBe(false);
    for (const absent of [
      '@duckdb',
      'vega',
      'vega-lite',
      'commander',
      '@aws-sdk',
      'tsx',
      'cdk-nag',
      'esbuild',
    ]) {
      expect(existsSync(join(nm, absent)), absent).toBe(false);
    }
    const mb = (p: string) => (folderSize(p) / 2 ** 20).toFixed(1);
    console.log(
      `consumer node_modules: ${mb(nm)} MB in all; driftwatch ${mb(join(nm, 'driftwatch'))} MB, aws-cdk-lib ${mb(join(nm, 'aws-cdk-lib'))} MB`,
    );
  });

  it('synthesizes a plain-JS CDK app: the hub, a model from YAML, pre-bundled functions', async () => {
    writeFileSync(join(consumer, 'monitor.yaml'), DEFINITION);
    writeFileSync(join(consumer, 'app.js'), APP);
    const synth = await node(['app.js'], consumer);
    expect(synth.stderr).not.toMatch(/Error/);
    expect(synth.code).toBe(0);
    const template = JSON.parse(readFileSync(join(consumer, 'cdk.out/Consumer.template.json'), 'utf8')) as {
      Resources: Record<string, { Type: string; Properties: Record<string, unknown> }>;
    };
    const of = (type: string) => Object.values(template.Resources).filter((r) => r.Type === type);
    const functions = of('AWS::Lambda::Function');
    expect(functions).toHaveLength(2);
    for (const fn of functions) {
      expect(fn.Properties.Handler).toBe('index.handler');
      expect(fn.Properties.Runtime).toBe('nodejs22.x');
    }
    const tables = of('AWS::Glue::Table').map((t) => (t.Properties.TableInput as { Name: string }).Name);
    expect(tables.sort()).toEqual([
      'credit_default_labels',
      'credit_default_predictions',
      'credit_default_reference',
      'credit_default_results',
    ]);
    expect(of('AWS::Scheduler::Schedule')).toHaveLength(4);
    // The model's asset carries its definition beside the handler.
    const assets = readdirSync(join(consumer, 'cdk.out')).filter((f) => f.startsWith('asset.'));
    const withDefinition = assets.filter((a) => existsSync(join(consumer, 'cdk.out', a, 'definition.json')));
    expect(withDefinition).toHaveLength(1);
    const bundled = JSON.parse(
      readFileSync(join(consumer, 'cdk.out', withDefinition[0]!, 'definition.json'), 'utf8'),
    ) as { model: { id: string } };
    expect(bundled.model.id).toBe('credit-default');
  });

  it('fails synth on a bad definition with the field and the fix', async () => {
    writeFileSync(join(consumer, 'monitor.yaml'), DEFINITION.replace('kind: numeric', 'kind: number'));
    const synth = await node(['app.js'], consumer);
    expect(synth.code).not.toBe(0);
    expect(synth.stderr).toMatch(/features\[0\]\.kind: got "number"/);
    writeFileSync(join(consumer, 'monitor.yaml'), DEFINITION);
  });

  it('the pre-bundled model handler loads under plain node and rejects a malformed event', async () => {
    const asset = readdirSync(join(consumer, 'cdk.out')).find((a) =>
      existsSync(join(consumer, 'cdk.out', a, 'definition.json')),
    )!;
    const probe = join(consumer, 'probe.mjs');
    writeFileSync(
      probe,
      `const { handler } = await import(${JSON.stringify(join(consumer, 'cdk.out', asset, 'index.mjs'))});
const result = await handler({ job: 'nope' }, { functionName: 'probe' });
console.log('RESULT ' + JSON.stringify(result));
`,
    );
    const hub = {
      AWS_REGION: 'us-east-1',
      RESULTS_BUCKET: 'b',
      ATHENA_WORKGROUP: 'w',
      GLUE_DATABASE: 'd',
      ALERT_TOPIC_ARN: 'arn:aws:sns:us-east-1:123456789012:a',
      DIGEST_TOPIC_ARN: 'arn:aws:sns:us-east-1:123456789012:d',
      EVENT_BUS_NAME: 'e',
    };
    const out = await node([probe], consumer, hub);
    const line = out.stdout.split('\n').find((l) => l.startsWith('RESULT '));
    expect(line, out.stderr).toBeDefined();
    const result = JSON.parse(line!.slice('RESULT '.length)) as { status: string; message: string };
    expect(result.status).toBe('rejected');
    expect(result.message).toMatch(/job/);
  });
});

describe('the installed CLI', () => {
  it('`npx driftwatch --help` runs the compiled CLI (no tsx installed)', async () => {
    const { stdout } = await run('npx', ['--no-install', 'driftwatch', '--help'], { cwd: consumer, env });
    expect(stdout).toMatch(/Usage: driftwatch/);
    expect(stdout).toMatch(/compare/);
    expect(existsSync(join(consumer, 'node_modules/tsx'))).toBe(false);
  });

  it('without DuckDB a command that reads files says how to install it, in one line', async () => {
    writeFileSync(join(consumer, 'a.csv'), 'x\n1\n2\n');
    const out = await node(
      ['node_modules/.bin/driftwatch', 'compare', '--reference', 'a.csv', '--current', 'a.csv'],
      consumer,
    );
    expect(out.code).toBe(1);
    expect(out.stderr.trim().split('\n')).toHaveLength(1);
    expect(out.stderr).toContain(`npm install ${DUCKDB}`);
  });

  it('with DuckDB installed beside it, compare runs', async () => {
    await npm(['install', DUCKDB], consumer);
    const rows = (shift: number) =>
      [
        'income,region',
        ...Array.from({ length: 400 }, (_, i) => `${(i % 100) + shift},${i % 2 ? 'n' : 's'}`),
      ].join('\n');
    writeFileSync(join(consumer, 'ref.csv'), rows(0));
    writeFileSync(join(consumer, 'cur.csv'), rows(60));
    const out = await node(
      [
        'node_modules/.bin/driftwatch',
        'compare',
        '--reference',
        'ref.csv',
        '--current',
        'cur.csv',
        '--method',
        'psi',
        '--json',
      ],
      consumer,
      { DRIFTWATCH_THREADS: '1' },
    );
    expect(out.stderr).toBe('');
    expect(out.code).toBe(0);
    const result = JSON.parse(out.stdout) as unknown;
    expect(JSON.stringify(result)).toMatch(/income/);
  });
});

describe('jsii', () => {
  // After the tarball is packed and used: jsii compiles into dist/ too.
  it('builds the assembly with a Python target: the constructs and their props', async () => {
    await run('npm', ['run', 'jsii'], { cwd: repo, env, maxBuffer: 64 * 2 ** 20 });
    const assembly = JSON.parse(readFileSync(join(repo, '.jsii'), 'utf8')) as {
      types: Record<string, { kind: string; interfaces?: string[]; properties?: { name: string }[] }>;
      targets: Record<string, unknown>;
    };
    expect(assembly.targets.python).toEqual({ distName: 'driftwatch', module: 'driftwatch' });
    for (const type of [
      'ModelMonitor',
      'MonitoringHub',
      'ModelMonitorProps',
      'MonitorDefinitionProps',
      'ResultsEncryption',
    ])
      expect(Object.keys(assembly.types)).toContain(`driftwatch.${type}`);
    const props = assembly.types['driftwatch.ModelMonitorProps']!;
    expect(props.kind).toBe('interface');
    expect(props.interfaces).toEqual([
      'driftwatch.MonitorDefinitionProps',
      'driftwatch.ModelMonitorAwsProps',
    ]);
    const definition = assembly.types['driftwatch.MonitorDefinitionProps']!;
    expect(definition.properties?.map((p) => p.name)).toEqual(
      expect.arrayContaining(['model', 'predictions', 'features', 'reference', 'labels', 'drift']),
    );
  }, 300_000);
});
