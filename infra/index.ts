/**
 * The package's public API (`import { MonitoringHub, ModelMonitor } from 'driftwatch'`): the two
 * constructs, their props, the monitor definition types and the events driftwatch publishes.
 * Compiled to dist/ by `npm run build`; the Lambda code ships pre-bundled beside it (dist/lambda).
 */

export type { JobEvent } from '../functions/shared/event.js';
export type { TicketDetail } from '../lib/alerts/tickets.js';
export { TICKET_EVENT_DETAIL_TYPE, TICKET_EVENT_SOURCE } from '../lib/alerts/tickets.js';
export { InvalidDefinitionError, parseDefinition, validateDefinition } from '../lib/config/load.js';
export type {
  DriftMethodsProps,
  DriftSettingsProps,
  FeatureProps,
  LabelLogProps,
  ModelProps,
  MonitorDefinitionProps,
  PerformanceSettingsProps,
  PredictionLogProps,
  ReferenceProps,
  ThresholdsProps,
} from '../lib/config/props.js';
export type {
  DriftMethodName,
  DriftSettings,
  FeatureDefinition,
  MonitorDefinition,
  MonitorDefinitionInput,
  PerformanceSettings,
} from '../lib/config/schema.js';
export type { JobName, JobSummary } from '../lib/jobs/types.js';
export type { GlueColumn } from './glue-tables.js';
export {
  ModelMonitor,
  type ModelMonitorAwsProps,
  type ModelMonitorProps,
  type ModelMonitorSchedules,
} from './model-monitor.js';
export { MonitoringHub, type MonitoringHubProps, ResultsEncryption } from './monitoring-hub.js';
