/** The alert policy, messages, digest and retraining tickets (pure; re-exports only). */
export * from './canary.js';
export * from './digest.js';
export * from './ids.js';
export * from './kpi-rules.js';
export * from './messages.js';
export * from './multiple-testing.js';
export * from './observe.js';
export * from './policy.js';
export * from './reliability.js';
export * from './rules.js';
export * from './settings.js';
export * from './thresholds.js';
export * from './ticket-rule.js';
export * from './tickets.js';
export * from './types.js';
