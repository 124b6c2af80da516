import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  DuckDbQueryEngine,
  explainDuckDbError,
  localEngineOptions,
} from '../../lib/adapters/duckdb-engine.js';

describe('local engine options', () => {
  it('caps memory at 512MB and spills to the OS temp folder by default', async () => {
    const options = localEngineOptions({});
    expect(options).toEqual({
      memoryLimit: '512MB',
      tempDirectory: join(tmpdir(), 'driftwatch-duckdb', String(process.pid)),
    });
    const engine = await DuckDbQueryEngine.create(options);
    try {
      const [row] = await engine.query({
        name: 'settings',
        sql: "SELECT current_setting('memory_limit') AS memory, current_setting('temp_directory') AS temp",
        parameters: [],
      });
      // DuckDB reports the cap in its own units (512MB = 488.2 MiB).
      expect(String(row!.memory)).toBe('488.2 MiB');
      expect(row!.temp).toBe(join(tmpdir(), 'driftwatch-duckdb', String(process.pid)));
    } finally {
      await engine.close();
    }
  });

  it('takes the cap and threads from the environment and names a bad value', () => {
    expect(localEngineOptions({ DRIFTWATCH_MEMORY_LIMIT: '4GB', DRIFTWATCH_THREADS: '2' })).toMatchObject({
      memoryLimit: '4GB',
      threads: 2,
    });
    expect(() => localEngineOptions({ DRIFTWATCH_MEMORY_LIMIT: 'lots' })).toThrow(
      'DRIFTWATCH_MEMORY_LIMIT=lots is not a size: use e.g. 512MB or 4GB',
    );
    expect(() => localEngineOptions({ DRIFTWATCH_THREADS: '0' })).toThrow(
      'DRIFTWATCH_THREADS=0 is not a positive integer',
    );
  });
});

describe('an out-of-memory failure', () => {
  it('says which setting raises the cap', () => {
    expect(
      explainDuckDbError(
        'Out of Memory Error: failed to allocate data of size 128.0 MiB (425.9 MiB/488.2 MiB used)\n\nPossible solutions: ...',
      ),
    ).toBe(
      'Out of Memory Error: failed to allocate data of size 128.0 MiB (425.9 MiB/488.2 MiB used) (the window needs more memory than the local cap: set DRIFTWATCH_MEMORY_LIMIT, e.g. DRIFTWATCH_MEMORY_LIMIT=4GB)',
    );
  });
});

describe('an unreadable data file', () => {
  it.each([
    [
      "Invalid Input Error: No magic bytes found at end of file '/log/dt=2026-01-04/part-1.parquet'\n\nLINE 1: ...",
      "cannot read data file /log/dt=2026-01-04/part-1.parquet: Invalid Input Error: No magic bytes found at end of file '/log/dt=2026-01-04/part-1.parquet' (an unreadable data file: re-write or remove it)",
    ],
    [
      'Invalid Input Error: Malformed JSON in file "/log/dt=2026-01-04/a.jsonl", at byte 6 in line 3: unexpected end of data. \n\nLINE 1: ...',
      'cannot read data file /log/dt=2026-01-04/a.jsonl: Invalid Input Error: Malformed JSON in file "/log/dt=2026-01-04/a.jsonl", at byte 6 in line 3: unexpected end of data. (an unreadable data file: re-write or remove it)',
    ],
    [
      'IO Error: Unsupported GZIP compression method: /log/dt=2026-01-04/a.csv.gz\n\nLINE 1: ...',
      'cannot read data file /log/dt=2026-01-04/a.csv.gz: IO Error: Unsupported GZIP compression method: /log/dt=2026-01-04/a.csv.gz (an unreadable data file: re-write or remove it)',
    ],
  ])('leads with the file and the fix: %s', (message, expected) => {
    expect(explainDuckDbError(message)).toBe(expected);
  });
});
