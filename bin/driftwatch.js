#!/usr/bin/env node
// Launches the TypeScript CLI through tsx (a dependency), so `npx driftwatch` works from a clone.
import { fileURLToPath } from 'node:url';
import { register } from 'tsx/esm/api';

register();
const { runCli } = await import(fileURLToPath(new URL('../lib/cli/main.ts', import.meta.url)));
process.exitCode = await runCli(process.argv.slice(2));
