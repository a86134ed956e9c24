/**
 * `kill -9` of `llm-service exec` at a random moment, 100 times, against one telemetry database with a hard budget (so
 * every exec reserves budget before its tool runs). Afterwards the database must be intact, the spend ledger must
 * agree with the recorded rows, no reservation of a killed exec may keep holding budget once another exec has run, no
 * tool may outlive its exec, and no prompt file may be left in the temp directory.
 */
import type { ChildProcess } from 'node:child_process';
import { mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  assertBuilt,
  isolatedHome,
  runCli,
  temporaryDir,
  writeConfig,
  type CliRun,
} from '../../packages/cli/test/support/cli.js';
import {
  compareLedgerWithRows,
  heldReservations,
  integrityCheck,
  pidFrom,
  runningRows,
  seededRandom,
  sleep,
  snapshotTree,
  suiteSeed,
  toolRunning,
  waitUntil,
} from './support/faults.js';

const ITERATIONS = 100;
/** Execs killed at once: enough to finish in well under a minute, few enough for a 2-core runner. */
const CONCURRENCY = 4;
/** How long the kernel gets to deliver the parent-death signal to a killed exec's tool. */
const TOOL_DEATH_MS = 3_000;
/** A bound on any wait for a process to reach a state, far above what a loaded runner needs. */
const STATE_TIMEOUT_MS = 30_000;

/**
 * Where each kill is aimed from. A delay counted from the spawn alone would land mostly before or mostly during the
 * tool, depending on how fast the runner starts Node; counting some delays from the tool's start and some from its
 * exit spreads the kills over all three phases on any machine. Delays from the spawn span one and a half times what
 * an exec took here to give its tool the prompt (measured on a warm run first): a fixed span would put fewer and
 * fewer kills before the tool as exec's start gets faster (0 of 25 within 800 ms once, in CI). Each kill is then
 * classified by what the tool's own pid file and /proc say at the moment it is sent, not by the anchor it was aimed
 * from.
 */
type Anchor = 'spawn' | 'tool-start' | 'tool-exit';
type Phase = 'before-tool' | 'tool-running' | 'tool-finished';

interface Iteration {
  index: number;
  anchor: Anchor;
  delayMs: number;
  /** What the stand-in sleeps before answering: long when the kill is meant to land while it runs. */
  toolDelayMs: number;
}

interface Outcome extends Iteration {
  phase: Phase;
  /** The exec died of our SIGKILL (false: it had already exited on its own). */
  landed: boolean;
  run: CliRun;
  toolPid: number | undefined;
  /** The tool was still running TOOL_DEATH_MS after its exec died. */
  toolSurvived: boolean;
  /** A wait for a state never ended (the exec was killed anyway). */
  stuck: string | undefined;
}

const seed = suiteSeed();
const random = seededRandom(seed);
const root = temporaryDir('faults-kill');
const tmp = join(root, 'tmp');
const dbPath = join(root, 'telemetry.db');
const { env: homeEnv } = isolatedHome();
// A private TMPDIR: prompt files of killed execs land here, and must be gone after the next exec.
const env = { ...homeEnv, TMPDIR: tmp };
const configDir = writeConfig(join(root, 'config'), {
  tools: {
    primary: {
      // The prompt goes through a file in a private temp directory, which a killed exec cannot remove itself.
      promptVia: 'file',
      args: ['exec', '--json', '--model', '{{model}}', '--prompt-file', '{{prompt_file}}'],
      output:
        '{ format: jsonl, text: item.text, input_tokens: usage.input_tokens, output_tokens: usage.output_tokens }',
      models: ['model-a'],
      timeoutS: 120,
    },
  },
  agents: '  writer:\n    preferred_tool: primary\n    preferred_model: model-a\n',
  extraFiles: {
    // A hard budget makes every exec reserve before its tool starts; the limit is far above what 100 requests cost.
    'policies.yaml':
      'version: 1\nbudgets:\n  - { scope: global, period: monthly, limit_usd: 1000000, mode: hard }\n',
    'llm-service.yaml': `version: 1\ntelemetry: { db_path: ${JSON.stringify(dbPath)} }\n`,
  },
});

