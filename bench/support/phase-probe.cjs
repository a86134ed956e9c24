// Loaded with --require into every Node process of a bench/phases.mjs run (the wrapper, `exec` and the stand-in tool
// alike): marks when each process's own code starts, when the wrapper calls spawn and sees its tool end, when the tool
// gets its prompt, and when each process exits, then writes them to $PHASE_PROBE_DIR/<pid>.json. Marks are absolute
// (timeOrigin + now), so the processes' marks share one clock.
'use strict';
const { writeFileSync } = require('node:fs');
const { join } = require('node:path');
const { performance } = require('node:perf_hooks');

const marks = {};
const mark = (name) => {
  marks[name] ??= performance.timeOrigin + performance.now();
};
mark('code');
const isTool = (process.argv[1] ?? '').includes('stand-in');

if (isTool) {
  process.stdin.once('data', () => mark('prompt'));
} else {
  const childProcess = require('node:child_process');
  const spawn = childProcess.spawn;
  childProcess.spawn = function markedSpawn(...args) {
    mark('spawn');
    const child = spawn.apply(this, args);
    child.once('exit', () => mark('tool-ended'));
    return child;
  };
  const exit = process.exit;
  process.exit = function markedExit(...args) {
    mark('exit-called');
    return exit.apply(this, args);
  };
}
process.once('exit', () => {
  mark('exit-called');
  const file = join(process.env.PHASE_PROBE_DIR, `${process.pid}.json`);
  writeFileSync(file, JSON.stringify({ tool: isTool, origin: performance.timeOrigin, marks }));
});
