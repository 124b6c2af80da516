/**
 * The alert policy's defaults on the demo: run the demo (drift and performance for 30 days), then
 * the alerts job window by window as the schedule would (each run at 02:00 the morning after its
 * window, seeing only the performance windows whose labels have matured by then), and check that
 * exactly the injected problems open one incident each, plus the business KPI the day-21 shift
 * truly moves (decline_rate). A second full pass sends nothing new.
 */

import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FsResultStore } from '../../../lib/adapters/fs-store.js';
import type { AlertState } from '../../../lib/alerts/types.js';
import { type DemoOutcome, runDemo } from '../../../lib/cli/commands/demo.js';
import { loadDefinitionFile } from '../../../lib/cli/context.js';
import type { MonitorDefinition } from '../../../lib/config/schema.js';
import { type AlertsRunSummary, alertKeys, runAlerts, runDigest } from '../../../lib/jobs/alerts.js';
import { listTickets } from '../../../lib/jobs/alerts-tickets.js';
import type { DriftResult } from '../../../lib/jobs/drift-result.js';
import { shiftDate } from '../../../lib/jobs/windows.js';
import { tempDir } from '../../helpers/temp.js';
import { RecordingNotifier } from '../alerts/fixtures.js';

interface Line {
  id: string;
  subject: string;
  body?: string;
  attributes: Record<string, string>;
  detail?: Record<string, unknown>;
}

async function lines(path: string): Promise<Line[]> {
  const text = await readFile(path, 'utf8').catch(() => '');
  return text
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Line);
}

