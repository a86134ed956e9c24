/**
 * `@llm-service/cli` as a library. `createDefaultKernel` gives what the `llm-service` binary runs requests with (the
 * built-in plugins, the same trust rules for project configs), without its terminal I/O. Importing this module runs
 * nothing: the command-line program (its parser, terminal output and error reporting) loads only when `main` is
 * called.
 */
import type { CliIo, createProgram } from './program.js';

export { createDefaultKernel, type DefaultKernelOptions } from './default-kernel.js';
export { builtinPlugins } from './builtin-plugins.js';
export { toJsonResult } from './commands/exec.js';
export { processIo } from './process-io.js';
export type { CliContext, CliIo } from './program.js';

/**
 * Runs the CLI with `argv` (without the node and script paths) and returns its exit code; never throws. The program
 * is loaded on the first call.
 */
export async function main(argv: readonly string[], io?: CliIo): Promise<number> {
  const cli = await import('./main.js');
  return cli.main(argv, io);
}

/** The command tree (commander), for programs that mount the CLI's commands; loaded on the first call. */
export async function loadProgram(): Promise<typeof createProgram> {
  return (await import('./program.js')).createProgram;
}
