// Runs a command on the terminal it was given and writes its exit status to a file (tmux does not always report
// the status of a pane's command). Ctrl-C reaches the command through the terminal; this wrapper ignores it.
import { spawn } from 'node:child_process';
import { constants } from 'node:os';
import { writeFileSync } from 'node:fs';

const [statusFile, command, ...args] = process.argv.slice(2);
process.on('SIGINT', () => undefined);
const child = spawn(command, args, { stdio: 'inherit' });
child.on('exit', (code, signal) => {
  const status = code ?? 128 + (signal ? constants.signals[signal] : 0);
  writeFileSync(statusFile, String(status));
  process.exit(status);
});
