// Swaps a directory inside the work directory for a symbolic link to a directory outside it, and back, as an agent (or
// an attacker) with write access to the work directory could, while the dashboard reads and writes task files.
//
//   node swapper.mjs WORK_DIR NAME OUTSIDE_DIR MAX_MS
//
// A swap parks the real WORK_DIR/NAME as WORK_DIR/.NAME-parked (a dot name, so the task board does not show it, and
// still inside the work directory) and puts a link to OUTSIDE_DIR in its place; putting it back reverses that. Both
// take two renames, so NAME is briefly missing in between, as when any directory is moved. Commands on stdin, one a line:
//
//   swap DELAY_MS HOLD_MS  swap after DELAY_MS, put back after HOLD_MS, then print `swapped`. The test sends it just
//                          before a write, so every write races one swap at a random point of its course.
//   storm MS               swap and put back as fast as possible for MS, then print `stormed N`: catches the short
//                          windows of the board's reads, which a swap aimed at a write rarely hits.
//
// It prints `ready` once listening. It exits when stdin ends, after MAX_MS, or once its parent is gone (so it cannot
// outlive the test that started it), always with the real directory back in place.
import { renameSync, symlinkSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { clearInterval, setImmediate, setInterval, setTimeout } from 'node:timers';

const [workDir, name, outsideDir, maxMs] = process.argv.slice(2);
const dir = join(workDir, name);
const parked = join(workDir, `.${name}-parked`);
const link = join(workDir, `.${name}-link`);
const parent = process.ppid;
const wait = (ms) => new Promise((resolve) => (ms > 0 ? setTimeout(resolve, ms) : setImmediate(resolve)));

let swapped = false;
const swap = () => {
  symlinkSync(outsideDir, link);
  renameSync(dir, parked);
  renameSync(link, dir);
  swapped = true;
};
const putBack = () => {
  unlinkSync(dir);
  renameSync(parked, dir);
  swapped = false;
};
const quit = () => {
  if (swapped) putBack();
  process.exit(1);
};

const watchdog = setInterval(() => {
  if (process.ppid !== parent) quit();
}, 500);
setTimeout(quit, Number(maxMs)).unref();

process.stdout.write('ready\n');
for await (const line of createInterface({ input: process.stdin })) {
  const [command, ...numbers] = line.split(' ');
  const [first, second] = numbers.map(Number);
  if (command === 'swap') {
    await wait(first);
    swap();
    await wait(second);
    putBack();
    process.stdout.write('swapped\n');
  } else if (command === 'storm') {
    const until = Date.now() + first;
    let swaps = 0;
    while (Date.now() < until) {
      swap();
      await wait(0);
      putBack();
      await wait(0);
      swaps++;
    }
    process.stdout.write(`stormed ${swaps}\n`);
  }
}
clearInterval(watchdog);
