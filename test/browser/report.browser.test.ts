/**
 * The report in a real browser: built from real demo results (DuckDB drift job over generated
 * data), opened from a file in headless Chromium. Checks that it loads nothing from the network,
 * logs no error and draws its charts; saves a full-page screenshot to test-artifacts/report.png.
 */
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { type Browser, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FsResultStore } from '../../lib/adapters/fs-store.js';
import { runDemo } from '../../lib/cli/commands/demo.js';
import { validateDefinition } from '../../lib/config/load.js';
import { demoDefinition } from '../../lib/demo/definition.js';
import { shiftDate, windowFor } from '../../lib/jobs/windows.js';
import { loadReportInput } from '../../lib/report/load.js';
import { renderReport } from '../../lib/report/render.js';
import { tempDir } from '../helpers/temp.js';
import { driftResult, feature, HOSTILE, performanceResult } from '../lib/report/fixtures.js';

const CHROMIUM = '/usr/bin/chromium';
const ARTIFACTS = resolve('test-artifacts');

if (!existsSync(CHROMIUM)) {
  console.warn(
    `skipping the report browser test: no Chromium at ${CHROMIUM} (apt-get install chromium; CI installs it)`,
  );
}

describe.skipIf(!existsSync(CHROMIUM))('the HTML report in headless Chromium', () => {
  let dir: { path: string; cleanup: () => Promise<void> };
  let browser: Browser;
  let reportPath: string;
  let htmlBytes = 0;

  beforeAll(async () => {
    dir = await tempDir('driftwatch-report-');
    const outcome = await runDemo({ out: dir.path, rowsPerDay: 2000, seed: 7, json: true }, () => {});
    const definition = validateDefinition(demoDefinition('data'), join(dir.path, 'driftwatch.yaml'));
    const last = outcome.drift[outcome.drift.length - 1]!;
    const input = await loadReportInput(
      new FsResultStore(join(dir.path, 'results')),
      definition,
      windowFor(definition, last.window.start),
      {
        incidents: [
          {
            id: 'drift-income',
            title: 'income drifted past its critical threshold',
            severity: 'critical',
            openedAt:
              outcome.manifest.injected.find((p) => p.feature === 'income')?.startDate ?? last.window.start,
            subject: 'income',
            kind: 'drift',
          },
        ],
      },
    );
    const html = await renderReport(input);
    htmlBytes = Buffer.byteLength(html);
    reportPath = join(dir.path, 'report.html');
    await writeFile(reportPath, html);
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await dir?.cleanup();
  });

  // No wall-clock bound (the machine is shared; speed is the bench's job): the page's size is
  // the work the browser and a mail client do, and it must stay a page, not a data dump.
  it('renders the 30-day demo as one self-contained page under 1 MiB (352 KB on 2026-11-30)', () => {
    expect(htmlBytes).toBeGreaterThan(0);
    expect(htmlBytes).toBeLessThan(1024 * 1024);
  });

  it('loads nothing but the page, logs no error, draws its charts and looks right', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const requests: string[] = [];
    const errors: string[] = [];
    page.on('request', (request) => requests.push(request.url()));
    page.on('console', (message) => {
      if (message.type() === 'error' || message.type() === 'warning') errors.push(message.text());
    });
    page.on('pageerror', (error) => errors.push(error.message));
    const pageUrl = pathToFileURL(reportPath).href;

    await page.goto(pageUrl, { waitUntil: 'load' });

    expect(requests).toEqual([pageUrl]);
    expect(errors).toEqual([]);
    expect(await page.title()).toMatch(/^credit-default · \d{4}-\d{2}-\d{2} · critical · driftwatch report$/);
    // 9 feature histograms + the prediction's, the drift trend, volume, the segment heatmap, the KPI
    // trend, the demo SLO's error budget, the estimated-performance trend.
    expect(await page.locator('svg').count()).toBe(16);
    const estimated = page.getByRole('img', {
      name: /^Estimated accuracy and ROC-AUC with their 95% bands over \d+ windows/,
    });
    expect(await estimated.count()).toBe(1);
    expect(await page.locator('#estimated table.metrics').first().locator('tbody tr').count()).toBe(5);
    const kpi = page.getByRole('img', {
      name: /^1 KPI per window from 2026-10-01 to 2026-10-30: decline_rate latest 0\.\d+\.$/,
    });
    expect(await kpi.count()).toBe(1);
    const budget = page.getByRole('img', { name: /error budget of SLO latency-150ms/ });
    expect(await budget.count()).toBe(1);
    const heatmap = page.locator('#segments svg');
    expect(await heatmap.getAttribute('role')).toBe('img');
    expect(await heatmap.getAttribute('aria-label')).toMatch(/^Segment heatmap: 11 segment values/);
    const trend = page.getByRole('img', { name: /Drift statistic of 10 features over 30 windows/ });
    expect(await trend.count()).toBe(1);
    expect((await trend.boundingBox())?.width).toBeGreaterThan(600);
    // Ranked: the three critical features by PSI / threshold (10-30 at 2,000 rows a day, seed 7:
    // employment_type 0.911, income 0.338, debt_to_income 0.324, all critical since the day-21 shift).
    const ranked = await page.locator('table.drift tbody th .feature').allTextContents();
    expect(ranked.slice(0, 3)).toEqual(['employment_type', 'income', 'debt_to_income']);
    expect(await page.getByRole('heading', { level: 2 }).allTextContents()).toEqual(
      expect.arrayContaining([
        'Feature drift',
        'Performance',
        'Estimated performance',
        'Trends',
        'Segments',
        'Business KPIs',
        'Data quality',
        'Incidents: time to detect and resolve',
      ]),
    );
    // Performance: the demo's last windows wait for labels, so the latest matured one is shown, and
    // the slice whose labels the demo degraded (locale = es-US) carries the worst gap.
    expect(await page.locator('#performance h3').textContent()).toMatch(/^Latest evaluated window: 2026-/);
    const esUs = page.locator('#segments table.data tr', {
      has: page.locator('th', { hasText: 'locale = es-US' }),
    });
    expect(await esUs.locator('td').last().textContent()).toMatch(/^▼ −0\.\d+$/);
    // Nothing sticks out of the page sideways.
    // (A string, so this file needs no DOM types.)
    expect(await page.evaluate<number>('document.documentElement.scrollWidth')).toBeLessThanOrEqual(1280);

    await mkdir(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: join(ARTIFACTS, 'report.png'), fullPage: true });
    await page.locator('#estimated').screenshot({ path: join(ARTIFACTS, 'report-estimated.png') });
    await page.close();
  });

  it('shows hostile strings as text and runs no script from data, with performance results', async () => {
    const start = '2026-03-10';
    const days = Array.from({ length: 14 }, (_, i) => shiftDate(start, i - 14));
    const features = (scale: number) => [
      feature('plan', 0.3 * scale),
      feature(HOSTILE, 0.12 * scale),
      feature('tenure', 0.01),
    ];
    const html = await renderReport({
      model: { id: 'churn', task: 'binary' },
      window: { start, end: shiftDate(start, 1), duration: 'P1D' },
      drift: driftResult(start, features(1)),
      driftHistory: days.map((d, i) => driftResult(d, features(i / 14))),
      performance: performanceResult(start, 0.74),
      performanceHistory: days.map((d, i) => performanceResult(d, 0.84 - i / 200)),
      incidents: [{ id: 'x', title: HOSTILE, severity: 'warning', openedAt: days[8]!, subject: HOSTILE }],
      generatedAt: '2026-03-11T06:00:00Z',
    });
    const path = join(dir.path, 'hostile.html');
    await writeFile(path, html);
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const dialogs: string[] = [];
    const errors: string[] = [];
    page.on('dialog', async (dialog) => {
      dialogs.push(dialog.message());
      await dialog.dismiss();
    });
    page.on('pageerror', (error) => errors.push(error.message));

    await page.goto(pathToFileURL(path).href, { waitUntil: 'load' });

    expect(dialogs).toEqual([]);
    expect(errors).toEqual([]);
    expect(await page.locator('script').count()).toBe(0);
    expect(await page.getByText(HOSTILE, { exact: false }).count()).toBeGreaterThan(0);
    expect(await page.locator('#trends svg').count()).toBe(2);
    await page.screenshot({ path: join(ARTIFACTS, 'report-performance.png'), fullPage: true });
    await page.close();
  });
});
