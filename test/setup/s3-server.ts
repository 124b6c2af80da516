/**
 * vitest globalSetup: starts the local S3 server (s3-server-process.ts) once per run, in its own
 * process, and provides its endpoint to tests as `inject('s3Endpoint')` and `inject('s3Bucket')`.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { TestProject } from 'vitest/node';

declare module 'vitest' {
  export interface ProvidedContext {
    s3Endpoint: string;
    s3Bucket: string;
  }
}

let child: ChildProcess | undefined;

export async function setup(project: TestProject): Promise<void> {
  const script = fileURLToPath(new URL('./s3-server-process.ts', import.meta.url));
  child = spawn(process.execPath, ['--no-deprecation', '--import', 'tsx', script], {
    stdio: ['pipe', 'pipe', 'inherit'],
    env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
  });
  const started = child;
  const port = await new Promise<string>((resolve, reject) => {
    let output = '';
    const timer = setTimeout(
      () => reject(new Error(`local S3 server did not start in 20 s: ${output}`)),
      20_000,
    );
    started.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const match = /S3_PORT=(\d+)/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]!);
      }
    });
    started.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`local S3 server exited with code ${code}: ${output}`));
    });
  });
  const endpoint = `http://127.0.0.1:${port}`;
  console.log(`local S3 server (s3rver + If-None-Match proxy) on ${endpoint}`);
  project.provide('s3Endpoint', endpoint);
  project.provide('s3Bucket', 'driftwatch-test');
}

export async function teardown(): Promise<void> {
  if (!child || child.exitCode !== null) return;
  const exited = new Promise((resolve) => child?.once('exit', resolve));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child?.kill('SIGKILL'), 5000);
  await exited;
  clearTimeout(timer);
}
