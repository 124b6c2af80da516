/** Number formatting and small HTML building blocks shared by the report's sections. */
import { escapeHtml } from './escape.js';

/** A number with `digits` significant digits, `–` for null/undefined/NaN. */
export function formatNumber(value: number | null | undefined, digits = 3): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '–';
  if (value === 0) return '0';
  const magnitude = Math.abs(value);
  if (magnitude >= 10 ** digits) return Math.round(value).toLocaleString('en-US');
  if (magnitude < 1e-4) return value.toExponential(digits - 1);
  return Number(value.toPrecision(digits)).toString();
}

/** A share (0..1) as a percentage, `–` when absent. */
export function formatPercent(value: number | null | undefined, digits = 1): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '–';
  return `${(value * 100).toFixed(digits)}%`;
}

/** A signed difference, with a real minus sign. */
export function formatSigned(value: number | null | undefined, digits = 3): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '–';
  const text = formatNumber(Math.abs(value), digits);
  return value > 0 ? `+${text}` : value < 0 ? `−${text}` : text;
}

/** An integer count with thousands separators. */
export function formatCount(value: number | null | undefined): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '–';
  return Math.round(value).toLocaleString('en-US');
}

/** A cell is raw HTML (already escaped) when wrapped with `html()`; anything else is escaped text. */
export interface HtmlFragment {
  readonly html: string;
}

export function html(fragment: string): HtmlFragment {
  return { html: fragment };
}

export type Cell = string | number | HtmlFragment;

function cellHtml(cell: Cell): string {
  if (typeof cell === 'number') return escapeHtml(formatNumber(cell));
  if (typeof cell === 'string') return escapeHtml(cell);
  return cell.html;
}

/** A plain data table with a caption and column headers (the text alternative of a chart). */
export function dataTable(
  caption: string,
  headers: readonly string[],
  rows: readonly (readonly Cell[])[],
): string {
  const head = headers.map((h) => `<th scope="col">${escapeHtml(h)}</th>`).join('');
  const body = rows
    .map(
      (row) =>
        `<tr>${row.map((cell, i) => (i === 0 ? `<th scope="row">${cellHtml(cell)}</th>` : `<td>${cellHtml(cell)}</td>`)).join('')}</tr>`,
    )
    .join('\n');
  return `<table class="data"><caption>${escapeHtml(caption)}</caption><thead><tr>${head}</tr></thead><tbody>\n${body}\n</tbody></table>`;
}

/** A collapsed data table under a chart: readable by screen readers and by anyone who wants numbers. */
export function chartDataDetails(
  summary: string,
  headers: readonly string[],
  rows: readonly (readonly Cell[])[],
): string {
  return `<details class="chart-data"><summary>${escapeHtml(summary)}</summary>${dataTable(summary, headers, rows)}</details>`;
}
