import { childEnvironment, type Environment } from '@llm-service/plugin-kit';
import type { GeminiTool } from './settings.js';

/** Appended to "binary 'gemini' not found on PATH". */
export const installHint = 'install the Gemini CLI: npm i -g @google/gemini-cli';

/**
 * gemini's environment: the caller's, then the tool's `env`, which wins. `GEMINI_CLI_TRUST_WORKSPACE=true` is set as
 * well as `--skip-trust` is passed: the flag is what 0.61 reads, the variable what releases without the flag read,
 * and both mean "trust this folder for this run only" (a headless run in an untrusted folder exits with code 55).
 */
export function geminiChildEnvironment(base: Environment, tool: GeminiTool): Record<string, string> {
  return childEnvironment(base, tool, { GEMINI_CLI_TRUST_WORKSPACE: 'true' });
}
