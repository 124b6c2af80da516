/**
 * The deployment replay by hand: `npx tsx test/replay/run.ts [--days 30] [--rows 2000]`.
 * Starts the local S3 server, generates the demo (runDemo, the local reference run), replays the
 * synthesized demo app's schedules morning by morning and prints what each invocation did, then
 * how the replay compares with the demo. Exit code 1 when they differ.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isDeepStrictEqual, parseArgs } from 'node:util';
import { runDemo } from '../../lib/cli/commands/demo.js';
import { shiftDate } from '../../lib/jobs/windows.js';
import { comparable, demoOutputs, digestView, evaluatedView } from './compare.js';
import { demoDeployment, demoDeploymentWithTypes, REPLAY_LOGS_BUCKET } from './deployment.js';
import { CONTROL_TYPES, collect, maturedWindow, morning, startReplay } from './replay.js';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
const { values } = parseArgs({
  options: {
    days: { type: 'string', default: '30' },
    rows: { type: 'string', default: '2000' },
    // The control run: Glue types as the files hold them and performance events carrying the
    // matured window, i.e. the deployment as the audit's fixes intend it.
    control: { type: 'boolean', default: false },
  },
});
const days = Number(values.days);
const rows = Number(values.rows);

async function startS3(): Promise<{ endpoint: string; stop: () => void }> {
  const script = fileURLToPath(new URL('../setup/s3-server-process.ts', import.meta.url));
  const child = spawn(process.execPath, ['--no-deprecation', '--import', 'tsx', script], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const port = await new Promise<string>((resolve, reject) => {
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const match = /S3_PORT=(\d+)/.exec(output);
      if (match) resolve(match[1]!);
    });
    child.once('exit', (code) => reject(new Error(`local S3 server exited with ${code}: ${output}`)));
  });
  return { endpoint: `http://127.0.0.1:${port}`, stop: () => child.kill('SIGTERM') };
}

const s3 = await startS3();
const work = await mkdtemp(join(tmpdir(), 'dw-replay-'));
try {
  const t0 = Date.now();
  const demo = await runDemo({ out: join(work, 'demo'), rowsPerDay: rows, seed: 42, json: true }, () => {});
  console.log(
    `local demo: ${demo.manifest.days} days x ${rows} rows in ${((Date.now() - t0) / 1000).toFixed(1)}s`,
  );
  const deployment = values.control ? demoDeploymentWithTypes(CONTROL_TYPES) : demoDeployment();
  const replay = await startReplay({
    deployment,
    s3Endpoint: s3.endpoint,
    uploads: [{ from: join(demo.outDir, 'data'), to: `s3://${REPLAY_LOGS_BUCKET}/credit-default/` }],
    workDir: join(work, 'athena'),
  });
  const t1 = Date.now();
  try {
    for (let d = 1; d <= Math.min(days, demo.manifest.days); d++) {
      const day = shiftDate(demo.manifest.startDate, d);
      const queriesBefore = replay.athena.queries.length;
      const sentBefore = replay.notifications.published.length;
      const invocations = await morning(replay, day, values.control ? { adjust: maturedWindow(8) } : {});
      console.log(`\n${day}`);
      for (const inv of invocations) {
        const job = String(inv.event.job);
        const summary = inv.result as { status?: string; message?: string; subject?: string } | undefined;
        const text =
          inv.outcome === 'ok' ? (summary?.message ?? summary?.subject ?? summary?.status ?? '') : inv.error;
        console.log(
          `  ${String(inv.event.scheduledTime).slice(11, 16)} ${job.padEnd(11)} ${inv.outcome.padEnd(6)} ${String(inv.millis).padStart(6)} ms  ${text}`,
        );
      }
      if (process.env.REPLAY_DEBUG)
        for (const inv of invocations)
          for (const l of inv.lines) if (l.message) console.log('     ', l.timestamp, l.message);
      const queries = replay.athena.queries.slice(queriesBefore);
      const failed = queries.filter((q) => q.state === 'FAILED');
      const bytes = queries.reduce((n, q) => n + q.dataScannedInBytes, 0);
      console.log(
        `  athena: ${queries.length} queries, ${(bytes / 1e6).toFixed(2)} MB scanned, ${failed.length} failed${failed.length ? ` (${failed[0]!.reason?.slice(0, 160)})` : ''}`,
      );
      for (const p of replay.notifications.published.slice(sentBefore)) console.log(`  sns: ${p.subject}`);
    }
    console.log(
      `\nreplayed in ${((Date.now() - t1) / 1000).toFixed(1)}s; refused starts: ${replay.athena.refused.length}`,
    );
    const got = await collect(replay, 'credit-default');
    const outputs = await demoOutputs(demo.outDir);
    const same = (a: unknown, b: unknown) => isDeepStrictEqual(a, b);
    const lastDigest = replay.notifications.published.filter((p) => /digest/i.test(p.topicArn)).at(-1);
    const demoEvaluated = evaluatedView(demo.performance);
    const gotEvaluated = evaluatedView(got.performance);
    // The same comparisons as replay.test.ts.
    const checks = {
      drift: same(got.drift.map(comparable), demo.drift.map(comparable)),
      performance: same(gotEvaluated, demoEvaluated),
      incidents: same(comparable(got.incidents), comparable(demo.incidents)),
      tickets:
        same(
          got.tickets.map((t) => t.ticketId),
          outputs.ticketIds,
        ) &&
        same(
          replay.notifications.events.map((e) => e.detail.ticketId),
          outputs.ticketIds,
        ),
      digest: lastDigest ? same(digestView(lastDigest.subject, lastDigest.message), outputs.digest) : false,
    };
    console.log(
      `drift windows stored ${got.drift.length} (demo ${demo.drift.length}); performance windows evaluated ${gotEvaluated.length} (demo ${demoEvaluated.length}); incidents ${got.incidents.length} (demo ${demo.incidents.length}); tickets ${got.tickets.length} (demo ${outputs.ticketIds.length})`,
    );
    console.log('same as the local demo:', checks);
    process.exitCode = Object.values(checks).every(Boolean) ? 0 : 1;
  } finally {
    await replay.close();
  }
} finally {
  s3.stop();
  await rm(work, { recursive: true, force: true });
}
