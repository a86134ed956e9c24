import { spawnSync } from 'node:child_process';
import type { InvocationRequest, ToolAdapterV1, ToolConfig } from '@llm-service/spec';
import { collectInvocation, type InvocationOutcome } from './invocation.js';

interface ProcessRow {
  pid: number;
  pgid: number;
  /** `ps`'s STAT: a zombie (`Z…`) has ended and only waits to be reaped, which a container's init may be slow to do. */
  state: string;
  command: string;
}

function processTable(): ProcessRow[] {
  const listing = spawnSync('ps', ['-eo', 'pid=,pgid=,stat=,args='], { encoding: 'utf8' });
  if (listing.status !== 0) throw new Error(`ps failed: ${listing.error?.message ?? listing.stderr}`);
  return listing.stdout.split('\n').flatMap((line) => {
    const match = /^\s*(\d+)\s+(\d+)\s+(\S+)\s+(.*)$/.exec(line);
    if (!match) return [];
    const [, pid, pgid, state, command] = match;
    return [{ pid: Number(pid), pgid: Number(pgid), state: state!, command: command! }];
  });
}

const running = (row: ProcessRow) => !row.state.startsWith('Z');

/**
 * The process groups of the running processes whose command line contains `marker` (a path only this test's tool
 * was given). Adapters start a tool in a group of its own and end the whole group, so a test takes these while the
 * tool runs and `waitForProcessGroupsGone` after: that also catches the tool's children, whose command lines do not
 * carry the marker. Throws when a match shares this process's group, which no adapter could end without ending the
 * test too.
 */
export function processGroupsMatching(marker: string): number[] {
  const table = processTable();
  const own = table.find((row) => row.pid === process.pid)?.pgid;
  const groups = new Set(
    table.filter((row) => running(row) && row.command.includes(marker)).map((row) => row.pgid),
  );
  if (own !== undefined && groups.has(own))
    throw new Error(`a process matching ${marker} runs in the test's own process group ${own}`);
  return [...groups];
}

/**
 * Resolves once no running process is left in any of `groups`; rejects after `timeoutMs`, naming what is left. Give
 * it groups from `processGroupsMatching`, checked to be non-empty, or it proves nothing.
 */
export async function waitForProcessGroupsGone(groups: readonly number[], timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const left = processTable().filter((row) => running(row) && groups.includes(row.pgid));
    if (left.length === 0) return;
    if (Date.now() >= deadline) {
      const listed = left.map((row) => `  ${row.pid} (group ${row.pgid}) ${row.command}`).join('\n');
      throw new Error(`processes still running ${timeoutMs} ms later:\n${listed}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

export interface ProcessCheck {
  /** A string only this invocation's tool has on its command line, such as a directory made for the test. */
  marker: string;
  /** Resolves once the tool surely runs, e.g. when the test server has its request. */
  running: () => Promise<unknown>;
  /** Aborts the invocation once the tool runs, to test cancelling; otherwise it ends on its own (or times out). */
  abort?: boolean;
  /** How long after the invocation's end its processes may take to go; 5 s by default. */
  goneWithinMs?: number;
}

/**
 * Runs one invocation to its end as `collectInvocation` does, and checks that it left no process behind: the
 * tool's process groups, found by `marker` while it ran, must be empty soon after. Throws when no process carried
 * the marker (the check would prove nothing) or when a process outlives the invocation.
 */
export async function collectInvocationLeavingNoProcess<TTool extends ToolConfig, TOptions>(
  adapter: ToolAdapterV1<TTool, TOptions>,
  request: InvocationRequest<TTool, TOptions>,
  check: ProcessCheck,
): Promise<InvocationOutcome> {
  const controller = new AbortController();
  const pending = collectInvocation(adapter, request, { signal: controller.signal });
  /** Ends the invocation before failing, so that a failed check leaves no tool running past its test. */
  const fail = async (error: unknown): Promise<never> => {
    controller.abort();
    await pending;
    throw error;
  };
  let groups: number[];
  try {
    await check.running();
    groups = processGroupsMatching(check.marker);
  } catch (error) {
    return fail(error);
  }
  if (groups.length === 0)
    return fail(new Error(`no running process had ${check.marker} on its command line`));
  if (check.abort) controller.abort();
  const outcome = await pending;
  await waitForProcessGroupsGone(groups, check.goneWithinMs);
  return outcome;
}
