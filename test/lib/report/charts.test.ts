import { describe, expect, it } from 'vitest';
import { shiftDate } from '../../../lib/jobs/windows.js';
import { renderChart } from '../../../lib/report/chart.js';
import { driftCells, gapCells, heatmapSpec } from '../../../lib/report/heatmap.js';
import { histogramSpec } from '../../../lib/report/histogram.js';
import { metricPoints, performanceTrendSpec, volumePoints } from '../../../lib/report/performance-trends.js';
import { driftTrendSpec, featureTrends } from '../../../lib/report/trends.js';
import { driftResult, feature, performanceResult } from './fixtures.js';

const START = '2026-03-10';
const days = Array.from({ length: 8 }, (_, i) => shiftDate(START, i - 7));
const drift = days.map((d, i) => driftResult(d, [feature('plan', i / 20), feature('region', null)]));
const performance = days.map((d, i) => performanceResult(d, 0.8 - i / 100));
const incident = { id: 'i', title: 't', severity: 'critical' as const, openedAt: days[3]!, subject: 'plan' };

const specs = {
  histogram: histogramSpec(feature('plan', 0.3)),
  trends: driftTrendSpec(featureTrends(drift, ['plan', 'region']), () => [incident], days),
  heatmap: heatmapSpec(driftCells(drift[7]!, ['plan', 'region']), gapCells(performance[7]!), [
    'plan',
    'region',
  ]),
  performance: performanceTrendSpec({
    volume: volumePoints(drift, performance),
    volumeIncidents: [incident],
    metric: { name: 'rocAuc', points: metricPoints(performance, 'rocAuc'), reference: 0.85, incidents: [] },
    dates: days,
  }),
};

describe('renderChart', () => {
  it.each(Object.entries(specs))('renders the %s chart without a vega warning', async (_name, spec) => {
    const warnings: string[] = [];
    const svg = await renderChart(spec, { title: 'A chart', description: 'What it shows' }, (w) =>
      warnings.push(w),
    );

    expect(warnings).toEqual([]);
    expect(svg).toMatch(
      /^<svg [^>]*role="img" aria-label="What it shows"[^>]*><title>A chart<\/title><desc>What it shows<\/desc>/,
    );
  });

  it('escapes the text alternative', async () => {
    const svg = await renderChart(specs.histogram, { title: '<b>', description: '"><script>' });

    expect(svg).toContain('aria-label="&quot;&gt;&lt;script&gt;"');
    expect(svg).toContain('<title>&lt;b&gt;</title>');
  });

  it('skips features without any statistic in the trend', () => {
    expect(featureTrends(drift, ['plan', 'region']).map((t) => t.name)).toEqual(['plan', 'score']);
  });
});

describe('performanceTrendSpec', () => {
  it('draws a placeholder, not a warning, when no window has a defined metric', async () => {
    const unlabelled = days.map((d) =>
      performanceResult(d, 0.8, {
        status: 'no_labels',
        overall: {
          predictions: 500,
          labelled: 0,
          coverage: 0,
          metrics: { rocAuc: null },
          undefined: { rocAuc: 'no labelled rows' },
        },
      }),
    );
    const warnings: string[] = [];
    const spec = performanceTrendSpec({
      volume: volumePoints([], unlabelled),
      volumeIncidents: [],
      metric: {
        name: 'rocAuc',
        points: metricPoints(unlabelled, 'rocAuc'),
        reference: undefined,
        incidents: [],
      },
      dates: days,
    });

    const svg = await renderChart(spec, { title: 't', description: 'd' }, (w) => warnings.push(w));

    expect(warnings).toEqual([]);
    expect(svg).toContain('>not defined yet<');
  });
});
