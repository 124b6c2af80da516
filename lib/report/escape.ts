/** Escaping for every string that reaches the HTML from data or configuration. */

const HTML_ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/**
 * Escapes text for HTML element content and quoted attribute values.
 * @example escapeHtml('<b title="x">') // => '&lt;b title=&quot;x&quot;&gt;'
 */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c] ?? c);
}

const SAFE_SCHEMES = ['http:', 'https:', 'file:', 'mailto:', 's3:'];

/**
 * A link target safe to put in `href`: relative paths and http(s), file, mailto and s3 URLs pass;
 * anything else (`javascript:`, `data:`) gives `undefined`, and the caller shows plain text.
 * @example safeHref('javascript:alert(1)') // => undefined
 */
export function safeHref(href: string): string | undefined {
  const trimmed = href.trim();
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters can hide a scheme
  if (trimmed === '' || /[\u0000-\u001f\u007f]/.test(trimmed)) return undefined;
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(trimmed)?.[1];
  if (scheme === undefined) return trimmed;
  return SAFE_SCHEMES.includes(`${scheme.toLowerCase()}:`) ? trimmed : undefined;
}
