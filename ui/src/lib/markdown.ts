// Markdown through a real parser, then sanitised: user text never reaches the DOM unsanitised.
import { marked } from 'marked';
import DOMPurify from 'dompurify';

export function renderMarkdown(source: string): string {
  const html = marked.parse(source, { async: false, gfm: true, breaks: true });
  // No `target`: a link never opens a window; App.svelte hands it to the system browser.
  return DOMPurify.sanitize(html, { USE_PROFILES: { html: true }, FORBID_TAGS: ['style', 'img'], FORBID_ATTR: ['target'] });
}
