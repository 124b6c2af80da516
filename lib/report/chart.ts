/**
 * Charts: vega-lite specs rendered to inline SVG at render time (no script, no network at view
 * time). Vega's warnings go to `onWarning` (silent by default: a report is no place for them;
 * the tests assert there are none). Every chart is an `role="img"` SVG with an `aria-label` and a `<title>`; its numbers are
 * also given in a data table beside it.
 */
import * as vega from 'vega';
import { type Config, compile, type TopLevelSpec } from 'vega-lite';
import { escapeHtml } from './escape.js';

/** Colours with at least 4.5:1 contrast on white for text and rules, paired with words and shapes. */
export const PALETTE = {
  ink: '#1a1a1a',
  muted: '#4d4d4d',
  grid: '#e3e3e3',
  current: '#2f62a8',
  reference: '#1a1a1a',
  critical: '#b3261e',
  warning: '#8a5300',
  ok: '#1e6b34',
  unknown: '#5f6b73',
  incident: '#6a1b9a',
  /** Cell fills (dark text sits on them). */
  fillCritical: '#f5b5b0',
  fillWarning: '#fcd98b',
  fillOk: '#e4efe6',
  fillUnknown: '#dcdfe2',
  fillBetter: '#c6dcf5',
} as const;

export const FONT = 'DejaVu Sans, Liberation Sans, Arial, Helvetica, sans-serif';

/** The configuration every chart shares: static, light, no ARIA noise inside the image. */
export const BASE_CONFIG: Config = {
  aria: false,
  background: 'white',
  font: FONT,
  view: { stroke: null },
  axis: {
    labelColor: PALETTE.ink,
    titleColor: PALETTE.ink,
    domainColor: PALETTE.muted,
    tickColor: PALETTE.muted,
    gridColor: PALETTE.grid,
    labelFontSize: 11,
    titleFontSize: 11,
    titleFontWeight: 'normal',
  },
  title: {
    color: PALETTE.ink,
    fontSize: 12,
    subtitleColor: PALETTE.muted,
    subtitleFontSize: 11,
    anchor: 'start',
  },
  legend: { labelColor: PALETTE.ink, titleColor: PALETTE.ink, labelFontSize: 11 },
};

export interface ChartText {
  /** A short title, shown as the SVG's `<title>`. */
  title: string;
  /** What the chart shows and what stands out, read by screen readers (`aria-label`). */
  description: string;
}

/** A short, deterministic hash (FNV-1a) so ids are unique per chart and stable across runs. */
function shortHash(text: string): string {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return (hash >>> 0).toString(36);
}

/**
 * Renders a vega-lite spec to an accessible, self-contained SVG string. Element ids are prefixed
 * so several charts can share one page.
 */
export async function renderChart(
  spec: TopLevelSpec,
  text: ChartText,
  onWarning: (message: string) => void = () => {},
): Promise<string> {
  const logger = vega.logger(vega.Warn);
  const report = (...args: readonly unknown[]) => {
    onWarning(args.map(String).join(' '));
    return logger;
  };
  Object.assign(logger, { warn: report, error: report });
  const vegaSpec = compile(spec, { logger }).spec;
  const view = new vega.View(vega.parse(vegaSpec), { renderer: 'none', logger });
  let svg: string;
  try {
    svg = await view.toSVG();
  } finally {
    view.finalize();
  }
  const prefix = `dw${shortHash(svg)}-`;
  svg = svg.replace(/\bid="([^"]+)"/g, `id="${prefix}$1"`).replace(/url\(#([^)]+)\)/g, `url(#${prefix}$1)`);
  const label = escapeHtml(text.description);
  return svg.replace(
    /^<svg\b([^>]*)>/,
    (_match, attributes: string) =>
      `<svg${attributes} role="img" aria-label="${label}" focusable="false"><title>${escapeHtml(text.title)}</title><desc>${label}</desc>`,
  );
}
