import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { AdapterError } from '@llm-service/spec';

/**
 * Linux caps one argument at 128 KiB (E2BIG); 100 KiB leaves room for the text around `{{prompt}}` and refuses
 * early with advice instead of failing inside exec.
 */
export const maxArgumentPromptBytes = 100 * 1024;

function refuse(toolId: string, reason: string): AdapterError {
  // A config problem to fix, not a tool failure to route around: a fallback would hide it behind another tool's answer.
  return new AdapterError(
    'tool-error',
    `the prompt cannot be passed to '${toolId}' as an argument: ${reason}; set \`prompt_via: stdin\` (or \`file\`) for this tool in tools.yaml`,
    { fallback: false },
  );
}

/**
 * The prompt as one argv string. Arguments are C strings the kernel copies as bytes, so a NUL cannot travel and
 * Node would have to re-encode invalid UTF-8 (changing the bytes): both are refused rather than altered.
 */
export function promptAsArgument(prompt: Uint8Array, toolId: string): string {
  if (prompt.byteLength > maxArgumentPromptBytes) {
    throw refuse(
      toolId,
      `it is ${prompt.byteLength} bytes, over the ${maxArgumentPromptBytes / 1024} KiB limit`,
    );
  }
  if (prompt.includes(0)) throw refuse(toolId, 'it contains a NUL byte');
  try {
    // ignoreBOM keeps a leading byte-order mark, so the argument has exactly the prompt's bytes.
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(prompt);
  } catch {
    throw refuse(toolId, 'it is not valid UTF-8');
  }
}

/** Writes the prompt into the invocation's private directory, readable by this user only. */
export async function writePromptFile(directory: string, prompt: Uint8Array): Promise<string> {
  const path = join(directory, 'prompt.txt');
  await writeFile(path, prompt, { mode: 0o600, flag: 'wx' });
  return path;
}
