import { AnswerStreamParser, turnSeparator, type AnswerStreamState } from '@llm-service/plugin-kit';
import { streamEventSchema, type ErrorEvent, type InitEvent, type ResultEvent } from './stream-events.js';

export interface StreamHandlers {
  /** Answer text as it arrives. */
  onText(text: string): void;
}

/** What the parser has learnt from the stream so far. */
export interface StreamState extends AnswerStreamState {
  init: InitEvent | undefined;
  result: ResultEvent | undefined;
  /** `error` lines gemini printed before its result (a stream that ended without a finish reason, say). */
  errors: ErrorEvent[];
  /** Tool calls gemini made; between two of them the model's text belongs to different turns. */
  toolCalls: number;
  /** JSON objects with a `type` this adapter does not know: a newer release's events, skipped. */
  unknownEvents: number;
}

const knownTypes = new Set(['init', 'message', 'tool_use', 'tool_result', 'error', 'result']);

/**
 * Reads gemini's stream-json output as it arrives. Answer text comes from the assistant `message` deltas, so it streams
 * as the model produces it; when a run takes several turns (tool calls in between), their texts are separated by a
 * blank line. The init line, error lines and the final result line are collected into `state`.
 */
export class GeminiStreamParser extends AnswerStreamParser<StreamState> {
  /** A tool ran since the last text: the next text is a new turn. */
  #separatorPending = false;

  constructor(handlers: StreamHandlers) {
    super({ init: undefined, result: undefined, errors: [], toolCalls: 0, unknownEvents: 0 }, (text) =>
      handlers.onText(text),
    );
  }

  /**
   * Counted as an event: a stream-json event this adapter knows in its shape; as unreadable: a line that is not a
   * JSON object with a `type`, or whose known type has the wrong shape.
   */
  protected readEvent(parsed: unknown): void {
    const type = (parsed as { type?: unknown } | null)?.type;
    if (typeof type === 'string' && !knownTypes.has(type)) {
      this.state.unknownEvents += 1;
      return;
    }
    const event = streamEventSchema.safeParse(parsed);
    if (!event.success) {
      this.state.unreadableLines += 1;
      return;
    }
    this.state.events += 1;
    const value = event.data;
    switch (value.type) {
      case 'init':
        this.state.init = value;
        break;
      case 'message':
        if (value.role !== 'assistant') break;
        if (this.#separatorPending) {
          this.#separatorPending = false;
          this.emitText(turnSeparator(this.state.emittedText));
        }
        this.emitText(value.content);
        break;
      case 'tool_use':
        this.state.toolCalls += 1;
        this.#separatorPending = this.state.emittedText.length > 0;
        break;
      case 'tool_result':
        break;
      case 'error':
        this.state.errors.push(value);
        break;
      case 'result':
        this.state.result = value;
        break;
    }
  }
}
