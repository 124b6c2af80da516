import { describe, expect, it } from 'vitest';
import { glueTableNames, registryKey, resolveAthenaSources } from '../../lib/adapters/athena-sources.js';
import { validateDefinition } from '../../lib/config/load.js';
import { athenaDialect } from '../../lib/sql/dialect.js';

const definition = validateDefinition({
  model: { id: 'churn-v2', task: 'binary' },
  predictions: {
    location: 's3://logs/churn/predictions/',
    format: 'jsonl',
    idColumn: 'id',
    timestampColumn: 'ts',
    scoreColumn: 'p',
  },
  features: [{ name: 'tenure', kind: 'numeric' }],
  labels: {
    location: 's3://logs/churn/labels/',
    idColumn: 'id',
    labelColumn: 'churned',
    delay: 'P30D',
    partitioned: false,
  },
  reference: { type: 'dataset', location: 's3://logs/churn/train.parquet' },
});

describe('resolveAthenaSources', () => {
  it('names the Glue tables after the model id, as ModelMonitor creates them', () => {
    expect(glueTableNames('churn-v2')).toEqual({
      predictions: 'churn_v2_predictions',
      labels: 'churn_v2_labels',
      reference: 'churn_v2_reference',
      outcomes: 'churn_v2_outcomes',
      results: 'churn_v2_results',
    });
    expect(registryKey('churn-v2')).toBe('_registry/churn-v2.json');
  });

  it('resolves every log to its table in the database', () => {
    expect(resolveAthenaSources(definition, 'dw')).toEqual({
      predictions: {
        location: 's3://logs/churn/predictions/',
        format: 'jsonl',
        partitioned: true,
        table: { database: 'dw', name: 'churn_v2_predictions' },
      },
      labels: {
        location: 's3://logs/churn/labels/',
        format: 'parquet',
        partitioned: false,
        table: { database: 'dw', name: 'churn_v2_labels' },
      },
      reference: {
        location: 's3://logs/churn/train.parquet',
        format: 'parquet',
        partitioned: false,
        table: { database: 'dw', name: 'churn_v2_reference' },
      },
    });
  });

  it('reads a feature whose log column has another name under the feature name, as locally', () => {
    const aliased = validateDefinition({
      ...definition,
      features: [{ name: 'tenure', column: 'TenureMonths', kind: 'numeric' }],
    });
    const sources = resolveAthenaSources(aliased, 'dw');
    expect(sources.predictions.aliases).toEqual([{ name: 'tenure', column: 'TenureMonths' }]);
    expect(sources.reference?.aliases).toEqual([{ name: 'tenure', column: 'TenureMonths' }]);
    expect(athenaDialect.relation(sources.predictions)).toBe(
      '(SELECT *, "TenureMonths" AS "tenure" FROM "dw"."churn_v2_predictions")',
    );
  });

  it('resolves the outcomes log to its table, read by its own column names (no alias)', () => {
    const withOutcomes = validateDefinition({
      ...definition,
      features: [{ name: 'tenure', column: 'TenureMonths', kind: 'numeric' }],
      outcomes: { location: 's3://logs/churn/outcomes/', format: 'jsonl', idColumn: 'id', delay: 'P14D' },
      kpis: [
        {
          name: 'renewal_rate',
          aggregate: 'rate',
          column: 'renewed',
          source: 'outcomes',
          thresholds: { relative: 0.2 },
          direction: 'higher_is_better',
        },
      ],
    });
    const sources = resolveAthenaSources(withOutcomes, 'dw');
    expect(sources.outcomes).toEqual({
      location: 's3://logs/churn/outcomes/',
      format: 'jsonl',
      partitioned: true,
      table: { database: 'dw', name: 'churn_v2_outcomes' },
    });
    expect(athenaDialect.relation(sources.outcomes!)).toBe('"dw"."churn_v2_outcomes"');
    // Without an outcomes log there is no outcomes source (as before).
    expect(resolveAthenaSources(definition, 'dw').outcomes).toBeUndefined();
    const local = { ...withOutcomes, outcomes: { ...withOutcomes.outcomes!, location: 'outcomes/' } };
    expect(() => resolveAthenaSources(local, 'dw')).toThrow('outcomes.location must be an s3:// URI on AWS');
  });

  it('refuses a local folder on AWS', () => {
    const local = { ...definition, predictions: { ...definition.predictions, location: 'logs/predictions' } };
    expect(() => resolveAthenaSources(local, 'dw')).toThrow(
      'predictions.location must be an s3:// URI on AWS',
    );
  });
});
