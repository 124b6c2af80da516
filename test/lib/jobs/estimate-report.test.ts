/**
 * Estimated performance in the HTML report and the daily digest (issue #17), from results stored by
 * the real jobs on DuckDB: a generated world (lib/demo/world.ts) whose outcome stops following the
 * score in region=west, the estimate job each morning, one window whose scores were replaced by
 * logits (refused), and the performance job once two windows' labels matured (realized values and
 * the calibration check attached). The rendered text is compared with the numbers in the stored
 * estimate documents.
 */
import { readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DuckDbQueryEngine } from '../../../lib/adapters/duckdb-engine.js';
import { renderDigest } from '../../../lib/alerts/digest.js';
import { fmt } from '../../../lib/alerts/observe.js';
import { type LocalContext, localContext } from '../../../lib/cli/context.js';
import { validateDefinition } from '../../../lib/config/load.js';
import type { MonitorDefinition } from '../../../lib/config/schema.js';
import { generateWorld, WORLD_DEFAULTS, worldDefinition } from '../../../lib/demo/world.js';
import { runDigest } from '../../../lib/jobs/alerts.js';
import { type EstimatedResult, runEstimate } from '../../../lib/jobs/estimate.js';
import { runPerformance } from '../../../lib/jobs/performance.js';
import { runReport } from '../../../lib/jobs/report-job.js';
import { resultKeys, shiftDate, windowFor } from '../../../lib/jobs/windows.js';
import { renderChart } from '../../../lib/report/chart.js';
import { escapeHtml } from '../../../lib/report/escape.js';
import { estimateTrendSpec } from '../../../lib/report/estimate-section.js';
import { formatCount, formatNumber } from '../../../lib/report/format.js';
import { loadReportInput } from '../../../lib/report/load.js';
import { renderReport } from '../../../lib/report/render.js';
import { quoteString } from '../../../lib/sql/identifiers.js';
import { tempDir } from '../../helpers/temp.js';
import { RecordingNotifier } from '../alerts/fixtures.js';
import { HOSTILE } from '../report/fixtures.js';

const DAYS = 9;
const REFUSED = 8;
const MATURED = 2;
const day = (n: number) => shiftDate(WORLD_DEFAULTS.startDate, n - 1);
const morning = (n: number, hour = 2) => ({ now: () => new Date(`${day(n + 1)}T0${hour}:00:00Z`) });

let dir: { path: string; cleanup: () => Promise<void> };
let definition: MonitorDefinition;
let context: LocalContext;

beforeAll(async () => {
  dir = await tempDir();
  const generator = await DuckDbQueryEngine.create();
  try {
    await generateWorld(generator, {
      ...WORLD_DEFAULTS,
      seed: 21,
      outDir: dir.path,
      task: 'binary',
      days: DAYS,
      rowsPerDay: 3000,
      referenceRows: 10_000,
      changes: [{ kind: 'segment_concept_drift', segment: { column: 'region', value: 'west' }, day: 1 }],
    });
    // Window REFUSED logs logits instead of probabilities: most scores fall outside [0, 1].
    const folder = join(dir.path, 'data', 'predictions', `dt=${day(REFUSED)}`);
    const files = (await readdir(folder)).filter((f) => f.endsWith('.parquet'));
    const sources = files.map((f) => quoteString(join(folder, f))).join(', ');
    await generator.execute(
      `COPY (SELECT * REPLACE (ln(score / (1 - score)) AS score) FROM read_parquet([${sources}])) TO ${quoteString(join(folder, 'logits.parquet'))} (FORMAT parquet)`,
    );
    for (const f of files) await rm(join(folder, f));
  } finally {
    await generator.close();
  }
  definition = validateDefinition(worldDefinition('binary', 'data'), `${dir.path}/driftwatch.yaml`);
  context = await localContext(definition, { baseDir: dir.path, outDir: dir.path });
  for (let d = 1; d <= DAYS; d++) await runEstimate({ ...context.deps, clock: morning(d) }, day(d));
  // The morning after the last window: windows 1 and 2 have matured (7-day label delay).
  for (let d = 1; d <= MATURED; d++)
    await runPerformance({ ...context.deps, clock: morning(DAYS, 3) }, day(d));
}, 600_000);

afterAll(async () => {
  await context?.close();
  await dir?.cleanup();
});

async function stored(n: number): Promise<EstimatedResult> {
  const doc = await context.deps.store.getJson<EstimatedResult>(
    resultKeys.result(definition.model.id, 'estimated', windowFor(definition, day(n))),
  );
  expect(doc, `estimate of window ${n}`).toBeDefined();
  return doc!;
}

async function report(n: number): Promise<string> {
  return renderReport(
    await loadReportInput(context.deps.store, definition, windowFor(definition, day(n)), {
      clock: morning(DAYS, 4),
    }),
  );
}

function section(html: string, id: string): string {
  const start = html.indexOf(`<section id="${id}"`);
  expect(start, `section ${id}`).toBeGreaterThanOrEqual(0);
  return html.slice(start, html.indexOf('</section>', start));
}

