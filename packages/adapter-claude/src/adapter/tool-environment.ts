import { childEnvironment, type Environment } from '@llm-service/plugin-kit';
import type { ClaudeTool } from './settings.js';

/** Appended to "binary 'claude' not found on PATH". */
export const installHint = 'install Claude Code: npm i -g @anthropic-ai/claude-code';

/**
 * claude's environment: the caller's, then `CLAUDE_CODE_MAX_RETRIES` from the tool's `retry.max` (so claude's own
 * retries of 429 / 529 are bounded and the chain can move on), then the tool's `env`, which wins (an explicit
 * `CLAUDE_CODE_MAX_RETRIES` there is the user's to set).
 */
export function claudeChildEnvironment(base: Environment, tool: ClaudeTool): Record<string, string> {
  return childEnvironment(base, tool, { CLAUDE_CODE_MAX_RETRIES: String(tool.retry.max) });
}
