import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  diesWithParent,
  sameLaunch,
  spawnTool,
  toolLauncher,
  type ToolLaunch,
} from '@llm-service/plugin-kit';
import { usePrestart, type PrestartSession } from './prestart-launcher.js';
import {
  stampOf,
  launchFiles,
  parseRecord,
  recordedLaunchOf,
  type PrestartRecord,
} from './prestart-record.js';
import type { Prestart, WaitingTool } from './start-predicted-tool.js';

const setpriv = '/usr/bin/setpriv';
const guardArgs = ['--pdeathsig', 'KILL', '--'];
/**
 * Only a launch through setpriv may wait for its request (mayWait), and only on Linux with util-linux's setpriv is a
 * launch through it one that dies with its parent: elsewhere these tests cannot make a record at all, and are skipped.
 */
const guarded = diesWithParent({ file: setpriv, args: [...guardArgs, process.execPath] });
const skipReason = 'skipped: needs Linux with /usr/bin/setpriv (diesWithParent of a setpriv launch is false)';
const realIt = it.skipIf(!guarded);

/** A tool that reads all of its stdin, then writes what it read to $MARKER and exits 0. */
const toolScript = `import { writeFileSync } from 'node:fs';
const chunks = [];
for await (const chunk of process.stdin) chunks.push(chunk);
writeFileSync(process.env.MARKER, Buffer.concat(chunks));
`;

const key = '["9.9.9","/projects/app","",["--agent","writer"]]';

interface Fixture {
  dir: string;
  script: string;
  /** A configuration file the records stamp, as finish is given by main. */
  config: string;
  recordPath: string;
  /** The caller's environment, as main hands it to usePrestart (an undefined value is no variable). */
  env: Readonly<Record<string, string | undefined>>;
}

const dirs: string[] = [];
const exits = new Map<ChildProcess, Promise<{ code: number | null; signal: NodeJS.Signals | null }>>();
const open = new Set<PrestartSession>();

afterEach(async () => {
  // A test that failed before finish leaves its launcher installed and its waiting tool alive.
  for (const session of [...open]) session.finish(undefined);
  for (const [child, exited] of exits) {
    if (child.pid !== undefined && child.exitCode === null && child.signalCode === null) {
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        // Already gone.
      }
    }
    await exited;
  }
  exits.clear();
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function fixture(): Fixture {
  const dir = mkdtempSync(join(tmpdir(), 'llm-service-prestart-'));
  dirs.push(dir);
  const script = join(dir, 'tool.mjs');
  writeFileSync(script, toolScript);
  const config = join(dir, 'agents.yaml');
  writeFileSync(config, 'version: 1\n');
  return {
    dir,
    script,
    config,
    recordPath: join(dir, 'prestart', 'x.json'),
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: dir, LANG: 'C', NOT_SET: undefined },
  };
}

interface LaunchOptions {
  marker: string;
  extraArgs?: string[];
  extraEnv?: Record<string, string>;
  stdin?: 'pipe' | 'ignore';
  /** Through setpriv, as runTool launches on Linux; false for a plain launch of node. */
  guard?: boolean;
}

/** A launch as runTool builds it: setpriv, then the tool; the caller's defined variables and the tool's own. */
function toolLaunch(f: Fixture, options: LaunchOptions): ToolLaunch {
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(f.env)) if (value !== undefined) env[name] = value;
  Object.assign(env, { MARKER: join(f.dir, options.marker) }, options.extraEnv);
  const tool = [process.execPath, f.script, ...(options.extraArgs ?? [])];
  const guard = options.guard ?? true;
  return {
    file: guard ? setpriv : process.execPath,
    args: guard ? [...guardArgs, ...tool] : tool.slice(1),
    cwd: f.dir,
    env,
    stdin: options.stdin ?? 'pipe',
  };
}

/** Watches a process for its end from the moment it is known, so that no 'exit' goes unseen; cleaned up after. */
function track(child: ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  let exited = exits.get(child);
  if (!exited) {
    exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
    exits.set(child, exited);
  }
  return exited;
}

/** A tool started ahead of its request, as startPredictedTool starts it. */
function startWaiting(launch: ToolLaunch): WaitingTool {
  const waiting: WaitingTool = { child: spawnTool(launch), launch, ended: false };
  track(waiting.child);
  waiting.child.once('exit', () => {
    waiting.ended = true;
  });
  return waiting;
}

function begin(f: Fixture, record: PrestartRecord | undefined, waiting?: WaitingTool): PrestartSession {
  const prestart: Prestart = { key, recordPath: f.recordPath, record, waiting };
  const session = usePrestart(prestart, f.env);
  open.add(session);
  return {
    finish(files) {
      open.delete(session);
      session.finish(files);
    },
  };
}

/** Launches through the launcher runTool would use now, and feeds the process as runTool does. */
async function run(launch: ToolLaunch, input: string | undefined) {
  const child = toolLauncher().launch(launch);
  const exited = track(child);
  child.stdin?.end(input);
  return { child, ...(await exited) };
}

