// What the start-up benchmarks (run.mjs, phases.mjs, compare-builds.mjs) start, alike in each: the stand-in tool run
// directly, `exec` of the quick-start's writer on it, and the floor wrapper of the same tool; one prompt; one median.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isolatedEnv } from './isolated-env.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '../..');
export const startUpPrompt = 'Summarise the design of a rate limiter in three sentences.\n';
const standIn = join(root, 'examples/stand-in-llm/stand-in-llm.mjs');

/** The stand-in tool as exec starts it for the quick-start's writer, prompt on stdin. */
export const standInArgs = [standIn, 'exec', '--model', 'stand-in-small', '-'];

/** `exec` of the CLI build in `buildDir` (packages/cli/dist, or a copy beside it) for the quick-start's writer. */
export function execArgs(buildDir, promptFile) {
  const configDir = join(root, 'examples/quick-start');
  return [
    join(buildDir, 'bin.js'),
    'exec',
    '--config-dir',
    configDir,
    '--agent',
    'writer',
    '--prompt-file',
    promptFile,
  ];
}

/** The floor: a bare Node wrapper that starts the stand-in the way exec does (support/floor-wrapper.cjs). */
export function floorArgs(promptFile) {
  return [join(root, 'bench/support/floor-wrapper.cjs'), promptFile, ...standInArgs];
}

/**
 * A HOME of its own (caches, telemetry) with the prompt file in it. Every case starts Node, so what the environment
 * makes Node do at each start is taken out of all of them alike: NODE_EXTRA_CA_CERTS alone (set on some machines for
 * a proxy) made each start read and parse a certificate bundle, 31 ms to 78 ms for a bare `node -e 0` here, which hid
 * how much exec's own work weighs against a start.
 */
export function startUpWork(extra = {}) {
  const work = mkdtempSync(join(tmpdir(), 'llm-service-bench-'));
  // Each HOME gathers the caches of a run (the token table among them, 8 MB): gone with the benchmark.
  process.on('exit', () => rmSync(work, { recursive: true, force: true }));
  const { NODE_EXTRA_CA_CERTS: _certificates, NODE_OPTIONS: _options, ...env } = isolatedEnv(work);
  const promptFile = join(work, 'prompt.md');
  writeFileSync(promptFile, startUpPrompt);
  return { env: { ...env, ...extra }, promptFile };
}

export function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}
