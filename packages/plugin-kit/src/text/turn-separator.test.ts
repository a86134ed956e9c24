import { describe, expect, it } from 'vitest';
import { turnSeparator } from './turn-separator.js';

describe('turnSeparator', () => {
  it('makes a blank line between turns, counting the newlines already there', () => {
    expect(turnSeparator('')).toBe('');
    expect(turnSeparator('text')).toBe('\n\n');
    expect(turnSeparator('text\n')).toBe('\n');
    expect(turnSeparator('text\n\n')).toBe('');
  });
});
