import { toolAdapter } from '@llm-service/plugin-kit';
import { CODEX_ADAPTER_ID, type CodexAgentOptions } from '../config/codex-schema.js';
import { detectCodex } from './detect-codex.js';
import { runInvocation } from './run-invocation.js';
import type { CodexTool } from './settings.js';

/**
 * The adapter that runs the Codex CLI (`codex exec --json`), handing on each agent message and codex's token counts,
 * and a `rejected` plan reading when codex was refused on its usage limit. The plugin registers it through
 * `lazyAdapter`, so this module loads when a codex tool is first detected or run.
 */
export const codexAdapter = toolAdapter<CodexTool, CodexAgentOptions>({
  id: CODEX_ADAPTER_ID,
  detect: detectCodex,
  run: runInvocation,
});
