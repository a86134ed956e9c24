/**
 * What goes between the answer texts of two turns (or messages) so they do not run together: a blank line, counting
 * the newlines `text` already ends with; nothing before the first.
 */
export function turnSeparator(text: string): string {
  if (text.length === 0 || text.endsWith('\n\n')) return '';
  return text.endsWith('\n') ? '\n' : '\n\n';
}
