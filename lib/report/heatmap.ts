/**
 * The segment heatmap: one row per segment value; drift columns (the largest statistic/threshold
 * ratio, then each feature and the prediction) and, when labels exist, the performance gap of
 * the segment against overall. Every cell carries its number and a symbol, not only a colour.
 */
import type { TopLevelSpec } from 'vega-lite';
import type { DriftLevel, DriftResult } from '../jobs/drift-result.js';
import type { PerformanceResult } from '../jobs/performance-result.js';
import { LOWER_IS_BETTER } from '../metrics/direction.js';
import { BASE_CONFIG, PALETTE } from './chart.js';
import { formatNumber } from './format.js';
import { LEVEL_SYMBOL, thresholdRatio } from './status.js';

export type CellLevel = DriftLevel | 'too_small';

export interface DriftCell {
  segment: string;
  column: string;
  level: CellLevel;
  ratio: number | null;
  text: string;
}

export interface GapCell {
  segment: string;
  column: string;
  gap: number | null;
  /** The gap oriented so that negative is worse, for the colour. */
  badness: number | null;
  text: string;
  worst: boolean;
}

export const MAX_COLUMN = 'max ratio';

export function segmentLabel(segment: { column: string; value: string }): string {
  return `${segment.column} = ${segment.value}`;
}

function levelRank(level: CellLevel): number {
  return { critical: 0, warning: 1, insufficient_data: 2, none: 3, too_small: 4 }[level];
}

function driftCellText(level: CellLevel, ratio: number | null): string {
  if (level === 'too_small') return 'small';
  if (ratio === null) return LEVEL_SYMBOL.insufficient_data;
  const symbol = level === 'critical' || level === 'warning' ? `${LEVEL_SYMBOL[level]} ` : '';
  return `${symbol}${formatNumber(ratio, 2)}`;
}

/** Drift cells; `columns` fixes the feature order (the drift table's ranking). */
export function driftCells(drift: DriftResult, columns: readonly string[]): DriftCell[] {
  const cells: DriftCell[] = [];
  for (const segment of drift.segments) {
    const label = segmentLabel(segment);
    const features = [...segment.features, ...(segment.prediction ? [segment.prediction] : [])];
    let worst: DriftCell = {
      segment: label,
      column: MAX_COLUMN,
      level: 'insufficient_data',
      ratio: null,
      text: '',
    };
    for (const name of columns) {
      const f = features.find((x) => x.name === name);
      if (!f) continue;
      const level: CellLevel = segment.tooSmall ? 'too_small' : f.level;
      const ratio = thresholdRatio(f);
      const cell = { segment: label, column: name, level, ratio, text: driftCellText(level, ratio) };
      cells.push(cell);
      if (
        levelRank(level) < levelRank(worst.level) ||
        (levelRank(level) === levelRank(worst.level) && (ratio ?? -1) > (worst.ratio ?? -1))
      ) {
        worst = { ...cell, column: MAX_COLUMN };
      }
    }
    if (segment.tooSmall) worst = { ...worst, level: 'too_small', text: 'small' };
    cells.push(worst);
  }
  return cells;
}

/** A gap with three decimals and a real minus sign: `+0.004`, `−0.318`. */
function formatGap(gap: number | null): string {
  if (gap === null) return '–';
  const text = Math.abs(gap).toFixed(3);
  return gap > 0 ? `+${text}` : gap < 0 ? `−${text}` : text;
}

/** Performance gap cells for the primary metric; `asOf` names an earlier window the gaps come from. */
export function gapCells(performance: PerformanceResult, asOf?: string): GapCell[] {
  const metric = performance.primaryMetric;
  const flip = LOWER_IS_BETTER.has(metric) ? -1 : 1;
  const worst = performance.worstSegment;
  return performance.segments.map((s) => {
    const gap = s.gap[metric] ?? null;
    const isWorst = worst !== undefined && worst.column === s.column && worst.value === s.value;
    const text = s.tooSmall ? 'small' : `${isWorst ? '▼ ' : ''}${formatGap(gap)}`;
    return {
      segment: segmentLabel(s),
      column: `${metric} gap${asOf ? ` (${asOf})` : ''}`,
      gap,
      badness: s.tooSmall || gap === null ? null : gap * flip,
      text,
      worst: isWorst,
    };
  });
}

