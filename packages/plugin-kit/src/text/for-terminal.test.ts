import { describe, expect, it } from 'vitest';
import { forTerminal } from './for-terminal.js';

describe('text from a tool shown on the terminal', () => {
  it('shows control sequences as text instead of letting the terminal obey them', () => {
    const hostile = 'failed\x1b]0;pwned\x07\x1b[2J\x1b[1;1Hall good\x9b31m';
    expect(forTerminal(hostile)).toBe('failed\\x1b]0;pwned\\x07\\x1b[2J\\x1b[1;1Hall good\\x9b31m');
    expect([...forTerminal(hostile)].some((character) => ['\x1b', '\x07', '\x9b'].includes(character))).toBe(
      false,
    );
  });

  it('keeps newlines, tabs and ordinary text, and redacts secrets', () => {
    expect(forTerminal('line one\n\tline two: token=abcdef123456 ünïcode')).toBe(
      'line one\n\tline two: token=[REDACTED] ünïcode',
    );
  });
});
