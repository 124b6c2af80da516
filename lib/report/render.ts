/**
 * `renderReport`: one self-contained HTML page for a model and a window. Pure: data in, one
 * string out; charts are rendered to inline SVG here, so the page loads nothing at view time.
 */
import { performanceDisplay } from '../alerts/late-display.js';
import { driftSection, rankedRows } from './drift-section.js';
import { escapeHtml } from './escape.js';
import { estimateSection } from './estimate-section.js';
import { header } from './header.js';
import { driftSeries, evaluatedPerformance, performanceSeries } from './history.js';
import { incidentsSection } from './incidents-section.js';
import { kpiSection } from './kpi-section.js';
import { performanceSection } from './performance-section.js';
import { qualitySection } from './quality-section.js';
import { linksSection, segmentsSection, trendsSection } from './sections.js';
import { sloSection } from './slo-section.js';
import { overallStatus } from './status.js';
import { REPORT_CSS } from './styles.js';
import type { ReportInput } from './types.js';

/** Renders the report; every string from data is escaped, every chart has a text alternative. */
export async function renderReport(input: ReportInput): Promise<string> {
  const incidents = input.incidents ?? [];
  const status = overallStatus(input.drift, incidents);
  const drift = driftSeries(input);
  const performance = performanceSeries(input);
  const evaluated = evaluatedPerformance(performance);
  // Whether the latest matured window's labels are late (the performance job's recheck rule).
  const lateLabels = performanceDisplay(
    performance.filter((p) => p.status === 'ok' || p.status === 'no_labels'),
    input.labelRecheckDays,
  );
  const featureOrder =
    input.drift && input.drift.status === 'ok' ? rankedRows(input.drift).map((f) => f.name) : [];
  const kpiHtml = await kpiSection(input.kpiHistory, input.outcomeRecheckDays);
  const estimatedHtml = await estimateSection(input.estimated, input.window.start, input.labelDelayDays);
  const [driftHtml, trendsHtml, segmentsHtml] = [
    await driftSection(input.drift),
    await trendsSection(drift, performance, featureOrder, incidents),
    await segmentsSection(input.drift, evaluated ?? input.performance, input.window.start, featureOrder),
  ];
  const title = `${input.model.id} · ${input.window.start} · ${status.replace('_', ' ')} · driftwatch report`;
  const links = input.links ?? [];
  const toc = [
    ['drift', 'Feature drift'],
    ['performance', 'Performance'],
    ...(estimatedHtml ? [['estimated', 'Estimated performance']] : []),
    ...(input.slo ? [['slo', 'SLOs']] : []),
    ['trends', 'Trends'],
    ['segments', 'Segments'],
    ...(kpiHtml ? [['kpis', 'Business KPIs']] : []),
    ['quality', 'Data quality'],
    ['incidents', 'Incidents'],
    ...(links.length ? [['links', 'Links']] : []),
  ]
    .map(([id, label]) => `<li><a href="#${id}">${label}</a></li>`)
    .join('');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="driftwatch">
<title>${escapeHtml(title)}</title>
<style>${REPORT_CSS}</style>
</head>
<body>
<a class="skip" href="#main">Skip to the findings</a>
<div class="page">
${header(input, status, evaluated)}
<nav class="toc" aria-label="Sections"><ul>${toc}</ul></nav>
<main id="main">
${driftHtml}
${performanceSection(input.performance, evaluated, lateLabels)}
${estimatedHtml}
${await sloSection(input.slo)}
${trendsHtml}
${segmentsHtml}
${kpiHtml}
${qualitySection(input.drift)}
${incidentsSection(input.reliability)}
${linksSection(links)}
</main>
<footer><p>Generated ${escapeHtml(input.generatedAt)} by driftwatch${input.drift ? ` · drift engine ${escapeHtml(input.drift.engine.name)}, ${input.drift.engine.queries} queries · result schema v${input.drift.schemaVersion}` : ''}. Self-contained: this page loads nothing from the network.</p></footer>
</div>
</body>
</html>
`;
}
