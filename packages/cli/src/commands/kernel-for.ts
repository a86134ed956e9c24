import type { Kernel } from '@llm-service/core';
import { createDefaultKernel } from '../default-kernel.js';
import type { CliContext } from '../program.js';

/** Asks on the terminal; only used when both stdin and stderr are terminals (a script never hangs on a question). */
async function askOnTerminal(io: CliContext['io'], message: string): Promise<boolean> {
  // Loaded only to ask: importing node:readline/promises cost every `exec` start 1.2 ms (median of 5 fresh
  // processes), though a question is rare and never asked of a script.
  const { createInterface } = process.getBuiltinModule('node:readline/promises');
  const readline = createInterface({ input: io.stdin, output: io.stderr });
  try {
    const answer = await readline.question(`${message}\nProceed? [y/N] `);
    return /^y(es)?$/i.test(answer.trim());
  } finally {
    readline.close();
  }
}

/** The library's default kernel (the same plugins and trust rules), with the CLI's terminal I/O. */
export function kernelFor(options: { configDir?: string | undefined }, context: CliContext): Kernel {
  const { io } = context;
  // stderr first: stdin is made only when needed (see processIo), and a script's stderr is seldom a terminal.
  const interactive = io.stderr.isTTY === true && io.stdin.isTTY === true;
  const kernel = createDefaultKernel({
    configDir: options.configDir,
    cwd: io.cwd,
    env: io.env,
    logger: {
      warn: (message) => io.stderr.write(`llm-service: ${message}\n`),
      ...(io.env.LLM_SERVICE_DEBUG
        ? { debug: (message: string) => io.stderr.write(`llm-service: debug: ${message}\n`) }
        : {}),
    },
    ...(interactive ? { confirm: (message: string) => askOnTerminal(io, message) } : {}),
  });
  context.onDispose((options) => kernel.dispose(options));
  return kernel;
}
