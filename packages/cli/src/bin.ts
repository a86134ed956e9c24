#!/usr/bin/env node
import { fileURLToPath } from 'node:url';
import { cliVersion } from './version.js';

const argv = process.argv.slice(2);
if (argv.length === 1 && (argv[0] === '--version' || argv[0] === '-V')) {
  // The most frequent probe by scripts and editors: answer without loading the command tree.
  process.stdout.write(`${cliVersion}\n`);
} else {
  // Lend this module's import() to the bundle: Node 20 cannot run import() inside a script compiled from a code
  // cache. Core's plugin loader looks the importer up under this key (moduleImporterKey).
  (globalThis as Record<symbol, unknown>)[Symbol.for('llm-service.import-module.v1')] = (specifier: string) =>
    import(specifier);
  const { loadMain } = await import('./compile-cache.js');
  const loaded = loadMain(fileURLToPath(new URL('./main.cjs', import.meta.url)), `cli-${cliVersion}`);
  const code = await loaded.main(argv);
  process.exitCode = code;
  loaded.saveCache();
  // Nothing should keep the process alive after the command; if something does, exit anyway.
  setTimeout(() => process.exit(code), 2_000).unref();
}
