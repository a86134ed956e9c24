import { LineSplitter, lineText } from '../text/line-splitter.js';

/** How much of the start of stdout is kept, for the message when it turns out not to be the tool's events at all. */
export const firstBytesLimit = 512;

/**
 * Reads a tool's JSON-lines stdout as it arrives: each non-blank line parsed as JSON goes to `onValue`; a line that
 * is not JSON goes to `onUnreadable` (parsers count those, to tell "not this tool's output" from "no events"). The
 * first bytes are kept verbatim for error messages.
 */
export class JsonLinesReader {
  readonly #onValue: (value: unknown) => void;
  readonly #onUnreadable: () => void;
  readonly #lines = new LineSplitter((bytes) => {
    const line = lineText(bytes);
    if (line.trim().length > 0) this.#line(line);
  });
  #firstBytes = Buffer.alloc(0);
  #firstText = '';

  constructor(onValue: (value: unknown) => void, onUnreadable: () => void) {
    this.#onValue = onValue;
    this.#onUnreadable = onUnreadable;
  }

  /** The first `firstBytesLimit` bytes of stdout, decoded. */
  get firstBytes(): string {
    return this.#firstText;
  }

  push(chunk: Buffer): void {
    if (this.#firstBytes.length < firstBytesLimit) {
      this.#firstBytes = Buffer.concat([this.#firstBytes, chunk]).subarray(0, firstBytesLimit);
      this.#firstText = this.#firstBytes.toString('utf8');
    }
    this.#lines.push(chunk);
  }

  /** stdout ended: a last line without its newline still counts. */
  end(): void {
    this.#lines.end();
  }

  #line(line: string): void {
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      this.#onUnreadable();
      return;
    }
    this.#onValue(value);
  }
}

/** What every stream parser counts, besides its tool's own events: see `streamOutputFailure`. */
export interface AnswerStreamState {
  /** Lines that were the tool's events. */
  events: number;
  /** Lines that were not (not JSON, or JSON of no shape the parser knows). */
  unreadableLines: number;
  /** The first bytes of stdout, kept verbatim for error messages. */
  firstBytes: string;
  /** All the answer text handed to `onText`, separators included. */
  emittedText: string;
}

/**
 * The part every parser of a CLI's JSON-lines output shares: stdout in (`push`, `end`), one parsed JSON value at a
 * time to `readEvent`, lines that are not JSON counted as unreadable, the first bytes kept, and answer text handed on
 * through `emitText`. A subclass reads its tool's events into `state`.
 */
export abstract class AnswerStreamParser<S extends AnswerStreamState> {
  readonly state: S;
  readonly #onText: (text: string) => void;
  readonly #lines = new JsonLinesReader(
    (value) => this.readEvent(value),
    () => {
      this.state.unreadableLines += 1;
    },
  );

  /** `fields` is the state the subclass adds, at its starting values. */
  constructor(fields: Omit<S, keyof AnswerStreamState>, onText: (text: string) => void) {
    // The spread is `S` (its own fields plus the shared ones), which TypeScript cannot see through `Omit`.
    this.state = { ...fields, events: 0, unreadableLines: 0, firstBytes: '', emittedText: '' } as S;
    this.#onText = onText;
  }

  push(chunk: Buffer): void {
    this.#lines.push(chunk);
    this.state.firstBytes = this.#lines.firstBytes;
  }

  /** stdout ended: a last line without its newline still counts. */
  end(): void {
    this.#lines.end();
  }

  /** Hands answer text to the caller and remembers it; empty text is no answer and is not handed on. */
  emitText(text: string): void {
    if (text.length === 0) return;
    this.state.emittedText += text;
    this.#onText(text);
  }

  /** One line of stdout, parsed as JSON: an event of the tool's, or a value to count as unreadable. */
  protected abstract readEvent(value: unknown): void;
}
