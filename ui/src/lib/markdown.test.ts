import { describe, expect, it } from 'vitest';
import { renderMarkdown } from './markdown';

describe('renderMarkdown', () => {
  it('renders Markdown through the parser', () => {
    expect(renderMarkdown('**大事** な点')).toContain('<strong>大事</strong>');
  });

  it('drops styles and form elements by itself, not only through the CSP', () => {
    const html = renderMarkdown(
      '<style>body{display:none}</style><p style="color:red">x</p>' +
        '<form action="https://evil.example"><input name="p"><button formaction="https://evil.example">Go</button></form>' +
        '<textarea>t</textarea><select><option>o</option></select>',
    );
    for (const banned of ['<style', 'style=', '<form', '<input', '<button', 'formaction', '<textarea', '<select', '<option']) {
      expect(html).not.toContain(banned);
    }
  });

  it('drops scripts, images and link targets', () => {
    const html = renderMarkdown('<script>alert(1)</script><img src=x onerror=alert(1)><a href="https://example.com" target="_blank">l</a>');
    expect(html).not.toContain('<script');
    expect(html).not.toContain('<img');
    expect(html).not.toContain('target=');
    expect(html).toContain('href="https://example.com"');
  });
});
