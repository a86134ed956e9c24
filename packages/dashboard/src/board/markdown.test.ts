import { describe, expect, it } from 'vitest';
import { renderMarkdown } from './markdown.js';

describe('renderMarkdown', () => {
  it('renders markdown', () => {
    expect(renderMarkdown('Implement **GET /budget**.\n\n- one')).toBe(
      '<p>Implement <strong>GET /budget</strong>.</p>\n<ul>\n<li>one</li>\n</ul>\n',
    );
  });

  it('escapes raw HTML', () => {
    const html = renderMarkdown('<img src=x onerror=alert(1)>\n\n<script>alert(1)</script>');
    expect(html).toBe(
      '<p>&lt;img src=x onerror=alert(1)&gt;</p>\n<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>\n',
    );
    expect(html).not.toContain('<img');
    expect(html).not.toContain('<script');
  });

  it('does not make javascript:, vbscript: or data: URLs links', () => {
    for (const url of [
      'javascript:alert(1)',
      'JAVASCRIPT:alert(1)',
      'vbscript:msgbox(1)',
      'data:text/html,x',
    ]) {
      const html = renderMarkdown(`[x](${url})`);
      expect(html).not.toContain('<a');
      expect(html).not.toContain('href');
    }
  });

  it('opens links in a new tab without a handle on the page, and links bare URLs', () => {
    expect(renderMarkdown('[docs](https://example.com/a) and https://example.org')).toBe(
      '<p><a href="https://example.com/a" target="_blank" rel="noopener noreferrer">docs</a> and ' +
        '<a href="https://example.org" target="_blank" rel="noopener noreferrer">https://example.org</a></p>\n',
    );
  });
});