/** An error as the report writes it: three decimals, a real minus sign. */
const formatError = (x: number | null) => {
  if (x === null) return '–';
  const v = Number(x.toFixed(3));
  return v === 0 ? '0' : `${v > 0 ? '+' : '−'}${Math.abs(v)}`;
};

const band = (m: { lower: number | null; upper: number | null }) =>
  `${formatNumber(m.lower)}–${formatNumber(m.upper)}`;

describe('estimated performance in the report (real estimates on DuckDB)', () => {
  it('shows the pending window estimated (no labels yet) with its band, stable level and label due date', async () => {
    const latest = await stored(DAYS);
    expect(latest.status).toBe('ok');
    expect(latest.realized).toBeUndefined();
    const html = await report(DAYS);
    expect(html).toContain('<li><a href="#estimated">Estimated performance</a></li>');
    // At a glance, in the header.
    expect(html).toContain(
      `<dt>Estimated accuracy</dt><dd>${formatNumber(latest.overall.metrics.accuracy.value)} <span class="muted">(band ${band(latest.overall.metrics.accuracy)}, no labels yet)</span></dd>`,
    );
    const s = section(html, 'estimated');
    const acc = latest.overall.metrics.accuracy;
    const due = shiftDate(latest.window.end, 7);
    expect(s).toContain(
      `Window ${day(DAYS)}: estimated accuracy ${formatNumber(acc.value)} (band ${band(acc)}), stable ${formatNumber(latest.reference!.metrics.accuracy.value)}; estimated (no labels yet); labels due ${due}.`,
    );
    // The metrics table: every estimated metric with its band; realized not yet.
    const auc = latest.overall.metrics.rocAuc;
    expect(s).toContain(
      `<th scope="row">ROC-AUC</th><td class="num">${formatNumber(auc.value)}</td><td class="num">${band(auc)}</td><td class="num">${formatNumber(latest.reference!.metrics.rocAuc.value)}</td><td class="num"><span class="muted">labels due ${due}</span></td>`,
    );
    for (const label of ['precision', 'recall', 'F1']) expect(s).toContain(`<th scope="row">${label}</th>`);
    // Per segment.
    const north = latest.segments.find((x) => x.column === 'region' && x.value === 'north')!;
    expect(s).toContain(
      `<th scope="row" class="feature">region = north</th><td class="num">${formatCount(north.predictions)}</td><td class="num">${formatNumber(north.metrics.accuracy.value)}</td><td class="num">${band(north.metrics.accuracy)}</td>`,
    );
    // The chart: accessible, with its data table (matured windows carry realized and error).
    expect(s).toMatch(
      /<svg[^>]*role="img"[^>]*aria-label="Estimated accuracy and ROC-AUC with their 95% bands over 9 windows/,
    );
    const first = await stored(1);
    const r1 = first.realized!.overall;
    expect(s).toContain(
      `<tr><th scope="row">${day(1)}</th><td>labels matured${first.valid === false ? ': estimates NOT VALID' : ''}</td><td>${formatNumber(first.overall.metrics.accuracy.value)}</td><td>${band(first.overall.metrics.accuracy)}</td><td>${formatNumber(r1.metrics.accuracy)}</td><td>${formatError(r1.error.accuracy)}</td>`,
    );
    expect(s).toContain(`<td>${formatCount(r1.labelled)} labelled</td></tr>`);
    expect(s).toContain(
      `<tr><th scope="row">${day(REFUSED)}</th><td>not estimated (scores not probabilities)</td>`,
    );
  });

  it('shows a matured window with realized beside the estimate and the estimation error', async () => {
    const matured = await stored(MATURED);
    const realized = matured.realized!.overall;
    expect(realized.labelled).toBeGreaterThan(0);
    const s = section(await report(MATURED), 'estimated');
    const acc = matured.overall.metrics.accuracy;
    expect(s).toContain(
      `<th scope="row">accuracy</th><td class="num">${formatNumber(acc.value)}</td><td class="num">${band(acc)}</td><td class="num">${formatNumber(matured.reference!.metrics.accuracy.value)}</td><td class="num">${formatNumber(realized.metrics.accuracy)}</td><td class="num">${formatError(realized.error.accuracy)}</td><td>${realized.inBand.accuracy ? 'yes' : '<strong>no</strong>'}</td>`,
    );
    expect(s).toContain(
      `realized ${formatNumber(realized.metrics.accuracy)} (error ${formatError(realized.error.accuracy)}).`,
    );
    expect(s).toContain(`Realized on ${formatCount(realized.labelled)} labelled predictions.`);
    // region=west stopped following the score: its estimate is flagged, with the fix.
    const west = matured.findings.find((f) => f.group === 'region=west');
    console.log(
      `window ${day(MATURED)}: accuracy estimated ${acc.value?.toFixed(4)}, realized ${realized.metrics.accuracy?.toFixed(4)}; west finding ${west?.kind ?? 'none'}; valid ${matured.valid}`,
    );
    expect(west?.kind).toBe('estimation_invalid');
    expect(s).toContain(
      `<li><strong>Estimates not valid</strong> (region=west): ${escapeHtml(west!.message.replace(/^region=west: /, ''))}. <em>Fix:</em> do not trust the estimates`,
    );
    const westRealized = matured.realized!.segments.find((x) => x.column === 'region' && x.value === 'west')!;
    expect(s).toContain(
      `<td class="num">${formatNumber(westRealized.metrics.accuracy)}</td><td class="num">${formatError(westRealized.error.accuracy)}</td>`,
    );
  });

  it('shows a refused window with the reason and the fix', async () => {
    const refused = await stored(REFUSED);
    expect(refused.status).toBe('invalid_scores');
    const finding = refused.findings.find((f) => f.kind === 'estimation_refused')!;
    const html = await report(REFUSED);
    expect(html).toContain(
      '<dt>Estimated accuracy</dt><dd><span class="muted">not estimated (see below)</span></dd>',
    );
    const s = section(html, 'estimated');
    expect(s).toContain(`Window ${day(REFUSED)}: not estimated (scores not probabilities).`);
    expect(finding.message).toContain('predictions.scoreColumn "score"');
    expect(s).toContain(
      `<li><strong>Not estimated</strong> (overall): ${escapeHtml(finding.message)}. <em>Fix:</em> point predictions.scoreColumn at a probability of class 1`,
    );
    expect(s).not.toContain('<table class="metrics"><caption>Window');
  });

  it('escapes user-derived text (segment values, finding messages) from a stored estimate', async () => {
    const latest = await stored(DAYS);
    const input = await loadReportInput(context.deps.store, definition, windowFor(definition, day(DAYS)));
    const hostile: EstimatedResult = {
      ...latest,
      segments: latest.segments.map((x, i) => (i === 0 ? { ...x, value: HOSTILE } : x)),
      findings: [
        {
          kind: 'estimation_extrapolated',
          severity: 'warning',
          group: `region=${HOSTILE}`,
          message: HOSTILE,
          pValue: null,
          outside: [],
        },
      ],
    };
    const html = await renderReport({
      ...input,
      estimated: [...input.estimated!.filter((e) => e.window.start !== day(DAYS)), hostile],
    });
    expect(html).not.toContain(HOSTILE);
    expect(section(html, 'estimated')).toContain(escapeHtml(HOSTILE));
  });

  it('draws the trend chart without a vega warning (band, estimate, realized, stable rule)', async () => {
    const results = await Promise.all(Array.from({ length: DAYS }, (_, i) => stored(i + 1)));
    const warnings: string[] = [];
    const svg = await renderChart(
      estimateTrendSpec(
        results,
        { accuracy: 0.8, rocAuc: 0.75 },
        results.map((r) => r.window.start),
      ),
      { title: 't', description: 'd' },
      (w) => warnings.push(w),
    );
    expect(warnings).toEqual([]);
    expect(svg).toContain('stable 0.800');
  });

  it('the report job writes the section', async () => {
    const { key } = await runReport(
      { definition, store: context.deps.store, clock: morning(DAYS, 4) },
      day(DAYS),
    );
    // FsResultStore keeps the HTML under <outDir>/results/<key>.
    expect(await readFile(join(dir.path, 'results', key), 'utf8')).toContain('<section id="estimated"');
  });
});

