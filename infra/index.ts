/**
 * The package's main entry (`import { MonitoringHub, ModelMonitor } from 'driftwatch'`): the
 * constructs and their props, in the subset of TypeScript jsii can carry to other languages. The
 * definition helpers and event types are under `driftwatch/definition` (infra/definition.ts).
 * Compiled to dist/ by `npm run build`; the Lambda code ships pre-bundled beside it (dist/lambda).
 */
export type {
  CanaryCandidateProps,
  CanaryMarginsProps,
  CanarySettingsProps,
  DriftMethodsProps,
  DriftSettingsProps,
  FeatureProps,
  KpiAbsoluteProps,
  KpiProps,
  KpiThresholdsProps,
  KpiWhereProps,
  LabelLogProps,
  ModelProps,
  MonitorDefinitionProps,
  OutcomeLogProps,
  PerformanceSettingsProps,
  PredictionLogProps,
  ReferenceProps,
  SliProps,
  SloConditionProps,
  SloProps,
  ThresholdsProps,
} from '../lib/config/props.js';
export { DriftwatchFunction, type DriftwatchFunctionProps } from './driftwatch-function.js';
export type { GlueColumn } from './glue-tables.js';
export {
  ModelMonitor,
  type ModelMonitorAwsProps,
  type ModelMonitorProps,
  type ModelMonitorSchedules,
} from './model-monitor.js';
export { MonitoringHub, type MonitoringHubProps, ResultsEncryption } from './monitoring-hub.js';
