/** The report's inline stylesheet: system fonts only, nothing fetched at view time. */
export const REPORT_CSS = `
:root { color-scheme: light; --ink: #1a1a1a; --muted: #4d4d4d; --line: #d6d9dc; --bg: #f6f7f8; --accent: #2f62a8; }
* { box-sizing: border-box; }
body { margin: 0; background: var(--bg); color: var(--ink); font: 15px/1.5 system-ui, -apple-system, "Segoe UI", "DejaVu Sans", "Liberation Sans", Arial, sans-serif; }
.page { max-width: 1180px; margin: 0 auto; padding: 24px 24px 48px; }
.skip { position: absolute; left: -9999px; }
.skip:focus { left: 8px; top: 8px; background: #fff; padding: 4px 8px; z-index: 1; }
.visually-hidden { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
header.report-header, section { background: #fff; border: 1px solid var(--line); border-radius: 8px; padding: 20px 24px; margin: 0 0 20px; }
h1 { font-size: 28px; margin: 0 0 4px; line-height: 1.2; word-break: break-word; }
h2 { font-size: 20px; margin: 0 0 12px; }
h2.h-small { font-size: 16px; margin: 16px 0 6px; }
h3 { font-size: 16px; margin: 20px 0 8px; }
.eyebrow { text-transform: uppercase; letter-spacing: .06em; font-size: 12px; color: var(--muted); margin: 0 0 4px; }
.window { margin: 4px 0 12px; }
.muted { color: var(--muted); }
.count { color: var(--muted); font-weight: normal; }
.status-line { display: flex; flex-wrap: wrap; align-items: center; gap: 10px; margin: 8px 0 12px; }
.status-label { font-weight: 600; }
.status .badge { font-size: 17px; padding: 4px 12px; }
.badge { display: inline-block; white-space: nowrap; border-radius: 999px; padding: 1px 9px; font-weight: 600; font-size: 13px; border: 1px solid currentColor; }
.sev-critical { color: #8c1d18; background: #fde7e6; }
.sev-warning { color: #6b4000; background: #fff1d1; }
.sev-ok { color: #1e6b34; background: #e7f4ea; }
.sev-unknown { color: #3c464d; background: #eceff1; }
dl.facts { display: flex; flex-wrap: wrap; gap: 12px; margin: 0; }
.fact { border: 1px solid var(--line); border-radius: 6px; padding: 8px 14px; min-width: 150px; }
.fact dt { font-size: 12px; color: var(--muted); text-transform: uppercase; letter-spacing: .04em; }
.fact dd { margin: 0; font-size: 18px; font-weight: 600; }
.fact dd .muted { font-size: 13px; font-weight: normal; }
ul.incidents { list-style: none; padding: 0; margin: 0; }
ul.incidents li { padding: 4px 0; }
nav.toc ul { display: flex; flex-wrap: wrap; gap: 6px 18px; list-style: none; padding: 0; margin: 0 0 20px; }
nav.toc a { color: var(--accent); }
a { color: var(--accent); }
.table-wrap { overflow-x: auto; }
table { border-collapse: collapse; width: 100%; font-size: 14px; }
caption { text-align: left; color: var(--muted); padding: 0 0 6px; font-size: 13px; }
th, td { text-align: left; vertical-align: middle; padding: 6px 10px; border-bottom: 1px solid var(--line); }
thead th { font-size: 12px; text-transform: uppercase; letter-spacing: .03em; color: var(--muted); border-bottom: 2px solid var(--line); }
td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
tbody th { font-weight: 600; }
tbody th .muted { font-weight: normal; font-size: 13px; }
table.drift tbody th { min-width: 170px; }
.feature { font-family: "DejaVu Sans Mono", Menlo, Consolas, monospace; font-size: 13px; word-break: break-all; }
table.drift td:last-child { min-width: 200px; }
table.metrics { width: auto; min-width: 60%; }
table.estimated-segments tbody th { white-space: nowrap; }
table.findings td.feature, table.findings th { white-space: nowrap; word-break: normal; }
tr.primary th, tr.primary td { background: #f3f7fc; }
figure { margin: 0; }
figure.histogram svg { display: block; }
figure.chart { margin: 8px 0 0; }
figure.chart svg { display: block; max-width: 100%; height: auto; }
figcaption { color: var(--muted); font-size: 13px; margin: 6px 0; max-width: 80ch; }
details { margin: 6px 0 0; }
summary { cursor: pointer; color: var(--accent); font-size: 13px; }
details table.data { margin: 6px 0; font-size: 13px; }
details table.data th, details table.data td { padding: 3px 8px; }
.key-current { border-bottom: 4px solid #2f62a8; }
.key-reference { border-bottom: 2px solid #1a1a1a; }
.empty { color: var(--muted); }
code { font-size: 13px; word-break: break-all; }
footer { color: var(--muted); font-size: 13px; padding: 0 4px; }
@media print { body { background: #fff; } details { display: none; } header.report-header, section { border: none; break-inside: avoid; } }
`;
