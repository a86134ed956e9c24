import { AnswerStreamParser, turnSeparator, type AnswerStreamState } from '@llm-service/plugin-kit';
import type { PlanWindowReading } from '@llm-service/spec';
import { planWindowReadings, rateLimitEventSchema, rateLimitInfoSchema } from './rate-limit-event.js';
import type {
  ApiErrorMessage,
  ApiRetryEvent,
  InitEvent,
  ModelUsageEntry,
  ResultEvent,
} from './stream-events.js';

export interface StreamHandlers {
  /** Answer text as it arrives. */
  onText(text: string): void;
  /** Claude Code announced a retry of a failed API request. */
  onRetry?(retry: ApiRetryEvent): void;
  /** Claude Code said where the plan's windows stand (a `rate_limit_event` line naming at least one window). */
  onLimits?(windows: readonly PlanWindowReading[]): void;
}

/** What the parser has learnt from the stream so far. */
export interface StreamState extends AnswerStreamState {
  init: InitEvent | undefined;
  result: ResultEvent | undefined;
  retries: ApiRetryEvent[];
  /** The last API failure Claude Code reported as a synthetic assistant message. */
  apiError: ApiErrorMessage | undefined;
  /** The model named by the last real (not synthetic) top-level assistant message: the one that answered. */
  answerModel: string | undefined;
  /** The text of that message: the final answer, for a result line that does not repeat it. */
  lastMessageText: string;
  /** Every plan-window reading from `rate_limit_event` lines, in order. */
  planWindows: PlanWindowReading[];
  /** `rate_limit_event` lines that did not fit their shape: skipped, since limits are never worth failing a run. */
  unreadableRateLimitEvents: number;
}

type JsonObject = Record<string, unknown>;

const isObject = (value: unknown): value is JsonObject =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
const stringField = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);
const numberField = (value: unknown): number | undefined =>
  typeof value === 'number' && Number.isFinite(value) ? value : undefined;

/**
 * Reads Claude Code's stream-json output as it arrives. Answer text comes from the `text_delta` stream events of the
 * main conversation (not of sub-agents, whose events carry a `parent_tool_use_id`), so it streams as the model
 * produces it; when a run takes several turns (tool use), their texts are separated by a blank line. Everything
 * else the adapter needs is collected into `state`: the init line, API retries, API errors and the final result.
 */
export class ClaudeStreamParser extends AnswerStreamParser<StreamState> {
  readonly #handlers: StreamHandlers;
  /** A new text block started after earlier text: separate them before its first delta. */
  #separatorPending = false;
  #lastMessageId: string | undefined;

  constructor(handlers: StreamHandlers) {
    super(
      {
        init: undefined,
        result: undefined,
        retries: [],
        apiError: undefined,
        answerModel: undefined,
        lastMessageText: '',
        planWindows: [],
        unreadableRateLimitEvents: 0,
      },
      (text) => handlers.onText(text),
    );
    this.#handlers = handlers;
  }

  /** Counted as an event: a JSON object with a `type`. */
  protected readEvent(parsed: unknown): void {
    if (!isObject(parsed) || typeof parsed.type !== 'string') {
      this.state.unreadableLines += 1;
      return;
    }
    this.state.events += 1;
    switch (parsed.type) {
      case 'system':
        this.#system(parsed);
        break;
      case 'stream_event':
        if (parsed.parent_tool_use_id == null && isObject(parsed.event)) this.#streamEvent(parsed.event);
        break;
      case 'assistant':
        if (parsed.parent_tool_use_id == null) this.#assistant(parsed);
        break;
      case 'result':
        this.state.result = readResult(parsed);
        break;
      case 'rate_limit_event':
        this.#rateLimit(parsed);
        break;
      default:
        break;
    }
  }

