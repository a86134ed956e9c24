import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type * as TiktokenLite from 'js-tiktoken/lite';
import type O200kBase from 'js-tiktoken/ranks/o200k_base';
import {
  BpeTable,
  LAZY_MAX_TEXT_CHARS,
  LazyBpeTable,
  asciiPattern,
  createBpeCounter,
  loadBpeTable,
} from './bpe-counter.js';
import { O200K_CACHE_FILE, o200kCounter } from './estimate.js';

const load = createRequire(import.meta.url);
const ranks = load('js-tiktoken/ranks/o200k_base') as typeof O200kBase;
const { Tiktoken } = load('js-tiktoken/lite') as typeof TiktokenLite;
const reference = new Tiktoken(ranks);
const table = BpeTable.fromRanks(ranks);
const count = createBpeCounter(table);

const dirs: string[] = [];
afterAll(() => dirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

const samples = [
  'hello',
  'hello world',
  'héllo wörld 日本語のテキスト 🎉🎉 emoji 👩‍👩‍👧',
  'function f(x) {\n  return x ** 2; // square\n}\n\n\n   indented',
  'ﬁ ligatures — dashes “quotes” ‘single’ … ellipsis',
  'a'.repeat(300),
  '1234567890 3.14159 0xDEADBEEF 1e-9',
  'Ünïcödé ÀÉÎÕÜ ß ø æ œ Ελληνικά русский العربية हिन्दी',
  '\t\ttabs\r\nCRLF\r\n  \n',
  "mixedCASEWords and SNAKE_case and kebab-case-words, it's they'RE we've",
  'SGVsbG8gV29ybGQhIFRoaXMgaXMgYmFzZTY0IGVuY29kZWQgdGV4dC4=',
  '<html><body><div class="x">text</div></body></html>',
];

describe('the counting BPE encoder', () => {
  it.each(samples)('counts exactly as js-tiktoken o200k_base: %j', (text) => {
    expect(count(text)).toBe(reference.encode(text).length);
  });

  it('counts the short pieces it has counted before from memory, with the same counts', () => {
    let lookups = 0;
    const watched = createBpeCounter({
      pattern: table.pattern,
      rank: (bytes, start, end) => {
        lookups += 1;
        return table.rank(bytes, start, end);
      },
    });
    const text = `${samples[3]} ${samples[9]}`;
    const first = watched(text);
    expect(lookups).toBeGreaterThan(0);
    lookups = 0;
    expect(watched(text)).toBe(first);
    expect(watched(text)).toBe(reference.encode(text).length);
    expect(lookups).toBe(0);
    // A long piece (here 300 characters of one letter) is counted afresh each time: it is not remembered.
    watched('a'.repeat(300));
    lookups = 0;
    expect(watched('a'.repeat(300))).toBe(reference.encode('a'.repeat(300)).length);
    expect(lookups).toBeGreaterThan(0);
  });

  it('counts a long mixed document exactly as js-tiktoken', () => {
    const document = samples.join('\n').repeat(40);
    expect(count(document)).toBe(reference.encode(document).length);
  });

  it('splits ASCII text with the ASCII form of the pattern into exactly the pieces of the Unicode one', () => {
    const ascii = asciiPattern(ranks.pat_str);
    expect(ascii).toBeDefined();
    expect(ascii).not.toMatch(/\\p/i);
    // Each property class the rewrite knows matches exactly these ASCII characters.
    const allAscii = Array.from({ length: 128 }, (_, code) => String.fromCharCode(code));
    const classes: Record<string, string> = {
      L: 'A-Za-z',
      Lu: 'A-Z',
      Ll: 'a-z',
      Lt: '',
      Lm: '',
      Lo: '',
      M: '',
      N: '0-9',
    };
    for (const [name, range] of Object.entries(classes)) {
      const property = new RegExp(`\\p{${name}}`, 'u');
      const expected = range === '' ? [] : allAscii.filter((char) => new RegExp(`[${range}]`).test(char));
      expect(
        allAscii.filter((char) => property.test(char)),
        name,
      ).toEqual(expected);
    }
    const unicode = new RegExp(ranks.pat_str, 'gu');
    const rewritten = new RegExp(ascii!, 'g');
    const pieces = (text: string, pattern: RegExp) => Array.from(text.matchAll(pattern), (match) => match[0]);
    // Random ASCII text weighted towards what the pattern distinguishes: cases, digits, apostrophe suffixes,
    // whitespace of every kind, punctuation, slashes and line ends.
    const parts = [
      ...allAscii,
      "'s",
      "'S",
      "'re",
      "'LL",
      "'d",
      ' ',
      ' ',
      '  ',
      '\r\n',
      '\n\n',
      '\t',
      '/',
      'ab',
      'AB',
      '123',
    ];
    let seed = 7;
    const random = (limit: number) => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return seed % limit;
    };
    for (let round = 0; round < 2000; round++) {
      let text = '';
      for (let index = random(40); index >= 0; index--) text += parts[random(parts.length)];
      expect(pieces(text, rewritten), JSON.stringify(text)).toEqual(pieces(text, unicode));
    }
    for (const text of samples) expect(count(text)).toBe(reference.encode(text).length);
  });

  it('rewrites only patterns it fully understands', () => {
    expect(asciiPattern('\\p{N}{1,3}|[^\\s\\p{L}]+')).toBe('[0-9]{1,3}|[^\\sA-Za-z]+');
    expect(asciiPattern('\\p{Greek}+')).toBeUndefined();
    expect(asciiPattern('[^\\P{L}]')).toBeUndefined();
    expect(asciiPattern('\\p{M}+')).toBeUndefined();
    expect(asciiPattern('[\\p{M}]')).toBeUndefined();
  });

  it('counts special-token text as ordinary text instead of throwing', () => {
    expect(() => reference.encode('a <|endoftext|> b')).toThrow();
    expect(count('a <|endoftext|> b')).toBe(reference.encode('a <|endoftext|> b', [], []).length);
  });

  it('saves its table to a cache file and reads it back unchanged; a corrupt cache is rebuilt', () => {
    const dir = mkdtempSync(join(tmpdir(), 'llm-service-bpe-'));
    dirs.push(dir);
    const file = join(dir, 'nested', 'table.bin');
    let built = 0;
    const loadRanks = () => {
      built++;
      return ranks;
    };
    const stale = join(dir, 'nested', 'old-format.bin');
    mkdirSync(join(dir, 'nested'));
    writeFileSync(stale, 'an earlier format');
    const first = loadBpeTable(loadRanks, file, [stale]);
    const second = loadBpeTable(loadRanks, file);
    expect(built).toBe(1);
    expect(first).toBeInstanceOf(BpeTable);
    expect(Buffer.compare(readFileSync(file), (first as BpeTable).buffer)).toBe(0);
    expect(existsSync(stale)).toBe(false);
    expect(second).toBeInstanceOf(LazyBpeTable);
    expect(createBpeCounter(second)(samples[3]!)).toBe(count(samples[3]!));
    expect(second.pattern).toBe(ranks.pat_str);
    writeFileSync(file, 'garbage');
    expect(createBpeCounter(loadBpeTable(loadRanks, file))('hello world')).toBe(2);
    expect(built).toBe(2);
    // A table cut short (a full disk, another program) is not trusted either.
    writeFileSync(file, readFileSync(file).subarray(0, 1_000_000));
    expect(createBpeCounter(loadBpeTable(loadRanks, file))('hello world')).toBe(2);
    expect(built).toBe(3);
  });

  it('counts from the saved file as from the table in memory, reading the whole file only for much text', () => {
    const dir = mkdtempSync(join(tmpdir(), 'llm-service-bpe-'));
    dirs.push(dir);
    const file = join(dir, 'table.bin');
    writeFileSync(file, table.buffer);
    const lazy = LazyBpeTable.open(file);
    const lazyCount = createBpeCounter(lazy);
    const prompt = 'Summarise the design of a rate limiter in three sentences.';
    expect(lazyCount(prompt)).toBe(reference.encode(prompt).length);
    // A short text reads a few pages of the 7.7 MB table.
    expect(lazy.reading).toEqual({ pages: expect.any(Number) as number });
    expect((lazy.reading as { pages: number }).pages).toBeLessThan(60);
    for (const text of samples) expect(lazyCount(text), text).toBe(count(text));
    // A long text reads it whole, at once, and counts the same.
    const document = samples.join('\n').repeat(40);
    expect(document.length).toBeGreaterThan(LAZY_MAX_TEXT_CHARS);
    const whole = LazyBpeTable.open(file);
    expect(createBpeCounter(whole)(document)).toBe(count(document));
    expect(whole.reading).toBe('whole');
    // Many short texts too, once they have read LAZY_MAX_PAGES pages one by one.
    const manyTable = LazyBpeTable.open(file);
    const many = createBpeCounter(manyTable);
    const words = document.split(/\s+/);
    expect(words.reduce((sum, word) => sum + many(word), 0)).toBe(
      words.reduce((sum, word) => sum + count(word), 0),
    );
    expect(manyTable.reading).toBe('whole');
  });

  it('o200kCounter uses and fills the cache directory', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'llm-service-bpe-'));
    dirs.push(dir);
    const counter = await o200kCounter({ cacheDir: dir });
    expect(counter('hello world')).toBe(2);
    expect(readFileSync(join(dir, O200K_CACHE_FILE)).length).toBeGreaterThan(1_000_000);
  });
});
