// Compares `exec`'s time between two builds of the CLI, paired: an `exec` of the one, then of the other, alternately,
// each build in a HOME of its own, so both meet the machine in the same state. What it prints is the mean of the
// middle 80 % of the differences (B - A) with two standard errors, and each build's median added time as
// bench/run.mjs computes it. Two copies of one build differ by up to 1.2 ms in the median of 40 pairs on the
// development machine: read a difference within its error as none.
//
//   node bench/compare-builds.mjs save before        keeps packages/cli/dist as the build `before`
//   (change something, pnpm build)
//   node bench/compare-builds.mjs before dist [pairs]   `before` against the current build (60 pairs)
//
// Saved builds live in packages/cli/.builds/ (ignored by git), beside dist/, so that they resolve the CLI's
// dependencies (better-sqlite3's native module among them) from the same node_modules.
import { spawnSync } from 'node:child_process';
import { cpSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { execArgs, median, standInArgs, startUpPrompt, startUpWork } from './support/start-up-cases.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const cli = join(root, 'packages/cli');
const buildDir = (name) => (name === 'dist' ? join(cli, 'dist') : join(cli, '.builds', name));
const [first, second, pairsArgument] = process.argv.slice(2);

if (first === 'save' && second) {
  rmSync(buildDir(second), { recursive: true, force: true });
  cpSync(join(cli, 'dist'), buildDir(second), { recursive: true });
  console.log(`saved packages/cli/dist as ${second}`);
  process.exit(0);
}
if (!first || !second) {
  console.error('usage: node bench/compare-builds.mjs save NAME | node bench/compare-builds.mjs A B [pairs]');
  process.exit(2);
}

const pairs = Number(pairsArgument ?? 60);
/** A case: a command in a HOME of its own (see startUpWork). */
function caseOf(argsFor, input) {
  const { env, promptFile } = startUpWork();
  return { args: argsFor(promptFile), env, input };
}
const cases = {
  bare: caseOf(() => ['-e', '0']),
  direct: caseOf(() => standInArgs, startUpPrompt),
  a: caseOf((promptFile) => execArgs(buildDir(first), promptFile)),
  b: caseOf((promptFile) => execArgs(buildDir(second), promptFile)),
};

function timeOnce({ args, env, input }) {
  const started = performance.now();
  const result = spawnSync(process.execPath, args, { env, input, stdio: ['pipe', 'ignore', 'pipe'] });
  if (result.status !== 0) throw new Error(`${args.join(' ')} failed: ${result.stderr}`);
  return performance.now() - started;
}

const samples = { bare: [], direct: [], a: [], b: [] };
for (let index = 0; index < pairs + 4; index++) {
  for (const [name, current] of Object.entries(cases)) {
    const ms = timeOnce(current);
    if (index >= 4) samples[name].push(ms);
  }
}

const differences = samples.a.map((a, index) => samples.b[index] - a).sort((x, y) => x - y);
const middle = differences.slice(Math.floor(pairs * 0.1), Math.ceil(pairs * 0.9));
const mean = middle.reduce((sum, value) => sum + value, 0) / middle.length;
const spread = Math.sqrt(middle.reduce((sum, value) => sum + (value - mean) ** 2, 0) / (middle.length - 1));
const bare = median(samples.bare);
const added = (name) => {
  const ms = median(samples[name]) - median(samples.direct);
  return `${ms.toFixed(1)} ms = ${(ms / bare).toFixed(2)}x a bare Node start`;
};
console.log(`${second} against ${first}: exec, ${pairs} pairs`);
console.log(`  ${first} adds ${added('a')}`);
console.log(`  ${second} adds ${added('b')}`);
console.log(
  `  B - A: ${mean.toFixed(2)} ± ${((2 * spread) / Math.sqrt(middle.length)).toFixed(2)} ms ` +
    `(mean of the middle 80 % of the differences, ± two standard errors); B faster in ` +
    `${differences.filter((difference) => difference < 0).length} of ${pairs}`,
);
