import type { ToolAdapterV1 } from '@llm-service/spec';
import { invocationObservable } from '@llm-service/plugin-kit';
import { CLAUDE_ADAPTER_ID, type ClaudeAgentOptions } from '../config/claude-schema.js';
import { detectClaude } from './detect-claude.js';
import { runInvocation } from './run-invocation.js';
import type { ClaudeTool } from './settings.js';

/** The adapter that runs the Claude Code CLI (`claude -p`), streaming its answer and reading its own cost report. */
export function createClaudeAdapter(): ToolAdapterV1<ClaudeTool, ClaudeAgentOptions> {
  return {
    specificationVersion: 'v1',
    id: CLAUDE_ADAPTER_ID,
    detect: (tool, context) => detectClaude(tool, context),
    invoke: (request, signal) =>
      invocationObservable(signal, (runSignal, onText) => runInvocation(request, runSignal, onText)),
  };
}
