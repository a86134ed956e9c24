import type { ConfigCheckProblem, ResolvedConfig } from '@llm-service/spec';
import { agentPathOptionProblems, pathProblem } from '@llm-service/plugin-kit';
import { CODEX_ADAPTER_ID } from './codex-schema.js';

/**
 * The plugin's whole-config check: an agent's `working_directory` must be there when the config is loaded, so a typo
 * shows up in `config validate` with its line, not as a failed run later. (It is checked again before each run.)
 */
export function checkCodexAgents(config: ResolvedConfig): ConfigCheckProblem[] {
  return agentPathOptionProblems(config, CODEX_ADAPTER_ID, 'working_directory', (path) =>
    pathProblem(path, 'directory'),
  );
}
