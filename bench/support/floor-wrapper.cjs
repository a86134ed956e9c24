// The floor under `exec`'s start-up (BENCH_FLOOR=1 node bench/run.mjs): a bare Node program that does only what no
// wrapper of a tool can skip. It starts the tool through the chain exec uses (setpriv's parent-death guard where
// there is one, then the script's own shebang), writes it the prompt, relays its answer, and exits with its code.
//
//   node floor-wrapper.cjs PROMPT_FILE TOOL [ARG...]
'use strict';
const { spawn } = require('node:child_process');
const { existsSync, readFileSync } = require('node:fs');

const [promptFile, tool, ...args] = process.argv.slice(2);
const guard = process.platform === 'linux' && existsSync('/usr/bin/setpriv');
const [file, argv] = guard
  ? ['/usr/bin/setpriv', ['--pdeathsig', 'KILL', '--', tool, ...args]]
  : [tool, args];
const child = spawn(file, argv, { stdio: ['pipe', 'pipe', 'inherit'], detached: true });
child.stdin.end(readFileSync(promptFile));
child.stdout.pipe(process.stdout);
child.on('close', (code) => process.exit(code ?? 1));
