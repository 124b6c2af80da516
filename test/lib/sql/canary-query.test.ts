import { TrinoSQL } from 'dt-sql-parser';
import { describe, expect, it } from 'vitest';
import { athenaQueryProblems } from '../../../lib/sql/athena-limits.js';
import { buildCanaryQuery, type CanaryQuerySpec } from '../../../lib/sql/canary-query.js';
import { athenaDialect, type DataSource } from '../../../lib/sql/dialect.js';

const table = (name: string, format: DataSource['format'] = 'parquet'): DataSource => ({
  location: `s3://b/${name}/`,
  format,
  partitioned: true,
  table: { database: 'db', name },
});

function spec(overrides: Partial<CanaryQuerySpec> = {}): CanaryQuerySpec {
  return {
    source: table('m_predictions'),
    window: { start: '2026-03-01T23:00:00Z', end: '2026-03-02T00:00:00Z' },
    task: 'binary',
    idColumn: 'id',
    timestampColumn: 'ts',
    versionColumn: 'model_version',
    errorColumn: 'error',
    latencyColumn: 'latency_ms',
    latencyBound: 250,
    scoreColumn: 'score',
    threshold: 0.5,
    labels: {
      source: table('m_labels'),
      idColumn: 'id',
      labelColumn: 'y',
      since: '2026-03-01',
      positiveValue: "it's yes",
    },
    ...overrides,
  };
}

describe('buildCanaryQuery', () => {
  it('renders for Athena as valid Trino with every parameter in WHERE, in placeholder order', () => {
    for (const s of [
      spec(),
      spec({ source: table('m_predictions', 'jsonl') }),
      spec({ task: 'multiclass', scoreColumn: undefined, predictionColumn: 'label' }),
      spec({ labels: undefined, errorColumn: undefined }),
    ]) {
      const q = buildCanaryQuery(s, athenaDialect);
      expect(athenaQueryProblems(q.name, q.sql)).toEqual([]);
      expect(q.sql.split('?').length - 1).toBe(q.parameters.length);
      const literal = q.sql.replace(/\?/g, () => "'2026-03-01'");
      expect(new TrinoSQL().validate(literal)).toEqual([]);
    }
    // The labels' first day comes first (its placeholder is in the join's subquery), then the window.
    expect(buildCanaryQuery(spec(), athenaDialect).parameters).toEqual([
      '2026-03-01',
      '2026-03-01',
      '2026-03-02',
      '2026-03-01 23:00:00',
      '2026-03-02 00:00:00',
    ]);
  });

  it('quotes every name and renders the configured values as literals, never raw', () => {
    const q = buildCanaryQuery(
      spec({ versionColumn: 'ver"sion', labels: { ...spec().labels!, labelColumn: 'y; DROP TABLE x' } }),
      athenaDialect,
    );
    expect(q.sql).toContain('"ver""sion"');
    expect(q.sql).toContain('"y; DROP TABLE x"');
    expect(q.sql).toContain("'it''s yes'");
    expect(q.sql).toContain('> 2.5e+2');
  });
});
