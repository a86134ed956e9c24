import {
  closeSync,
  fstatSync,
  mkdirSync,
  openSync,
  readSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';

/** The parts of a js-tiktoken rank file a counter needs: the split pattern and the compressed ranks. */
export interface BpeRanks {
  pat_str: string;
  bpe_ranks: string;
}

const MAGIC = 0x4c534250; // 'LSBP'
/** 2: each slot's offset, length and rank side by side, so that a lookup from the file reads one place. */
const FORMAT = 2;
const HEADER_WORDS = 5;
const HEADER_BYTES = HEADER_WORDS * 4;
const SLOT_WORDS = 3;
const SLOT_BYTES = SLOT_WORDS * 4;

/** Looks up token ranks: what a counter needs of a vocabulary. */
export interface RankTable {
  /** The pre-tokenizer pattern (a regular expression source) of the vocabulary. */
  readonly pattern: string;
  /** The rank of bytes[start, end), or -1 when they are not one token. */
  rank(bytes: Uint8Array, start: number, end: number): number;
  /** Called with the length of each text before it is counted: a large text is worth reading the whole table. */
  beforeCounting?(textLength: number): void;
}

/** Where the parts of a table lie, from its header; throws when the header is not one of ours. */
function tableLayout(header: Uint32Array, byteLength: number) {
  if (header[0] !== MAGIC || header[1] !== FORMAT) throw new Error('not a token table');
  const slots = header[2]!;
  const blobBytes = header[3]!;
  const patternBytes = header[4]!;
  const blobAt = HEADER_BYTES + slots * SLOT_BYTES;
  const patternAt = blobAt + Math.ceil(blobBytes / 4) * 4;
  if ((slots & (slots - 1)) !== 0 || patternAt + patternBytes !== byteLength)
    throw new Error('not a token table');
  return { slots, blobAt, blobBytes, patternAt, patternBytes };
}

/**
 * The vocabulary as an open-addressing hash table over token bytes, laid out in one buffer so that it can be saved
 * to a cache file and used straight from the file's bytes (no parsing): a header, then `slots` slots of three
 * Uint32 (offset, length and rank of a token; length 0 marks an empty slot), then the token bytes, then the
 * pre-tokenizer pattern.
 */
export class BpeTable implements RankTable {
  readonly buffer: Uint8Array;
  readonly #mask: number;
  readonly #slots: Uint32Array;
  readonly #blob: Uint8Array;
  readonly pattern: string;

  private constructor(buffer: Uint8Array) {
    if (buffer.length < HEADER_BYTES) throw new Error('not a token table');
    const layout = tableLayout(
      new Uint32Array(buffer.buffer, buffer.byteOffset, HEADER_WORDS),
      buffer.length,
    );
    this.buffer = buffer;
    this.#mask = layout.slots - 1;
    this.#slots = new Uint32Array(buffer.buffer, buffer.byteOffset + HEADER_BYTES, layout.slots * SLOT_WORDS);
    this.#blob = new Uint8Array(buffer.buffer, buffer.byteOffset + layout.blobAt, layout.blobBytes);
    this.pattern = new TextDecoder().decode(buffer.subarray(layout.patternAt));
  }

  /** Reads a table saved by `buffer`; throws on anything else. */
  static fromBytes(bytes: Uint8Array): BpeTable {
    // Uint32Array views need 4-byte alignment: copy when a file's buffer is not aligned.
    const aligned = bytes.byteOffset % 4 === 0 ? bytes : new Uint8Array(bytes);
    return new BpeTable(aligned);
  }

  /** Builds the table from a js-tiktoken rank file. */
  static fromRanks(ranks: BpeRanks): BpeTable {
    const tokens: { bytes: Buffer; rank: number }[] = [];
    let blobLength = 0;
    for (const line of ranks.bpe_ranks.split('\n')) {
      if (line.length === 0) continue;
      const fields = line.split(' ');
      const offset = Number.parseInt(fields[1] ?? '0', 10);
      for (let index = 2; index < fields.length; index++) {
        const bytes = Buffer.from(fields[index]!, 'base64');
        tokens.push({ bytes, rank: offset + index - 2 });
        blobLength += bytes.length;
      }
    }
    let slots = 1;
    while (slots < tokens.length * 2) slots *= 2;
    const blobAt = HEADER_BYTES + slots * SLOT_BYTES;
    const patternAt = blobAt + Math.ceil(blobLength / 4) * 4;
    const pattern = new TextEncoder().encode(ranks.pat_str);
    const buffer = new Uint8Array(patternAt + pattern.length);
    new Uint32Array(buffer.buffer, 0, HEADER_WORDS).set([MAGIC, FORMAT, slots, blobLength, pattern.length]);
    buffer.set(pattern, patternAt);
    const table = new Uint32Array(buffer.buffer, HEADER_BYTES, slots * SLOT_WORDS);
    let at = 0;
    for (const { bytes, rank } of tokens) {
      buffer.set(bytes, blobAt + at);
      let slot = hashBytes(bytes, 0, bytes.length) & (slots - 1);
      while (table[slot * SLOT_WORDS + 1] !== 0) slot = (slot + 1) & (slots - 1);
      table.set([at, bytes.length, rank], slot * SLOT_WORDS);
      at += bytes.length;
    }
    return new BpeTable(buffer);
  }

  rank(bytes: Uint8Array, start: number, end: number): number {
    const length = end - start;
    const slots = this.#slots;
    let slot = hashBytes(bytes, start, end) & this.#mask;
    for (;;) {
      const candidateLength = slots[slot * SLOT_WORDS + 1]!;
      if (candidateLength === 0) return -1;
      if (candidateLength === length) {
        const offset = slots[slot * SLOT_WORDS]!;
        let index = 0;
        while (index < length && this.#blob[offset + index] === bytes[start + index]) index++;
        if (index === length) return slots[slot * SLOT_WORDS + 2]!;
      }
      slot = (slot + 1) & this.#mask;
    }
  }
}

const PAGE_BYTES = 4096;
/** Texts at least this long are counted from the whole table in memory, read at once. */
export const LAZY_MAX_TEXT_CHARS = 4096;
/** After this many pages read one by one, the rest of the table is read at once (about what that read costs). */
export const LAZY_MAX_PAGES = 512;

/**
 * A saved table looked up in place, through its file: each lookup reads the page of its slots and of its token's
 * bytes (a positioned read each, kept for the next lookup), until a large text or many lookups make reading the
 * whole table cheaper; then it is read at once and the file closed.
 *
 * Why: the whole table is 7.7 MB, and reading it took 4 to 11 ms of CPU (mostly the kernel filling fresh pages)
 * in every `exec` whose tool reports no usage, competing with the tool for the CPU while it starts; a short prompt
 * and answer touch about 80 pages (0.3 MB: 43 for the benchmark's prompt, 36 more for its answer).
 */
export class LazyBpeTable implements RankTable {
  readonly pattern: string;
  readonly #size: number;
  readonly #mask: number;
  readonly #blobAt: number;
  readonly #pages = new Map<number, Uint32Array>();
  #fd: number | undefined;
  #table: BpeTable | undefined;

  private constructor(fd: number, header: Uint32Array, size: number) {
    const layout = tableLayout(header, size);
    this.#size = size;
    this.#fd = fd;
    this.#mask = layout.slots - 1;
    this.#blobAt = layout.blobAt;
    const pattern = new Uint8Array(layout.patternBytes);
    if (readSync(fd, pattern, 0, pattern.length, layout.patternAt) !== pattern.length)
      throw new Error('not a token table');
    this.pattern = new TextDecoder().decode(pattern);
  }

  /** Opens a table saved by `BpeTable.buffer`; throws when the file is missing or not one. */
  static open(file: string): LazyBpeTable {
    const fd = openSync(file, 'r');
    try {
      const header = new Uint32Array(HEADER_WORDS);
      const headerBytes = new Uint8Array(header.buffer);
      if (readSync(fd, headerBytes, 0, HEADER_BYTES, 0) !== HEADER_BYTES)
        throw new Error('not a token table');
      return new LazyBpeTable(fd, header, fstatSync(fd).size);
    } catch (error) {
      closeSync(fd);
      throw error;
    }
  }

  beforeCounting(textLength: number): void {
    if (textLength >= LAZY_MAX_TEXT_CHARS) this.#loaded();
  }

  /** How the table is read now: page by page (with how many pages read), or whole. */
  get reading(): { pages: number } | 'whole' {
    return this.#table ? 'whole' : { pages: this.#pages.size };
  }

  rank(bytes: Uint8Array, start: number, end: number): number {
    if (this.#table || this.#pages.size >= LAZY_MAX_PAGES) return this.#loaded().rank(bytes, start, end);
    const length = end - start;
    let slot = hashBytes(bytes, start, end) & this.#mask;
    for (;;) {
      const at = HEADER_BYTES + slot * SLOT_BYTES;
      const candidateLength = this.#word(at + 4);
      if (candidateLength === 0) return -1;
      if (candidateLength === length) {
        const offset = this.#blobAt + this.#word(at);
        let index = 0;
        while (index < length && this.#byte(offset + index) === bytes[start + index]) index++;
        if (index === length) return this.#word(at + 8);
      }
      slot = (slot + 1) & this.#mask;
    }
  }

  /**
   * The whole table in memory, read now if it was not, through the open file (a table saved since by another
   * process replaced the file's name, not these bytes); the file is closed.
   */
  #loaded(): BpeTable {
    if (!this.#table) {
      const fd = this.#fd!;
      const bytes = new Uint8Array(this.#size);
      for (let at = 0; at < bytes.length;) {
        const read = readSync(fd, bytes, at, bytes.length - at, at);
        if (read === 0) throw new Error('the token table was cut short');
        at += read;
      }
      this.#table = BpeTable.fromBytes(bytes);
      this.#pages.clear();
      this.#fd = undefined;
      closeSync(fd);
    }
    return this.#table;
  }

  #page(byteOffset: number): Uint32Array {
    const index = Math.floor(byteOffset / PAGE_BYTES);
    let page = this.#pages.get(index);
    if (!page) {
      page = new Uint32Array(PAGE_BYTES / 4);
      readSync(this.#fd!, new Uint8Array(page.buffer), 0, PAGE_BYTES, index * PAGE_BYTES);
      this.#pages.set(index, page);
    }
    return page;
  }

  /** The Uint32 at a 4-byte aligned offset of the file. */
  #word(byteOffset: number): number {
    return this.#page(byteOffset)[(byteOffset % PAGE_BYTES) / 4]!;
  }

  #byte(byteOffset: number): number {
    return new Uint8Array(this.#page(byteOffset).buffer)[byteOffset % PAGE_BYTES]!;
  }
}

/** FNV-1a over bytes[start, end). */
function hashBytes(bytes: Uint8Array, start: number, end: number): number {
  let hash = 0x811c9dc5;
  for (let index = start; index < end; index++) {
    hash ^= bytes[index]!;
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

/**
 * The pieces a counter remembers (see createBpeCounter): short ones only, since V8 may keep a long piece as a slice of
 * the whole text it came from, and a remembered slice would keep that text (a prompt of megabytes) alive.
 */
const KNOWN_PIECE_MAX_CHARS = 12;
/** At most this many (a few megabytes); past it, pieces are counted as they come. */
const KNOWN_PIECES_MAX = 50_000;

/**
 * How many tokens one piece becomes: tiktoken's byte-pair merge (repeatedly join the adjacent pair of lowest rank),
 * the same algorithm as js-tiktoken's `bytePairMerge`, counting what remains.
 */
function mergedTokenCount(bytes: Uint8Array, length: number, table: RankTable, starts: number[]): number {
  starts.length = 0;
  for (let index = 0; index <= length; index++) starts.push(index);
  while (starts.length > 2) {
    let minRank = Number.POSITIVE_INFINITY;
    let at = -1;
    for (let index = 0; index < starts.length - 2; index++) {
      const rank = table.rank(bytes, starts[index]!, starts[index + 2]!);
      if (rank >= 0 && rank < minRank) {
        minRank = rank;
        at = index;
      }
    }
    if (at < 0) break;
    starts.splice(at + 1, 1);
  }
  return starts.length - 1;
}

/** What each Unicode property class of a tiktoken pattern matches among ASCII characters (checked in the tests). */
const ASCII_CLASSES: Record<string, string> = {
  L: 'A-Za-z',
  Lu: 'A-Z',
  Ll: 'a-z',
  Lt: '',
  Lm: '',
  Lo: '',
  M: '',
  N: '0-9',
};

/**
 * The pre-tokenizer pattern rewritten for text that is all ASCII: each `\p{…}` becomes the ASCII characters it
 * matches, so the expression needs no `u` flag and splits ASCII text exactly as the original does. Undefined when
 * the pattern uses anything this rewrite does not know (another property, `\P{…}`, a class left empty).
 *
 * Why: V8 builds the full Unicode sets of `\p{L}`, `\p{N}`… for the `u` expression, 9.6 ms of CPU on every `exec`
 * whose tool reports no usage (medians of 11 fresh processes: 3.0 ms to parse it, 6.6 ms to compile it on the first
 * match), spent while the tool starts and competing with it for the CPU. The ASCII form takes 0.6 ms, and prompts
 * and answers are mostly ASCII.
 */
export function asciiPattern(pattern: string): string | undefined {
  let out = '';
  let inClass = false;
  for (let index = 0; index < pattern.length; index++) {
    const char = pattern[index]!;
    if (char === '\\') {
      const next = pattern[index + 1];
      if (next === 'p') {
        const close = pattern.indexOf('}', index);
        const name = pattern.slice(index + 3, close);
        const ascii = pattern[index + 2] === '{' && close > 0 ? ASCII_CLASSES[name] : undefined;
        if (ascii === undefined) return undefined;
        out += inClass ? ascii : `[${ascii}]`;
        if (!inClass && ascii === '') return undefined;
        index = close;
        continue;
      }
      if (next === 'P' || next === 'u' || next === 'x') return undefined;
      out += char + (next ?? '');
      index++;
      continue;
    }
    if (char === '[') {
      if (inClass) return undefined;
      inClass = true;
      out += char;
      if (pattern[index + 1] === '^') {
        out += '^';
        index++;
      }
      continue;
    }
    if (char === ']' && inClass) {
      inClass = false;
      if (out.endsWith('[') || out.endsWith('[^')) return undefined;
    }
    out += char;
  }
  return inClass ? undefined : out;
}

/** True when every code unit of the text is ASCII. */
function isAscii(text: string): boolean {
  for (let index = 0; index < text.length; index++) if (text.charCodeAt(index) > 0x7f) return false;
  return true;
}

/**
 * A token counter over a tiktoken vocabulary: the same pre-tokenizer pattern and merges as js-tiktoken's encoder,
 * hence the same counts, but it only counts. Special-token text such as `<|endoftext|>` counts as ordinary text
 * (js-tiktoken's encoder throws on it), so no prompt can make an estimate fail. ASCII text is split with the
 * pattern's ASCII form (same pieces, see asciiPattern); the Unicode expression is built on the first other text.
 * Short pieces counted once are remembered: an answer read while it streamed (the cost estimator's `observeAnswer`)
 * is then counted again from memory, 0.21 ms down to 0.08 ms for the quick start's answer.
 */
export function createBpeCounter(table: RankTable): (text: string) => number {
  const ascii = asciiPattern(table.pattern);
  const asciiExpression = ascii === undefined ? undefined : new RegExp(ascii, 'g');
  let unicodeExpression: RegExp | undefined;
  const encoder = new TextEncoder();
  let scratch = new Uint8Array(256);
  const starts: number[] = [];
  /** Token counts of short pieces already counted: most words recur, within a text and from one text to the next. */
  const known = new Map<string, number>();
  return (text) => {
    table.beforeCounting?.(text.length);
    const pattern =
      asciiExpression && isAscii(text)
        ? asciiExpression
        : (unicodeExpression ??= new RegExp(table.pattern, 'gu'));
    let count = 0;
    for (const match of text.matchAll(pattern)) {
      const piece = match[0];
      const short = piece.length <= KNOWN_PIECE_MAX_CHARS;
      const seen = short ? known.get(piece) : undefined;
      if (seen !== undefined) {
        count += seen;
        continue;
      }
      if (piece.length * 3 > scratch.length) scratch = new Uint8Array(piece.length * 3);
      const { written } = encoder.encodeInto(piece, scratch);
      const tokens =
        written === 1 || table.rank(scratch, 0, written) >= 0
          ? 1
          : mergedTokenCount(scratch, written, table, starts);
      count += tokens;
      if (short && known.size < KNOWN_PIECES_MAX) known.set(piece, tokens);
    }
    return count;
  };
}

/**
 * The table for a rank file, from `cacheFile` when it holds one (looked up in place, see LazyBpeTable), else built
 * (a few hundred milliseconds) and saved there for the next process (atomically; a cache that cannot be written is
 * only slower). `staleFiles` are caches of earlier formats, removed once this one is saved.
 */
export function loadBpeTable(
  loadRanks: () => BpeRanks,
  cacheFile: string | undefined,
  staleFiles: readonly string[] = [],
): RankTable {
  if (cacheFile) {
    try {
      return LazyBpeTable.open(cacheFile);
    } catch {
      // Missing or not ours: build it below.
    }
  }
  const table = BpeTable.fromRanks(loadRanks());
  if (cacheFile) {
    try {
      mkdirSync(join(cacheFile, '..'), { recursive: true, mode: 0o700 });
      const partial = `${cacheFile}.${process.pid}.tmp`;
      writeFileSync(partial, table.buffer);
      renameSync(partial, cacheFile);
      for (const stale of staleFiles) rmSync(stale, { force: true });
    } catch {
      // A read-only home: every process builds the table.
    }
  }
  return table;
}
