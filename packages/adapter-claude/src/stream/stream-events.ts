import type { RateLimitInfo } from './rate-limit-event.js';

/**
 * The parts of Claude Code's `--output-format stream-json --verbose --include-partial-messages` output this adapter
 * reads, as 2.1.328 prints them (see the recorded fixtures in test/fixtures). Every field is optional here: the
 * parser checks types as it reads, since a later release may drop or change any of them.
 */

/** `{"type":"system","subtype":"init",...}`: the first line of every run. */
export interface InitEvent {
  type: 'system';
  subtype: 'init';
  session_id?: string;
  model?: string;
  /** Where the credential came from: `ANTHROPIC_API_KEY`, `none`, ... (a name, never the key). */
  apiKeySource?: string;
  claude_code_version?: string;
}

/** `{"type":"system","subtype":"api_retry",...}`: Claude Code is about to retry a failed API request. */
export interface ApiRetryEvent {
  type: 'system';
  subtype: 'api_retry';
  attempt?: number;
  max_retries?: number;
  retry_delay_ms?: number;
  /** HTTP status; null when the request got no response (connection refused, reset). */
  error_status?: number | null;
  /** Claude Code's own name for the failure: `authentication_failed`, `rate_limit`, `overloaded`, `server_error`, `unknown`. */
  error?: string;
}

/** Per-model totals in the result (`modelUsage`), camelCase unlike `usage`. */
export interface ModelUsageEntry {
  inputTokens?: number;
  outputTokens?: number;
  cacheReadInputTokens?: number;
  cacheCreationInputTokens?: number;
  costUSD?: number;
}

/** The Messages API's usage object, as the result repeats it (totals over every turn). */
export interface ApiUsage {
  input_tokens?: number;
  output_tokens?: number;
  cache_read_input_tokens?: number;
  cache_creation_input_tokens?: number;
}

/** `{"type":"result",...}`: the last line, on success and on most failures. */
export interface ResultEvent {
  type: 'result';
  /** `success` (also for API errors, with is_error), `error_max_budget_usd`, `error_max_turns`, `error_during_execution`. */
  subtype?: string;
  is_error?: boolean;
  /** The final answer text; on an API error, the error message Claude Code shows. */
  result?: string;
  /** Set instead of `result` by some failures, e.g. `["Reached maximum budget ($0.0001)"]`. */
  errors?: string[];
  session_id?: string;
  total_cost_usd?: number;
  usage?: ApiUsage;
  modelUsage?: Record<string, ModelUsageEntry>;
  num_turns?: number;
  duration_ms?: number;
  /** HTTP status of the request that failed for good; null when there was none (e.g. no credentials at all). */
  api_error_status?: number | null;
  /** The API's error type, e.g. `authentication_error`, `rate_limit_error`, `overloaded_error`. */
  api_error_type?: string;
  /** Set for failures without an HTTP response, e.g. `connection_failed`; `usage_limit_reached` for a plan window used up. */
  api_error?: string;
  terminal_reason?: string;
  /** Why the last model turn ended: `end_turn` when the answer was complete, `tool_use` when it wanted to go on. */
  stop_reason?: string;
}

/** What a synthetic `assistant` message (`is_api_error_message: true`) says about an API failure. */
export interface ApiErrorMessage {
  /** e.g. `authentication_failed`, `rate_limit`, `server_error`. */
  error?: string;
  /** Claude Code's finer name, e.g. `usage_limit_reached` for a subscription window used up. */
  apiError?: string;
  /** On `usage_limit_reached`: the refused request's `rate_limit_info` (status, rateLimitType, resetsAt). */
  rateLimitInfo?: RateLimitInfo;
  status?: number;
  type?: string;
  text?: string;
}