function marker(f: Fixture, name: string): string | undefined {
  const path = join(f.dir, name);
  return existsSync(path) ? readFileSync(path, 'utf8') : undefined;
}

/** The record updateRecord writes for a launch, on the fixture's configuration file. */
function recordOf(f: Fixture, launch: ToolLaunch, confirmed: boolean, extra?: object): PrestartRecord {
  const files: Record<string, string> = {};
  for (const path of [f.config, ...launchFiles(launch)]) files[path] = stampOf(path);
  return { format: 1, key, launch: recordedLaunchOf(launch, f.env), confirmed, files, ...extra };
}

function writeRecord(f: Fixture, record: PrestartRecord): void {
  mkdirSync(dirname(f.recordPath), { recursive: true });
  writeFileSync(f.recordPath, JSON.stringify(record));
}

function readRecord(f: Fixture): PrestartRecord | undefined {
  return existsSync(f.recordPath) ? parseRecord(readFileSync(f.recordPath, 'utf8')) : undefined;
}

/** Everything a rewrite would change: the bytes, the modification time, and the inode an atomic rename replaces. */
function recordFileState(f: Fixture) {
  return {
    text: readFileSync(f.recordPath, 'utf8'),
    mtimeMs: statSync(f.recordPath).mtimeMs,
    stamp: stampOf(f.recordPath),
  };
}

