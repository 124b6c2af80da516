/**
 * What "the same results" means between the local demo (DuckDB over local files) and the replayed
 * deployment (Athena stand-in over the Glue tables). Documents are compared whole after removing
 * what legitimately differs and rounding numbers:
 * - dropped: times (`generatedAt`, `*At` such as openedAt/requestedAt: the demo's clock says 02:00,
 *   the schedule 03:00), `engine` (engine name, query count, bytes, millis), the reference's
 *   `description` and `profileCreatedAt` (local path vs s3 URI, profile time), links (file:// vs
 *   console URLs);
 * - numbers rounded to 9 significant digits (sums run in another order in the other dialect);
 * - approximate on Athena (approx_percentile: latency p50/p95/p99, median absolute error) and
 *   therefore dropped from the exact comparison: keys named p50, p95, p99, median*.
 * Everything else (statuses, windows, row counts, bins and shares, statistics, verdicts, findings,
 * metrics, confusion counts, segments, incident ids/rules/levels/windows, ticket ids/reasons) must be equal.
 */

const DROPPED = new Set([
  'generatedAt',
  'engine',
  'description',
  'profileCreatedAt',
  'links',
  'link',
  'report',
  'p50',
  'p95',
  'p99',
]);

function dropped(key: string): boolean {
  return DROPPED.has(key) || /At$/.test(key) || /^median/i.test(key);
}

function round(value: number): number {
  if (!Number.isFinite(value) || value === 0) return value;
  return Number(value.toPrecision(9));
}

/** A deep copy without the dropped keys and with numbers rounded. */
export function comparable(value: unknown): unknown {
  if (typeof value === 'number') return round(value);
  if (Array.isArray(value)) return value.map(comparable);
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value)
        .filter(([k]) => !dropped(k))
        .map(([k, v]) => [k, comparable(v)]),
    );
  }
  return value;
}

/** A digest or alert text without its links (file:// locally, console URLs on AWS). */
export function withoutLinks(text: string): string {
  return text
    .split('\n')
    .filter((line) => !/^\s*(report|link|runbook|results)\s*:/i.test(line))
    .map((line) => line.replace(/(file|https?|s3):\/\/\S+/g, '<link>'))
    .join('\n');
}

/** The evaluated (status ok) results, comparable. */
export function evaluatedView<T extends { status: string }>(results: readonly T[]): unknown[] {
  return results.filter((r) => r.status === 'ok').map(comparable);
}

/** A digest as compared: its subject, and its body without links. */
export function digestView(subject: string, body: string): { subject: string; body: string } {
  // The SLO lines come from the hourly slo job, which the replay's mornings do not fire (the demo
  // runs it once a day); test/replay/slo.test.ts compares the slo job on its own.
  const lines = withoutLinks(body.trim())
    .split('\n')
    .filter((line) => !/^ {2}slo /.test(line));
  return { subject, body: lines.join('\n') };
}

/** What the local demo produced, read back from its output folder (digest.txt, tickets.jsonl). */
export async function demoOutputs(outDir: string): Promise<{
  digest: { subject: string; body: string };
  ticketIds: string[];
}> {
  const { readFile } = await import('node:fs/promises');
  const { join } = await import('node:path');
  const [subject = '', , ...body] = (await readFile(join(outDir, 'digest.txt'), 'utf8'))
    .trimEnd()
    .split('\n');
  const tickets = await readFile(join(outDir, 'tickets.jsonl'), 'utf8').catch(() => '');
  return {
    digest: digestView(subject, body.join('\n')),
    ticketIds: tickets
      .split('\n')
      .filter(Boolean)
      .map((line) => (JSON.parse(line) as { id: string }).id),
  };
}
