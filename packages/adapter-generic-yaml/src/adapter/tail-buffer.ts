/** Keeps the last `limit` bytes of a stream: the end of a failing tool's output usually says why it failed. */
export class TailBuffer {
  readonly #limit: number;
  #bytes = Buffer.alloc(0);

  constructor(limit: number) {
    this.#limit = limit;
  }

  push(chunk: Buffer): void {
    this.#bytes = Buffer.concat([this.#bytes, chunk]);
    if (this.#bytes.length > this.#limit)
      this.#bytes = this.#bytes.subarray(this.#bytes.length - this.#limit);
  }

  text(): string {
    return this.#bytes.toString('utf8');
  }
}
