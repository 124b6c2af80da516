/** Trend charts: the drift statistic per feature over time, and volume / performance over time. */
import type { TopLevelSpec } from 'vega-lite';
import type { DriftLevel, DriftResult, FeatureDrift } from '../jobs/drift-result.js';
import { BASE_CONFIG, PALETTE } from './chart.js';
import { LEVEL_SYMBOL, LEVEL_WORD } from './status.js';
import type { ReportIncident } from './types.js';

export const DATE_AXIS = {
  format: '%b %d',
  title: null,
  tickCount: 5,
  labelOverlap: true,
  grid: false,
} as const;

const LEVEL_SCALE = {
  color: {
    domain: ['none', 'warning', 'critical', 'insufficient_data'],
    range: [PALETTE.ok, PALETTE.warning, PALETTE.critical, PALETTE.unknown],
  },
  shape: {
    domain: ['none', 'warning', 'critical', 'insufficient_data'],
    range: ['circle', 'diamond', 'triangle-up', 'cross'],
  },
} as const;

/** A vertical rule and a small flag at each incident's window start. */
export function incidentLayers(incidents: readonly ReportIncident[], dates: readonly string[]): object[] {
  const first = dates[0];
  const last = dates[dates.length - 1];
  const values = incidents
    .filter((i) => first !== undefined && last !== undefined && i.openedAt >= first && i.openedAt <= last)
    .map((i) => ({ date: i.openedAt, severity: i.severity }));
  if (values.length === 0) return [];
  const x = { field: 'date', type: 'temporal', scale: { type: 'utc' } };
  return [
    {
      data: { values },
      mark: { type: 'rule', color: PALETTE.incident, strokeWidth: 1.5, strokeDash: [2, 2] },
      encoding: { x },
    },
    // The label twice: a white outline first, so it stays readable over bars and lines.
    ...[{ color: 'white', stroke: 'white', strokeWidth: 3 }, { color: PALETTE.incident }].map((style) => ({
      data: { values },
      mark: { type: 'text', ...style, align: 'left', baseline: 'top', dx: 3, dy: 1, fontSize: 10 },
      encoding: { x, y: { value: 0 }, text: { value: 'incident' } },
    })),
  ];
}

/** Dashed threshold rules with their names written at the right end (not colour alone). */
function thresholdLayers(rules: { label: string; value: number; color: string }[], width: number): object[] {
  return rules.map((rule) => ({
    data: { values: [{ value: rule.value, label: `${rule.label} ${rule.value}` }] },
    layer: [
      {
        mark: { type: 'rule', color: rule.color, strokeDash: [5, 3], strokeWidth: 1.5 },
        encoding: { y: { field: 'value', type: 'quantitative' } },
      },
      {
        mark: { type: 'text', color: rule.color, align: 'right', baseline: 'bottom', dy: -2, fontSize: 10 },
        encoding: {
          y: { field: 'value', type: 'quantitative' },
          x: { value: width },
          text: { field: 'label' },
        },
      },
    ],
  }));
}

export interface FeatureTrend {
  name: string;
  method: string;
  threshold: number;
  criticalThreshold: number;
  level: DriftLevel | undefined;
  points: { date: string; statistic: number; level: DriftLevel }[];
}

/** One trend per feature (and the prediction), in `order`, from every window that has it. */
export function featureTrends(series: readonly DriftResult[], order: readonly string[]): FeatureTrend[] {
  const trends = new Map<string, FeatureTrend>();
  for (const name of order) {
    trends.set(name, { name, method: '', threshold: 0, criticalThreshold: 0, level: undefined, points: [] });
  }
  for (const result of series) {
    if (result.status !== 'ok') continue;
    const features: FeatureDrift[] = [...result.features, ...(result.prediction ? [result.prediction] : [])];
    for (const f of features) {
      let trend = trends.get(f.name);
      if (!trend) {
        trend = {
          name: f.name,
          method: '',
          threshold: 0,
          criticalThreshold: 0,
          level: undefined,
          points: [],
        };
        trends.set(f.name, trend);
      }
      // The latest window's settings win: thresholds are drawn as they are now.
      Object.assign(trend, {
        method: f.method,
        threshold: f.threshold,
        criticalThreshold: f.criticalThreshold,
        level: f.level,
      });
      if (f.statistic !== null)
        trend.points.push({ date: result.window.start, statistic: f.statistic, level: f.level });
    }
  }
  return [...trends.values()].filter((t) => t.points.length > 0);
}

export const TREND_WIDTH = 250;
const TREND_HEIGHT = 100;

function featurePanel(
  trend: FeatureTrend,
  incidents: readonly ReportIncident[],
  dates: readonly string[],
): object {
  const top = trend.points.reduce((m, p) => Math.max(m, p.statistic), Number.NEGATIVE_INFINITY);
  const rules: { label: string; value: number; color: string }[] = [
    { label: 'warning', value: trend.threshold, color: PALETTE.warning },
  ];
  if (top >= trend.threshold)
    rules.push({ label: 'critical', value: trend.criticalThreshold, color: PALETTE.critical });
  const x = {
    field: 'date',
    type: 'temporal',
    scale: { type: 'utc', domain: [dates[0], dates[dates.length - 1]] },
    axis: DATE_AXIS,
  };
  const y = {
    field: 'statistic',
    type: 'quantitative',
    title: trend.method,
    axis: { tickCount: 3, grid: true },
  };
  return {
    title: {
      text: trend.name,
      ...(trend.level ? { subtitle: `now: ${LEVEL_SYMBOL[trend.level]} ${LEVEL_WORD[trend.level]}` } : {}),
    },
    width: TREND_WIDTH,
    height: TREND_HEIGHT,
    layer: [
      {
        data: { values: trend.points },
        layer: [
          { mark: { type: 'line', color: PALETTE.current, strokeWidth: 1.5 }, encoding: { x, y } },
          {
            mark: { type: 'point', filled: true, size: 30, opacity: 1 },
            encoding: {
              x,
              y,
              color: { field: 'level', type: 'nominal', scale: LEVEL_SCALE.color, legend: null },
              shape: { field: 'level', type: 'nominal', scale: LEVEL_SCALE.shape, legend: null },
            },
          },
        ],
      },
      ...thresholdLayers(rules, TREND_WIDTH),
      ...incidentLayers(incidents, dates),
    ],
  };
}

/** Small multiples, three per row, most severe feature first. */
export function driftTrendSpec(
  trends: readonly FeatureTrend[],
  incidentsOf: (trend: FeatureTrend) => readonly ReportIncident[],
  dates: readonly string[],
): TopLevelSpec {
  return {
    config: BASE_CONFIG,
    columns: 3,
    spacing: 28,
    concat: trends.map((t) => featurePanel(t, incidentsOf(t), dates)),
  } as TopLevelSpec;
}
