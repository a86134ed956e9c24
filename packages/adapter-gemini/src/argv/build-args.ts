import { resolve } from 'node:path';
import type { GeminiAgentOptions } from '../config/gemini-schema.js';

/**
 * The flags of every run. `stream-json` prints one JSON event a line, the answer as `message` deltas while the model
 * produces it and the token counts in the final `result` line. `--skip-trust` trusts the working directory for this
 * run only: a headless run in an untrusted folder stops with exit code 55 before doing anything, and llm-service
 * runs gemini where the tool's `cwd` says. The prompt goes on stdin, never on the command line (no `-p`): gemini runs
 * headless whenever stdin is not a terminal, and `ps` would show a `-p` prompt, which the 128 KiB argument limit cuts.
 */
export const baseFlags = ['--output-format', 'stream-json', '--skip-trust'] as const;

export interface GeminiArgsInput {
  model: string;
  options: GeminiAgentOptions;
  configDir: string;
}

/**
 * The argument vector for one run. List-valued flags are yargs arrays in gemini, so each value goes after its own flag:
 * no value can swallow the next flag, and a value with a comma is not split.
 */
export function buildArgs(input: GeminiArgsInput): string[] {
  const { options } = input;
  const args: string[] = [...baseFlags, '--model', input.model];
  if (options.approval_mode !== undefined) args.push('--approval-mode', options.approval_mode);
  if (options.sandbox !== undefined) args.push(`--sandbox=${options.sandbox}`);
  for (const directory of options.include_directories ?? [])
    args.push('--include-directories', resolve(input.configDir, directory));
  for (const extension of options.extensions ?? []) args.push('--extensions', extension);
  for (const server of options.allowed_mcp_server_names ?? [])
    args.push('--allowed-mcp-server-names', server);
  for (const policy of options.policy_files ?? []) args.push('--policy', resolve(input.configDir, policy));
  return args;
}
