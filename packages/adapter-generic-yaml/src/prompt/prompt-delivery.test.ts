import { describe, expect, it } from 'vitest';
import { maxArgumentPromptBytes, promptAsArgument } from './prompt-delivery.js';

describe('promptAsArgument', () => {
  it('decodes UTF-8 without dropping a byte-order mark', () => {
    const bytes = new Uint8Array([0xef, 0xbb, 0xbf, 0x68, 0xc3, 0xa9]);
    expect(promptAsArgument(bytes, 't')).toBe('\ufeffhé');
  });

  it('allows exactly the limit and refuses one byte more', () => {
    expect(promptAsArgument(new Uint8Array(maxArgumentPromptBytes).fill(0x61), 't')).toHaveLength(
      maxArgumentPromptBytes,
    );
    expect(() => promptAsArgument(new Uint8Array(maxArgumentPromptBytes + 1).fill(0x61), 't')).toThrow(
      expect.objectContaining({ kind: 'tool-error', fallback: false }),
    );
  });

  it('refuses a lone surrogate encoded as bytes (invalid UTF-8)', () => {
    expect(() => promptAsArgument(new Uint8Array([0xed, 0xa0, 0x80]), 't')).toThrow(/not valid UTF-8/);
  });
});