describe('alerts on the demo', () => {
  let dir: { path: string; cleanup: () => Promise<void> };
  let definition: MonitorDefinition;
  let store: FsResultStore;
  let dates: string[];
  let outcome: DemoOutcome;
  let firstPass: AlertsRunSummary[];
  let alerts: Line[];
  let tickets: Line[];

  beforeAll(async () => {
    dir = await tempDir('driftwatch-alerts-demo-');
    // The demo replays the schedule: each morning drift for yesterday, performance for the window
    // whose labels just matured, then the alerts (lib/cli/commands/demo.ts).
    outcome = await runDemo({ out: dir.path, rowsPerDay: 3000, seed: 42, json: true }, () => {});
    definition = await loadDefinitionFile(outcome.configPath);
    store = new FsResultStore(`${dir.path}/results`);
    dates = Array.from({ length: outcome.manifest.days }, (_, i) => shiftDate(outcome.manifest.startDate, i));
    firstPass = outcome.alerts;
    alerts = await lines(join(dir.path, 'alerts.jsonl'));
    tickets = await lines(join(dir.path, 'tickets.jsonl'));
  }, 180_000);

  afterAll(async () => {
    await dir?.cleanup();
  });

  it('opens exactly the injected problems and the KPI they move, each once, and none in the stable first 14 days', () => {
    const opened = firstPass.flatMap((run) =>
      run.decisions
        .filter((d) => d.type === 'opened')
        .map((d) => `${run.window.start} ${d.ruleId} ${d.subject} ${d.level}`),
    );
    expect(opened).toEqual([
      '2026-10-18 volume predictions critical',
      // debt_to_income's PSI on its first shifted day (0.396) is past 1.5x the critical threshold:
      // it opens at once; income's (0.319) waits for its confirmation the next day.
      '2026-10-21 feature-drift debt_to_income critical',
      '2026-10-22 feature-drift income critical',
      // A true alert, the demo's story: the shift moves who is declined (decline_rate 0.104 to
      // 0.118 vs a median of 0.08), a warning confirmed on its second shifted day.
      '2026-10-22 kpi:decline_rate decline_rate warning',
      // es-US degrades from the 15th; its labels mature 7 days later, confirmed on the 16th's.
      '2026-10-23 slice-parity locale=es-US critical',
      // The new category and the PSI of employment_type are one incident, opened on the category's
      // first day: a data-quality finding opens at once (no 2-of-3 confirmation).
      '2026-10-25 feature-drift employment_type critical',
    ]);
  });

  it('sends the feature drift and the KPI it moves, opened the same day, as one notification', () => {
    const run = firstPass.find((r) => r.window.start === '2026-10-22')!;
    const ids = new Set(run.decisions.map((d) => d.messageId));
    expect(run.decisions.map((d) => `${d.ruleId} ${d.subject}`).sort()).toEqual([
      'feature-drift income',
      'kpi:decline_rate decline_rate',
    ]);
    expect(ids.size).toBe(1);
    const message = alerts.filter((a) => a.id === run.decisions[0]!.messageId);
    expect(message).toHaveLength(1);
    // The critical feature first, the warning KPI counted.
    expect(message[0]?.subject).toMatch(
      /^\[CRITICAL\] credit-default: income drift \(PSI [\d.]+\) \+1 more$/,
    );
    expect(message[0]?.body).toMatch(
      /\[warning, new\] decline_rate rose [\d.]+% \(0\.\d+ vs median 0\.\d+\)/,
    );
  });

  it('resolves the volume drop the next day and keeps the ongoing problems open', async () => {
    const resolved = firstPass.flatMap((run) =>
      run.decisions.filter((d) => d.type === 'resolved').map((d) => `${run.window.start} ${d.ruleId}`),
    );
    // The decline-rate warning stays open while the shift goes on: the shifted windows stay out of
    // the KPI's baseline (lib/alerts/kpi-rules.ts kpiHistory; with them in, the robust spread
    // doubled and the warning "resolved" on the 29th).
    expect(resolved).toEqual(['2026-10-19 volume']);
    const state = await store.getJson<AlertState>(alertKeys.state('credit-default'));
    expect(
      state?.incidents
        .filter((i) => i.status === 'open')
        .map((i) => i.subject)
        .sort(),
    ).toEqual(['debt_to_income', 'decline_rate', 'employment_type', 'income', 'locale=es-US']);
  });

  it('opens no score-drift incident: the demo score stays below the warning level after confirmation', () => {
    expect(firstPass.flatMap((r) => r.decisions).some((d) => d.ruleId === 'prediction-drift')).toBe(false);
  });

  it('raises one retraining ticket', async () => {
    expect(tickets).toHaveLength(1);
    expect(tickets[0]?.detail).toMatchObject({ reason: 'critical_drift', window: '2026-10-23' });
    expect((await listTickets(store)).map((t) => t.status)).toEqual(['open']);
  });

  it('pages for the tier-1 critical incidents and names the segment in the slice alert', () => {
    const slice = alerts.find((a) => a.subject.includes('es-US'));
    expect(slice?.subject).toMatch(
      /^\[CRITICAL\] credit-default: locale=es-US: rocAuc 0\.\d+ worse than overall \(0\.\d+ vs 0\.\d+\)$/,
    );
    expect(slice?.attributes).toMatchObject({ severity: 'critical', kind: 'slice_parity', route: 'page' });
    for (const alert of alerts) expect(alert.subject.length).toBeLessThan(100);
  });

  it('sends nothing new when the alerts run again, or the whole demo is run again', async () => {
    const notifier = new RecordingNotifier();
    const secondPass: AlertsRunSummary[] = [];
    for (const date of dates) {
      const clock = { now: () => new Date(`${shiftDate(date, 1)}T02:00:00Z`) };
      secondPass.push(await runAlerts({ definition, store, notifier, clock }, date));
    }
    expect(secondPass.flatMap((r) => r.decisions)).toEqual([]);
    expect(notifier.sentCount).toBe(0);

    const again = await runDemo({ out: dir.path, rowsPerDay: 3000, seed: 42, json: true }, () => {});
    expect(again.alerts.flatMap((r) => r.decisions)).toEqual([]);
    expect(await lines(join(dir.path, 'alerts.jsonl'))).toHaveLength(alerts.length);
    expect(await lines(join(dir.path, 'tickets.jsonl'))).toHaveLength(1);
  }, 300_000);

  it('writes a digest that shows the model critical with its open incidents and ticket', async () => {
    const notifier = new RecordingNotifier();
    const { message } = await runDigest(
      { definitions: [definition], store, notifier, clock: { now: () => new Date('2026-10-31T06:00:00Z') } },
      dates.at(-1)!,
    );
    expect(message.body).toContain('credit-default (tier 1): CRITICAL - 5 open incidents, 3000 predictions');
    expect(message.body).toMatch(/ticket: rt-[0-9a-f]{16} open since 2026-10-23 \(critical drift\)/);
    expect(message.body).toContain('labels: 96% coverage (window 2026-10-23)');
    const last = await store.getJson<DriftResult>(`credit-default/drift/dt=${dates.at(-1)}/P1D.json`);
    expect(last?.status).toBe('ok');
    expect(await readFile(join(dir.path, 'digest.txt'), 'utf8')).toContain(
      'credit-default (tier 1): CRITICAL',
    );
  });

  it('writes the report of the last window with its open incidents', async () => {
    const html = await readFile(outcome.reportPath, 'utf8');
    expect(html).toContain('<html');
    expect(html).toContain('credit-default');
    expect(html).toContain('locale=es-US');
  });
});
