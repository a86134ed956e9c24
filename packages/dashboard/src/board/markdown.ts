import MarkdownIt from 'markdown-it';

/**
 * Task descriptions and answers are written by agents, models and anyone with access to the work directory, so they are untrusted: raw
 * HTML is escaped (`html: false`) and markdown-it's default `validateLink` drops javascript:, vbscript: and data:
 * (except images) URLs. Links open in a new tab without giving that tab a handle on the dashboard.
 */
const markdown = new MarkdownIt({ html: false, linkify: true });

const renderToken = markdown.renderer.renderToken.bind(markdown.renderer);
markdown.renderer.rules.link_open = (tokens, index, options) => {
  const token = tokens[index];
  token?.attrSet('target', '_blank');
  token?.attrSet('rel', 'noopener noreferrer');
  return renderToken(tokens, index, options);
};

export function renderMarkdown(source: string): string {
  return markdown.render(source);
}
