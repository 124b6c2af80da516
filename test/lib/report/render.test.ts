import { describe, expect, it } from 'vitest';
import type { DriftResult } from '../../../lib/jobs/drift-result.js';
import type { PerformanceResult } from '../../../lib/jobs/performance-result.js';
import { shiftDate } from '../../../lib/jobs/windows.js';
import { renderReport } from '../../../lib/report/render.js';
import type { ReportInput } from '../../../lib/report/types.js';
import { driftResult, feature, HOSTILE, noDataResult, performanceResult } from './fixtures.js';

const START = '2026-03-10';
const HOSTILE_FEATURE = '<img src=x onerror=alert(2)>';

function currentFeatures() {
  return [
    feature('alpha', 0.01),
    feature('beta', 0.15),
    feature('gamma', 0.3),
    feature('delta', null),
    feature(HOSTILE_FEATURE, 0.2),
  ];
}

function history(days: number, make: (start: string, day: number) => DriftResult): DriftResult[] {
  return Array.from({ length: days }, (_, i) => make(shiftDate(START, i - days), i));
}

function input(overrides: Partial<ReportInput> = {}): ReportInput {
  return {
    model: { id: 'churn', task: 'binary', tier: 1, description: 'Who leaves next month' },
    window: { start: START, end: shiftDate(START, 1), duration: 'P1D' },
    drift: driftResult(START, currentFeatures()),
    driftHistory: history(10, (start, day) =>
      driftResult(
        start,
        currentFeatures().map((f) => ({ ...f, statistic: (f.statistic ?? 0) * (day / 10) })),
      ),
    ),
    performanceHistory: [],
    incidents: [
      {
        id: 'inc-1',
        title: `gamma drifted ${HOSTILE}`,
        severity: 'critical',
        openedAt: shiftDate(START, -3),
        subject: 'gamma',
        kind: 'drift',
      },
    ],
    generatedAt: '2026-03-11T06:00:00Z',
    links: [
      { label: 'Runbook', href: 'https://runbooks.example.com/churn' },
      { label: 'Evil', href: 'javascript:alert(3)' },
    ],
    ...overrides,
  };
}

/** The text between a section's opening tag and the next section. */
function section(html: string, id: string): string {
  const start = html.indexOf(`<section id="${id}"`);
  expect(start, `section ${id}`).toBeGreaterThanOrEqual(0);
  const end = html.indexOf('</section>', start);
  return html.slice(start, end);
}

function svgs(html: string): string[] {
  return html.match(/<svg\b[^>]*>/g) ?? [];
}

