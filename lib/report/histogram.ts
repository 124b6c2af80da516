/** The small reference-vs-current histogram beside each feature in the drift table. */
import type { TopLevelSpec } from 'vega-lite';
import type { FeatureDrift } from '../jobs/drift-result.js';
import { BASE_CONFIG, PALETTE, renderChart } from './chart.js';
import { chartDataDetails, formatPercent, formatSigned } from './format.js';

/** Bars: the current share per bin; black ticks: the reference share (shape, not only colour). */
export function histogramSpec(feature: FeatureDrift): TopLevelSpec {
  const values = feature.bins.map((bin, order) => ({
    bin: `${order + 1}. ${bin.label}`,
    order,
    reference: bin.referenceShare,
    current: bin.currentShare,
  }));
  const x = {
    field: 'bin',
    type: 'nominal',
    sort: null,
    scale: { domain: values.map((v) => v.bin) },
    axis: { labels: false, ticks: false, title: null, domainColor: PALETTE.muted },
  } as const;
  // A loop, not Math.max(...values): spreading a large array overflows the call stack.
  let top = 0.01;
  for (const v of values) top = Math.max(top, v.reference, v.current);
  const yOf = (field: string) => ({
    field,
    type: 'quantitative' as const,
    axis: null,
    scale: { domain: [0, top] },
  });
  const spec: TopLevelSpec = {
    config: BASE_CONFIG,
    width: Math.min(240, Math.max(100, values.length * 18)),
    height: 44,
    padding: 2,
    data: { values },
    encoding: { x },
    layer: [
      { mark: { type: 'bar', color: PALETTE.current }, encoding: { y: yOf('current') } },
      {
        mark: { type: 'tick', color: PALETTE.reference, thickness: 2, bandSize: 1 },
        encoding: { y: yOf('reference') },
      },
    ],
  };
  return spec;
}

/** The bin whose share moved most, for the text alternative. */
function largestMove(feature: FeatureDrift): string {
  let best: FeatureDrift['bins'][number] | undefined;
  for (const bin of feature.bins) {
    if (
      !best ||
      Math.abs(bin.currentShare - bin.referenceShare) > Math.abs(best.currentShare - best.referenceShare)
    ) {
      best = bin;
    }
  }
  if (!best) return 'no bins';
  return `largest change in bin ${best.label}: ${formatPercent(best.referenceShare)} in the reference, ${formatPercent(best.currentShare)} now`;
}

/** The histogram SVG and its data table, or a note when the feature has no bins. */
export async function renderHistogram(feature: FeatureDrift): Promise<string> {
  if (feature.bins.length === 0) return '<span class="muted">no bins</span>';
  const svg = await renderChart(histogramSpec(feature), {
    title: `${feature.name}: reference vs current distribution`,
    description: `Histogram of ${feature.name} over ${feature.bins.length} bins, bars current share, ticks reference share; ${largestMove(feature)}.`,
  });
  const table = chartDataDetails(
    `${feature.name} bins`,
    ['Bin', 'Reference', 'Current', 'Change (points)'],
    feature.bins.map((bin) => [
      bin.label,
      formatPercent(bin.referenceShare),
      formatPercent(bin.currentShare),
      formatSigned((bin.currentShare - bin.referenceShare) * 100, 2),
    ]),
  );
  return `<figure class="histogram">${svg}${table}</figure>`;
}
