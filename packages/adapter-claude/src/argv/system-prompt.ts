import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { AdapterError } from '@llm-service/spec';
import type { ClaudeAgentOptions } from '../config/claude-schema.js';

/**
 * Linux caps one command-line argument at 128 KiB (MAX_ARG_STRLEN, counting the terminating NUL), and
 * `--append-system-prompt` takes its text as one argument.
 */
export const maxSystemPromptBytes = 128 * 1024 - 1;

/** Why a system prompt cannot be passed as an argument, or undefined when it can. */
export function systemPromptProblem(bytes: Uint8Array): string | undefined {
  if (bytes.length > maxSystemPromptBytes) {
    return `is ${bytes.length} bytes; Claude Code takes it as one command-line argument, which is limited to ${maxSystemPromptBytes} bytes`;
  }
  if (bytes.includes(0)) return 'contains a NUL byte, which no command-line argument can carry';
  return undefined;
}

/**
 * The text for `--append-system-prompt`: `append_system_prompt` as given, or the file `append_system_prompt_file`
 * names (relative to the config directory), read fresh on every run so an edited prompt takes effect at once.
 */
export async function readAppendSystemPrompt(
  options: ClaudeAgentOptions,
  configDir: string,
): Promise<string | undefined> {
  if (options.append_system_prompt !== undefined) {
    const problem = systemPromptProblem(Buffer.from(options.append_system_prompt, 'utf8'));
    if (problem) throw new AdapterError('tool-error', `append_system_prompt ${problem}`);
    return options.append_system_prompt;
  }
  if (options.append_system_prompt_file === undefined) return undefined;
  const path = resolve(configDir, options.append_system_prompt_file);
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a directory' : String(code);
    throw new AdapterError(
      'tool-error',
      `cannot read append_system_prompt_file '${options.append_system_prompt_file}' (${path}): ${why}`,
      { cause: error },
    );
  }
  const problem = systemPromptProblem(bytes);
  if (problem) {
    throw new AdapterError(
      'tool-error',
      `append_system_prompt_file '${options.append_system_prompt_file}' ${problem}`,
    );
  }
  return bytes.toString('utf8');
}