/** `promptMs`: how long after its spawn a warm exec's tool had read the prompt (wrote its pid file). */
function plan(promptMs: number): Iteration[] {
  // A quarter aimed from the spawn, nearly half from the tool's start (30 of them must land while it runs), the rest
  // from its exit.
  const fromSpawn = Math.round(ITERATIONS * 0.25);
  const fromStart = Math.round(ITERATIONS * 0.45);
  const anchors: Anchor[] = [
    ...Array<Anchor>(fromSpawn).fill('spawn'),
    ...Array<Anchor>(fromStart).fill('tool-start'),
    ...Array<Anchor>(ITERATIONS - fromSpawn - fromStart).fill('tool-exit'),
  ];
  // Fisher-Yates, so the phases interleave and concurrent execs are in different phases.
  for (let index = anchors.length - 1; index > 0; index--) {
    const other = random.int(0, index);
    [anchors[index], anchors[other]] = [anchors[other]!, anchors[index]!];
  }
  return anchors.map((anchor, index) => ({
    index,
    anchor,
    delayMs:
      anchor === 'spawn'
        ? random.int(0, Math.ceil(promptMs * 1.5))
        : anchor === 'tool-start'
          ? random.int(0, 1_000)
          : random.int(0, 40),
    toolDelayMs: anchor === 'tool-exit' ? random.int(0, 300) : 60_000,
  }));
}

function phaseNow(pidFile: string): Phase {
  const pid = pidFrom(pidFile);
  if (pid === undefined) return 'before-tool';
  return toolRunning(pid) ? 'tool-running' : 'tool-finished';
}

async function runIteration(iteration: Iteration): Promise<Outcome> {
  const dir = join(root, `run-${iteration.index}`);
  mkdirSync(dir);
  const pidFile = join(dir, 'tool.pid');
  let child: ChildProcess | undefined;
  let exited = false;
  const run = runCli(
    ['exec', '--config-dir', configDir, '--agent', 'writer', '--prompt', `fault ${iteration.index}`],
    {
      env: { ...env, STAND_IN_PID_FILE: pidFile, STAND_IN_DELAY_MS: String(iteration.toolDelayMs) },
      onSpawn: (spawned) => (child = spawned),
    },
  ).finally(() => (exited = true));

  let stuck: string | undefined;
  const reach = async (what: string, condition: () => boolean) => {
    if (stuck === undefined && !(await waitUntil(() => exited || condition(), STATE_TIMEOUT_MS)))
      stuck = what;
  };
  if (iteration.anchor !== 'spawn') await reach('the tool to start', () => pidFrom(pidFile) !== undefined);
  if (iteration.anchor === 'tool-exit')
    await reach('the tool to finish', () => !toolRunning(pidFrom(pidFile) ?? -1));
  await sleep(iteration.delayMs);

  // Classified immediately before the signal is sent. The stand-in writes its pid file once it has read the prompt,
  // before its delay: no pid file means it has not started its work, a pid that is gone means it has answered.
  const phase = phaseNow(pidFile);
  child?.kill('SIGKILL');
  const result = await run;

  // A tool started in the instant before the kill may write its pid file only now (the final sweep reads them again).
  await sleep(100);
  const toolPid = pidFrom(pidFile);
  const toolSurvived =
    toolPid !== undefined && !(await waitUntil(() => !toolRunning(toolPid), TOOL_DEATH_MS, 20));
  return {
    ...iteration,
    phase,
    landed: result.signal === 'SIGKILL',
    run: result,
    toolPid,
    toolSurvived,
    stuck,
  };
}

