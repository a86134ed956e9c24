/**
 * The symlink swap during a dashboard write: `llm-service dashboard` changes a task's priority through its API (which
 * writes through the task store), 100 times, while another process swaps the task's directory for a link to a directory outside the work directory and
 * back, once per write at a random moment of it; then for a couple of seconds as fast as it can, while writes go on.
 * A write may succeed (inside the work directory) or be refused. Nothing outside the work directory may change, no
 * temp file may be left anywhere, and the board may never show (or copy) a file it read through the link.
 */
import { spawn } from 'node:child_process';
import { lstatSync, mkdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { assertBuilt } from '../../packages/cli/test/support/cli.js';
import {
  isolatedEnv,
  quickStartCopy,
  startDashboardCli,
  writeTask,
  type DashboardProcess,
} from '../../packages/dashboard/test/support.js';
import { findEntries, seededRandom, sleep, snapshotTree, suiteSeed, waitUntil } from './support/faults.js';

const WRITES = 100;
/** The storm comes in bursts, with the board given its card back in between: a board that lost it reads nothing. */
const STORM_BURSTS = 6;
const STORM_BURST_MS = 500;
const TOKEN = 'faults-symlink-swap-token-0123456789';
const KEY = 'inbox/t.yaml';
/** The task's id: its file's stem, and its card's key. */
const ID = 't';
/** What the writes cycle through: each differs from the one before, so every write changes the file. */
const PRIORITIES = ['critical', 'high', 'medium', 'normal', 'low'] as const;
const TITLE = 'Race';
const BAIT_TITLE = 'outside the work directory';
/** The swapper exits by itself after this, should the test die without ending it. */
const SWAPPER_MAX_MS = 300_000;
/** Bounds on single steps, far above what a loaded runner needs. */
const STEP_TIMEOUT_MS = 10_000;
/** How long the board gets to index the card again after a swap before the test gives its watcher a file event. */
const CARD_WAIT_MS = 3_000;

const swapperPath = join(dirname(fileURLToPath(import.meta.url)), 'support/swapper.mjs');

interface Card {
  key: string;
  revision: string;
  title: string | null;
  priority: string | null;
}

interface Write {
  priority: (typeof PRIORITIES)[number];
  status: number;
  /** The refusal's message with the key taken out, so that refusals of one kind count together. */
  reason: string;
}

/** The swapper (support/swapper.mjs), driven by commands on its stdin. */
function startSwapper(workDir: string, outsideDir: string) {
  const child = spawn(process.execPath, [swapperPath, workDir, 'inbox', outsideDir, String(SWAPPER_MAX_MS)], {
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  child.stdin.on('error', () => undefined);
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  const lines = () => stdout.split('\n');
  const alive = () => child.exitCode === null && child.signalCode === null;
  /** Sends a command and waits until the swapper has printed one more line starting with `reply`. */
  const command = async (line: string, reply: string, timeoutMs: number) => {
    const before = lines().filter((each) => each.startsWith(reply)).length;
    child.stdin.write(`${line}\n`);
    const done = await waitUntil(
      () => lines().filter((each) => each.startsWith(reply)).length > before || !alive(),
      timeoutMs,
      1,
    );
    if (!done || !alive()) throw new Error(`the swapper did not answer '${line}':\n${stdout}\n${stderr}`);
  };
  return {
    swaps: () => lines().filter((line) => line === 'swapped').length,
    stormSwaps: () =>
      lines()
        .filter((line) => line.startsWith('stormed '))
        .reduce((sum, line) => sum + Number(line.slice('stormed '.length)), 0),
    ready: () => waitUntil(() => stdout.startsWith('ready\n') || !alive(), STEP_TIMEOUT_MS),
    /** One swap `delayMs` from now, held `holdMs`; resolves once the real directory is back. */
    swap: (delayMs: number, holdMs: number) =>
      command(`swap ${delayMs} ${holdMs}`, 'swapped', STEP_TIMEOUT_MS),
    storm: (ms: number) => command(`storm ${ms}`, 'stormed ', ms + STEP_TIMEOUT_MS),
    stop: async (): Promise<{ code: number | null; stderr: string }> => {
      child.stdin.end();
      const timer = setTimeout(() => child.kill('SIGKILL'), STEP_TIMEOUT_MS);
      const code = await exited;
      clearTimeout(timer);
      return { code, stderr };
    },
  };
}

const tally = (keys: readonly string[]) => {
  const counts: Record<string, number> = {};
  for (const key of keys) counts[key] = (counts[key] ?? 0) + 1;
  return counts;
};

describe('a directory swapped for a symlink during dashboard writes', () => {
  const seed = suiteSeed();
  const random = seededRandom(seed);
  const env = isolatedEnv();
  const { configDir, workDir } = quickStartCopy();
  const root = dirname(configDir);
  const outsideDir = join(root, 'outside');
  let dashboard: DashboardProcess | undefined;
  let swapper: ReturnType<typeof startSwapper> | undefined;

  afterAll(async () => {
    await swapper?.stop();
    await dashboard?.stop('SIGKILL');
    rmSync(root, { recursive: true, force: true });
    rmSync(env.HOME!, { recursive: true, force: true });
  });

  it('writes only inside the work directory, reads nothing outside it, and leaves no temp file', async () => {
    assertBuilt();
    writeTask(workDir, KEY, { title: TITLE, priority: 'low' });
    // The bait: a task file of the same name outside, with its own title, so that a card read from it shows.
    mkdirSync(outsideDir);
    writeTask(root, 'outside/t.yaml', { status: 'new', title: BAIT_TITLE, priority: 'low' });
    writeFileSync(join(outsideDir, 'notes.txt'), 'not the dashboard’s to change\n');
    // Everything the writes must not change: the link's target, and the config directory but for its work directory.
    const untouchable = () => ({
      outsideDir: snapshotTree(outsideDir),
      configDir: Object.fromEntries(
        Object.entries(snapshotTree(configDir)).filter(([path]) => !path.startsWith('work/collaboration')),
      ),
    });
    const before = untouchable();

    dashboard = await startDashboardCli(configDir, env, { port: 0, token: TOKEN });
    const base = `http://127.0.0.1:${dashboard.port}`;
    const headers = { Authorization: `Bearer ${TOKEN}`, 'Content-Type': 'application/json' };
    /** Every card the dashboard sent that came from the bait outside the work directory. */
    const outsideReads: string[] = [];
    /** The board's card of the task, once it has one (it drops the card while the directory is a link). */
    const indexedCard = async (timeoutMs: number): Promise<Card | undefined> => {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const response = await fetch(`${base}/api/snapshot`, {
          headers,
          signal: AbortSignal.timeout(STEP_TIMEOUT_MS),
        });
        const card = ((await response.json()) as { tasks: Card[] }).tasks.find((each) => each.key === ID);
        if (card && card.title !== TITLE) outsideReads.push(`in a snapshot: ${JSON.stringify(card)}`);
        if (card || Date.now() > deadline) return card;
        await sleep(10);
      }
    };
    const first = await indexedCard(20_000);
    expect(first, dashboard.output()).toBeDefined();
    // The revision of the file on disk, which a write must name: the one the last change answered with, else the
    // board's once it has read the file again.
    let revision = first!.revision;
    const writes: Write[] = [];
    const write = async (index: number) => {
      const priority = PRIORITIES[index % PRIORITIES.length]!;
      const response = await fetch(`${base}/api/tasks/${ID}`, {
        method: 'PATCH',
        headers,
        body: JSON.stringify({ priority, revision }),
        signal: AbortSignal.timeout(STEP_TIMEOUT_MS),
      });
      const body = (await response.json()) as { error?: string } & Partial<Card>;
      const reason = (body.error ?? 'ok').replaceAll(KEY, 'KEY').replace(/\b[0-9a-f]{64}\b/g, 'REVISION');
      writes.push({ priority, status: response.status, reason });
      if (response.status === 200) {
        // The task the store wrote: ours, unless it read the bait through the link.
        if (body.title !== TITLE || body.priority !== priority)
          outsideReads.push(`in the answer to ${priority}: ${JSON.stringify(body)}`);
        revision = body.revision ?? revision;
      } else if (response.status === 409) {
        // Our idea of the file was wrong: take the board's, once it has read the file again.
        revision = (await indexedCard(CARD_WAIT_MS))?.revision ?? revision;
      }
    };

    /**
     * Waits for the board to index the card again after a swap. A board that lost it for good (its watcher missed
     * the directory coming back) is counted, then given an event it does see, a touch of the file (the swapper is idle
     * and the directory real at this point), so that the remaining writes still race the swaps.
     */
    let cardLosses = 0;
    const cardBack = async (count = true) => {
      if (await indexedCard(CARD_WAIT_MS)) return;
      if (count) cardLosses++;
      utimesSync(join(workDir, KEY), new Date(), new Date());
      await indexedCard(STEP_TIMEOUT_MS);
    };

    swapper = startSwapper(workDir, outsideDir);
    expect(await swapper.ready(), 'the swapper did not start').toBe(true);
    // Phase 1: each write raced by one swap, somewhere in its course (before it reads the file, between its read and
    // its write, during the write, or after it: a request takes a few milliseconds).
    for (let index = 0; index < WRITES; index++) {
      await cardBack();
      const swapped = swapper.swap(random.int(0, 12), random.int(0, 10));
      await write(index);
      await swapped;
    }
    const aimed = writes.slice();
    await cardBack();

    // Phase 2: storms of swaps while writes go on, for the short windows of the board's own reads. Tens of thousands
    // of swaps can overflow the kernel's queue of file events, so a card lost here is given back but not counted.
    for (let burst = 0, index = 0; burst < STORM_BURSTS; burst++) {
      await cardBack(false);
      const storm = swapper.storm(STORM_BURST_MS);
      for (const start = Date.now(); Date.now() - start < STORM_BURST_MS; index++) {
        await indexedCard(0);
        await write(index);
      }
      await storm;
    }
    const swaps = swapper.swaps();
    const stormSwaps = swapper.stormSwaps();
    const stopped = await swapper.stop();
    swapper = undefined;
    await dashboard.stop();
    const dashboardOutput = dashboard.output();
    dashboard = undefined;

    const final = readFileSync(join(workDir, KEY), 'utf8');
    if (final.includes(BAIT_TITLE)) outsideReads.push(`copied into the task file: ${final}`);
    const ok = aimed.filter((each) => each.status === 200);
    const stormWrites = writes.slice(aimed.length);
    console.log(
      'symlink swap during dashboard writes:',
      JSON.stringify(
        {
          seed,
          writes: aimed.length,
          ok: ok.length,
          refused: aimed.length - ok.length,
          swaps,
          reasons: tally(aimed.map((each) => `${each.status} ${each.reason}`)),
          cardLosses,
          storm: {
            swaps: stormSwaps,
            writes: stormWrites.length,
            reasons: tally(stormWrites.map((each) => `${each.status} ${each.reason}`)),
          },
          outsideReads: outsideReads.length,
        },
        null,
        2,
      ),
    );

    // Soft, so that each is reported and the checks below still run: product faults these races reveal.
    // The store must not read a file outside the work directory (see readFileInside): no card from the bait.
    expect.soft(outsideReads).toEqual([]);
    // Each write was done or refused (404: the folder was a link when the store looked; 409: the file changed; 422:
    // a folder on the way became a link while it wrote): an internal error (500) is a failure nobody expected.
    expect
      .soft(
        writes.filter((each) => ![200, 404, 409, 422].includes(each.status)),
        dashboardOutput,
      )
      .toEqual([]);
    // The board is kept current by its watcher: a directory that is back must show its cards again by itself.
    expect.soft(cardLosses, 'times the board did not index the task again within 3 s of a swap').toBe(0);

    expect(stopped.code, stopped.stderr).toBe(0);
    expect(aimed).toHaveLength(WRITES);
    expect(swaps).toBe(WRITES);
    expect(stormSwaps).toBeGreaterThan(0);
    expect(ok.length).toBeGreaterThan(0);
    // Nothing outside the work directory changed, and no temp file is left inside it or outside.
    expect(untouchable()).toEqual(before);
    expect(findEntries(root, /\.tmp$/)).toEqual([]);
    // The real directory is back, and its file holds the priority of the last write that was done (or of a later one
    // that landed but was reported refused, its folder swapped away as it finished).
    expect(lstatSync(join(workDir, 'inbox')).isDirectory()).toBe(true);
    const lastOk = writes.findLastIndex((each) => each.status === 200);
    const finalPriority = /^priority: "?([^"\n]*)"?$/m.exec(final)?.[1] ?? '';
    expect(writes.slice(lastOk).map((each) => each.priority)).toContain(finalPriority);
  });
});
