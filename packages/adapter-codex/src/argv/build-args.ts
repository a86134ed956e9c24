import { resolve } from 'node:path';
import type { CodexAgentOptions, CodexConfigValue } from '../config/codex-schema.js';

/**
 * The flags of every run: non-interactive `exec`, one JSON event a line, and no refusal outside a Git repository (an
 * agent's folder need not be one). The prompt goes on stdin (`-`), never on the command line, where `ps` would show
 * it and the 128 KiB argument limit would cut it.
 */
export const baseFlags = ['exec', '--json', '--skip-git-repo-check'] as const;

/** The last argument: `-` makes `codex exec` read the whole prompt from stdin (0.169.0 `exec --help`). */
export const promptFromStdin = '-';

export interface CodexArgsInput {
  model: string;
  options: CodexAgentOptions;
  configDir: string;
}

/** A value as TOML, which is what `-c key=value` parses: strings quoted (JSON's escapes are TOML's), lists bracketed. */
export function tomlValue(value: CodexConfigValue): string {
  if (Array.isArray(value)) return `[${value.map((entry) => tomlValue(entry)).join(', ')}]`;
  return typeof value === 'string' ? JSON.stringify(value) : String(value);
}

/** The argument vector for one run; every value goes after its own flag, so none can be read as a flag. */
export function buildArgs(input: CodexArgsInput): string[] {
  const { options } = input;
  const args: string[] = [...baseFlags, '--model', input.model];
  if (options.sandbox !== undefined) args.push('--sandbox', options.sandbox);
  // `never` is what codex exec does anyway: nothing to pass.
  if (options.approval_policy === 'auto-review') args.push('--approve-for-me');
  if (options.dangerously_bypass_approvals_and_sandbox === true)
    args.push('--dangerously-bypass-approvals-and-sandbox');
  if (options.profile !== undefined) args.push('--profile', options.profile);
  if (options.working_directory !== undefined)
    args.push('--cd', resolve(input.configDir, options.working_directory));
  for (const directory of options.add_dirs ?? []) args.push('--add-dir', resolve(input.configDir, directory));
  for (const [key, value] of Object.entries(options.config ?? {}))
    args.push('--config', `${key}=${tomlValue(value)}`);
  args.push(promptFromStdin);
  return args;
}
