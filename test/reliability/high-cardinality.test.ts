import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DriftResult } from '../../lib/jobs/drift-result.js';
import { OTHER_CATEGORY } from '../../lib/stats/binning.js';
import { tempDir } from '../helpers/temp.js';
import { cli, writeFixture } from './fixture.js';

// A categorical feature with a distinct value per row (an id logged as a feature): the result and
// the report stay bounded. (500,000 distinct values were measured by hand: README, limits.)
let dir: { path: string; cleanup: () => Promise<void> };
let config: string;
beforeAll(async () => {
  dir = await tempDir('driftwatch-rel-hc-');
  config = await writeFixture(dir.path, { rowsPerDay: 30_000, cat: "'v' || CAST(i AS VARCHAR)" });
});
afterAll(async () => dir.cleanup());

describe('bounded high cardinality (issue 12, item 5)', () => {
  it('keeps at most 1,000 categories plus (other) with exact totals; result under 1 MB; the report renders', async () => {
    const out = join(dir.path, 'out');
    const run = await cli([
      'run',
      '--config',
      config,
      '--job',
      'drift',
      '--date',
      '2026-10-02',
      '--out',
      out,
    ]);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const file = join(out, 'results', 'toy', 'drift', 'dt=2026-10-02', 'P1D.json');
    expect((await stat(file)).size).toBeLessThan(1_000_000);
    const result = JSON.parse(await readFile(file, 'utf8')) as DriftResult;
    const cat = result.features.find((f) => f.name === 'cat')!;
    expect(cat.bins.length).toBeLessThanOrEqual(1001);
    expect(cat.bins.at(-1)!.label).toBe(OTHER_CATEGORY);
    const shares = cat.bins.reduce((a, b) => a + b.currentShare, 0);
    expect(shares).toBeCloseTo(1, 9);
    expect(cat.drifted).toBe(false);
    expect((await stat(join(out, 'results', 'toy', 'baseline', 'reference-profile.json'))).size).toBeLessThan(
      1_000_000,
    );
    const report = await cli(['report', '--config', config, '--date', '2026-10-02', '--out', out]);
    expect(report.stderr).toBe('');
    expect(report.code).toBe(0);
  });
});