async function runAll(iterations: readonly Iteration[]): Promise<Outcome[]> {
  const outcomes: Outcome[] = [];
  let next = 0;
  const worker = async () => {
    while (next < iterations.length) outcomes.push(await runIteration(iterations[next++]!));
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  return outcomes.sort((a, b) => a.index - b.index);
}

/** Runs one exec to its end and says when, after its spawn, its tool had read the prompt. */
async function timeToPrompt(): Promise<number> {
  const pidFile = join(root, 'calibration.pid');
  const spawnedAt = Date.now();
  let promptAt: number | undefined;
  let exited = false;
  const run = runCli(['exec', '--config-dir', configDir, '--agent', 'writer', '--prompt', 'calibration'], {
    env: { ...env, STAND_IN_PID_FILE: pidFile },
  }).finally(() => (exited = true));
  await waitUntil(() => {
    if (pidFrom(pidFile) !== undefined) promptAt ??= Date.now();
    return exited;
  }, STATE_TIMEOUT_MS);
  const result = await run;
  expect(result.code, result.stderr).toBe(0);
  expect(promptAt, 'the calibration run never started its tool').toBeDefined();
  return promptAt! - spawnedAt;
}

const count = (outcomes: readonly Outcome[], keep: (outcome: Outcome) => boolean) =>
  outcomes.filter(keep).length;

/** Every tool pid the iterations' pid files hold now, read again: a tool that escaped may have written its file late. */
const toolPids = () =>
  Array.from({ length: ITERATIONS }, (_, index) => pidFrom(join(root, `run-${index}`, 'tool.pid'))).filter(
    (pid): pid is number => pid !== undefined,
  );

describe('kill -9 of exec at a random moment', () => {
  afterAll(() => {
    // Only if an assertion failed can a tool still run: end it, so it does not outlive the suite either.
    for (const pid of toolPids()) if (toolRunning(pid)) process.kill(pid, 'SIGKILL');
    rmSync(root, { recursive: true, force: true });
    rmSync(homeEnv.HOME!, { recursive: true, force: true });
  });

  it('leaves an intact database, a ledger that matches its rows, no held budget, no tool and no prompt file', async () => {
    assertBuilt();
    mkdirSync(tmp);
    const configBefore = snapshotTree(configDir);

    // One exec that runs to the end first, so the database exists before the first kill.
    const first = await runCli(
      ['exec', '--config-dir', configDir, '--agent', 'writer', '--prompt', 'first'],
      { env },
    );
    expect(first.code, first.stderr).toBe(0);
    const promptMs = await timeToPrompt();

    const outcomes = await runAll(plan(promptMs));
    expect(outcomes).toHaveLength(ITERATIONS);
    const landed = outcomes.filter((outcome) => outcome.landed);
    const counts = {
      seed,
      iterations: outcomes.length,
      killedBeforeToolStarted: count(landed, (outcome) => outcome.phase === 'before-tool'),
      killedWhileToolRan: count(landed, (outcome) => outcome.phase === 'tool-running'),
      killedAfterToolFinished: count(landed, (outcome) => outcome.phase === 'tool-finished'),
      execFinishedBeforeKill: count(outcomes, (outcome) => !outcome.landed),
      toolsStarted: toolPids().length,
      heldReservationsAfterKills: heldReservations(dbPath),
      runningRowsAfterKills: runningRows(dbPath),
      promptDirsLeftByKills: readdirSync(tmp).filter((name) => name.startsWith('llm-service-')).length,
    };

    // Every wait ended, every kill either landed or found an exec that had succeeded on its own, and no tool
    // outlived its exec by more than the moment the kernel needs to deliver the parent-death signal.
    expect(
      outcomes
        .filter((outcome) => outcome.stuck !== undefined)
        .map((outcome) => [outcome.index, outcome.stuck]),
    ).toEqual([]);
    expect(
      outcomes
        .filter((outcome) => !outcome.landed && outcome.run.code !== 0)
        .map((outcome) => `#${outcome.index}: exit ${String(outcome.run.code)}: ${outcome.run.stderr}`),
    ).toEqual([]);
    expect(outcomes.filter((outcome) => outcome.toolSurvived).map((outcome) => outcome.toolPid)).toEqual([]);
    // Tools aimed at from the spawn or the start wait 60 s before answering: one that escaped is still running now.
    expect(toolPids().filter((pid) => toolRunning(pid))).toEqual([]);

    // The next exec expires every reservation whose holder is gone, and sweeps the prompt files killed execs left.
    const last = await runCli(['exec', '--config-dir', configDir, '--agent', 'writer', '--prompt', 'last'], {
      env,
    });
    expect(last.code, last.stderr).toBe(0);
    const ledger = await compareLedgerWithRows(configDir, env, dbPath);
    const stats = await runCli(['stats', '--config-dir', configDir, '--json'], { env });
    expect(stats.code, stats.stderr).toBe(0);
    const running = (JSON.parse(stats.stdout.toString()) as { running: { count: number; abandoned: number } })
      .running;
    console.log('kill -9 of exec:', JSON.stringify({ ...counts, promptMs, ledger, running }, null, 2));

    expect(counts.killedWhileToolRan).toBeGreaterThanOrEqual(30);
    expect(counts.killedBeforeToolStarted).toBeGreaterThan(0);
    expect(counts.killedAfterToolFinished).toBeGreaterThan(0);
    expect(integrityCheck(dbPath)).toBe('ok');
    expect(heldReservations(dbPath)).toBe(0);
    expect(ledger.rowsUsd).toBeGreaterThan(0);
    expect(ledger.ledgerUsd).toBeCloseTo(ledger.rowsUsd, 9);
    // Rows of killed execs stay `running`; stats must call every one abandoned, since no process of theirs lives.
    expect(running.abandoned).toBe(running.count);
    expect(readdirSync(tmp).filter((name) => name.startsWith('llm-service-'))).toEqual([]);
    expect(snapshotTree(configDir)).toEqual(configBefore);
  });
});
