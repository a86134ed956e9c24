#!/usr/bin/env node
import { cliVersion } from './version.js';

const argv = process.argv.slice(2);
if (argv.length === 1 && (argv[0] === '--version' || argv[0] === '-V')) {
  // The most frequent probe by scripts and editors: answer without loading the command tree.
  process.stdout.write(`${cliVersion}\n`);
} else {
  const { main } = await import('./main.js');
  const code = await main(argv);
  process.exitCode = code;
  // Nothing should keep the process alive after the command; if something does, exit anyway.
  setTimeout(() => process.exit(code), 2_000).unref();
}
