export {
  HttpTestServer,
  type Annotation,
  type HttpTestServerSettings,
  type PacedOutcome,
  type Pacing,
  type RecordedHttpRequest,
  type ScriptOptions,
} from './http-test-server/http-test-server.js';
export {
  stallReply,
  type AnswerOptions,
  type PacedAnswer,
  type ScriptedStall,
} from './http-test-server/replies.js';
export {
  AnthropicTestServer,
  defaultAnswerText,
  type AnthropicTestServerOptions,
  type RecordedRequest,
} from './anthropic-server/anthropic-test-server.js';
export {
  defaultUsage,
  reply,
  type AnswerReply,
  type ErrorReply,
  type MessageUsage,
  type ScriptedReply,
  type StallReply,
} from './anthropic-server/replies.js';
export {
  unifiedRateLimitHeaders,
  type UnifiedRateLimits,
  type UnifiedStatus,
  type UnifiedWindowHeaders,
} from './anthropic-server/rate-limit-headers.js';
export {
  claudeEnvironment,
  claudeInstallCommand,
  claudeSkipReason,
  findClaudeBinary,
  pinnedClaudeVersion,
  repositoryRoot,
  type ClaudeEnvironmentOptions,
} from './real-claude/real-claude.js';
export {
  ChatCompletionsTestServer,
  defaultChatAnswerText,
  type ChatCompletionsTestServerOptions,
  type ChatRecordedRequest,
} from './chat-completions-server/chat-completions-test-server.js';
export {
  chatReply,
  contextLengthMessages,
  defaultChatUsage,
  type ChatAnswerReply,
  type ChatErrorReply,
  type ChatRawReply,
  type ChatScriptedReply,
  type ChatStallReply,
  type ChatUsage,
} from './chat-completions-server/chat-replies.js';
export {
  GeminiTestServer,
  defaultGeminiAnswerText,
  type GeminiRecordedRequest,
  type GeminiTestServerOptions,
} from './gemini-server/gemini-test-server.js';
export {
  defaultGeminiUsage,
  geminiReply,
  totalTokenCount,
  type GeminiAnswerReply,
  type GeminiErrorReply,
  type GeminiScriptedReply,
  type GeminiStallReply,
  type GeminiTruncatedReply,
  type GeminiUsageMetadata,
} from './gemini-server/gemini-replies.js';
export {
  findGeminiBinary,
  geminiEnvironment,
  geminiInstallCommand,
  geminiSkipReason,
  pinnedGeminiVersion,
  type GeminiEnvironmentOptions,
} from './real-gemini/real-gemini.js';
export {
  ResponsesTestServer,
  defaultResponsesAnswerText,
  type ResponsesRecordedRequest,
  type ResponsesTestServerOptions,
} from './responses-server/responses-test-server.js';
export {
  defaultResponsesUsage,
  responsesReply,
  type ResponsesAnswerReply,
  type ResponsesErrorReply,
  type ResponsesFailedReply,
  type ResponsesScriptedReply,
  type ResponsesStallReply,
  type ResponsesUsage,
} from './responses-server/replies.js';
export {
  codexRateLimitHeaders,
  type CodexRateLimits,
  type CodexRateLimitWindow,
} from './responses-server/rate-limit-headers.js';
export {
  codexEnvironment,
  codexInstallCommand,
  codexSkipReason,
  codexTestKeyVariable,
  codexTestProviderId,
  findCodexBinary,
  pinnedCodexVersion,
  type CodexEnvironmentOptions,
} from './real-codex/real-codex.js';
export {
  postgresAvailable,
  postgresSkipReason,
  quoteIdentifier,
  requirePostgresInCi,
  startPostgres,
  type PostgresAvailability,
  type PostgresServer,
  type StartPostgresOptions,
} from './postgres/postgres-server.js';
export {
  attemptRowForTests,
  telemetryStoreContract,
  type ContractFramework,
  type ContractStore,
} from './telemetry-store/contract.js';
