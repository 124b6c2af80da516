/** Volume, the primary performance metric and label coverage over time. */
import type { TopLevelSpec } from 'vega-lite';
import type { DriftResult } from '../jobs/drift-result.js';
import type { PerformanceResult } from '../jobs/performance-result.js';
import { BASE_CONFIG, PALETTE } from './chart.js';
import { incidentLayers } from './trends.js';
import type { ReportIncident } from './types.js';

/** One trend panel's plot size (px). */
export const PANEL_WIDTH = 250;
export const PANEL_HEIGHT = 110;
const WIDTH = PANEL_WIDTH;
const HEIGHT = PANEL_HEIGHT;

export interface VolumePoint {
  date: string;
  rows: number;
  expected: number | null;
}

export interface MetricPoint {
  date: string;
  value: number | null;
  coverage: number;
  /** Not final: labels are still arriving (not mature) or none arrived. */
  provisional: boolean;
  status: PerformanceResult['status'];
}

/** Rows per window from the drift results; the performance results' volume where drift is absent. */
export function volumePoints(
  drift: readonly DriftResult[],
  performance: readonly PerformanceResult[],
): VolumePoint[] {
  const byDate = new Map<string, VolumePoint>();
  for (const p of performance)
    byDate.set(p.window.start, { date: p.window.start, rows: p.operational.volume, expected: null });
  for (const d of drift) {
    byDate.set(d.window.start, {
      date: d.window.start,
      rows: d.rows,
      expected: d.quality.volume.expected ?? null,
    });
  }
  return [...byDate.values()].sort((a, b) => (a.date < b.date ? -1 : 1));
}

export function metricPoints(performance: readonly PerformanceResult[], metric: string): MetricPoint[] {
  return performance.map((p) => ({
    date: p.window.start,
    value: p.overall.metrics[metric] ?? null,
    coverage: p.overall.coverage,
    provisional: p.status !== 'ok' || !p.maturity.mature,
    status: p.status,
  }));
}

/** The shared time axis of the trend panels, fixed to `dates`. */
export function xFor(dates: readonly string[]) {
  return {
    field: 'date',
    type: 'temporal',
    scale: { type: 'utc', domain: [dates[0], dates[dates.length - 1]] },
    axis: { format: '%b %d', title: null, tickCount: 5, labelOverlap: true, grid: false },
  };
}

function volumePanel(
  points: readonly VolumePoint[],
  incidents: readonly ReportIncident[],
  dates: readonly string[],
) {
  const x = xFor(dates);
  const withExpected = points.filter((p) => p.expected !== null);
  return {
    title: { text: 'Volume', subtitle: 'predictions per window; dashed: expected' },
    width: WIDTH,
    height: HEIGHT,
    layer: [
      {
        data: { values: points },
        mark: { type: 'bar', color: PALETTE.current, width: { band: 0.7 } },
        encoding: {
          x: { ...x, timeUnit: 'utcyearmonthdate', bandPosition: 0 },
          y: { field: 'rows', type: 'quantitative', title: 'rows', axis: { tickCount: 3, format: ',.0f' } },
        },
      },
      ...(withExpected.length
        ? [
            {
              data: { values: withExpected },
              mark: {
                type: 'line',
                color: PALETTE.ink,
                strokeDash: [4, 3],
                strokeWidth: 1.5,
                interpolate: 'step-after',
              },
              encoding: { x, y: { field: 'expected', type: 'quantitative' } },
            },
          ]
        : []),
      ...incidentLayers(incidents, dates),
    ],
  };
}

/** A dashed horizontal rule at the reference value, labelled at the right end (`width`). */
export function referenceLayer(reference: number, width: number, label = 'reference'): object {
  return {
    data: { values: [{ value: reference, label: `${label} ${reference.toFixed(3)}` }] },
    layer: [
      {
        mark: { type: 'rule', color: PALETTE.ink, strokeDash: [5, 3] },
        encoding: { y: { field: 'value', type: 'quantitative' } },
      },
      {
        mark: { type: 'text', color: PALETTE.ink, align: 'right', baseline: 'bottom', dy: -2, fontSize: 10 },
        encoding: {
          y: { field: 'value', type: 'quantitative' },
          x: { value: width },
          text: { field: 'label' },
        },
      },
    ],
  };
}

function metricPanel(
  title: string,
  subtitle: string,
  field: 'value' | 'coverage',
  points: readonly MetricPoint[],
  reference: number | undefined,
  incidents: readonly ReportIncident[],
  dates: readonly string[],
) {
  const x = xFor(dates);
  const y = {
    field,
    type: 'quantitative',
    title: null,
    scale: { zero: false },
    axis: { tickCount: 3, ...(field === 'coverage' ? { format: '.0%' } : {}) },
  };
  const defined = points.filter((p) => p[field] !== null);
  if (defined.length === 0) {
    return {
      title: { text: title, subtitle: 'no defined value in these windows' },
      width: WIDTH,
      height: HEIGHT,
      data: { values: [{}] },
      mark: { type: 'text', color: PALETTE.muted, fontSize: 11 },
      encoding: { text: { value: 'not defined yet' } },
    };
  }
  return {
    title: { text: title, subtitle },
    width: WIDTH,
    height: HEIGHT,
    layer: [
      {
        data: { values: defined },
        mark: { type: 'line', color: PALETTE.current, strokeWidth: 1.5 },
        encoding: { x, y },
      },
      // Final points filled, provisional ones hollow; an empty layer is left out (vega warns on it).
      ...[true, false]
        .map((final) => ({ final, values: defined.filter((p) => p.provisional !== final) }))
        .filter(({ values }) => values.length > 0)
        .map(({ final, values }) => ({
          data: { values },
          mark: {
            type: 'point',
            filled: final,
            color: PALETTE.current,
            size: 30,
            strokeWidth: 1.5,
            opacity: 1,
          },
          encoding: { x, y },
        })),
      ...(reference !== undefined ? [referenceLayer(reference, WIDTH)] : []),
      ...incidentLayers(incidents, dates),
    ],
  };
}

export interface PerformanceTrendInput {
  volume: readonly VolumePoint[];
  volumeIncidents: readonly ReportIncident[];
  /** Present when performance results exist. */
  metric?: {
    name: string;
    points: readonly MetricPoint[];
    reference: number | undefined;
    incidents: readonly ReportIncident[];
  };
  dates: readonly string[];
}

export function performanceTrendSpec(input: PerformanceTrendInput): TopLevelSpec {
  const panels: object[] = [];
  if (input.volume.length) panels.push(volumePanel(input.volume, input.volumeIncidents, input.dates));
  if (input.metric) {
    const { name, points, reference, incidents } = input.metric;
    panels.push(
      metricPanel(
        name,
        'overall; hollow points are provisional',
        'value',
        points,
        reference,
        incidents,
        input.dates,
      ),
      metricPanel(
        'Label coverage',
        'labelled share of predictions',
        'coverage',
        points,
        undefined,
        incidents,
        input.dates,
      ),
    );
  }
  return { config: BASE_CONFIG, columns: 3, spacing: 28, concat: panels } as TopLevelSpec;
}
