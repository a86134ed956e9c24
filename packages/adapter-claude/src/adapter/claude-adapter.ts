import { toolAdapter } from '@llm-service/plugin-kit';
import { CLAUDE_ADAPTER_ID, type ClaudeAgentOptions } from '../config/claude-schema.js';
import { detectClaude } from './detect-claude.js';
import { runInvocation } from './run-invocation.js';
import type { ClaudeTool } from './settings.js';

/**
 * The adapter that runs the Claude Code CLI (`claude -p`), streaming its answer, reading its own cost report and
 * reporting what it says about the subscription's windows. The plugin registers it through `lazyAdapter`, so this
 * module loads when a claude tool is first detected or run.
 */
export const claudeAdapter = toolAdapter<ClaudeTool, ClaudeAgentOptions>({
  id: CLAUDE_ADAPTER_ID,
  detect: detectClaude,
  run: runInvocation,
});