describe(`usePrestart with real tool processes${guarded ? '' : ` (${skipReason})`}`, () => {
  realIt(
    'hands the waiting tool to the first launch it was started for, and then writes no record',
    async () => {
      const f = fixture();
      const launch = toolLaunch(f, { marker: 'out' });
      const previous = recordOf(f, launch, true);
      writeRecord(f, previous);
      const before = recordFileState(f);
      const waiting = startWaiting(launch);
      const session = begin(f, previous, waiting);

      // An equal launch built anew, as runTool builds every launch.
      const asked = toolLaunch(f, { marker: 'out' });
      expect(sameLaunch(asked, launch)).toBe(true);
      const { child, code, signal } = await run(asked, 'the prompt');
      expect(child).toBe(waiting.child);
      expect({ code, signal }).toEqual({ code: 0, signal: null });
      expect(marker(f, 'out')).toBe('the prompt');

      session.finish([f.config]);
      expect(recordFileState(f)).toEqual(before);
    },
  );

  realIt(
    'spawns anew for a launch the waiting tool was not started for, and kills the waiting one',
    async () => {
      const f = fixture();
      const launchA = toolLaunch(f, { marker: 'a', extraArgs: ['--variant=a'] });
      const launchB = toolLaunch(f, { marker: 'b', extraArgs: ['--variant=b'] });
      const previous = recordOf(f, launchA, true);
      writeRecord(f, previous);
      const waiting = startWaiting(launchA);
      const waitingExit = track(waiting.child);
      const session = begin(f, previous, waiting);

      const { child, code } = await run(launchB, 'for b');
      expect(child).not.toBe(waiting.child);
      expect(child.pid).not.toBe(waiting.child.pid);
      expect(code).toBe(0);
      expect(marker(f, 'b')).toBe('for b');
      // Killed at the launch, before it read a byte: no end of input reached it, so it wrote nothing.
      expect(await waitingExit).toEqual({ code: null, signal: 'SIGKILL' });
      expect(waiting.ended).toBe(true);
      expect(marker(f, 'a')).toBeUndefined();

      session.finish([f.config]);
      expect(readRecord(f)).toEqual(recordOf(f, launchB, false));
    },
  );

  realIt(
    'marks a record unreproducible when its launch was made but the waiting tool was another, until the launch changes',
    async () => {
      const f = fixture();
      const launchB = toolLaunch(f, { marker: 'out' });
      // What bin.js started from the record differs from what the request launches (a variable the record cannot
      // reproduce before the bundle loads).
      const launchA = toolLaunch(f, { marker: 'out', extraEnv: { ONLY_IN_THE_BUNDLE: '1' } });
      expect(sameLaunch(launchA, launchB)).toBe(false);
      const confirmedB = recordOf(f, launchB, true);
      writeRecord(f, confirmedB);

      const waiting = startWaiting(launchA);
      const waitingExit = track(waiting.child);
      const first = begin(f, confirmedB, waiting);
      const made = await run(launchB, 'first');
      expect(made.child).not.toBe(waiting.child);
      expect(made.code).toBe(0);
      expect(await waitingExit).toEqual({ code: null, signal: 'SIGKILL' });
      expect(marker(f, 'out')).toBe('first');
      first.finish([f.config]);
      const unreproducible = readRecord(f);
      expect(unreproducible).toEqual(recordOf(f, launchB, false, { unreproducible: true }));

      // The next run is not predicted (unconfirmed); it makes the same launch: the record stays as it is.
      const before = recordFileState(f);
      const second = begin(f, unreproducible);
      expect((await run(launchB, 'second')).code).toBe(0);
      second.finish([f.config]);
      expect(readRecord(f)).toEqual(unreproducible);
      expect(recordFileState(f)).toEqual(before);

      // Another launch clears the mark: recorded, unconfirmed.
      const launchC = toolLaunch(f, { marker: 'out', extraArgs: ['--variant=c'] });
      const third = begin(f, readRecord(f));
      expect((await run(launchC, 'third')).code).toBe(0);
      third.finish([f.config]);
      const recordC = readRecord(f);
      expect(recordC).toEqual(recordOf(f, launchC, false));
      expect(recordC).not.toHaveProperty('unreproducible');

      // The same launch once more confirms it.
      const fourth = begin(f, recordC);
      expect((await run(launchC, 'fourth')).code).toBe(0);
      fourth.finish([f.config]);
      expect(readRecord(f)).toEqual(recordOf(f, launchC, true));
    },
  );

  const unrecordable: {
    what: string;
    launch: ((f: Fixture) => ToolLaunch) | undefined;
    input: string | undefined;
    configured: boolean;
  }[] = [
    {
      what: "a launch with stdin 'ignore'",
      launch: (f) => toolLaunch(f, { marker: 'out', stdin: 'ignore' }),
      input: undefined,
      configured: true,
    },
    {
      what: 'a launch not through setpriv',
      launch: (f) => toolLaunch(f, { marker: 'out', guard: false }),
      input: 'prompt',
      configured: true,
    },
    {
      what: 'a configuration that is not cached (finish(undefined))',
      launch: (f) => toolLaunch(f, { marker: 'out' }),
      input: 'prompt',
      configured: false,
    },
    { what: 'a request that launched nothing', launch: undefined, input: undefined, configured: true },
  ];

  for (const { what, launch, input, configured } of unrecordable) {
    realIt(`records nothing for ${what}, and takes back a confirmation`, async () => {
      const f = fixture();
      const session = async (record: PrestartRecord | undefined) => {
        const current = begin(f, record);
        if (launch) {
          const { code } = await run(launch(f), input);
          expect(code).toBe(0);
          expect(marker(f, 'out')).toBe(input ?? '');
        }
        current.finish(configured ? [f.config] : undefined);
      };

      // No record before: none after, not even its directory.
      await session(undefined);
      expect(existsSync(dirname(f.recordPath))).toBe(false);

      // A confirmed record of a launch that may wait: no longer confirmed, otherwise as it was.
      const recorded = toolLaunch(f, { marker: 'recorded' });
      const confirmed = recordOf(f, recorded, true);
      writeRecord(f, confirmed);
      await session(confirmed);
      expect(readRecord(f)).toEqual({ ...confirmed, confirmed: false });

      // An unconfirmed record is left alone.
      const before = recordFileState(f);
      await session(readRecord(f));
      expect(recordFileState(f)).toEqual(before);
    });
  }

  realIt(
    'spawns every later launch anew, even one equal to the launch that took the waiting tool',
    async () => {
      const f = fixture();
      const launch = toolLaunch(f, { marker: 'out' });
      const waiting = startWaiting(launch);
      const session = begin(f, recordOf(f, launch, true), waiting);

      const first = await run(launch, 'one');
      expect(first.child).toBe(waiting.child);
      expect(marker(f, 'out')).toBe('one');
      const second = await run(launch, 'two');
      expect(second.child).not.toBe(waiting.child);
      expect(second.child.pid).not.toBe(waiting.child.pid);
      expect(second.code).toBe(0);
      expect(marker(f, 'out')).toBe('two');

      // Without a waiting tool, every launch spawns too.
      session.finish([f.config]);
      const later = begin(f, readRecord(f));
      const third = await run(launch, 'three');
      const fourth = await run(launch, 'four');
      expect(new Set([waiting.child.pid, second.child.pid, third.child.pid, fourth.child.pid]).size).toBe(4);
      expect(marker(f, 'out')).toBe('four');
      later.finish([f.config]);
    },
  );

  realIt(
    'puts back the plain spawn at finish, and kills a waiting tool the request never launched',
    async () => {
      const f = fixture();
      const plain = toolLauncher();
      expect(plain.launch).toBe(spawnTool);
      const exitListeners = process.listenerCount('exit');
      const launch = toolLaunch(f, { marker: 'out' });
      const waiting = startWaiting(launch);
      const waitingExit = track(waiting.child);
      const session = begin(f, undefined, waiting);
      const launcher = toolLauncher();
      expect(launcher).not.toBe(plain);
      expect(process.listenerCount('exit')).toBe(exitListeners + 1);

      session.finish([f.config]);
      expect(toolLauncher()).not.toBe(launcher);
      expect(toolLauncher()).toBe(plain);
      expect(process.listenerCount('exit')).toBe(exitListeners);
      expect(await waitingExit).toEqual({ code: null, signal: 'SIGKILL' });
      expect(marker(f, 'out')).toBeUndefined();

      // A launch now is a plain spawn: the waiting tool is not handed out, however equal the launch.
      const after = await run(launch, 'after');
      expect(after.child).not.toBe(waiting.child);
      expect(marker(f, 'out')).toBe('after');
    },
  );
});
