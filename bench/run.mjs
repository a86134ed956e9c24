// Benchmarks for llm-service. Every figure is a ratio against a baseline measured in the same run, on the same
// machine, so results compare across machines. Run with `pnpm bench` (which builds first); BENCH_RUNS sets the runs of
// each case (30), BENCH_PRESTART_OFF=1 adds exec without its tool started ahead (LLM_SERVICE_NO_PRESTART=1), and
// BENCH_FLOOR=1 adds the floor: a bare Node wrapper that only starts the same tool the same way (support/floor-wrapper.cjs).
// bench/phases.mjs then shows, phase by phase, where exec's added time goes against that floor.
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  execArgs,
  floorArgs,
  median,
  standInArgs,
  startUpPrompt,
  startUpWork,
} from './support/start-up-cases.mjs';

const dist = join(dirname(fileURLToPath(import.meta.url)), '../packages/cli/dist');
const runs = Number(process.env.BENCH_RUNS ?? 30);
/** BENCH_PRESTART_OFF=1 adds exec with the tool started only once exec has loaded, for comparison (its own HOME). */
const comparePrestartOff = Boolean(process.env.BENCH_PRESTART_OFF);
/** BENCH_FLOOR=1 adds what any wrapper of the tool costs, so that exec's own share of its added time shows. */
const compareFloor = Boolean(process.env.BENCH_FLOOR);

const { env, promptFile } = startUpWork();
const execOfQuickStart = execArgs(dist, promptFile);

function timeOnce(command, args, input, caseEnv = env) {
  const started = process.hrtime.bigint();
  const result = spawnSync(command, args, { env: caseEnv, input, stdio: ['pipe', 'ignore', 'pipe'] });
  const elapsed = Number(process.hrtime.bigint() - started) / 1e6;
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} failed: ${result.stderr}`);
  return elapsed;
}

/** Interleaves the cases run by run, so a slow moment of the machine hits all of them alike. */
function measure(cases) {
  const samples = Object.fromEntries(Object.keys(cases).map((name) => [name, []]));
  for (let index = 0; index < 3; index++)
    for (const [, [command, args, input, caseEnv]] of Object.entries(cases))
      timeOnce(command, args, input, caseEnv);
  for (let index = 0; index < runs; index++) {
    for (const [name, [command, args, input, caseEnv]] of Object.entries(cases))
      samples[name].push(timeOnce(command, args, input, caseEnv));
  }
  return Object.fromEntries(Object.entries(samples).map(([name, values]) => [name, median(values)]));
}

const results = measure({
  bareNode: [process.execPath, ['-e', '0']],
  standInDirect: [process.execPath, standInArgs, startUpPrompt],
  llmServiceExec: [process.execPath, execOfQuickStart],
  llmServiceVersion: [process.execPath, [join(dist, 'bin.js'), '--version']],
  ...(comparePrestartOff
    ? {
        llmServiceExecPrestartOff: [
          process.execPath,
          execOfQuickStart,
          undefined,
          startUpWork({ LLM_SERVICE_NO_PRESTART: '1' }).env,
        ],
      }
    : {}),
  ...(compareFloor
    ? {
        floorWrapper: [process.execPath, floorArgs(promptFile)],
      }
    : {}),
});

const fmt = (ms) => `${ms.toFixed(1)} ms`;
/** What a case adds to the tool run directly, in ms and as a ratio to a bare Node start. */
const addedBy = (ms) => {
  const added = ms - results.standInDirect;
  return `${fmt(added)} = ${(added / results.bareNode).toFixed(2)}x a bare Node start`;
};
console.log(`llm-service start-up benchmark (median of ${runs} interleaved runs each)`);
console.log(`  bare node -e 0 (baseline)            ${fmt(results.bareNode)}`);
console.log(`  stand-in tool called directly        ${fmt(results.standInDirect)}`);
console.log(`  llm-service exec -> same tool        ${fmt(results.llmServiceExec)}`);
console.log(`  llm-service --version                ${fmt(results.llmServiceVersion)}`);
if (comparePrestartOff)
  console.log(`  exec, LLM_SERVICE_NO_PRESTART=1      ${fmt(results.llmServiceExecPrestartOff)}`);
if (compareFloor) console.log(`  bare Node wrapper -> same tool       ${fmt(results.floorWrapper)}`);
console.log('');
console.log(`  exec added time: ${addedBy(results.llmServiceExec)} (target <= 1.5x)`);
console.log(
  `  --version: ${(results.llmServiceVersion / results.bareNode).toFixed(2)}x a bare Node start (target <= 1.2x)`,
);
if (comparePrestartOff)
  console.log(`  without the tool started ahead: ${addedBy(results.llmServiceExecPrestartOff)}`);
if (compareFloor) console.log(`  the floor (any Node wrapper of the tool): ${addedBy(results.floorWrapper)}`);
