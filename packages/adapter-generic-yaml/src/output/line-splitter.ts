const newline = 0x0a;

/**
 * Splits a byte stream into lines at `\n`. It works on bytes, not decoded text, so a multi-byte character split
 * across chunks is reassembled before anything decodes it.
 */
export class LineSplitter {
  #pending: Buffer[] = [];

  push(chunk: Buffer, onLine: (line: Buffer) => void): void {
    let start = 0;
    for (let index = chunk.indexOf(newline); index !== -1; index = chunk.indexOf(newline, start)) {
      const piece = chunk.subarray(start, index);
      const line = this.#pending.length > 0 ? Buffer.concat([...this.#pending, piece]) : piece;
      this.#pending = [];
      onLine(line);
      start = index + 1;
    }
    if (start < chunk.length) this.#pending.push(chunk.subarray(start));
  }

  /** The last line, when the stream did not end with a newline. */
  end(onLine: (line: Buffer) => void): void {
    if (this.#pending.length === 0) return;
    const line = Buffer.concat(this.#pending);
    this.#pending = [];
    onLine(line);
  }
}
