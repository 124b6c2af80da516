import { describe, expect, it } from 'vitest';
import { escapeHtml, safeHref } from '../../../lib/report/escape.js';
import { HOSTILE } from './fixtures.js';

describe('escapeHtml', () => {
  it('escapes a hostile category value so no tag survives', () => {
    expect(escapeHtml(HOSTILE)).toBe('&lt;script&gt;alert(1)&lt;/script&gt;');
  });

  it.each([
    ['&', '&amp;'],
    ['"', '&quot;'],
    ["'", '&#39;'],
    ['a < b > c', 'a &lt; b &gt; c'],
    ['x" onmouseover="alert(1)', 'x&quot; onmouseover=&quot;alert(1)'],
    ['&lt;', '&amp;lt;'],
    ['plain text é ▲', 'plain text é ▲'],
  ])('escapes %j as %j', (input, expected) => {
    expect(escapeHtml(input)).toBe(expected);
  });
});

describe('safeHref', () => {
  it.each([
    ['https://example.com/runbook', 'https://example.com/runbook'],
    ['file:///tmp/x.json', 'file:///tmp/x.json'],
    ['../reports/latest.html', '../reports/latest.html'],
    ['mailto:oncall@example.com', 'mailto:oncall@example.com'],
  ])('keeps %j', (input, expected) => {
    expect(safeHref(input)).toBe(expected);
  });

  it.each([
    'javascript:alert(1)',
    ' JavaScript:alert(1)',
    'data:text/html,<b>x</b>',
    'vbscript:x',
    'java\tscript:x',
    '',
  ])('refuses %j', (input) => {
    expect(safeHref(input)).toBeUndefined();
  });
});
