/**
 * `driftwatch/definition`: loading and checking a monitor definition (the YAML a team writes) and
 * the types of what driftwatch emits. TypeScript/JavaScript only (zod-derived types, which jsii
 * cannot express; the constructs' props are in the main entry).
 */

export type { JobEvent } from '../functions/shared/event.js';
export type {
  CanaryReason,
  CanaryVerdictDetail,
  CanaryVerdictName,
  GuardrailEvidence,
} from '../lib/alerts/canary.js';
export { CANARY_EVENT_DETAIL_TYPE, CANARY_EVENT_SOURCE } from '../lib/alerts/canary.js';
export type { TicketDetail } from '../lib/alerts/tickets.js';
export { TICKET_EVENT_DETAIL_TYPE, TICKET_EVENT_SOURCE } from '../lib/alerts/tickets.js';
export { InvalidDefinitionError, parseDefinition, validateDefinition } from '../lib/config/load.js';
export type {
  DriftMethodName,
  DriftSettings,
  FeatureDefinition,
  MonitorDefinition,
  MonitorDefinitionInput,
  PerformanceSettings,
} from '../lib/config/schema.js';
export type { JobName, JobSummary } from '../lib/jobs/types.js';
