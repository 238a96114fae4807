// Markdown through a real parser, then sanitised: user text never reaches the DOM unsanitised.
import { marked } from 'marked';
import DOMPurify from 'dompurify';

export function renderMarkdown(source: string): string {
  const html = marked.parse(source, { async: false, gfm: true, breaks: true });
  // No `target`: a link never opens a window; App.svelte hands it to the system browser. No
  // styles and no form elements, by the sanitiser itself and not only the CSP: a note cannot
  // dress itself as the app, nor ask for input.
  return DOMPurify.sanitize(html, {
    USE_PROFILES: { html: true },
    FORBID_TAGS: ['style', 'img', 'form', 'input', 'button', 'textarea', 'select', 'option', 'label', 'fieldset'],
    FORBID_ATTR: ['target', 'style', 'formaction', 'action'],
  });
}
