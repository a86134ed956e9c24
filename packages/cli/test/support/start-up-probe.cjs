// Preloaded (NODE_OPTIONS=--require) into a run of the binary by start-up.e2e.test.ts: counts the zod schemas the
// process builds, through zod's documented global post-processor hook, and writes the count, with the Node built-in
// modules loaded so far, to $START_UP_PROBE_REPORT when the process first starts a program (its tool).
'use strict';
const childProcess = require('node:child_process');
const { writeFileSync } = require('node:fs');

const report = process.env.START_UP_PROBE_REPORT;
let schemas = 0;
globalThis.__zod_globalConfig = { postProcessor: () => void schemas++ };
const { spawn } = childProcess;
let written = false;
childProcess.spawn = function spawnAndReport(...args) {
  if (report && !written) {
    written = true;
    const builtins = process.moduleLoadList
      .filter((entry) => entry.startsWith('NativeModule '))
      .map((entry) => entry.slice('NativeModule '.length));
    writeFileSync(report, JSON.stringify({ schemas, builtins }));
  }
  return spawn.apply(this, args);
};
