/** The columns and types of a log, to check a definition against the data (schema drift). */
import type { CompiledQuery } from '../ports.js';
import type { DataSource, SqlDialect } from './dialect.js';

/** Rows: `{ column_name, column_type }`. */
export function buildDescribeQuery(source: DataSource, dialect: SqlDialect): CompiledQuery {
  if (dialect.name === 'athena') {
    if (!source.table) throw new Error(`no Glue table is configured for ${source.location}`);
    return {
      name: 'describe',
      sql: 'SELECT column_name, data_type AS column_type FROM information_schema.columns WHERE table_schema = ? AND table_name = ?',
      parameters: [source.table.database, source.table.name],
    };
  }
  return { name: 'describe', sql: `DESCRIBE SELECT * FROM ${dialect.relation(source)}`, parameters: [] };
}
