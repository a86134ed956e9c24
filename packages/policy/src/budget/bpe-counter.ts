import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** The parts of a js-tiktoken rank file a counter needs: the split pattern and the compressed ranks. */
export interface BpeRanks {
  pat_str: string;
  bpe_ranks: string;
}

const MAGIC = 0x4c534250; // 'LSBP'
const FORMAT = 1;
const HEADER_BYTES = 20;

/**
 * The vocabulary as an open-addressing hash table over token bytes, laid out in one buffer so that it can be saved
 * to a cache file and used straight from the file's bytes (no parsing): a header, then `slots` offsets, lengths and
 * ranks (Uint32 each; length 0 marks an empty slot), then the token bytes, then the pre-tokenizer pattern.
 */
export class BpeTable {
  readonly buffer: Uint8Array;
  readonly #mask: number;
  readonly #offsets: Uint32Array;
  readonly #lengths: Uint32Array;
  readonly #ranks: Uint32Array;
  readonly #blob: Uint8Array;
  /** The pre-tokenizer pattern (a regular expression source) of the vocabulary. */
  readonly pattern: string;

  private constructor(buffer: Uint8Array) {
    if (buffer.length < HEADER_BYTES) throw new Error('not a token table');
    const header = new Uint32Array(buffer.buffer, buffer.byteOffset, 5);
    if (header[0] !== MAGIC || header[1] !== FORMAT) throw new Error('not a token table');
    const slots = header[2]!;
    this.buffer = buffer;
    this.#mask = slots - 1;
    const base = buffer.byteOffset + HEADER_BYTES;
    this.#offsets = new Uint32Array(buffer.buffer, base, slots);
    this.#lengths = new Uint32Array(buffer.buffer, base + slots * 4, slots);
    this.#ranks = new Uint32Array(buffer.buffer, base + slots * 8, slots);
    this.#blob = new Uint8Array(buffer.buffer, base + slots * 12, header[3]!);
    const patternAt = base + slots * 12 + Math.ceil(header[3]! / 4) * 4;
    this.pattern = new TextDecoder().decode(new Uint8Array(buffer.buffer, patternAt, header[4]!));
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
    const paddedBlob = Math.ceil(blobLength / 4) * 4;
    const pattern = new TextEncoder().encode(ranks.pat_str);
    const buffer = new Uint8Array(HEADER_BYTES + slots * 12 + paddedBlob + pattern.length);
    const header = new Uint32Array(buffer.buffer, 0, 5);
    header.set([MAGIC, FORMAT, slots, blobLength, pattern.length]);
    buffer.set(pattern, HEADER_BYTES + slots * 12 + paddedBlob);
    const offsets = new Uint32Array(buffer.buffer, HEADER_BYTES, slots);
    const lengths = new Uint32Array(buffer.buffer, HEADER_BYTES + slots * 4, slots);
    const rankOf = new Uint32Array(buffer.buffer, HEADER_BYTES + slots * 8, slots);
    const blob = new Uint8Array(buffer.buffer, HEADER_BYTES + slots * 12, blobLength);
    let at = 0;
    for (const { bytes, rank } of tokens) {
      blob.set(bytes, at);
      let slot = hashBytes(bytes, 0, bytes.length) & (slots - 1);
      while (lengths[slot] !== 0) slot = (slot + 1) & (slots - 1);
      offsets[slot] = at;
      lengths[slot] = bytes.length;
      rankOf[slot] = rank;
      at += bytes.length;
    }
    return new BpeTable(buffer);
  }

  /** The rank of bytes[start, end), or -1 when they are not one token. */
  rank(bytes: Uint8Array, start: number, end: number): number {
    const length = end - start;
    let slot = hashBytes(bytes, start, end) & this.#mask;
    for (;;) {
      const candidateLength = this.#lengths[slot]!;
      if (candidateLength === 0) return -1;
      if (candidateLength === length) {
        const offset = this.#offsets[slot]!;
        let index = 0;
        while (index < length && this.#blob[offset + index] === bytes[start + index]) index++;
        if (index === length) return this.#ranks[slot]!;
      }
      slot = (slot + 1) & this.#mask;
    }
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
 * How many tokens one piece becomes: tiktoken's byte-pair merge (repeatedly join the adjacent pair of lowest rank),
 * the same algorithm as js-tiktoken's `bytePairMerge`, counting what remains.
 */
function mergedTokenCount(bytes: Uint8Array, length: number, table: BpeTable, starts: number[]): number {
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

/**
 * A token counter over a tiktoken vocabulary: the same pre-tokenizer pattern and merges as js-tiktoken's encoder,
 * hence the same counts, but it only counts. Special-token text such as `<|endoftext|>` counts as ordinary text
 * (js-tiktoken's encoder throws on it), so no prompt can make an estimate fail.
 */
export function createBpeCounter(table: BpeTable): (text: string) => number {
  const pattern = new RegExp(table.pattern, 'gu');
  const encoder = new TextEncoder();
  let scratch = new Uint8Array(256);
  const starts: number[] = [];
  return (text) => {
    let count = 0;
    for (const match of text.matchAll(pattern)) {
      const piece = match[0];
      if (piece.length * 3 > scratch.length) scratch = new Uint8Array(piece.length * 3);
      const { written } = encoder.encodeInto(piece, scratch);
      if (written === 1 || table.rank(scratch, 0, written) >= 0) count += 1;
      else count += mergedTokenCount(scratch, written, table, starts);
    }
    return count;
  };
}

/**
 * The table for a rank file, from `cacheFile` when it holds one, else built (a few hundred milliseconds) and saved
 * there for the next process (atomically; a cache that cannot be written is only slower).
 */
export function loadBpeTable(loadRanks: () => BpeRanks, cacheFile: string | undefined): BpeTable {
  if (cacheFile) {
    try {
      return BpeTable.fromBytes(readFileSync(cacheFile));
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
    } catch {
      // A read-only home: every process builds the table.
    }
  }
  return table;
}
