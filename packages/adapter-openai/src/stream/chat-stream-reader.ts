import { LineSplitter, lineText } from '@llm-service/plugin-kit';
import { chunkSchema, errorBodySchema, type WireError } from './wire-schemas.js';

/** What a Chat Completions event stream said so far. */
export interface ChatStreamState {
  text: string;
  /** The model the server named in its chunks, when it did. */
  model: string | undefined;
  /** The last `usage` value a chunk carried (checked when the stream ends, by `usageFromWire`). */
  usage: unknown;
  finishReason: string | undefined;
  /** `data: [DONE]` arrived: the stream is whole. */
  done: boolean;
  /** An error event the server sent instead of the rest of the answer. */
  error: WireError | undefined;
  events: number;
  /** The first bytes received, kept to show what a server that does not speak SSE sent. */
  firstBytes: string;
}

/** A `data:` payload that is not a chunk, an error or `[DONE]`. */
export class UnreadableEventError extends Error {
  constructor(readonly data: string) {
    super('the server sent an event that is not a chat.completion.chunk');
    this.name = 'UnreadableEventError';
  }
}

const firstBytesKept = 500;

/**
 * Reads a server-sent event stream of `chat.completion.chunk`s as it arrives (WHATWG SSE framing: `data:` lines,
 * several joined by newlines, an empty line ending the event, `:` comments such as OpenRouter's keep-alives). Each
 * content delta goes to `onText` at once. Every payload is checked with zod; one that is not JSON or not a chunk
 * throws `UnreadableEventError`, since nothing after it can be trusted to belong to the same answer.
 */
export class ChatStreamReader {
  readonly state: ChatStreamState = {
    text: '',
    model: undefined,
    usage: undefined,
    finishReason: undefined,
    done: false,
    error: undefined,
    events: 0,
    firstBytes: '',
  };
  readonly #onText: (text: string) => void;
  readonly #lines = new LineSplitter((line) => this.#line(lineText(line)));
  #data: string[] = [];
  #eventName = '';

  constructor(onText: (text: string) => void) {
    this.#onText = onText;
  }

  push(chunk: Uint8Array): void {
    if (this.state.firstBytes.length < firstBytesKept) {
      this.state.firstBytes += Buffer.from(chunk.subarray(0, firstBytesKept)).toString('utf8');
      this.state.firstBytes = this.state.firstBytes.slice(0, firstBytesKept);
    }
    this.#lines.push(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength));
  }

  /** The body ended: a last event without its empty line still counts. */
  end(): void {
    this.#lines.end();
    this.#dispatch();
  }

  #line(line: string): void {
    if (line === '') return this.#dispatch();
    if (line.startsWith(':')) return;
    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    const value = colon === -1 ? '' : line.slice(colon + 1).replace(/^ /, '');
    if (field === 'data') this.#data.push(value);
    else if (field === 'event') this.#eventName = value;
  }

  #dispatch(): void {
    if (this.#data.length === 0) return;
    const data = this.#data.join('\n');
    const eventName = this.#eventName;
    this.#data = [];
    this.#eventName = '';
    // Whatever follows [DONE] (a proxy's trailer) is not part of the answer.
    if (this.state.done || this.state.error) return;
    this.state.events += 1;
    if (data.trim() === '[DONE]') {
      this.state.done = true;
      return;
    }
    let json: unknown;
    try {
      json = JSON.parse(data);
    } catch {
      throw new UnreadableEventError(data);
    }
    const failure = errorBodySchema.safeParse(json);
    if (failure.success || eventName === 'error') {
      const error = failure.success ? failure.data.error : undefined;
      this.state.error = typeof error === 'string' ? { message: error } : (error ?? { message: data });
      return;
    }
    const chunk = chunkSchema.safeParse(json);
    if (!chunk.success) throw new UnreadableEventError(data);
    if (chunk.data.model) this.state.model = chunk.data.model;
    if (chunk.data.usage !== undefined && chunk.data.usage !== null) this.state.usage = chunk.data.usage;
    const choice = chunk.data.choices?.[0];
    const content = choice?.delta?.content;
    if (content) {
      this.state.text += content;
      this.#onText(content);
    }
    if (choice?.finish_reason) this.state.finishReason = choice.finish_reason;
  }
}
