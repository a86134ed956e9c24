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
  claudeEnvironment,
  claudeInstallCommand,
  claudeSkipReason,
  findClaudeBinary,
  pinnedClaudeVersion,
  repositoryRoot,
  type ClaudeEnvironmentOptions,
} from './real-claude/real-claude.js';
