import { describe, expect, it } from 'vitest';
import { InvalidDefinitionError, validateDefinition } from '../../../lib/config/load.js';
import { demoDefinition } from '../../../lib/demo/definition.js';
import { featureAliases, resolveLocalSources } from '../../../lib/jobs/sources.js';
import { duckdbDialect } from '../../../lib/sql/dialect.js';
import { quoteIdentifier, UnsafeIdentifierError } from '../../../lib/sql/identifiers.js';

const withFeatures = (features: unknown[]) => ({ ...demoDefinition('data'), features });

describe('column aliases (column: beside name:)', () => {
  it('accepts a real column that is not an identifier, and the relation exposes it under its name', () => {
    const def = validateDefinition(
      withFeatures([
        { name: 'loan_amount', column: 'loan amount', kind: 'numeric' },
        { name: 'od280', column: 'od280/od315_of_diluted_wines', kind: 'numeric' },
        { name: 'quote', column: 'say "hi"', kind: 'categorical' },
        { name: 'income', kind: 'numeric' },
      ]),
    );
    expect(featureAliases(def)).toEqual([
      { name: 'loan_amount', column: 'loan amount' },
      { name: 'od280', column: 'od280/od315_of_diluted_wines' },
      { name: 'quote', column: 'say "hi"' },
    ]);
    const sources = resolveLocalSources(def, '/base');
    const relation = duckdbDialect.relation({ ...sources.predictions, files: ['/base/a.parquet'] });
    expect(relation).toBe(
      `(SELECT *, "loan amount" AS "loan_amount", "od280/od315_of_diluted_wines" AS "od280", "say ""hi""" AS "quote" FROM read_parquet(['/base/a.parquet'], hive_partitioning = true, hive_types_autocast = false, union_by_name = true))`,
    );
    // The reference dataset holds the same real columns.
    expect(sources.reference?.aliases).toEqual(sources.predictions.aliases);
  });

  it('still requires name: to be an identifier, and refuses a column with a line break', () => {
    try {
      validateDefinition(withFeatures([{ name: 'loan amount', column: 'a\nb', kind: 'numeric' }]), 't.yaml');
      throw new Error('expected a refusal');
    } catch (error) {
      expect(error).toBeInstanceOf(InvalidDefinitionError);
      const paths = (error as InvalidDefinitionError).problems.map((p) => p.path);
      expect(paths).toEqual(['features[0].name', 'features[0].column']);
    }
  });

  it('quotes any name with embedded quotes doubled, and refuses empty, NUL and line breaks', () => {
    expect(quoteIdentifier('loan amount')).toBe('"loan amount"');
    expect(quoteIdentifier('a" FROM x; --')).toBe('"a"" FROM x; --"');
    for (const bad of ['', 'a\u0000b', 'a\nb', 'x'.repeat(256)]) {
      expect(() => quoteIdentifier(bad)).toThrow(UnsafeIdentifierError);
    }
  });
});
