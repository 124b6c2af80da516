/**
 * `driftwatch incidents`: the alert state written by a real `alerts` replay, exported as CSV and
 * JSON; the CSV parsed back by an independent RFC 4180 reader equals the JSON export, including a
 * subject built to break CSV (commas, quotes, line breaks) and to run as a spreadsheet formula.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { FsResultStore } from '../../lib/adapters/fs-store.js';
import type { AlertState } from '../../lib/alerts/types.js';
import { demoDefinition } from '../../lib/demo/definition.js';
import { resultKeys, shiftDate } from '../../lib/jobs/windows.js';
import { runCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/temp.js';
import { days, driftResult } from '../lib/alerts/fixtures.js';

const HOSTILE = '=HYPERLINK("http://evil.example","x"),\n"quoted", a\r\nb';

let dir: { path: string; cleanup: () => Promise<void> };
const dates = days('2026-10-01', 8);

/** A CSV reader written from RFC 4180 for the test (not the code under test). */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i] as string;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (c === '"') quoted = false;
      else cell += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(cell);
      cell = '';
    } else if (c === '\r' && text[i + 1] === '\n') {
      row.push(cell);
      rows.push(row);
      row = [];
      cell = '';
      i++;
    } else if (c === '\n' && i === text.length - 1) {
      // the final newline print() adds
    } else cell += c;
  }
  row.push(cell);
  rows.push(row);
  return rows;
}

beforeAll(async () => {
  dir = await tempDir('driftwatch-cli-incidents-');
  const { labels: _labels, ...definition } = demoDefinition('data');
  await writeFile(join(dir.path, 'monitor.yaml'), stringify(definition));
  const store = new FsResultStore(join(dir.path, 'out', 'results'));
  // income far beyond critical on days 3-5, quiet after: one incident opens and resolves.
  for (const [i, d] of dates.entries()) {
    await store.putJson(
      resultKeys.result('credit-default', 'drift', { start: d, end: shiftDate(d, 1), duration: 'P1D' }),
      driftResult(d, i >= 2 && i <= 4 ? { features: { income: { statistic: 0.6 } } } : {}),
    );
  }
  const replay = await runCli([
    'alerts',
    '--config',
    join(dir.path, 'monitor.yaml'),
    '--out',
    join(dir.path, 'out'),
    '--from',
    dates[0]!,
    '--to',
    dates.at(-1)!,
  ]);
  expect(replay.code).toBe(0);
  // A second, still open incident whose subject is hostile (segment values are free text).
  const key = join(dir.path, 'out', 'results', 'credit-default', 'alerts', 'state.json');
  const state = JSON.parse(await readFile(key, 'utf8')) as AlertState;
  const first = state.incidents[0]!;
  state.incidents.push({
    ...first,
    id: 'inc-hostile',
    subject: HOSTILE,
    status: 'open',
    openedWindow: '2026-10-07',
    openedAt: '2026-10-08T02:00:00.000Z',
    firstSeenWindow: '2026-10-06',
    firstSeenAt: '2026-10-07T00:00:00.000Z',
    resolvedWindow: undefined,
    resolvedAt: undefined,
    last: { ...first.last, summary: '-1+1 "drift", here' },
  } as never);
  await writeFile(key, JSON.stringify(state));
}, 60_000);

afterAll(async () => dir.cleanup());

const base = () => ['incidents', '--out', join(dir.path, 'out'), '--as-of', '2026-10-10'];

describe('driftwatch incidents', () => {
  it('lists the incidents with detection and resolution times, and MTTD / MTTR', async () => {
    const { code, stdout, stderr } = await runCli(base());
    expect(stderr).toBe('');
    expect(code).toBe(0);
    // The replay's clock is the real one (no --as-of there), so only the windows are fixed.
    expect(stdout).toMatch(/credit-default\s+feature-drift\s+income\s+resolved\s+2026-10-03/);
    // The hostile subject stays on one line in the terminal.
    expect(stdout).toContain('=HYPERLINK(\\"http://evil.example\\",\\"x\\"),\\n\\"quoted\\", a\\r\\nb');
    expect(stdout).toMatch(/credit-default\s+all rules\s+30 d/);
  });

  it('exports CSV that an RFC 4180 reader reads back to the JSON export, formulas defused', async () => {
    const json = await runCli([...base(), '--format', 'json']);
    const csv = await runCli([...base(), '--format', 'csv']);
    expect(json.code).toBe(0);
    expect(csv.code).toBe(0);
    const doc = JSON.parse(json.stdout) as { incidents: Record<string, unknown>[] };
    expect(doc.incidents).toHaveLength(2);
    const [header, ...rows] = parseCsv(csv.stdout);
    expect(rows).toHaveLength(2);
    const back = rows.map((r) => Object.fromEntries(header!.map((h, i) => [h, r[i]])));
    for (const [i, incident] of doc.incidents.entries()) {
      for (const column of header!) {
        const value = incident[column];
        const cell = back[i]![column];
        if (value === undefined) expect(cell).toBe('');
        else if (typeof value === 'number') expect(Number(cell)).toBe(value);
        else if (/^[=+\-@\t\r]/.test(String(value))) expect(cell).toBe(`'${value}`);
        else expect(cell).toBe(value);
      }
    }
    const hostile = back.find((r) => r.id === 'inc-hostile')!;
    expect(hostile.subject).toBe(`'${HOSTILE}`);
    expect(hostile.summary).toBe(`'-1+1 "drift", here`);
    // No cell of the raw text starts with a formula character: every such cell is quoted or prefixed.
    expect(csv.stdout).not.toMatch(/(^|,)[=+\-@]/m);
    expect(hostile).toMatchObject({ status: 'open', detectHours: '26', resolveHours: '' });
  });

  it('filters by --model and --from/--to, and refuses bad input in one line', async () => {
    const only = await runCli([...base(), '--format', 'json', '--from', '2026-10-07', '--to', '2026-10-09']);
    expect((JSON.parse(only.stdout) as { incidents: { id: string }[] }).incidents.map((i) => i.id)).toEqual([
      'inc-hostile',
    ]);
    const bad = await runCli([...base(), '--format', 'xlsx']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--format "xlsx" is not one of table, csv, json');
    const missing = await runCli([...base(), '--model', 'nope']);
    expect(missing.code).not.toBe(0);
    expect(missing.stderr).toContain('model nope has no alert state');
    expect(missing.stderr.trim().split('\n')).toHaveLength(1);
  });
});
