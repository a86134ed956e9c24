import {
  chmodSync,
  cpSync,
  existsSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { PrestartRecord } from '../src/prestart/prestart-record.js';
import {
  assertBuilt,
  binPath,
  isolatedHome,
  processExists,
  quickStartDir,
  runCli,
  standInPath,
  temporaryDir,
  waitFor,
  writeConfig,
  type CliRun,
} from './support/cli.js';

/**
 * An `exec` whose last two runs with the same options launched the same tool starts that tool before the CLI's own
 * code has loaded, and hands it the prompt only if the request, once routed and through the policy gate, launches
 * exactly it. A preloaded probe lists the processes each run starts and whether the bundle (main.cjs) had been read
 * by then: a tool started ahead is one started before.
 */

const probe = join(import.meta.dirname, 'support/prestart-probe.cjs');
// Only a launch through the parent-death guard may wait for its prompt: elsewhere nothing is started ahead.
const parentDeathGuard = '/usr/bin/setpriv';
const skipReason =
  process.platform !== 'linux'
    ? 'the parent-death guard is Linux only'
    : existsSync(parentDeathGuard)
      ? undefined
      : `${parentDeathGuard} is missing`;

interface Spawn {
  file: string;
  args: string[];
  pid: number | undefined;
  afterBundle: boolean;
}

interface ProbedRun extends CliRun {
  spawns: Spawn[];
}

const cleanups: string[] = [];
afterEach(() => {
  for (const path of cleanups.splice(0)) rmSync(path, { recursive: true, force: true });
});

function home(): { home: string; env: Record<string, string> } {
  const isolated = isolatedHome();
  cleanups.push(isolated.home);
  return isolated;
}

function temporary(prefix: string): string {
  const dir = temporaryDir(prefix);
  cleanups.push(dir);
  return dir;
}

let reports = 0;
function probedEnv(env: Record<string, string>, extraEnv: Record<string, string>) {
  const report = join(env.HOME ?? '', `probe-${++reports}.jsonl`);
  return {
    report,
    env: { ...env, ...extraEnv, NODE_OPTIONS: `--require ${probe}`, PRESTART_PROBE_REPORT: report },
  };
}

function spawnsIn(report: string): Spawn[] {
  const lines = existsSync(report) ? readFileSync(report, 'utf8').split('\n').filter(Boolean) : [];
  return lines.map((line) => JSON.parse(line) as Spawn);
}

async function execProbed(
  env: Record<string, string>,
  args: readonly string[],
  extraEnv: Record<string, string> = {},
  cwd?: string,
): Promise<ProbedRun> {
  const probed = probedEnv(env, extraEnv);
  const run = await runCli(['exec', ...args], { env: probed.env, ...(cwd === undefined ? {} : { cwd }) });
  return { ...run, spawns: spawnsIn(probed.report) };
}

/** Two successful runs of the same command line: what confirms a record, so that the next run starts its tool ahead. */
async function confirmWith(env: Record<string, string>, args: readonly string[]): Promise<void> {
  for (let run = 0; run < 2; run++) {
    const done = await execProbed(env, args);
    expect(done.code, done.stderr).toBe(0);
  }
}

/**
 * A run given its prompt on stdin only once `ready()` holds: the run waits for it after it has loaded and before it
 * routes the request, so a tool it started ahead is known to be up and waiting when the request decides its fate.
 */
async function execPromptedWhen(
  env: Record<string, string>,
  args: readonly string[],
  prompt: string,
  ready: () => boolean,
): Promise<ProbedRun> {
  assertBuilt();
  const probed = probedEnv(env, {});
  const child = spawn(process.execPath, [binPath, 'exec', ...args], {
    env: probed.env,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const stdout: Buffer[] = [];
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  // A run that ended early (a failure the assertions report) no longer reads its stdin.
  child.stdin.on('error', () => undefined);
  const closed = new Promise<Pick<CliRun, 'code' | 'signal'>>((resolveClose, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => resolveClose({ code, signal }));
  });
  let ended = false;
  const markEnded = () => void (ended = true);
  closed.then(markEnded, markEnded);
  await waitFor(() => ready() || ended);
  child.stdin.end(prompt);
  const { code, signal } = await closed;
  return { code, signal, stdout: Buffer.concat(stdout), stderr, spawns: spawnsIn(probed.report) };
}

const prestartDir = (homeDir: string) => join(homeDir, '.cache/llm-service/prestart');

/** The records under the home's cache; the runs of one test share one key, so one record. */
function recordFiles(homeDir: string): string[] {
  const dir = prestartDir(homeDir);
  return existsSync(dir) ? readdirSync(dir).map((name) => join(dir, name)) : [];
}

function theRecord(homeDir: string): PrestartRecord {
  const files = recordFiles(homeDir);
  expect(files).toHaveLength(1);
  return JSON.parse(readFileSync(files[0] ?? '', 'utf8')) as PrestartRecord;
}

/** Whether a process still runs: one that ended but was not reaped yet (a zombie) does not. */
function running(pid: number): boolean {
  if (!processExists(pid)) return false;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

/** The only process a run started, which must have been started ahead (or not) of the bundle. */
function onlySpawn(run: ProbedRun, ahead: boolean): Spawn {
  expect(run.spawns, JSON.stringify(run.spawns)).toHaveLength(1);
  const [spawn] = run.spawns;
  expect(spawn?.afterBundle).toBe(!ahead);
  return spawn as Spawn;
}

/**
 * A config in a directory of its own whose agent `writer` runs `marker-tool.mjs` on model-a, or model-c for a short
 * prompt when `costOptimization`. The tool appends `<model> <pid>` to `waits.log` once it waits for its stdin, and
 * `<model> <prompt bytes>` to `reads.log` once it has read it to the end: a process killed before it was given a
 * prompt leaves no line there, where one whose stdin was closed unkilled would log an empty prompt.
 */
function markerConfig(costOptimization: boolean): {
  dir: string;
  tool: string;
  waits: () => string[];
  reads: () => string[];
} {
  const root = temporary('prestart-marker');
  const tool = join(root, 'marker-tool.mjs');
  const [waitLog, readLog] = [join(root, 'waits.log'), join(root, 'reads.log')];
  writeFileSync(
    tool,
    `#!/usr/bin/env node
import { appendFileSync } from 'node:fs';
const model = process.argv[process.argv.indexOf('--model') + 1];
const chunks = [];
appendFileSync(${JSON.stringify(waitLog)}, model + ' ' + process.pid + '\\n');
for await (const chunk of process.stdin) chunks.push(chunk);
const prompt = Buffer.concat(chunks);
appendFileSync(${JSON.stringify(readLog)}, model + ' ' + prompt.length + '\\n');
process.stdout.write('answer from ' + model + ': ' + prompt.toString());
`,
  );
  chmodSync(tool, 0o755);
  const dir = writeConfig(join(root, 'config'), {
    tools: { marker: { binary: tool, models: ['model-a', 'model-b', 'model-c'] } },
    agents: '  writer:\n    preferred_tool: marker\n    preferred_model: model-a\n',
    extraFiles: costOptimization
      ? {
          'policies.yaml': [
            'version: 1',
            'cost_optimization:',
            '  enabled: true',
            '  simple_task_threshold_tokens: 50',
            '  simple_task_models: [model-c]',
            '',
          ].join('\n'),
        }
      : {},
  });
  const lines = (path: string) =>
    existsSync(path) ? readFileSync(path, 'utf8').split('\n').filter(Boolean) : [];
  return { dir, tool, waits: () => lines(waitLog), reads: () => lines(readLog) };
}

const quickStartWriter = ['--config-dir', quickStartDir, '--agent', 'writer'];

/** The quick start in a directory of its own, its tools given by absolute path. */
function quickStartCopy(): string {
  const dir = join(temporary('prestart-quick-start'), 'config');
  cpSync(quickStartDir, dir, { recursive: true });
  const tools = join(dir, 'tools.yaml');
  writeFileSync(
    tools,
    readFileSync(tools, 'utf8').replaceAll('../stand-in-llm/stand-in-llm.mjs', standInPath),
  );
  return dir;
}

/**
 * A project as a user clones it: the quick start in its `./.llm-service/`, found from the directory, whose `writer`
 * runs the project's own program `tool.mjs` (a binary given by a path inside the project, so trusted with the config).
 * The tool appends its pid to `starts.log` (outside the config directory) as soon as it runs, and answers with its
 * prompt once it has read it.
 */
function projectWithLocalTool(): { cwd: string; configDir: string; tool: string; starts: () => string[] } {
  const cwd = temporary('prestart-project');
  const configDir = join(cwd, '.llm-service');
  cpSync(quickStartDir, configDir, { recursive: true });
  const tool = join(cwd, 'tool.mjs');
  const startLog = join(cwd, 'starts.log');
  writeFileSync(
    tool,
    `#!/usr/bin/env node
import { appendFileSync } from 'node:fs';
appendFileSync(${JSON.stringify(startLog)}, process.pid + '\\n');
const chunks = [];
for await (const chunk of process.stdin) chunks.push(chunk);
process.stdout.write('answer from the project tool: ' + Buffer.concat(chunks).toString());
`,
  );
  chmodSync(tool, 0o755);
  const tools = join(configDir, 'tools.yaml');
  const standIn = 'binary: ../stand-in-llm/stand-in-llm.mjs';
  const text = readFileSync(tools, 'utf8');
  // `writer` runs `stand-in`, the first tool; the other keeps the stand-in, by absolute path.
  expect(text.indexOf(`${standIn} # relative to this directory`)).toBe(text.indexOf(standIn));
  writeFileSync(
    tools,
    text
      .replace(`${standIn} # relative to this directory`, 'binary: ../tool.mjs')
      .replaceAll(standIn, `binary: ${standInPath}`),
  );
  const starts = () =>
    existsSync(startLog) ? readFileSync(startLog, 'utf8').split('\n').filter(Boolean) : [];
  return { cwd, configDir, tool, starts };
}

describe.skipIf(skipReason !== undefined)(
  'exec starts the tool its last runs started, ahead of its request',
  () => {
    it('records a launch, confirms it on the second run, and starts it ahead on the third with the same answer', async () => {
      const { home: homeDir, env } = home();
      const writer = (prompt: string) => [...quickStartWriter, '--prompt', prompt];

      const first = await execProbed(env, writer('first run'));
      expect(first.code, first.stderr).toBe(0);
      onlySpawn(first, false);
      const recorded = theRecord(homeDir);
      expect(recorded.confirmed).toBe(false);
      expect(recorded.launch).toMatchObject({
        file: parentDeathGuard,
        args: ['--pdeathsig', 'KILL', '--', standInPath, 'exec', '--model', 'stand-in-small', '-'],
        stdin: 'pipe',
      });
      // The record names the files whose change voids it: the configuration's, the guard and the tool.
      expect(Object.keys(recorded.files)).toEqual(
        expect.arrayContaining([join(quickStartDir, 'agents.yaml'), parentDeathGuard, standInPath]),
      );

      const second = await execProbed(env, writer('second run'));
      expect(second.code, second.stderr).toBe(0);
      onlySpawn(second, false);
      expect(theRecord(homeDir)).toEqual({ ...recorded, confirmed: true });
      const confirmedText = readFileSync(recordFiles(homeDir)[0] ?? '', 'utf8');

      const prompt = 'Summarise the release notes of 0.1.0';
      const third = await execProbed(env, writer(prompt));
      expect(third.code, third.stderr).toBe(0);
      const ahead = onlySpawn(third, true);
      expect(ahead.file).toBe(parentDeathGuard);
      expect(ahead.args).toContain(standInPath);
      const plain = await execProbed(env, writer(prompt), { LLM_SERVICE_NO_PRESTART: '1' });
      expect(plain.code, plain.stderr).toBe(0);
      onlySpawn(plain, false);
      expect(third.stdout.toString()).toBe(plain.stdout.toString());
      expect(third.stdout.toString()).toContain(`> ${prompt}`);
      expect(third.stderr).toBe(plain.stderr);
      // A run that took its prediction leaves the record as it was.
      expect(readFileSync(recordFiles(homeDir)[0] ?? '', 'utf8')).toBe(confirmedText);
    });

    it('keeps no prompt on disk, in files only the user can read', async () => {
      const { home: homeDir, env } = home();
      const promptDir = temporary('prestart-prompt');
      const promptFile = join(promptDir, 'prompt-file-name-6c1f.md');
      writeFileSync(promptFile, 'prompt text from a file 6c1f\n');
      const runs = [
        await execProbed(env, [...quickStartWriter, '--prompt=prompt text with equals 6c1f']),
        await execProbed(env, [...quickStartWriter, '-p', 'prompt text with -p 6c1f']),
        await execProbed(env, [...quickStartWriter, '-f', promptFile]),
      ];
      for (const run of runs) expect(run.code, run.stderr).toBe(0);
      // The third run was started ahead and got its prompt: the record was used, not only written.
      onlySpawn(runs[2] as ProbedRun, true);
      expect(runs[2]?.stdout.toString()).toContain('> prompt text from a file 6c1f');
      expect(theRecord(homeDir).confirmed).toBe(true);

      expect(statSync(prestartDir(homeDir)).mode & 0o777).toBe(0o700);
      for (const file of recordFiles(homeDir)) {
        expect(statSync(file).mode & 0o777, file).toBe(0o600);
        expect(readFileSync(file, 'utf8'), file).not.toContain('6c1f');
      }
    });

    it('does not start ahead once a configuration file changed, and predicts again from the next run', async () => {
      const { env } = home();
      const dir = quickStartCopy();
      const options = ['--config-dir', dir, '--agent', 'writer', '--prompt', 'hello'];
      await confirmWith(env, options);

      // The same routes, but another file: the configuration's text decides, so the prediction must not.
      const agents = join(dir, 'agents.yaml');
      writeFileSync(agents, `${readFileSync(agents, 'utf8')}# edited\n`);
      const changed = await execProbed(env, options);
      expect(changed.code, changed.stderr).toBe(0);
      onlySpawn(changed, false);
      expect(changed.stdout.toString()).toContain('> hello');

      // That run launched what the record predicted, on the new files: the next one is predicted again.
      const next = await execProbed(env, options);
      expect(next.code, next.stderr).toBe(0);
      onlySpawn(next, true);
      expect(next.stdout.toString()).toBe(changed.stdout.toString());
    });

    it('kills the waiting tool, before it read any input, when the request is refused before any tool runs', async () => {
      const { home: homeDir, env } = home();
      const { dir, tool, waits, reads } = markerConfig(false);
      const options = ['--config-dir', dir, '--agent', 'writer'];
      // --max-cost-usd's value, like the prompt's, is no part of the key: this run predicts what the runs before
      // confirmed. Without a prediction it is refused before any tool runs.
      const refused = [...options, '--max-cost-usd', '0.0000001'];
      const unpredicted = await execProbed(env, [...refused, '--prompt', 'hi'], {
        LLM_SERVICE_NO_PRESTART: '1',
      });
      expect(unpredicted.code, unpredicted.stderr).toBe(3);
      expect(unpredicted.spawns).toEqual([]);
      expect(recordFiles(homeDir)).toEqual([]);

      await confirmWith(env, [...options, '--prompt', 'hi']);
      expect(reads()).toEqual(['model-a 2', 'model-a 2']);
      expect(theRecord(homeDir).confirmed).toBe(true);

      const waited = waits().length;
      const blocked = await execPromptedWhen(env, refused, 'hi', () => waits().length > waited);
      expect(blocked.code, blocked.stderr).toBe(3);
      expect(blocked.stderr).toContain('--max-cost-usd');
      expect(blocked.stdout.toString()).toBe('');
      const waiting = onlySpawn(blocked, true);
      expect(waiting.args).toContain(tool);
      // The process that waited is the one the run started ahead, and it is gone.
      expect(waits().slice(waited)).toEqual([`model-a ${waiting.pid}`]);
      expect(running(waiting.pid ?? 0)).toBe(false);
      expect(reads()).toEqual(['model-a 2', 'model-a 2']);
      // A run that launched nothing predicts nothing for the next.
      expect(theRecord(homeDir).confirmed).toBe(false);
      const after = await execProbed(env, [...options, '--prompt', 'hi']);
      expect(after.code, after.stderr).toBe(0);
      onlySpawn(after, false);
    });

    it('kills a waiting tool the request does not launch, and starts the one it does', async () => {
      const { home: homeDir, env } = home();
      // A short prompt runs on model-c, a long one on model-a: the prompt, which the key never sees, chooses.
      const { dir, waits, reads } = markerConfig(true);
      const options = ['--config-dir', dir, '--agent', 'writer'];
      await confirmWith(env, [...options, '--prompt', 'fix it']);
      expect(reads()).toEqual(['model-c 6', 'model-c 6']);
      expect(theRecord(homeDir).confirmed).toBe(true);

      const long = 'word '.repeat(60);
      const waited = waits().length;
      const run = await execPromptedWhen(env, options, long, () => waits().length > waited);
      expect(run.code, run.stderr).toBe(0);
      expect(run.stdout.toString()).toBe(`answer from model-a: ${long}`);
      expect(run.spawns.map((spawn) => spawn.afterBundle)).toEqual([false, true]);
      const [predicted, launched] = run.spawns;
      expect(predicted?.args).toContain('model-c');
      expect(launched?.args).toContain('model-a');
      expect(waits().slice(waited)).toEqual([`model-c ${predicted?.pid}`, `model-a ${launched?.pid}`]);
      expect(running(predicted?.pid ?? 0)).toBe(false);
      // Only the launched tool read a prompt.
      expect(reads()).toEqual(['model-c 6', 'model-c 6', `model-a ${long.length}`]);
      // The record now holds this run's launch, to be confirmed by the next one like it.
      const record = theRecord(homeDir);
      expect(record.confirmed).toBe(false);
      expect(record.launch.args).toContain('model-a');
    });

    it("starts no tool of a project ahead once the project's trust is taken away, nor once the trust store changed", async () => {
      const { home: homeDir, env } = home();
      const { cwd, configDir, tool, starts } = projectWithLocalTool();
      const trustStore = join(env.XDG_DATA_HOME ?? '', 'llm-service', 'trust.json');
      const trust = async () => {
        const run = await runCli(['config', 'trust'], { cwd, env });
        expect(run.code, run.stderr).toBe(0);
      };
      // From the project's directory with no --config-dir: the project config is the one the run finds.
      const exec = (prompt: string) => execProbed(env, ['--agent', 'writer', '--prompt', prompt], {}, cwd);
      const answered = (run: ProbedRun, prompt: string, ahead: boolean) => {
        expect(run.code, run.stderr).toBe(0);
        expect(run.stdout.toString()).toBe(`answer from the project tool: ${prompt}`);
        expect(onlySpawn(run, ahead).args).toContain(tool);
      };
      // A refused run while the record predicts the project's tool: with the trust store stamped, it starts nothing.
      const refusedUntrusted = async () => {
        expect(theRecord(homeDir).confirmed).toBe(true);
        const before = starts().length;
        const run = await exec('refused');
        expect(run.code, run.stderr).toBe(2);
        expect(run.stderr).toContain(
          `llm-service: error: the project config ${configDir} is not trusted yet`,
        );
        expect(run.stdout.toString()).toBe('');
        // Not started ahead of the trust check, nor after it: no process at all, and the tool never ran.
        expect(run.spawns).toEqual([]);
        expect(starts()).toHaveLength(before);
        // A run that launched nothing predicts nothing for the next.
        expect(theRecord(homeDir).confirmed).toBe(false);
      };

      await trust();
      answered(await exec('first run'), 'first run', false);
      answered(await exec('second run'), 'second run', false);
      const record = theRecord(homeDir);
      expect(record.confirmed).toBe(true);
      expect(record.launch.args).toContain(tool);
      expect(Object.keys(record.files)).toEqual(
        expect.arrayContaining([join(configDir, 'tools.yaml'), tool, trustStore]),
      );
      // The setup predicts: while the project is trusted, its tool is started ahead of the request.
      answered(await exec('third run'), 'third run', true);
      expect(starts()).toHaveLength(3);

      // Trust taken away by deleting the store.
      rmSync(trustStore);
      await refusedUntrusted();

      // Trusted again: the first run is not started ahead (the refused run left the record unconfirmed, and the
      // store changed), but it runs, and predicts the one after it.
      await trust();
      answered(await exec('trusted again'), 'trusted again', false);
      answered(await exec('predicted again'), 'predicted again', true);

      // Any change to the store voids the prediction, even one that leaves the project trusted: trusting the same
      // content again rewrites it. The record was confirmed, so only the store's stamp stops the start ahead.
      expect(theRecord(homeDir).confirmed).toBe(true);
      await trust();
      answered(await exec('store rewritten'), 'store rewritten', false);
      answered(await exec('predicted once more'), 'predicted once more', true);

      // Trust taken away by changing the store: the project's entry removed, the file kept.
      const store = JSON.parse(readFileSync(trustStore, 'utf8')) as { trusted: Record<string, unknown> };
      expect(Object.keys(store.trusted)).toHaveLength(1);
      writeFileSync(trustStore, `${JSON.stringify({ ...store, trusted: {} }, null, 2)}\n`);
      await refusedUntrusted();
    });

    it('starts nothing ahead and keeps no record with LLM_SERVICE_NO_PRESTART=1', async () => {
      const { home: homeDir, env } = home();
      const options = [...quickStartWriter, '--prompt', 'hello'];
      for (let index = 0; index < 3; index++) {
        const run = await execProbed(env, options, { LLM_SERVICE_NO_PRESTART: '1' });
        expect(run.code, run.stderr).toBe(0);
        onlySpawn(run, false);
        expect(run.stdout.toString()).toContain('> hello');
      }
      expect(existsSync(prestartDir(homeDir))).toBe(false);
      // The same runs without the variable are recorded: the absence above is the variable's doing.
      await execProbed(env, options);
      expect(recordFiles(homeDir)).toHaveLength(1);
    });
  },
);
