import { describe, expect, it } from 'vitest';
import { parseDotPath, selectPath } from './dot-path.js';

const document = {
  result: 'r',
  content: [{ text: 'a' }, { text: 'b', n: 1 }, 'loose'],
  models: { x: { tokens: 3 }, y: { tokens: 4 } },
  '0': 'key zero',
};

describe('dot paths', () => {
  it('parses segments and rejects empty ones', () => {
    expect(parseDotPath('a.*.b')).toEqual(['a', '*', 'b']);
    expect(parseDotPath('a..b')).toBeUndefined();
    expect(parseDotPath('')).toBeUndefined();
    expect(parseDotPath('.a')).toBeUndefined();
  });

  it.each([
    ['result', ['r']],
    ['content.*.text', ['a', 'b']],
    ['content.1.text', ['b']],
    ['content.9.text', []],
    ['models.*.tokens', [3, 4]],
    ['0', ['key zero']],
    ['result.*', []],
    ['missing.path', []],
    ['*.*.text', ['a', 'b']],
  ])('%s', (path, expected) => {
    expect(selectPath(document, parseDotPath(path) ?? [])).toEqual(expected);
  });
});
