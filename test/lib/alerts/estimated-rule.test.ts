/**
 * The `estimated-performance` rule: off by default; when enabled, an estimated drop beyond the
 * estimate's band opens an incident (after the usual confirmation) days before the labels could;
 * a drop inside the band, or an estimate found invalid, does not.
 */
import { describe, expect, it } from 'vitest';
import { evaluatePolicy } from '../../../lib/alerts/policy.js';
import { resolveRules } from '../../../lib/alerts/rules.js';
import { resolveAlertSettings } from '../../../lib/alerts/settings.js';
import type { EstimatedGroup, EstimatedResult } from '../../../lib/jobs/estimate.js';
import { windowFor } from '../../../lib/jobs/windows.js';
import { days, driftResult, makeDefinition } from './fixtures.js';

const START = '2026-10-01';

function group(rocAuc: number, se: number): EstimatedGroup {
  const m = (value: number) => ({
    value,
    standardError: se,
    lower: value - 1.96 * se,
    upper: value + 1.96 * se,
  });
  return {
    predictions: 5000,
    estimated: 5000,
    unsupported: 0,
    invalidScores: 0,
    expectedConfusion: { tp: 1, fp: 1, tn: 1, fn: 1 },
    metrics: { accuracy: m(0.85), precision: m(0.7), recall: m(0.6), f1: m(0.65), rocAuc: m(rocAuc) },
  };
}

function estimated(date: string, rocAuc: number, se = 0.005, valid?: boolean): EstimatedResult {
  const definition = makeDefinition();
  return {
    schemaVersion: 1,
    kind: 'estimated',
    estimated: true,
    method: 'cbpe',
    model: definition.model.id,
    window: windowFor(definition, date),
    generatedAt: `${date}T02:00:00Z`,
    status: 'ok',
    threshold: 0.5,
    band: { z: 1.96, level: 0.95, includes: '' },
    calibration: { key: 'k', fittedAt: '', rows: 1, positives: 1, method: 'isotonic', cells: 1000 },
    overall: group(rocAuc, se),
    segments: [],
    reference: group(0.86, 0.002),
    ...(valid === undefined ? {} : { valid }),
    findings: [],
    engine: { name: 'duckdb', queries: 1, bytesScanned: 0, millis: 0 },
  };
}

function run(alerts: NonNullable<Parameters<typeof makeDefinition>[0]>['alerts'], series: EstimatedResult[]) {
  const definition = makeDefinition({ alerts });
  let state: ReturnType<typeof evaluatePolicy>['state'] | undefined;
  const decisions: string[] = [];
  for (const e of series) {
    const date = e.window.start;
    const out = evaluatePolicy({
      definition,
      window: windowFor(definition, date),
      now: new Date(`${date}T06:00:00Z`),
      drift: [{ window: date, result: driftResult(date) }],
      performance: [],
      estimated: series.filter((x) => x.window.start <= date),
      ...(state ? { state } : {}),
    });
    state = out.state;
    for (const d of out.decisions)
      if (d.incident.ruleId === 'estimated-performance')
        decisions.push(`${date} ${d.type} ${d.incident.level}`);
  }
  return decisions;
}

describe('the estimated-performance rule', () => {
  const drop = days(START, 4).map((d, i) => estimated(d, i < 1 ? 0.86 : 0.74));

  it('is off by default: an estimated drop opens nothing', () => {
    expect(
      resolveRules(resolveAlertSettings(undefined), 'm').find((r) => r.id === 'estimated-performance')
        ?.enabled,
    ).toBe(false);
    expect(run(undefined, drop)).toEqual([]);
  });

  it('when enabled, opens on an estimated drop of 0.12 ROC-AUC beyond the band (critical: 0.10 below the reference)', () => {
    const decisions = run({ rules: { 'estimated-performance': { enabled: true } } }, drop);
    expect(decisions).toEqual(['2026-10-03 opened critical']);
  });

  it('does not open on a drop the band does not exclude, nor on an estimate found invalid', () => {
    const noisy = days(START, 4).map((d) => estimated(d, 0.8, 0.02)); // upper 0.839: 0.021 below
    expect(run({ rules: { 'estimated-performance': { enabled: true } } }, noisy)).toEqual([]);
    const invalid = days(START, 4).map((d) => estimated(d, 0.74, 0.005, false));
    expect(run({ rules: { 'estimated-performance': { enabled: true } } }, invalid)).toEqual([]);
  });
});
