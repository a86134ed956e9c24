import { resolve } from 'node:path';
import type { ClaudeAgentOptions } from '../config/claude-schema.js';

/**
 * The flags of every run: print mode, one JSON event a line, `--verbose` (which stream-json requires in print mode)
 * and partial messages, so answer text streams as it is produced. The prompt goes on stdin, never on the command
 * line, where `ps` would show it and the 128 KiB argument limit would cut it.
 */
export const baseFlags = [
  '-p',
  '--output-format',
  'stream-json',
  '--verbose',
  '--include-partial-messages',
] as const;

export interface ClaudeArgsInput {
  model: string;
  options: ClaudeAgentOptions;
  /** The text for `--append-system-prompt`, already read from `append_system_prompt_file` when that was given. */
  appendSystemPrompt: string | undefined;
  configDir: string;
  /** A per-request cost cap (`--max-budget-usd`); must be positive. */
  maxBudgetUsd: number | undefined;
}

/** Dollars without exponent notation, so the value reads the same in `ps` and in Claude Code's own messages. */
export function formatUsd(amount: number): string {
  const plain = String(amount);
  return plain.includes('e') ? amount.toFixed(12).replace(/0+$/, '').replace(/\.$/, '') : plain;
}

/**
 * The argument vector for one run. List-valued flags (`--allowed-tools`, `--add-dir`) are variadic in Claude Code, so
 * each value goes after its own flag: that way no value can swallow the next flag, and a permission rule with
 * spaces (`Bash(git diff *)`) stays one value.
 */
export function buildArgs(input: ClaudeArgsInput): string[] {
  const args: string[] = [...baseFlags, '--model', input.model];
  if (input.appendSystemPrompt !== undefined && input.appendSystemPrompt.length > 0)
    args.push('--append-system-prompt', input.appendSystemPrompt);
  for (const tool of input.options.allowed_tools ?? []) args.push('--allowed-tools', tool);
  if (input.options.permission_mode !== undefined)
    args.push('--permission-mode', input.options.permission_mode);
  for (const directory of input.options.add_dirs ?? [])
    args.push('--add-dir', resolve(input.configDir, directory));
  if (input.maxBudgetUsd !== undefined) args.push('--max-budget-usd', formatUsd(input.maxBudgetUsd));
  return args;
}
