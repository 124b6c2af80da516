/**
 * Performance metrics computed from aggregates an SQL engine returns (never from every row).
 * Pure: no I/O, no engine.
 *
 * @module
 */
export * from './binary.js';
export * from './compare.js';
export * from './metric-value.js';
export * from './multiclass.js';
export * from './normal.js';
export * from './ranking.js';
export * from './regression.js';
