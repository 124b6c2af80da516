import { describe, expect, it } from 'vitest';
import { type ColumnStats, proposeKind } from '../../../lib/jobs/column-kinds.js';

const stats = (over: Partial<ColumnStats>): ColumnStats => ({
  name: 'x',
  type: 'DOUBLE',
  rows: 1000,
  nonNull: 1000,
  distinct: 500,
  min: 0,
  max: 100,
  integral: false,
  ...over,
});

describe('proposeKind', () => {
  it('calls unique text an id, and unique whole numbers an id only when named like one', () => {
    expect(proposeKind(stats({ name: 'request', type: 'VARCHAR', distinct: 1000 }))).toMatchObject({
      kind: 'id',
      reason: 'unique in the sample, text',
    });
    expect(
      proposeKind(stats({ name: 'customer_id', type: 'BIGINT', distinct: 1000, integral: true })).kind,
    ).toBe('id');
    // Unique whole numbers not named like an id stay a feature (an amount in cents, a count).
    expect(
      proposeKind(stats({ name: 'amount_cents', type: 'BIGINT', distinct: 1000, integral: true })).kind,
    ).toBe('numeric');
  });

  it('a double in [0,1] is a score; a constant is said, not proposed as a feature', () => {
    expect(proposeKind(stats({ name: 'p', min: 0.01, max: 0.99, distinct: 900 }))).toMatchObject({
      kind: 'score',
      reason: 'double in [0,1]',
    });
    expect(
      proposeKind(
        stats({ name: 'year', type: 'INTEGER', distinct: 1, min: 2015, max: 2015, integral: true }),
      ),
    ).toMatchObject({ kind: 'constant' });
  });

  it('timestamps by type or by name, the partition column, and segment candidates among few-valued text', () => {
    expect(proposeKind(stats({ name: 'created', type: 'TIMESTAMP WITH TIME ZONE' })).kind).toBe('timestamp');
    expect(proposeKind(stats({ name: 'event_time', type: 'VARCHAR', distinct: 1000 })).kind).toBe(
      'timestamp',
    );
    expect(proposeKind(stats({ name: 'dt', type: 'VARCHAR' }), { partitionKey: 'dt' }).kind).toBe(
      'partition',
    );
    expect(proposeKind(stats({ name: 'region', type: 'VARCHAR', distinct: 4 }))).toMatchObject({
      kind: 'categorical',
      segmentCandidate: true,
    });
    expect(proposeKind(stats({ name: 'zip', type: 'VARCHAR', distinct: 300 }))).toMatchObject({
      kind: 'categorical',
      segmentCandidate: false,
    });
  });
});
