import { describe, expect, it } from 'vitest';
import { fitColumns, renderTable } from './table.js';

describe('tables', () => {
  it('keep natural widths when they fit, and shrink the widest columns first when not', () => {
    expect(fitColumns([10, 20, 30], 100, 4)).toEqual([10, 20, 30]);
    expect(fitColumns([10, 20, 60], 60, 4)).toEqual([10, 20, 26]);
    expect(fitColumns([9, 9, 9], 10, 4)).toEqual([8, 8, 8]);
  });

  it('fit a terminal width with borders, wrapping long cells', () => {
    const text = renderTable(
      ['tool', 'path'],
      [['codex', `/a/very/long/path/${'segment/'.repeat(12)}codex`]],
      { width: 40, borders: true },
    );
    for (const line of text.trimEnd().split('\n')) expect([...line].length).toBeLessThanOrEqual(40);
    expect(text).toContain('┌');
  });

  it('off a terminal: aligned columns, no borders, no trailing spaces', () => {
    const text = renderTable(['a', 'bb'], [['xxx', 'y']], { width: undefined, borders: false });
    expect(text).toBe('a    bb\nxxx  y\n');
  });
});
