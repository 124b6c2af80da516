/** Simulated canaries for the pure verdict core: per-window counts drawn from seeded Bernoulli rows. */
import type {
  CanaryGuardrailPlan,
  CanaryWindowStats,
  VersionWindowStats,
} from '../../../lib/alerts/canary.js';
import { type CanarySettings, CanarySettingsSchema } from '../../../lib/config/schema.js';
import { mulberry32 } from '../stats/support.js';

export interface ArmModel {
  rows: number;
  errorRate: number;
  slowRate: number;
  scoreShares: readonly number[];
}

export const STABLE_SCORES = [0.3, 0.2, 0.12, 0.1, 0.08, 0.06, 0.05, 0.04, 0.03, 0.02];

export const SIM_SETTINGS: CanarySettings = CanarySettingsSchema.parse({
  candidate: { version: 'v2' },
  minimumRows: 4000,
  minimumWindows: 2,
  maximumDuration: 'P1D',
  latencyBound: 250,
  margins: { errorRate: 0.01, latencyOverBound: 0.02 },
});

export const SIM_PLAN: CanaryGuardrailPlan = { errors: true, latency: true, performance: false };

function binomial(rand: () => number, n: number, p: number): number {
  let k = 0;
  for (let i = 0; i < n; i++) if (rand() < p) k++;
  return k;
}

function multinomial(rand: () => number, n: number, shares: readonly number[]): number[] {
  const out = new Array<number>(shares.length).fill(0);
  for (let i = 0; i < n; i++) {
    let u = rand();
    let b = 0;
    while (b < shares.length - 1 && u >= shares[b]!) {
      u -= shares[b]!;
      b++;
    }
    out[b]!++;
  }
  return out;
}

function hourStart(base: string, hour: number): string {
  return new Date(Date.parse(base) + hour * 3_600_000).toISOString();
}

/** `hours` hourly windows of an incumbent v1 and a candidate v2 serving from the first hour. */
export function simulateCanary(
  seed: number,
  hours: number,
  incumbent: ArmModel,
  candidate: (hour: number) => ArmModel,
  base = '2026-03-01T00:00:00.000Z',
): CanaryWindowStats[] {
  const rand = mulberry32(seed);
  const arm = (version: string, m: ArmModel, start: string): VersionWindowStats => {
    const slow = binomial(rand, m.rows, m.slowRate);
    return {
      version,
      rows: m.rows,
      firstSeen: start,
      errors: binomial(rand, m.rows, m.errorRate),
      timed: m.rows,
      slow,
      scoreBins: multinomial(rand, m.rows, m.scoreShares),
    };
  };
  const windows: CanaryWindowStats[] = [];
  for (let h = 0; h < hours; h++) {
    const start = hourStart(base, h);
    windows.push({
      window: { start, end: hourStart(base, h + 1) },
      versions: [arm('v1', incumbent, start), arm('v2', candidate(h), start)],
    });
  }
  return windows;
}
