import type { CliIo } from './program.js';

/** The CLI's I/O as the binary runs it: this process's standard streams, environment and working directory. */
export function processIo(): CliIo {
  return {
    stdin: process.stdin,
    stdout: process.stdout,
    stderr: process.stderr,
    env: process.env,
    cwd: process.cwd(),
  };
}
