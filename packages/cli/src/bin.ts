#!/usr/bin/env node
// Built as CommonJS (see tsup.config.ts): Node loads a CommonJS entry without its ES module loader, which took about
// 4 ms of every start, `--version` as much as `exec` (measured interleaved against the ES module build of this file).
import { join } from 'node:path';
import { cliVersion } from './version.js';

async function run(argv: readonly string[]): Promise<void> {
  // Lend this module's import() to the bundle: Node 20 cannot run import() inside a script compiled from a code
  // cache. Core's plugin loader looks the importer up under this key (moduleImporterKey).
  (globalThis as Record<symbol, unknown>)[Symbol.for('llm-service.import-module.v1')] = (specifier: string) =>
    import(specifier);
  const { loadMain } = await import('./compile-cache.js');
  // __dirname, not import.meta.url: this file runs as CommonJS, and a shimmed import.meta.url misreads a '#' or '?'
  // in the installation's path.
  const loaded = loadMain(join(__dirname, 'main.cjs'), `cli-${cliVersion}`);
  const code = await loaded.main(argv);
  process.exitCode = code;
  loaded.saveCache();
  // Nothing should keep the process alive after the command; if something does, exit anyway.
  setTimeout(() => process.exit(code), 2_000).unref();
}

const argv = process.argv.slice(2);
if (argv.length === 1 && (argv[0] === '--version' || argv[0] === '-V')) {
  // The most frequent probe by scripts and editors: answer without loading the command tree.
  process.stdout.write(`${cliVersion}\n`);
} else {
  // main() never rejects: a rejection here is a broken installation, which Node reports as an unhandled one (exit 1).
  void run(argv);
}
