const newline = 0x0a;

/**
 * Splits a byte stream into lines at `\n`. It works on bytes, not decoded text, so a multi-byte UTF-8 character split
 * across chunks is whole before anything decodes it; a partial line is kept as pieces and joined once, so a long line
 * arriving in many small chunks costs linear time.
 */
export class LineSplitter {
  readonly #onLine: (line: Buffer) => void;
  #pending: Buffer[] = [];

  constructor(onLine: (line: Buffer) => void) {
    this.#onLine = onLine;
  }

  push(chunk: Buffer): void {
    let start = 0;
    for (let index = chunk.indexOf(newline); index !== -1; index = chunk.indexOf(newline, start)) {
      const piece = chunk.subarray(start, index);
      const line = this.#pending.length > 0 ? Buffer.concat([...this.#pending, piece]) : piece;
      this.#pending = [];
      this.#onLine(line);
      start = index + 1;
    }
    // Copied so the kept tail does not pin the whole chunk it came from.
    if (start < chunk.length) this.#pending.push(Buffer.from(chunk.subarray(start)));
  }

  /** The last line, when the stream did not end with a newline, still counts. */
  end(): void {
    if (this.#pending.length === 0) return;
    const line = Buffer.concat(this.#pending);
    this.#pending = [];
    this.#onLine(line);
  }
}

/** A line as text: decoded as UTF-8, without a trailing `\r`. */
export function lineText(line: Buffer): string {
  return line.toString('utf8').replace(/\r$/, '');
}
