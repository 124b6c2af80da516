import { describe, expect, it } from 'vitest';
import { InvalidDefinitionError, parseDefinition, validateDefinition } from '../../../lib/config/load.js';
import { demoDefinition } from '../../../lib/demo/definition.js';

function problemsOf(data: unknown): string[] {
  try {
    validateDefinition(data, 'test.yaml');
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidDefinitionError);
    return (error as InvalidDefinitionError).problems.map(
      (p) => `${p.path}: ${JSON.stringify(p.received)} -> ${p.message}`,
    );
  }
  throw new Error('expected the definition to be refused');
}

const valid = () =>
  structuredClone(demoDefinition('data')) as Record<string, unknown> & ReturnType<typeof demoDefinition>;

describe('validateDefinition', () => {
  it('accepts the demo definition and fills in the defaults', () => {
    const def = validateDefinition(demoDefinition('data'));
    expect(def.window).toBe('P1D');
    expect(def.drift.bins).toBe(10);
    expect(def.drift.methods).toEqual({ numeric: 'psi', categorical: 'psi' });
    expect(def.drift.sizeAware).toBe(true);
    expect(def.predictions.partitionKey).toBe('dt');
  });

  it('lists every problem at once, each with its path, the value and what is allowed', () => {
    const def = valid();
    (def.model as Record<string, unknown>).task = 'binry';
    (def.features[0] as Record<string, unknown>).kind = 'num';
    (def.predictions as Record<string, unknown>).format = 'xlsx';
    def.window = '1 day';
    const problems = problemsOf(def);
    expect(problems).toEqual([
      'model.task: "binry" -> one of "binary", "multiclass", "regression"',
      'predictions.format: "xlsx" -> one of "parquet", "jsonl", "csv"',
      'features[0].kind: "num" -> one of "numeric", "categorical"',
      'window: "1 day" -> an ISO-8601 duration in weeks, days or hours, e.g. P7D, P2W, PT12H',
    ]);
  });

  it('refuses a column name that tries to break out of its quotes', () => {
    const def = valid();
    def.features[1] = { name: 'x" OR 1=1 --', kind: 'numeric' };
    expect(problemsOf(def)).toEqual([
      'features[1].name: "x\\" OR 1=1 --" -> a column name of letters, digits and underscores, not starting with a digit',
    ]);
  });

  it('names missing required fields and unknown fields', () => {
    const def = valid();
    delete (def.predictions as Record<string, unknown>).idColumn;
    (def as Record<string, unknown>).treshold = 0.2;
    const problems = problemsOf(def);
    expect(problems).toContain(
      'predictions.idColumn: undefined -> a value of type string (this field is required)',
    );
    expect(
      problems.some((p) => p.startsWith('(root): ["treshold"] -> no unknown field (remove "treshold"')),
    ).toBe(true);
  });

  it('checks the reference by its type', () => {
    const def = valid();
    def.reference = { type: 'range', from: '2026-10-10', to: '2026-10-01' };
    expect(problemsOf(def)).toEqual(['reference.to: "2026-10-01" -> from must not be after to']);
    def.reference = { type: 'rolling', windows: 0 } as never;
    expect(problemsOf(def)[0]).toMatch(/^reference\.windows: 0 -> /);
    def.reference = { type: 'yesterday' } as never;
    expect(problemsOf(def)[0]).toMatch(/^reference\.type: "yesterday" -> /);
  });

  it('refuses a label delay that is not an ISO-8601 duration', () => {
    const def = valid();
    def.labels!.delay = '7 days';
    expect(problemsOf(def)).toEqual([
      'labels.delay: "7 days" -> an ISO-8601 duration in weeks, days or hours, e.g. P7D, P2W, PT12H',
    ]);
  });

  it('refuses duplicate features and a binary model without score or prediction column', () => {
    const def = valid();
    def.features.push({ name: 'income', kind: 'categorical' });
    delete def.predictions.scoreColumn;
    delete def.predictions.predictionColumn;
    expect(problemsOf(def)).toEqual([
      'predictions.scoreColumn: undefined -> a score column (probability of the positive class) or a prediction column for a binary model',
      'features[9].name: "income" -> a name not already used by features[0] (each feature once)',
    ]);
  });

  it('refuses thresholds whose critical level is below the warning level', () => {
    const def = valid();
    def.drift = { thresholds: { psi: { warning: 0.3, critical: 0.1 } } };
    expect(problemsOf(def)).toEqual([
      'drift.thresholds.psi.critical: 0.1 -> critical must be at least warning',
    ]);
  });
});

