#!/usr/bin/env node
/**
 * Builds what the package ships (docs/ARCHITECTURE.md, "The package"):
 *   dist/infra, dist/lib, dist/functions  the constructs as JS + .d.ts (tsc -p tsconfig.build.json)
 *   dist/lambda/<handler>/index.mjs       each Lambda handler bundled with its dependencies (esbuild),
 *                                         so a CDK app deploys it with lambda.Code.fromAsset
 *   dist/cli/driftwatch.mjs               the CLI bundled (commander, vega, zod, ...); DuckDB stays
 *                                         external (a native module, loaded when a command needs it)
 */
import { execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = fileURLToPath(new URL('..', import.meta.url));
const started = Date.now();
rmSync(`${root}dist`, { recursive: true, force: true });
execFileSync(
  process.execPath,
  [`${root}node_modules/typescript/bin/tsc`, '-p', `${root}tsconfig.build.json`],
  {
    stdio: 'inherit',
  },
);

/** ESM bundles have no `require`; some dependencies still call it. */
const banner =
  "import { createRequire as __dwCreateRequire } from 'node:module'; const require = __dwCreateRequire(import.meta.url);";
const common = {
  bundle: true,
  platform: 'node',
  format: 'esm',
  mainFields: ['module', 'main'],
  banner: { js: banner },
  logLevel: 'warning',
  legalComments: 'none',
};

for (const handler of ['run-job', 'digest']) {
  await build({
    ...common,
    entryPoints: [`${root}functions/${handler}.ts`],
    outfile: `${root}dist/lambda/${handler}/index.mjs`,
    target: 'node22',
    minify: true,
    sourcemap: true,
    // The AWS SDK is bundled at the versions the tests ran with; DuckDB never runs in Lambda.
    external: ['@duckdb/node-api'],
  });
}

await build({
  ...common,
  entryPoints: [`${root}lib/cli/main.ts`],
  outfile: `${root}dist/cli/driftwatch.mjs`,
  target: 'node20',
  minify: true,
  external: ['@duckdb/node-api'],
});
console.log(`built dist/ in ${((Date.now() - started) / 1000).toFixed(1)} s`);
