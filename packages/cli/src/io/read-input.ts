import { readFileSync } from 'node:fs';
import { UsageError, type ContextFile } from '@llm-service/spec';
import type { CliIo } from '../program.js';

function readFileOrExplain(path: string, what: string, flag: string): Uint8Array {
  try {
    return readFileSync(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const reason =
      code === 'ENOENT'
        ? 'no such file'
        : code === 'EISDIR'
          ? 'it is a directory'
          : code === 'EACCES'
            ? 'permission denied'
            : String(code);
    throw new UsageError(`${flag}: cannot read ${what} '${path}' (${reason})`, {
      hint: `check the path given to ${flag}`,
    });
  }
}

async function readAll(stream: NodeJS.ReadableStream): Promise<Uint8Array> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
  return Buffer.concat(chunks);
}

export interface PromptSources {
  promptFile?: string | undefined;
  prompt?: string | undefined;
}

/**
 * The prompt as bytes, from exactly one of --prompt-file, --prompt or standard input. `io.stdin` is read only when the
 * prompt comes from it (see processIo).
 */
export async function readPrompt(sources: PromptSources, io: Pick<CliIo, 'stdin'>): Promise<Uint8Array> {
  if (sources.promptFile !== undefined && sources.prompt !== undefined) {
    throw new UsageError('give either --prompt-file or --prompt, not both');
  }
  if (sources.promptFile !== undefined) {
    return sources.promptFile === '-'
      ? readAll(io.stdin)
      : readFileOrExplain(sources.promptFile, 'prompt file', '--prompt-file');
  }
  if (sources.prompt !== undefined) return Buffer.from(sources.prompt, 'utf8');
  const stdin = io.stdin;
  if (stdin.isTTY) {
    throw new UsageError('no prompt given', {
      hint: 'pass --prompt-file FILE or --prompt TEXT, or pipe the prompt on stdin',
    });
  }
  const bytes = await readAll(stdin);
  if (bytes.length === 0)
    throw new UsageError('the prompt on stdin is empty', {
      hint: 'pass --prompt-file FILE or --prompt TEXT',
    });
  return bytes;
}

export function readContextFiles(paths: readonly string[]): ContextFile[] {
  return paths.map((path) => ({ name: path, content: readFileOrExplain(path, 'context file', '--context') }));
}
