#!/usr/bin/env node
// The installed command: runs the CLI bundled by `npm run build` (dist/cli/driftwatch.mjs), plain
// JS, no tsx. In a clone, build first or run the sources with `npm run driftwatch -- <args>`.
import { existsSync } from 'node:fs';

const cli = new URL('../dist/cli/driftwatch.mjs', import.meta.url);
if (!existsSync(cli)) {
  process.stderr.write(
    'driftwatch: the CLI is not built (dist/cli/driftwatch.mjs): run `npm run build` in this clone, or `npm run driftwatch -- <args>` to run the sources\n',
  );
  process.exit(1);
}
const { runCli } = await import(cli.href);
process.exitCode = await runCli(process.argv.slice(2));
