import type { ConfigCheckProblem, ResolvedConfig } from '@llm-service/spec';
import { agentPathOptionProblems, pathProblem } from '@llm-service/plugin-kit';
import { maxSystemPromptBytes } from '../argv/system-prompt.js';
import { CLAUDE_ADAPTER_ID } from './claude-schema.js';

/**
 * The plugin's whole-config check: an agent's `append_system_prompt_file` must be there when the config is loaded,
 * so a typo shows up in `config validate` with its line, not as a failed run later. (It is read again at each run.)
 */
export function checkClaudeAgents(config: ResolvedConfig): ConfigCheckProblem[] {
  return agentPathOptionProblems(config, CLAUDE_ADAPTER_ID, 'append_system_prompt_file', (path) =>
    pathProblem(path, 'file', (stats) =>
      stats.size > maxSystemPromptBytes
        ? `is ${stats.size} bytes; Claude Code takes it as one command-line argument, which is limited to ${maxSystemPromptBytes} bytes`
        : undefined,
    ),
  );
}
