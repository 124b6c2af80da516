/** `driftwatch alerts`: a replay over a date range through the real CLI, and its usage errors. */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { FsResultStore } from '../../lib/adapters/fs-store.js';
import { demoDefinition } from '../../lib/demo/definition.js';
import { resultKeys, shiftDate } from '../../lib/jobs/windows.js';
import { runCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/temp.js';
import { days, driftResult } from '../lib/alerts/fixtures.js';

let dir: { path: string; cleanup: () => Promise<void> };

const run = runCli;

const dates = days('2026-10-01', 4);

beforeAll(async () => {
  dir = await tempDir('driftwatch-cli-alerts-');
  const { labels: _labels, ...definition } = demoDefinition('data');
  await writeFile(join(dir.path, 'monitor.yaml'), stringify(definition));
  // Stored drift results: quiet, then income far beyond critical on the 3rd and 4th.
  const store = new FsResultStore(join(dir.path, 'out', 'results'));
  for (const [i, d] of dates.entries()) {
    await store.putJson(
      resultKeys.result('credit-default', 'drift', { start: d, end: shiftDate(d, 1), duration: 'P1D' }),
      driftResult(d, i >= 2 ? { features: { income: { statistic: 0.6 } } } : {}),
    );
  }
}, 60_000);

afterAll(async () => dir.cleanup());

const base = () => ['alerts', '--config', join(dir.path, 'monitor.yaml'), '--out', join(dir.path, 'out')];

describe('driftwatch alerts', () => {
  it('replays the policy over --from/--to in date order, one line per window, quiet days said plainly', async () => {
    const { code, stdout, stderr } = await run([...base(), '--from', dates[0]!, '--to', dates.at(-1)!]);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const lines = stdout.split('\n').filter((l) => l.startsWith('credit-default '));
    expect(lines).toHaveLength(4);
    expect(lines[0]).toMatch(/^credit-default 2026-10-01: no alerts \(\d+ of \d+ rules clear\)$/);
    expect(lines[1]).toMatch(/^credit-default 2026-10-02: no alerts /);
    // PSI 0.6 is 2.4x the critical threshold: it opens on its first window.
    expect(lines[2]).toBe('credit-default 2026-10-03: 1 opened; 1 message sent, 1 open incident');
    expect(lines[3]).toMatch(/^credit-default 2026-10-04: no alerts \(.*, 1 open incident\)$/);
    expect(stdout).not.toContain('no alert decision');
    const alerts = (await readFile(join(dir.path, 'out', 'alerts.jsonl'), 'utf8')).trim().split('\n');
    expect(alerts.map((l) => JSON.parse(l).subject)).toEqual([
      '[CRITICAL] credit-default: income drift (PSI 0.6)',
    ]);
  });

  it.each([
    [['--from', '2026-10-01'], 'give both --from and --to'],
    [['--from', '2026-10-04', '--to', '2026-10-01'], 'is after --to 2026-10-01: swap them'],
    [['--date', '2026-10-01', '--from', '2026-10-01', '--to', '2026-10-02'], 'exclude each other'],
    [['--from', '2026-13-01', '--to', '2026-10-02'], '--from'],
  ])('exits 2 with one line for the usage error %j', async (args, text) => {
    const { code, stderr } = await run([...base(), ...args]);
    expect(code).toBe(2);
    expect(stderr.trim().split('\n')).toHaveLength(1);
    expect(stderr).toContain(text);
  });
});
