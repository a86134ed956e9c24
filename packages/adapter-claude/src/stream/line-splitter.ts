/**
 * Cuts a byte stream into lines. Splitting happens on bytes, before decoding, so a multi-byte UTF-8 character that
 * straddles two chunks is decoded whole.
 */
export class LineSplitter {
  readonly #onLine: (line: string) => void;
  #pending: Buffer = Buffer.alloc(0);

  constructor(onLine: (line: string) => void) {
    this.#onLine = onLine;
  }

  push(chunk: Buffer): void {
    let bytes = this.#pending.length === 0 ? chunk : Buffer.concat([this.#pending, chunk]);
    for (let newline = bytes.indexOf(0x0a); newline !== -1; newline = bytes.indexOf(0x0a)) {
      this.#emit(bytes.subarray(0, newline));
      bytes = bytes.subarray(newline + 1);
    }
    // Copied so the kept tail does not pin the whole chunk it came from.
    this.#pending = Buffer.from(bytes);
  }

  /** A last line without a newline still counts. */
  end(): void {
    if (this.#pending.length > 0) this.#emit(this.#pending);
    this.#pending = Buffer.alloc(0);
  }

  #emit(bytes: Buffer): void {
    const line = bytes.toString('utf8').replace(/\r$/, '');
    if (line.trim().length > 0) this.#onLine(line);
  }
}