function expectSelfContained(html: string) {
  expect(html).not.toMatch(/<script/i);
  expect(html).not.toMatch(/\bsrc\s*=\s*["']?\s*(https?:)?\/\//i);
  expect(html).not.toMatch(/<link\b/i);
  expect(html).not.toMatch(/@import/i);
  expect(html).not.toMatch(/url\(\s*["']?\s*(https?:)?\/\//i);
  expect(html).not.toMatch(/@font-face/i);
  // Only the links section may point outside the page.
  const outside = html.replace(section(html, 'links'), '');
  expect(outside).not.toMatch(/href\s*=\s*["']?\s*https?:/i);
}

function expectAccessibleCharts(html: string) {
  const tags = svgs(html);
  expect(tags.length).toBeGreaterThan(0);
  for (const tag of tags) {
    expect(tag).toContain('role="img"');
    expect(tag).toMatch(/aria-label="[^"]{20,}"/);
  }
  expect(html.match(/<svg\b[^>]*><title>[^<]+<\/title><desc>/g)).toHaveLength(tags.length);
}

describe('renderReport', () => {
  it('renders a self-contained page with every section, drift only', async () => {
    const html = await renderReport(input());

    expect(html.startsWith('<!doctype html>')).toBe(true);
    expect(html).toContain('<html lang="en">');
    expect(html).toMatch(/<h1>.*churn.*<\/h1>/);
    for (const heading of [
      'Feature drift',
      'Performance',
      'Trends',
      'Segments',
      'Data quality',
      'Links',
      'Open incidents',
    ]) {
      expect(html).toMatch(new RegExp(`<h2[^>]*>${heading}`));
    }
    expect(section(html, 'performance')).toContain('No performance result for this window');
    expectSelfContained(html);
    expectAccessibleCharts(html);
  });

  it('shows the overall status as a word and a symbol, and the open incidents', async () => {
    const html = await renderReport(input());
    const header = html.slice(html.indexOf('<header'), html.indexOf('</header>'));

    expect(header).toMatch(
      /class="status status-critical"><span class="badge sev-critical"><span aria-hidden="true">▲<\/span> critical/,
    );
    expect(header).toContain('inc-1');
    expect(header).toContain(`gamma drifted &lt;script&gt;alert(1)&lt;/script&gt;`);
  });

  it('ranks the drift table by severity, then by statistic over threshold', async () => {
    const html = await renderReport(input());
    const table = section(html, 'drift');
    const names = [...table.matchAll(/<th scope="row"><span class="feature">([^<]*)<\/span>/g)].map(
      (m) => m[1],
    );

    expect(names).toEqual(['gamma', '&lt;img src=x onerror=alert(2)&gt;', 'beta', 'delta', 'alpha', 'score']);
  });

  it('draws one histogram per feature and the prediction, each with a data table', async () => {
    const html = await renderReport(input());
    const table = section(html, 'drift');

    expect(svgs(table)).toHaveLength(6);
    expect(table.match(/<details class="chart-data">/g)).toHaveLength(6);
    expect(table).toContain('<th scope="row">c &amp; d</th><td>0.0%</td><td>10.0%</td><td>+10</td>');
  });

  it('escapes hostile strings from data everywhere, charts included', async () => {
    const html = await renderReport(input());

    expect(html).not.toContain(HOSTILE);
    expect(html).not.toContain(HOSTILE_FEATURE);
    expect(html).not.toMatch(/<img/i);
    expect(html).not.toMatch(/<script/i);
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    // The hostile segment value reaches the heatmap's axis labels and its aria-label, escaped.
    expect(section(html, 'segments')).toContain('region = &lt;script&gt;alert(1)&lt;/script&gt;');
  });

  it('keeps unsafe links as text', async () => {
    const links = section(await renderReport(input()), 'links');

    expect(links).toContain('<a href="https://runbooks.example.com/churn">Runbook</a>');
    expect(links).not.toMatch(/href="javascript/i);
    expect(links).toContain('<code>javascript:alert(3)</code>');
  });

  it('draws the drift trend with threshold rules and marks the incident', async () => {
    const trends = section(await renderReport(input()), 'trends');

    expect(trends).toContain('Drift statistic per feature');
    expect(trends).toMatch(/>warning 0\.1</);
    expect(trends).toMatch(/>critical 0\.25</);
    expect(trends).toMatch(/>incident</);
    expect(trends).toMatch(/<details class="chart-data"><summary>Drift statistic per window/);
    expect(trends).toContain(`<th scope="row">${shiftDate(START, -10)}</th>`);
  });

  it('shows the segment heatmap with the largest ratio and too-small segments', async () => {
    const segments = section(await renderReport(input()), 'segments');

    expect(svgs(segments)).toHaveLength(1);
    expect(segments).toMatch(/aria-label="Segment heatmap: 3 segment values/);
    expect(segments).toContain('<th scope="row">region = tiny</th><td>small</td>');
    expect(segments).toContain('<th scope="row">region = east</th><td>▲ 3</td>');
  });

  it('lists data-quality findings with value and expected', async () => {
    const quality = section(await renderReport(input()), 'quality');

    expect(quality).toContain('new category');
    expect(quality).toContain('<td class="num">10.0%</td><td class="num">0.0%</td>');
    expect(quality).toContain('values: &lt;script&gt;');
  });

  describe('with performance', () => {
    const withPerformance = (): Partial<ReportInput> => {
      const performanceHistory: PerformanceResult[] = Array.from({ length: 10 }, (_, i) =>
        performanceResult(shiftDate(START, i - 11), 0.84 - i * 0.005),
      );
      performanceHistory.push(
        performanceResult(shiftDate(START, -2), 0.7, { revision: 2 }),
        performanceResult(shiftDate(START, -1), 0.79, {
          status: 'not_mature',
          maturity: { labelDelay: 'P7D', matureOn: START, mature: false },
        }),
      );
      return { performance: performanceResult(START, 0.78), performanceHistory };
    };

    it('summarises the metrics against the reference, primary first', async () => {
      const html = await renderReport(input(withPerformance()));
      const performance = section(html, 'performance');

      expect(performance).toMatch(
        /<tr class="primary"><th scope="row">rocAuc <span class="muted">\(primary\)<\/span><\/th><td class="num">0\.78<\/td><td class="num">0\.85<\/td><td class="num">−0\.07<\/td>/,
      );
      expect(performance).toContain('Worst segment: <strong>region = &lt;script&gt;');
      expectSelfContained(html);
      expectAccessibleCharts(html);
    });

    it("shows an approximate (grid path) metric's error bound next to its value", async () => {
      const base = withPerformance();
      const current = base.performance!;
      const html = await renderReport(
        input({
          ...base,
          performance: {
            ...current,
            overall: {
              ...current.overall,
              computation: { rocAuc: 'approximate', averagePrecision: 'exact', rocAucStandardError: 'exact' },
              errorBound: { rocAuc: 0.00005 },
            },
          },
        }),
      );
      expect(section(html, 'performance')).toMatch(
        /rocAuc <span class="muted">\(primary\)<\/span><\/th><td class="num">0\.78 <span class="muted">± 5\.0e-5<\/span><\/td>/,
      );
    });

    it('draws volume, the primary metric and coverage over time, and the gap per segment', async () => {
      const html = await renderReport(input(withPerformance()));
      const trends = section(html, 'trends');
      const segments = section(html, 'segments');

      expect(trends).toMatch(/<title>Volume, rocAuc and label coverage over time<\/title>/);
      expect(trends).toMatch(/>reference 0\.850</);
      expect(trends).toMatch(/<td>not mature<\/td>/);
      // The second revision of a window wins over the first.
      expect(trends).toContain(
        `<th scope="row">${shiftDate(START, -2)}</th><td>500</td><td>500</td><td>0.7</td>`,
      );
      expect(segments).toContain('rocAuc gap');
      expect(segments).toContain('▼ −0.12');
    });
  });

  it('judges performance by the latest matured window while the current one waits for labels', async () => {
    const pending = performanceResult(START, 0.8, {
      status: 'not_mature',
      maturity: { labelDelay: 'P7D', matureOn: shiftDate(START, 8), mature: false },
      overall: {
        predictions: 500,
        labelled: 0,
        coverage: 0,
        metrics: { rocAuc: null },
        undefined: { rocAuc: 'no labelled rows' },
      },
      segments: [],
      worstSegment: undefined,
    });
    const matured = performanceResult(shiftDate(START, -8), 0.76);
    const html = await renderReport(input({ performance: pending, performanceHistory: [matured] }));
    const header = html.slice(html.indexOf('<header'), html.indexOf('</header>'));

    expect(header).toContain(
      `<dt>rocAuc</dt><dd>0.76 <span class="muted">(as of ${shiftDate(START, -8)}, reference 0.85)</span></dd>`,
    );
    expect(header).toContain(
      '<dt>Label coverage</dt><dd>0.0% <span class="muted">(labels still arriving)</span></dd>',
    );
    expect(section(html, 'performance')).toContain('This window: Provisional');
    expect(section(html, 'performance')).toContain(
      `<h3>Latest evaluated window: ${shiftDate(START, -8)}</h3>`,
    );
    expect(section(html, 'segments')).toContain(`rocAuc gap (${shiftDate(START, -8)})`);
  });

  it('reports no data for a window without predictions and still draws the history', async () => {
    const html = await renderReport(input({ drift: noDataResult(START), incidents: [] }));

    expect(html).toMatch(/class="status status-no_data"/);
    expect(section(html, 'drift')).toContain('No predictions were logged in this window');
    expect(svgs(section(html, 'drift'))).toHaveLength(0);
    expect(section(html, 'trends')).toContain('Drift statistic per feature');
    expect(section(html, 'segments')).toContain('No segment results in this window');
    expect(section(html, 'quality')).toContain('no predictions in this window');
    expectSelfContained(html);
    expectAccessibleCharts(html);
  });

  it('renders without any result at all', async () => {
    const { drift: _drift, ...rest } = input({ driftHistory: [], incidents: [], links: [] });
    const html = await renderReport(rest);

    expect(html).toMatch(
      /class="status status-no_data"><span class="badge sev-unknown"><span aria-hidden="true">○<\/span> no data/,
    );
    expect(section(html, 'trends')).toContain('No results yet');
    expect(html).not.toContain('<section id="links"');
    expect(svgs(html)).toHaveLength(0);
  });

  it('is deterministic: the same input gives the same page', async () => {
    expect(await renderReport(input())).toBe(await renderReport(input()));
  });

  // Render time is a benchmark matter (timed unit tests fail on a loaded machine: 2.1-3.2 s seen
  // under load for what takes well under a second alone); this bounds the work instead.
  it('renders 30 windows of 9 features into one bounded page', async () => {
    const names = ['f1', 'f2', 'f3', 'f4', 'f5', 'f6', 'f7', 'f8', 'f9'];
    const make = (start: string, day: number) =>
      driftResult(
        start,
        names.map((n, i) => feature(n, ((day + i) % 7) / 20)),
      );
    const big = input({ drift: make(START, 30), driftHistory: history(30, make) });

    const html = await renderReport(big);
    for (const n of names) expect(html).toContain(`>${n}<`);
    expect(html.length).toBeLessThan(3_000_000);
  });
});

describe('renderReport: incidents section', () => {
  it('shows MTTD / MTTR per rule and the latest incidents, escaped', async () => {
    const html = await renderReport(
      input({
        reliability: {
          asOf: '2026-03-11T07:00:00.000Z',
          rows: [
            { ruleId: '*', days: 30, opened: 2, resolved: 1, open: 1, mttdHours: 26, mttrHours: 72 },
            { ruleId: '*', days: 90, opened: 2, resolved: 1, open: 1, mttdHours: 26, mttrHours: 72 },
          ],
          recent: [
            {
              ruleId: 'feature-drift',
              subject: HOSTILE,
              firstSeenWindow: '2026-03-01',
              openedAt: '2026-03-03T02:00:00.000Z',
              detectHours: 26,
            },
          ],
        },
      }),
    );
    const section = html.slice(
      html.indexOf('<section id="incidents"'),
      html.indexOf('</section>', html.indexOf('<section id="incidents"')),
    );
    expect(section).toContain('<th scope="col">MTTD 30 d</th>');
    expect(section).toContain(
      '<th scope="row">all rules</th><td>26.0 h</td><td>3.0 d</td><td>2 (1 open)</td>',
    );
    expect(section).not.toContain(HOSTILE);
    expect(section).toContain('&lt;script&gt;');
    expect(html).toContain('<a href="#incidents">Incidents</a>');
  });

  it('says so when no incident opened in 90 days', async () => {
    const html = await renderReport(input());
    expect(html).toContain('No incident opened in the last 90 days.');
  });
});

describe('renderReport: business KPIs', () => {
  it('draws a trend panel per KPI and lists the latest values per segment, escaped', async () => {
    const kpiHistory = Array.from({ length: 5 }, (_, i) => {
      const start = shiftDate(START, i - 4);
      return {
        schemaVersion: 1 as const,
        kind: 'kpi' as const,
        model: 'churn',
        window: { start, end: shiftDate(start, 1), duration: 'P1D' },
        generatedAt: `${start}T02:00:00.000Z`,
        status: 'ok' as const,
        rows: 1000,
        kpis: [
          {
            name: 'approval_rate',
            aggregate: 'rate' as const,
            column: 'approved',
            per: 'prediction' as const,
            source: 'predictions' as const,
            direction: 'higher_is_better' as const,
            status: 'ok' as const,
            overall: { value: 0.6 - i * 0.01, n: 1000 },
            segments: [{ column: 'region', segment: HOSTILE, value: 0.5, n: 400 }],
            versions: [{ version: 'v1', value: 0.61, n: 900 }],
          },
        ],
        engine: { name: 'duckdb', queries: 1 },
      };
    });
    const html = await renderReport(input({ kpiHistory }));
    const start = html.indexOf('<section id="kpis"');
    const section = html.slice(start, html.indexOf('</section>', start));
    expect(section).toContain('<svg');
    expect(section).toContain('approval_rate latest 0.56');
    expect(section).toContain(
      '<th scope="row">approval_rate</th><td>2026-03-10</td><td>all</td><td>0.56</td><td>1,000</td>',
    );
    expect(section).not.toContain(HOSTILE);
    expect(section).toContain('region = &lt;script&gt;');
    expect(html).toContain('<a href="#kpis">Business KPIs</a>');
  });

  it('has no KPI section for a model without KPIs', async () => {
    const html = await renderReport(input());
    expect(html).not.toContain('id="kpis"');
  });
});
