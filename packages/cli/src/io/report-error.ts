import { isLlmServiceError } from '@llm-service/spec';
import { forTerminal } from '@llm-service/plugin-kit';
import type { Colors } from './colors.js';

/**
 * Prints an error as the user should see it: what went wrong and how to fix it, never a stack trace.
 * Returns the exit code. Unknown errors are bugs of ours; `LLM_SERVICE_DEBUG=1` shows their stack.
 */
export function reportError(
  error: unknown,
  stderr: NodeJS.WritableStream,
  colors: Colors,
  debug: boolean,
): number {
  // Messages can quote a tool's own output: shown redacted, and with its control sequences as text.
  if (isLlmServiceError(error)) {
    stderr.write(`${colors.red('llm-service: error:')} ${forTerminal(error.message)}\n`);
    if (error.hint) stderr.write(`${colors.dim('  hint:')} ${forTerminal(error.hint)}\n`);
    if (debug && error.stack) stderr.write(`${error.stack}\n`);
    return error.exitCode;
  }
  const message = error instanceof Error ? error.message : String(error);
  stderr.write(`${colors.red('llm-service: internal error:')} ${forTerminal(message)}\n`);
  stderr.write(
    `${colors.dim('  hint:')} this is a bug in llm-service; rerun with LLM_SERVICE_DEBUG=1 for details and report it\n`,
  );
  if (debug && error instanceof Error && error.stack) stderr.write(`${error.stack}\n`);
  return 1;
}
