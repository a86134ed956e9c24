import { describe, expect, it } from 'vitest';
import { buildPrompt } from '../src/index.js';

describe('buildPrompt', () => {
  const encode = (text: string) => new TextEncoder().encode(text);
  const decode = (bytes: Uint8Array) => Buffer.from(bytes).toString('latin1');

  it('returns the prompt itself when there is no context', () => {
    const prompt = encode('hello');
    expect(buildPrompt(prompt)).toBe(prompt);
    expect(buildPrompt(prompt, [])).toBe(prompt);
  });

  it('puts each context file before the prompt, in order, as a <context file> block', () => {
    const result = buildPrompt(encode('Review this.'), [
      { name: 'src/a.ts', content: encode('const a = 1;\n') },
      { name: 'b.md', content: encode('no newline') },
      { name: 'empty.txt', content: new Uint8Array() },
    ]);
    expect(new TextDecoder().decode(result)).toBe(
      '<context file="src/a.ts">\nconst a = 1;\n</context>\n\n' +
        '<context file="b.md">\nno newline\n</context>\n\n' +
        '<context file="empty.txt">\n\n</context>\n\n' +
        'Review this.',
    );
  });

  it('escapes characters of the file name that would break the tag', () => {
    const result = buildPrompt(encode('p'), [{ name: 'a"b<c>&d.txt', content: encode('x') }]);
    expect(new TextDecoder().decode(result)).toContain('<context file="a&#34;b&#60;c&#62;&#38;d.txt">');
  });

  it('keeps bytes as they are: invalid UTF-8 and NUL survive in both prompt and context', () => {
    const invalidContent = Uint8Array.from([0x66, 0xff, 0xfe, 0x00, 0xc3, 0x28, 0x80]);
    const invalidPrompt = Uint8Array.from([0xe2, 0x82, 0x61, 0x0a, 0xf0, 0x9f, 0x98, 0x80]);
    const result = buildPrompt(invalidPrompt, [{ name: 'bin.dat', content: invalidContent }]);
    const header = encode('<context file="bin.dat">\n');
    const footer = encode('\n</context>\n\n');
    expect(Array.from(result)).toEqual([...header, ...invalidContent, ...footer, ...invalidPrompt]);
    expect(decode(result.subarray(result.length - invalidPrompt.length))).toBe(decode(invalidPrompt));
  });
});
