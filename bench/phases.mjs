// Where `exec`'s added time goes, phase by phase, against the floor (bench/run.mjs's BENCH_FLOOR case: a bare Node
// wrapper that starts the same tool the same way). Both run interleaved, each Node process with a probe
// (support/phase-probe.cjs) that marks its own start, the spawn, the tool's prompt and each exit on one clock. The
// probe itself costs each process a little, alike on both sides; what to read is the difference, phase by phase,
// each the median of its own runs (so the rows do not add up exactly to the total's).
//
//   node bench/phases.mjs            (needs a built workspace: pnpm build)
//   BENCH_RUNS=60 node bench/phases.mjs
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { execArgs, floorArgs, median, startUpWork } from './support/start-up-cases.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const runs = Number(process.env.BENCH_RUNS ?? 40);
const probeDir = mkdtempSync(join(tmpdir(), 'llm-service-phases-'));

/** One side: its own HOME (caches, telemetry), the probe in every Node process it starts. */
function side(argsFor) {
  const { env, promptFile } = startUpWork({
    NODE_OPTIONS: `--require ${join(root, 'bench/support/phase-probe.cjs')}`,
    PHASE_PROBE_DIR: probeDir,
  });
  return { args: argsFor(promptFile), env, samples: {} };
}
const sides = {
  floor: side(floorArgs),
  exec: side((promptFile) => execArgs(join(root, 'packages/cli/dist'), promptFile)),
};

const phases = [
  ['Node starts the wrapper', 'start', 'wrapper:code'],
  ['its own code, to the spawn', 'wrapper:code', 'wrapper:spawn'],
  ['spawn, to the tool’s Node', 'wrapper:spawn', 'tool:origin'],
  ['the tool’s Node start', 'tool:origin', 'tool:code'],
  ['the tool, to its prompt', 'tool:code', 'tool:prompt'],
  ['the tool, prompt to exit', 'tool:prompt', 'tool:exit-called'],
  ['the tool’s exit, seen', 'tool:exit-called', 'wrapper:tool-ended'],
  ['after the tool', 'wrapper:tool-ended', 'wrapper:exit-called'],
  ['the wrapper’s exit', 'wrapper:exit-called', 'end'],
  ['total', 'start', 'end'],
];

function runOnce(current) {
  rmSync(probeDir, { recursive: true, force: true });
  mkdirSync(probeDir);
  const start = performance.timeOrigin + performance.now();
  const result = spawnSync(process.execPath, current.args, {
    env: current.env,
    stdio: ['pipe', 'ignore', 'pipe'],
  });
  const end = performance.timeOrigin + performance.now();
  if (result.status !== 0) throw new Error(`${current.args.join(' ')} failed: ${result.stderr}`);
  const marks = { start, end };
  for (const file of readdirSync(probeDir)) {
    const probe = JSON.parse(readFileSync(join(probeDir, file), 'utf8'));
    const who = probe.tool ? 'tool' : 'wrapper';
    marks[`${who}:origin`] = probe.origin;
    for (const [name, at] of Object.entries(probe.marks)) marks[`${who}:${name}`] = at;
  }
  return marks;
}

for (let index = 0; index < runs + 3; index++) {
  for (const current of Object.values(sides)) {
    const marks = runOnce(current);
    if (index < 3) continue;
    for (const [name, from, to] of phases) (current.samples[name] ??= []).push(marks[to] - marks[from]);
  }
}
rmSync(probeDir, { recursive: true, force: true });

console.log(`exec against the floor, phase by phase (medians of ${runs} interleaved runs each, ms)`);
console.log(`  ${'phase'.padEnd(30)}${'floor'.padStart(8)}${'exec'.padStart(8)}${'added'.padStart(8)}`);
for (const [name] of phases) {
  const floor = median(sides.floor.samples[name]);
  const exec = median(sides.exec.samples[name]);
  const cells = [floor, exec, exec - floor].map((ms) => ms.toFixed(2).padStart(8)).join('');
  console.log(`  ${name.padEnd(30)}${cells}`);
}
