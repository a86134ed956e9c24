import type { CliIo } from './program.js';

/** The CLI's I/O as the binary runs it: this process's standard streams, environment and working directory. */
export function processIo(): CliIo {
  return {
    // Made when a command first reads it: creating process.stdin (a socket when it is a pipe) cost 0.5 to 1 ms of
    // every start, and `exec --prompt-file`, the common way to run, never reads it (measured interleaved).
    get stdin() {
      return process.stdin;
    },
    stdout: process.stdout,
    stderr: process.stderr,
    env: process.env,
    cwd: process.cwd(),
  };
}
