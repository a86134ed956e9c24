// Runs inside a private mount namespace (`unshare --mount --propagation private`, started by full-disk.test.ts): mounts
// a small tmpfs per lane, puts the lane's telemetry database and JSONL file on it, and runs `llm-service exec` with the
// disk filled to leave a given number of KiB free. When this process exits the namespace goes, and its mounts with
// it, however the test ended: nothing is left mounted on the host.
//
// Input: one JSON argument (see FullDiskPlan in full-disk.test.ts). Output: one JSON summary on stdout, nothing else.
// The databases are copied out of the tmpfs before it goes, so the test can check them with its own connection.
import { spawn, spawnSync } from 'node:child_process';
import {
  closeSync,
  copyFileSync,
  mkdirSync,
  openSync,
  readdirSync,
  rmSync,
  statfsSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';

const plan = JSON.parse(process.argv[2] ?? '');
const EXEC_TIMEOUT_MS = 60_000;
const FILLER = 'filler.bin';

/** Bytes an unprivileged writer can still use on the file system of `dir`. */
function freeBytes(dir) {
  const stats = statfsSync(dir);
  return stats.bavail * stats.bsize;
}

/** Fills the disk so that about `freeKiB` remain: writes a filler file until that, or until the disk is full. */
function fillLeaving(dir, freeKiB) {
  const path = join(dir, FILLER);
  rmSync(path, { force: true });
  let remaining = Math.max(0, freeBytes(dir) - freeKiB * 1024);
  const chunk = Buffer.alloc(64 * 1024);
  const fd = openSync(path, 'w');
  try {
    while (remaining > 0) {
      const length = Math.min(remaining, chunk.length);
      remaining -= writeSync(fd, chunk, 0, length);
    }
  } catch (error) {
    if (error.code !== 'ENOSPC') throw error;
  } finally {
    closeSync(fd);
  }
}

/** Runs the CLI to its end (or kills it after EXEC_TIMEOUT_MS) and keeps its exit status and stderr. */
function cli(args) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [plan.binPath, ...args], {
      env: process.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk) => (stderr += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), EXEC_TIMEOUT_MS);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

const exec = (lane, prompt) =>
  cli(['exec', '--config-dir', lane.configDir, '--agent', 'writer', '--prompt', prompt]);

async function runLane(lane) {
  const mounted = spawnSync(
    'mount',
    ['-t', 'tmpfs', '-o', `size=${plan.tmpfsKiB}k,mode=0700`, 'tmpfs', lane.diskDir],
    {
      encoding: 'utf8',
    },
  );
  if (mounted.status !== 0) throw new Error(`mount failed: ${mounted.stderr}`);

  // One run with room to spare, so the database exists (and has its schema) before the disk fills.
  const warmUp = await exec(lane, 'warm-up');
  const iterations = [];
  for (const [index, freeKiB] of lane.freeKiB.entries()) {
    fillLeaving(lane.diskDir, freeKiB);
    const freeBefore = freeBytes(lane.diskDir);
    const run = await exec(lane, `full disk ${index}`);
    iterations.push({ index, freeKiB, freeBefore, code: run.code, signal: run.signal, stderr: run.stderr });
  }

  // Room again: the next exec must work, and expire what the faulted runs left held.
  rmSync(join(lane.diskDir, FILLER), { force: true });
  const final = await exec(lane, 'after the full disk');
  const budget = await cli(['budget', '--config-dir', lane.configDir, '--json']);
  mkdirSync(lane.outDir, { recursive: true });
  const copied = readdirSync(lane.diskDir).filter((name) => name !== FILLER);
  for (const name of copied) copyFileSync(join(lane.diskDir, name), join(lane.outDir, name));
  return { warmUp, iterations, final, budget, copied };
}

const lanes = await Promise.all(plan.lanes.map(runLane));
process.stdout.write(`${JSON.stringify({ lanes })}\n`);
