import { createInterface } from 'node:readline/promises';
import { createKernel, type Kernel } from '@llm-service/core';
import { builtinPlugins } from '../builtin-plugins.js';
import type { CliContext } from '../program.js';

/** Asks on the terminal; only used when both stdin and stderr are terminals (a script never hangs on a question). */
async function askOnTerminal(io: CliContext['io'], message: string): Promise<boolean> {
  const readline = createInterface({ input: io.stdin, output: io.stderr });
  try {
    const answer = await readline.question(`${message}\nProceed? [y/N] `);
    return /^y(es)?$/i.test(answer.trim());
  } finally {
    readline.close();
  }
}

export function kernelFor(options: { configDir?: string | undefined }, context: CliContext): Kernel {
  const { io } = context;
  const interactive = io.stdin.isTTY === true && io.stderr.isTTY === true;
  const kernel = createKernel({
    configDir: options.configDir,
    cwd: io.cwd,
    env: io.env,
    plugins: builtinPlugins,
    logger: {
      warn: (message) => io.stderr.write(`llm-service: ${message}\n`),
      ...(io.env.LLM_SERVICE_DEBUG
        ? { debug: (message: string) => io.stderr.write(`llm-service: debug: ${message}\n`) }
        : {}),
    },
    ...(interactive ? { confirm: (message: string) => askOnTerminal(io, message) } : {}),
  });
  context.onDispose(() => kernel.dispose());
  return kernel;
}
