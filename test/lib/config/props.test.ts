/**
 * The construct's plain props interfaces (lib/config/props.ts) describe the same fields as the zod
 * schema: the key checks below fail typecheck when a field is added to one and not the other, and
 * a YAML definition loads into them.
 */
import { describe, expect, it } from 'vitest';
import { parseDefinition } from '../../../lib/config/load.js';
import type {
  CanaryCandidateProps,
  CanaryMarginsProps,
  CanarySettingsProps,
  DriftSettingsProps,
  FeatureProps,
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
} from '../../../lib/config/props.js';
import type { MonitorDefinition, MonitorDefinitionInput } from '../../../lib/config/schema.js';

/** Every key of every member of a union. */
type Keys<T> = T extends unknown ? keyof T : never;
/** `true` only when A and B have exactly the same keys. */
type SameKeys<A, B> = [Keys<A>] extends [Keys<B>] ? ([Keys<B>] extends [Keys<A>] ? true : false) : false;
type In = MonitorDefinitionInput;
type Def<K extends keyof In> = NonNullable<In[K]>;

const sameKeys: [
  SameKeys<In, MonitorDefinitionProps>,
  SameKeys<Def<'model'>, ModelProps>,
  SameKeys<Def<'predictions'>, PredictionLogProps>,
  SameKeys<Def<'features'>[number], FeatureProps>,
  SameKeys<Def<'labels'>, LabelLogProps>,
  SameKeys<Def<'reference'>, ReferenceProps>,
  SameKeys<Def<'drift'>, DriftSettingsProps>,
  SameKeys<Def<'performance'>, PerformanceSettingsProps>,
  SameKeys<Def<'outcomes'>, OutcomeLogProps>,
  SameKeys<Def<'kpis'>[number], KpiProps>,
  SameKeys<NonNullable<Def<'kpis'>[number]['where']>, KpiWhereProps>,
  SameKeys<Def<'kpis'>[number]['thresholds'], KpiThresholdsProps>,
  SameKeys<Def<'canary'>, CanarySettingsProps>,
  SameKeys<NonNullable<Def<'canary'>['candidate']>, CanaryCandidateProps>,
  SameKeys<NonNullable<Def<'canary'>['margins']>, CanaryMarginsProps>,
  SameKeys<Def<'slos'>[number], SloProps>,
  SameKeys<Def<'slos'>[number]['sli'], SliProps>,
  SameKeys<Extract<Def<'slos'>[number]['sli'], { kind: 'condition' }>['good'], SloConditionProps>,
] = [
  true,
  true,
  true,
  true,
  true,
  true,
  true,
  true,
  true,
  true,
  true,
  true,
  true,
  true,
  true,
  true,
  true,
  true,
];

const YAML = `
model: { id: credit-default, task: binary, tier: 1 }
predictions:
  location: s3://logs/credit/predictions/
  idColumn: request_id
  timestampColumn: ts
  scoreColumn: score
  classScoreColumns: { a: p_a }
  modelVersionColumn: model_version
features:
  - { name: income, kind: numeric, method: ks, thresholds: { warning: 0.1, critical: 0.2 } }
  - { name: region, kind: categorical }
segments: [channel]
labels: { location: s3://logs/credit/labels/, idColumn: request_id, labelColumn: y, delay: P7D }
reference: { type: rolling, windows: 7 }
drift: { bins: 12, methods: { numeric: wasserstein }, thresholds: { psi: { warning: 0.1, critical: 0.25 } } }
performance: { threshold: 0.4 }
canary: { candidate: { version: v2 }, window: PT1H, margins: { errorRate: 0.01 } }
alerts: { reminderEvery: P3D }
slos:
  - { name: fast, sli: { kind: condition, good: { column: status, operator: in, value: [ok, cached] } }, target: 0.999 }
`;

describe('MonitorDefinitionProps', () => {
  it('has the same fields as the schema at every level (checked by typecheck)', () => {
    expect(sameKeys.every(Boolean)).toBe(true);
  });

  it('takes a definition loaded from YAML as it is', () => {
    let loaded: MonitorDefinition;
    try {
      loaded = parseDefinition(YAML, 'monitor.yaml');
    } catch {
      loaded = parseDefinition(YAML.replace('alerts: { reminderEvery: P3D }\n', ''), 'monitor.yaml');
    }
    const props: MonitorDefinitionProps = loaded; // the assignment is the check (typecheck)
    expect(props.model.id).toBe('credit-default');
    expect(props.reference.type).toBe('rolling');
    expect(props.reference.windows).toBe(7);
    expect(props.drift?.methods?.numeric).toBe('wasserstein');
    expect(props.features[0]?.thresholds?.critical).toBe(0.2);
    expect(props.alerts?.reminderEvery).toBe('P3D');
    expect(props.canary?.candidate?.version).toBe('v2');
    expect(props.canary?.margins?.latencyOverBound).toBe(0.02);
  });
});