  #system(event: JsonObject): void {
    if (event.subtype === 'init') {
      this.state.init = {
        type: 'system',
        subtype: 'init',
        session_id: stringField(event.session_id),
        model: stringField(event.model),
        apiKeySource: stringField(event.apiKeySource),
        claude_code_version: stringField(event.claude_code_version),
      };
    } else if (event.subtype === 'api_retry') {
      const status = event.error_status;
      const retry: ApiRetryEvent = {
        type: 'system',
        subtype: 'api_retry',
        attempt: numberField(event.attempt),
        max_retries: numberField(event.max_retries),
        retry_delay_ms: numberField(event.retry_delay_ms),
        error_status: status === null ? null : numberField(status),
        error: stringField(event.error),
      };
      this.state.retries.push(retry);
      this.#handlers.onRetry?.(retry);
    }
  }

  #rateLimit(event: JsonObject): void {
    const parsed = rateLimitEventSchema.safeParse(event);
    if (!parsed.success) {
      this.state.unreadableRateLimitEvents += 1;
      return;
    }
    const windows = planWindowReadings(parsed.data.rate_limit_info);
    if (windows.length === 0) return;
    this.state.planWindows.push(...windows);
    this.#handlers.onLimits?.(windows);
  }

  #streamEvent(event: JsonObject): void {
    if (event.type === 'content_block_start') {
      const block = event.content_block;
      if (isObject(block) && block.type === 'text' && this.state.emittedText.length > 0)
        this.#separatorPending = true;
      return;
    }
    if (event.type !== 'content_block_delta' || !isObject(event.delta)) return;
    if (event.delta.type !== 'text_delta') return;
    const text = stringField(event.delta.text);
    if (!text) return;
    const separator = this.#separatorPending ? turnSeparator(this.state.emittedText) : '';
    this.#separatorPending = false;
    this.emitText(separator + text);
  }

  #assistant(event: JsonObject): void {
    const message = isObject(event.message) ? event.message : {};
    if (event.is_api_error_message === true || event.error !== undefined) {
      const text = textOf(message.content);
      const params = isObject(event.api_error_params) ? event.api_error_params : {};
      const rateLimitInfo = rateLimitInfoSchema.safeParse(params.rate_limit_info);
      this.state.apiError = {
        error: stringField(event.error),
        apiError: stringField(event.api_error),
        ...(rateLimitInfo.success ? { rateLimitInfo: rateLimitInfo.data } : {}),
        status: numberField(event.api_error_status),
        type: stringField(event.api_error_type),
        text: text || undefined,
      };
      return;
    }
    const model = stringField(message.model);
    if (model && !model.startsWith('<')) this.state.answerModel = model;
    // claude prints one assistant line per content block, each with the message's id.
    const id = stringField(message.id);
    if (id !== this.#lastMessageId) this.state.lastMessageText = '';
    this.#lastMessageId = id;
    this.state.lastMessageText += textOf(message.content);
  }
}

/** The text blocks of a message's content, joined. */
function textOf(content: unknown): string {
  if (!Array.isArray(content)) return '';
  return content
    .map((block: unknown) =>
      isObject(block) && block.type === 'text' ? (stringField(block.text) ?? '') : '',
    )
    .join('');
}

function readModelUsage(value: unknown): Record<string, ModelUsageEntry> | undefined {
  if (!isObject(value)) return undefined;
  const entries: Record<string, ModelUsageEntry> = {};
  for (const [model, usage] of Object.entries(value)) {
    if (!isObject(usage)) continue;
    entries[model] = {
      inputTokens: numberField(usage.inputTokens),
      outputTokens: numberField(usage.outputTokens),
      cacheReadInputTokens: numberField(usage.cacheReadInputTokens),
      cacheCreationInputTokens: numberField(usage.cacheCreationInputTokens),
      costUSD: numberField(usage.costUSD),
    };
  }
  return entries;
}

function readResult(event: JsonObject): ResultEvent {
  const usage = isObject(event.usage) ? event.usage : undefined;
  const errors = Array.isArray(event.errors)
    ? event.errors.filter((entry): entry is string => typeof entry === 'string')
    : undefined;
  const status = event.api_error_status;
  return {
    type: 'result',
    subtype: stringField(event.subtype),
    is_error: typeof event.is_error === 'boolean' ? event.is_error : undefined,
    result: stringField(event.result),
    errors,
    session_id: stringField(event.session_id),
    total_cost_usd: numberField(event.total_cost_usd),
    usage: usage && {
      input_tokens: numberField(usage.input_tokens),
      output_tokens: numberField(usage.output_tokens),
      cache_read_input_tokens: numberField(usage.cache_read_input_tokens),
      cache_creation_input_tokens: numberField(usage.cache_creation_input_tokens),
    },
    modelUsage: readModelUsage(event.modelUsage),
    num_turns: numberField(event.num_turns),
    duration_ms: numberField(event.duration_ms),
    api_error_status: status === null ? null : numberField(status),
    api_error_type: stringField(event.api_error_type),
    api_error: stringField(event.api_error),
    terminal_reason: stringField(event.terminal_reason),
    stop_reason: stringField(event.stop_reason),
  };
}
