// Preloaded (NODE_OPTIONS=--require) into a run of the binary by prestart.e2e.test.ts: appends to
// $PRESTART_PROBE_REPORT one JSON line per process the run starts, with its pid and whether the CLI's bundle
// (main.cjs) had been read by then. A tool started ahead of its request is one started before the bundle was read.
// NODE_OPTIONS reaches the tool's own node process too: only the binary's process reports.
'use strict';
const { ChildProcess } = require('node:child_process');
const fs = require('node:fs');

const report = process.env.PRESTART_PROBE_REPORT;
if (report && /[\\/]bin\.js$/.test(process.argv[1] ?? '')) {
  let bundleRead = false;
  // Both ways bin.js loads the bundle (through its code cache, or a plain require) read it with fs.readFileSync.
  const { readFileSync } = fs;
  fs.readFileSync = function readAndNote(path, ...rest) {
    if (String(path).endsWith('main.cjs')) bundleRead = true;
    return readFileSync.call(this, path, ...rest);
  };
  // Every child_process function that starts a process goes through this method.
  const { spawn } = ChildProcess.prototype;
  ChildProcess.prototype.spawn = function spawnAndReport(options) {
    const afterBundle = bundleRead;
    const result = spawn.call(this, options);
    fs.appendFileSync(
      report,
      `${JSON.stringify({ file: options.file, args: options.args, pid: this.pid, afterBundle })}\n`,
    );
    return result;
  };
}
