#!/usr/bin/env node
// Built as CommonJS (see tsup.config.ts): Node loads a CommonJS entry without its ES module loader, which took about
// 4 ms of every start, `--version` as much as `exec` (measured interleaved against the ES module build of this file).
import { join } from 'node:path';
import { cliVersion } from './version.js';
import type { Prestart, startPredictedTool } from './prestart/start-predicted-tool.js';

async function run(argv: readonly string[]): Promise<void> {
  // Lend this module's import() to the bundle: Node 20 cannot run import() inside a script compiled from a code
  // cache. Core's plugin loader looks the importer up under this key (moduleImporterKey).
  (globalThis as Record<symbol, unknown>)[Symbol.for('llm-service.import-module.v1')] = (specifier: string) =>
    import(specifier);
  // An `exec` whose last runs started the same tool starts it now, while the rest loads; it gets its prompt only once
  // the request, routed and through the policy gate, asks for exactly that launch (see start-predicted-tool.ts).
  const prestart = argv[0] === 'exec' ? predictedTool(argv) : undefined;
  const { loadMain } = await import('./compile-cache.js');
  // __dirname, not import.meta.url: this file runs as CommonJS, and a shimmed import.meta.url misreads a '#' or '?'
  // in the installation's path.
  const loaded = loadMain(join(__dirname, 'main.cjs'), `cli-${cliVersion}-${commandOf(argv)}`);
  const code = await loaded.main(argv, undefined, { prestart, processExits: true });
  process.exitCode = code;
  loaded.saveCache();
  // Nothing should keep the process alive after the command; if something does, exit anyway.
  setTimeout(() => process.exit(code), 2_000).unref();
  exitWhenIdle(code);
}

/**
 * start-predicted-tool.ts, bundled into this file (see tsup.config.ts) but evaluated only here, on its first use:
 * `--version` and every other command never run its module's code (nor load `node:child_process` through it). As a
 * file of its own it took 0.52 ms more from this file's first line to the tool's spawn (finding, reading and compiling
 * a second module; 60 interleaved runs of each build, marks in the process).
 */
function predictedTool(argv: readonly string[]): Prestart | undefined {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- a synchronous import the bundler keeps lazy
  const prestart = require('./prestart/start-predicted-tool.js') as {
    startPredictedTool: typeof startPredictedTool;
  };
  return prestart.startPredictedTool(argv, process.env, process.cwd(), cliVersion);
}

/** The command a run names (`exec`, `tasks`...), which keeps a code cache of its own; every other run shares one. */
function commandOf(argv: readonly string[]): string {
  const first = argv[0] ?? '';
  return /^[a-z][a-z-]{0,31}$/.test(first) ? first : 'other';
}

/** What a finished command may leave open: the standard streams, which hold no work of their own. */
const idleResources = new Set(['PipeWrap', 'TTYWrap']);

/**
 * Ends the process as soon as the command left nothing to do, rather than letting Node tear down its environment
 * and heap on a natural exit: from the tool's process closing to the `exec` process gone took 61.5 ms before and
 * 45.0 ms after (medians of 30 interleaved runs each, separate HOMEs, on a machine loaded about 3x: a bare
 * `node -e 0` took about 230 ms there). main() has awaited every disposer by then, so telemetry's sinks have
 * committed, and `exit` listeners (telemetry's last commit, a restored cursor) still run. Two turns of the loop
 * first: immediates the command queued run, and handles it closed (the tool's process, its pipes) finish closing.
 * Anything else still active (a timer, a file or network request, a server, a child process) or output not yet
 * written keeps the natural exit, so no work is cut short.
 */
function exitWhenIdle(code: number): void {
  setImmediate(() =>
    setImmediate(() => {
      if (process.stdout.writableLength > 0 || process.stderr.writableLength > 0) return;
      if (process.getActiveResourcesInfo().every((resource) => idleResources.has(resource)))
        process.exit(code);
    }),
  );
}

const argv = process.argv.slice(2);
if (argv.length === 1 && (argv[0] === '--version' || argv[0] === '-V')) {
  // The most frequent probe by scripts and editors: answer without loading the command tree.
  process.stdout.write(`${cliVersion}\n`);
} else {
  // main() never rejects: a rejection here is a broken installation, which Node reports as an unhandled one (exit 1).
  void run(argv);
}
