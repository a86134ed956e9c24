import { statSync } from 'node:fs';
import { resolve } from 'node:path';
import { configFileNames, type ConfigCheckProblem, type ResolvedConfig } from '@llm-service/spec';
import { maxSystemPromptBytes } from '../argv/system-prompt.js';
import { CLAUDE_ADAPTER_ID, type ClaudeAgentOptions } from './claude-schema.js';

function fileProblem(path: string): string | undefined {
  try {
    const stats = statSync(path);
    if (!stats.isFile()) return 'is not a file';
    if (stats.size > maxSystemPromptBytes) {
      return `is ${stats.size} bytes; Claude Code takes it as one command-line argument, which is limited to ${maxSystemPromptBytes} bytes`;
    }
    return undefined;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return code === 'ENOENT' ? 'does not exist' : `cannot be read (${code ?? 'error'})`;
  }
}

/**
 * The plugin's whole-config check: an agent's `append_system_prompt_file` must be there when the config is loaded,
 * so a typo shows up in `config validate` with its line, not as a failed run later. (It is read again at each run.)
 */
export function checkClaudeAgents(config: ResolvedConfig): ConfigCheckProblem[] {
  const problems: ConfigCheckProblem[] = [];
  for (const [agentName, agent] of Object.entries(config.agents)) {
    const options = agent.adapter_options[CLAUDE_ADAPTER_ID] as ClaudeAgentOptions | undefined;
    const file = options?.append_system_prompt_file;
    if (file === undefined) continue;
    const path = resolve(config.dir, file);
    const problem = fileProblem(path);
    if (problem === undefined) continue;
    problems.push({
      file: configFileNames.agents,
      path: ['agents', agentName, 'adapter_options', CLAUDE_ADAPTER_ID, 'append_system_prompt_file'],
      message: `append_system_prompt_file '${file}' (${path}) ${problem}`,
      suggestion: 'paths are relative to the config directory',
    });
  }
  return problems;
}
