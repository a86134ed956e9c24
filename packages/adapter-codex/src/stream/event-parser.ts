import { AnswerStreamParser, turnSeparator, type AnswerStreamState } from '@llm-service/plugin-kit';
import { anyEventSchema, codexEventSchema, knownEventTypes, type CodexUsage } from './codex-events.js';

export interface EventHandlers {
  /** Answer text: each agent message whole, as soon as codex reports it completed. */
  onText(text: string): void;
}

/** One retry codex announced (`Reconnecting... 2/5 (why)`, or `Reconnecting... waiting for network (why)`). */
export interface CodexRetry {
  attempt: number | undefined;
  of: number | undefined;
  reason: string;
}

/** What the parser has learnt from the stream so far. */
export interface EventState extends AnswerStreamState {
  threadId: string | undefined;
  turnsStarted: number;
  turnsCompleted: number;
  /** Summed over every `turn.completed`. */
  usage: CodexUsage | undefined;
  /** The agent messages, in order. */
  messages: string[];
  retries: CodexRetry[];
  /** The last `error` line that was not a retry notice, and the `turn.failed` message: codex's verdict. */
  lastError: string | undefined;
  turnFailed: string | undefined;
  /** `error` items codex went on after (warnings), kept for diagnosis. */
  warnings: string[];
}

const retryPattern = /^Reconnecting\.\.\.\s+(?:(\d+)\/(\d+)|waiting for network)\s*\((.*)\)\s*$/s;

/** `Reconnecting... 2/5 (reason)` → the retry; anything else → undefined. */
export function parseRetryNotice(message: string): CodexRetry | undefined {
  const match = retryPattern.exec(message);
  if (!match) return undefined;
  return {
    attempt: match[1] === undefined ? undefined : Number(match[1]),
    of: match[2] === undefined ? undefined : Number(match[2]),
    reason: match[3] ?? '',
  };
}

function addUsage(sum: CodexUsage | undefined, usage: CodexUsage): CodexUsage {
  if (sum === undefined) return { ...usage };
  return {
    ...sum,
    input_tokens: sum.input_tokens + usage.input_tokens,
    cached_input_tokens: sum.cached_input_tokens + usage.cached_input_tokens,
    cache_write_input_tokens: sum.cache_write_input_tokens + usage.cache_write_input_tokens,
    output_tokens: sum.output_tokens + usage.output_tokens,
    reasoning_output_tokens: sum.reasoning_output_tokens + usage.reasoning_output_tokens,
  };
}

/**
 * Reads `codex exec --json` as it arrives. codex prints agent messages whole (`item.completed` of an
 * `agent_message`), never as deltas, so each is handed on as soon as its line is complete; messages of one run are
 * separated by a blank line. Reasoning, commands, file changes and other items are not the answer and are skipped.
 */
export class CodexEventParser extends AnswerStreamParser<EventState> {
  constructor(handlers: EventHandlers) {
    super(
      {
        threadId: undefined,
        turnsStarted: 0,
        turnsCompleted: 0,
        usage: undefined,
        messages: [],
        retries: [],
        lastError: undefined,
        turnFailed: undefined,
        warnings: [],
      },
      (text) => handlers.onText(text),
    );
  }

  /** Counted as an event: a line of codex's, of a known type in its shape or of a type this adapter does not know. */
  protected readEvent(json: unknown): void {
    const typed = anyEventSchema.safeParse(json);
    if (!typed.success) {
      this.state.unreadableLines += 1;
      return;
    }
    // A line of a type this adapter does not know (a newer codex) is skipped; one of a known type must fit its shape.
    if (!knownEventTypes.has(typed.data.type)) {
      this.state.events += 1;
      return;
    }
    const parsed = codexEventSchema.safeParse(json);
    if (!parsed.success) {
      this.state.unreadableLines += 1;
      return;
    }
    this.state.events += 1;
    const event = parsed.data;
    switch (event.type) {
      case 'thread.started':
        this.state.threadId = event.thread_id ?? this.state.threadId;
        break;
      case 'turn.started':
        this.state.turnsStarted += 1;
        break;
      case 'item.completed':
        if (event.item.type === 'agent_message' && event.item.text !== undefined)
          this.#message(event.item.text);
        else if (event.item.type === 'error' && event.item.message !== undefined)
          this.state.warnings.push(event.item.message);
        break;
      case 'turn.completed':
        this.state.turnsCompleted += 1;
        if (event.usage !== undefined) this.state.usage = addUsage(this.state.usage, event.usage);
        break;
      case 'turn.failed':
        this.state.turnFailed = event.error?.message ?? 'turn failed';
        break;
      case 'error': {
        const message = event.message ?? '';
        const retry = parseRetryNotice(message);
        if (retry) this.state.retries.push(retry);
        else this.state.lastError = message;
        break;
      }
      default:
        break;
    }
  }

  #message(text: string): void {
    this.state.messages.push(text);
    if (text.length === 0) return;
    this.emitText(turnSeparator(this.state.emittedText) + text);
  }
}