const CELL_W = 62;
const CELL_H = 24;
/** An empty column between the drift and the performance columns. */
const SPACER = ' ';

/**
 * One layered chart, so drift and performance columns share rows and the axis: drift cells are
 * coloured by level, gap cells by how much worse than overall (an independent colour scale).
 */
export function heatmapSpec(
  drift: readonly DriftCell[],
  gaps: readonly GapCell[],
  driftColumns: readonly string[],
): TopLevelSpec {
  const segments = [...new Set([...drift.map((c) => c.segment), ...gaps.map((c) => c.segment)])];
  const columns = [
    ...(drift.length ? [MAX_COLUMN, ...driftColumns] : []),
    ...(drift.length && gaps.length ? [SPACER] : []),
    ...(gaps.length ? [gaps[0]!.column] : []),
  ];
  const extent = gaps.reduce((m, g) => Math.max(m, Math.abs(g.badness ?? 0)), 0.01);
  const layers: object[] = [];
  if (drift.length) {
    layers.push({
      data: { values: drift },
      mark: { type: 'rect', stroke: 'white', strokeWidth: 1 },
      encoding: {
        color: {
          field: 'level',
          type: 'nominal',
          scale: {
            domain: ['none', 'warning', 'critical', 'insufficient_data', 'too_small'],
            range: [
              PALETTE.fillOk,
              PALETTE.fillWarning,
              PALETTE.fillCritical,
              PALETTE.fillUnknown,
              PALETTE.fillUnknown,
            ],
          },
          legend: null,
        },
      },
    });
  }
  if (gaps.length) {
    layers.push({
      // Too-small segments and undefined gaps sit at 0 (neutral); their text says why.
      data: { values: gaps.map((g) => ({ ...g, badness: g.badness ?? 0 })) },
      mark: { type: 'rect', stroke: 'white', strokeWidth: 1 },
      encoding: {
        color: {
          field: 'badness',
          type: 'quantitative',
          scale: {
            domain: [-extent, 0, extent],
            range: [PALETTE.fillCritical, '#f4f4f4', PALETTE.fillBetter],
          },
          legend: null,
        },
      },
    });
  }
  layers.push({
    data: {
      values: [...drift, ...gaps].map((c) => ({ segment: c.segment, column: c.column, text: c.text })),
    },
    mark: { type: 'text', fontSize: 11, color: PALETTE.ink },
    encoding: { text: { field: 'text' } },
  });
  return {
    config: BASE_CONFIG,
    title: {
      text: drift.length
        ? 'Drift: statistic / warning threshold per segment and feature'
        : 'Performance gap per segment',
      subtitle: `▲ critical  ◆ warning  ? unknown  small = too few rows${gaps.length ? '  ▼ worst performance gap' : ''}`,
    },
    width: CELL_W * columns.length,
    height: CELL_H * segments.length,
    encoding: {
      y: {
        field: 'segment',
        type: 'nominal',
        title: null,
        scale: { domain: segments },
        axis: { labelLimit: 220, domain: false, ticks: false, labelFontSize: 11 },
      },
      x: {
        field: 'column',
        type: 'nominal',
        scale: { domain: columns },
        axis: {
          orient: 'top',
          title: null,
          labelAngle: -45,
          labelAlign: 'left',
          labelBaseline: 'middle',
          labelLimit: 240,
          domain: false,
          ticks: false,
        },
      },
    },
    layer: layers,
    resolve: { scale: { color: 'independent' } },
  } as TopLevelSpec;
}