describe('estimated performance in the digest', () => {
  it('gives one line for the latest window pending labels, and flags the latest matured one not valid', async () => {
    const notifier = new RecordingNotifier();
    const { message } = await runDigest(
      { definitions: [definition], store: context.deps.store, notifier, clock: morning(DAYS, 7) },
      day(DAYS),
    );
    const latest = await stored(DAYS);
    const acc = latest.overall.metrics.accuracy;
    const line = `  estimated accuracy ${fmt(acc.value!)} (band ${fmt(acc.lower!)}-${fmt(acc.upper!)}), stable ${fmt(latest.reference!.metrics.accuracy.value!)}; labels due ${shiftDate(latest.window.end, 7)} (window ${day(DAYS).slice(5)}, ${DAYS - MATURED} windows pending)`;
    console.log(message.body);
    expect(message.body).toContain(`${line}\n`);
    const matured = await stored(MATURED);
    const groups = matured.findings.filter((f) => f.kind === 'estimation_invalid').map((f) => f.group);
    expect(groups).toContain('region=west');
    expect(message.body).toContain(
      `  ESTIMATION INVALID (window ${day(MATURED).slice(5)}: ${groups.join(', ')}): the score-to-outcome relation changed, estimates not valid; trust realized metrics`,
    );
    // Short: the estimate adds two lines to the model's section.
    expect(message.body.split('\n').filter((l) => /estimat/i.test(l))).toHaveLength(2);
  });

  it('says when the latest pending window was refused', async () => {
    const estimates = await Promise.all([6, 7, REFUSED].map(stored));
    const digest = renderDigest(day(REFUSED), [{ definition, estimates, reportLink: 'r' }]);
    expect(digest.body).toContain(
      `  estimated: NOT ESTIMATED, scores are not probabilities (see report); labels due ${shiftDate(day(REFUSED), 8)} (window ${day(REFUSED).slice(5)}, 3 windows pending)`,
    );
  });
});
