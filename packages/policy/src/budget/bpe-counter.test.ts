import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type * as TiktokenLite from 'js-tiktoken/lite';
import type O200kBase from 'js-tiktoken/ranks/o200k_base';
import { BpeTable, createBpeCounter, loadBpeTable } from './bpe-counter.js';
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

  it('counts a long mixed document exactly as js-tiktoken', () => {
    const document = samples.join('\n').repeat(40);
    expect(count(document)).toBe(reference.encode(document).length);
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
    const first = loadBpeTable(loadRanks, file);
    const second = loadBpeTable(loadRanks, file);
    expect(built).toBe(1);
    expect(Buffer.compare(readFileSync(file), first.buffer)).toBe(0);
    expect(createBpeCounter(second)(samples[3]!)).toBe(count(samples[3]!));
    expect(second.pattern).toBe(ranks.pat_str);
    writeFileSync(file, 'garbage');
    expect(createBpeCounter(loadBpeTable(loadRanks, file))('hello world')).toBe(2);
    expect(built).toBe(2);
  });

  it('o200kCounter uses and fills the cache directory', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'llm-service-bpe-'));
    dirs.push(dir);
    const counter = await o200kCounter({ cacheDir: dir });
    expect(counter('hello world')).toBe(2);
    expect(readFileSync(join(dir, O200K_CACHE_FILE)).length).toBeGreaterThan(1_000_000);
  });
});