describe('definitions that cannot work are refused at load', () => {
  it('refuses a window the jobs cannot serve: not whole days, or under a day', () => {
    for (const window of ['P0D', 'PT12H', 'PT36H', 'PT0H']) {
      const def = valid();
      def.window = window;
      expect(problemsOf(def)).toEqual([
        `window: "${window}" -> a whole number of days, at least one: P1D, P7D, P2W (or PT48H); windows shorter than a day or with part of a day are not served`,
      ]);
    }
    for (const window of ['P1D', 'P7D', 'P2W', 'PT48H']) {
      const def = valid();
      def.window = window;
      expect(validateDefinition(def).window).toBe(window);
    }
  });

  it('refuses a segment that is also a feature', () => {
    const def = valid();
    def.segments = ['region', 'income'];
    expect(problemsOf(def)).toEqual([
      'segments[1]: "income" -> a column that is not also a feature (it is features[0]): a segment splits the data, a feature is compared; remove it from one of the two lists',
    ]);
  });

  it('refuses a method that does not fit the kind, naming the methods that do', () => {
    const def = valid();
    def.drift = { methods: { numeric: 'ztest', categorical: 'ks' } };
    def.features[0] = { name: 'income', kind: 'numeric', method: 'chisquare' };
    expect(problemsOf(def)).toEqual([
      'drift.methods.numeric: "ztest" -> a method for numeric features: one of auto, psi, kl, jensenshannon, wasserstein, hellinger, ks, linf',
      'drift.methods.categorical: "ks" -> a method for categorical features: one of auto, psi, kl, jensenshannon, hellinger, chisquare, ztest, linf',
      'features[0].method: "chisquare" -> a method for a numeric feature: one of auto, psi, kl, jensenshannon, wasserstein, hellinger, ks, linf (or change features[0].kind)',
    ]);
  });

  it('refuses a primary metric the task does not compute, or that needs scores it lacks', () => {
    const def = valid();
    def.performance = { primaryMetric: 'rmse' };
    expect(problemsOf(def)).toEqual([
      'performance.primaryMetric: "rmse" -> a metric of a binary model: one of rocAuc, accuracy, f1, precision, recall, balancedAccuracy, averagePrecision, logLoss, brier, ece',
    ]);
    const unscored = valid();
    delete unscored.predictions.scoreColumn;
    unscored.predictions.predictionColumn = 'predicted';
    unscored.performance = { primaryMetric: 'rocAuc' };
    expect(problemsOf(unscored)).toEqual([
      'performance.primaryMetric: "rocAuc" -> a metric computed from the predicted labels (one of accuracy, f1, precision, recall, balancedAccuracy), or set predictions.scoreColumn: rocAuc needs scores',
    ]);
    const regression = valid();
    regression.model.task = 'regression';
    regression.predictions.predictionColumn = 'predicted';
    regression.performance = { primaryMetric: 'mae' };
    expect(validateDefinition(regression).performance.primaryMetric).toBe('mae');
  });

  it('refuses names Athena would refuse or merge: a model id starting with a digit, columns differing in case', () => {
    const def = valid();
    def.model.id = '2024-credit';
    expect(problemsOf(def)).toEqual([
      'model.id: "2024-credit" -> lowercase letters, digits and dashes, 1 to 63 characters, starting with a letter (it names Athena tables, which cannot start with a digit: e.g. credit-2024)',
    ]);
    const cased = valid();
    cased.segments = ['Income'];
    expect(problemsOf(cased)).toEqual([
      'segments[0]: "Income" -> a column name that differs from features[0].name ("income") in more than case: Athena and Glue ignore case, so both name one column',
    ]);
  });
});

describe('parseDefinition', () => {
  it('parses YAML and reports broken YAML as a problem, not a crash', () => {
    expect(parseDefinition(JSON.stringify(demoDefinition('data'))).model.id).toBe('credit-default');
    expect(() => parseDefinition('model: [unclosed', 'bad.yaml')).toThrow(
      /invalid monitor definition in bad\.yaml.*valid YAML or JSON/s,
    );
  });
});

describe('KPIs in the definition', () => {
  const kpi = (extra: Record<string, unknown> = {}) => ({
    name: 'approval_rate',
    aggregate: 'rate',
    column: 'approved',
    thresholds: { relative: 0.1 },
    direction: 'higher_is_better',
    ...extra,
  });

  it('accepts a KPI and fills in per and source', () => {
    const def = validateDefinition({ ...valid(), kpis: [kpi()] });
    expect(def.kpis[0]).toMatchObject({ per: 'prediction', source: 'predictions' });
  });

  it('names the field, the value and the fix for each bad KPI', () => {
    const problems = problemsOf({
      ...valid(),
      kpis: [
        kpi({ aggregate: 'median' }),
        kpi({ name: 'approval_rate', source: 'outcomes' }),
        kpi({ name: 'x', column: 'a"; DROP TABLE t; --' }),
        kpi({ name: 'y', thresholds: {} }),
        kpi({ name: 'z', where: { column: 'channel', operator: 'LIKE', value: 'w%' } }),
      ],
    });
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringContaining('kpis[0].aggregate: "median" -> one of "rate", "mean", "sum"'),
        expect.stringContaining('kpis[2].column: "a\\"; DROP TABLE t; --" -> a column name of letters'),
        expect.stringContaining('kpis[3].thresholds: {} -> at least one of relative or absolute'),
        expect.stringContaining('kpis[4].where.operator: "LIKE" -> one of "=", "!=", "<", "<=", ">", ">="'),
      ]),
    );
  });

  it('refuses duplicate names, outcome KPIs without outcomes and per-decision KPIs without a decision', () => {
    const regression = {
      ...valid(),
      model: { id: 'house', task: 'regression' },
      predictions: { ...valid().predictions, scoreColumn: undefined },
      labels: undefined,
      reference: { type: 'rolling', windows: 7 },
    };
    const problems = problemsOf({
      ...regression,
      kpis: [
        kpi({ source: 'outcomes', where: { column: 'approved', operator: '<', value: true } }),
        kpi({ per: 'positive_decision' }),
      ],
    });
    expect(problems).toEqual([
      "kpis[0].where.operator: \"<\" -> '=' or '!=' for a true / false value (a truth has no order)",
      'kpis[0].source: "outcomes" -> \'predictions\', or add an outcomes: log (location, idColumn, delay) for outcome KPIs',
      'kpis[1].name: "approval_rate" -> a name not already used by kpis[0] (it names the alert rule kpi:<name>)',
      'kpis[1].per: "positive_decision" -> \'prediction\': positive decisions need a binary model with a score or prediction column (this model is regression)',
    ]);
  });
});
