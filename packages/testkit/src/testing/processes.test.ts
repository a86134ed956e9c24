import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import {
  AdapterError,
  Observable,
  type AdapterEvent,
  type ToolAdapterV1,
  type ToolConfig,
} from '@llm-service/spec';
import { invocationRequestFor } from './invocation.js';
import {
  collectInvocationLeavingNoProcess,
  processGroupsMatching,
  waitForProcessGroupsGone,
} from './processes.js';
import { sampleTool } from './sample-tool.js';

const started: ChildProcess[] = [];
afterEach(() => {
  for (const child of started.splice(0)) {
    try {
      process.kill(-child.pid!, 'SIGKILL');
    } catch {
      // already gone
    }
  }
});

/**
 * A tool as adapters start it: in a group of its own, with `marker` on its command line, and a child whose command
 * line does not carry the marker. Resolves once the child runs.
 */
async function startTool(marker: string): Promise<ChildProcess> {
  const script =
    "const c = require('node:child_process').spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });" +
    "c.on('spawn', () => console.log('ready')); setInterval(() => {}, 1000);";
  const tool = spawn(process.execPath, ['-e', script, marker], {
    detached: true,
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  started.push(tool);
  await once(tool.stdout!, 'data');
  return tool;
}

describe('processGroupsMatching and waitForProcessGroupsGone', () => {
  it('find a tool’s group by its marker, and wait until its children are gone too', async () => {
    const marker = `testkit-marker-${randomUUID()}`;
    expect(processGroupsMatching(marker)).toEqual([]);
    const tool = await startTool(marker);
    const groups = processGroupsMatching(marker);
    expect(groups).toEqual([tool.pid]);

    // The tool alone ended: its child still runs in the group, though no command line names the marker now.
    tool.kill('SIGKILL');
    await once(tool, 'exit');
    expect(processGroupsMatching(marker)).toEqual([]);
    await expect(waitForProcessGroupsGone(groups, 200)).rejects.toThrow(/still running 200 ms later/);

    process.kill(-tool.pid!, 'SIGKILL');
    await waitForProcessGroupsGone(groups);
  });

  it('refuse a match in the test’s own process group, which could not be ended on its own', async () => {
    const marker = `testkit-marker-${randomUUID()}`;
    const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)', marker], { stdio: 'ignore' });
    try {
      await once(child, 'spawn');
      expect(() => processGroupsMatching(marker)).toThrow(/the test's own process group/);
    } finally {
      child.kill('SIGKILL');
    }
  });
});

describe('collectInvocationLeavingNoProcess', () => {
  const tool = sampleTool;
  const request = invocationRequestFor<ToolConfig, unknown>({
    toolId: 'x',
    model: 'm',
    parseOptions: (raw) => raw,
  });

  /** An adapter whose tool is `startTool`'s; `endsGroup` says whether cancelling ends the tool's whole group. */
  function adapterFor(marker: string, endsGroup: boolean): ToolAdapterV1 {
    return {
      specificationVersion: 'v1',
      id: 'x',
      detect: async () => ({ installed: true }),
      invoke: (_request, signal) =>
        new Observable<AdapterEvent>((subscriber) => {
          void startTool(marker).then((child) => {
            const end = () => {
              if (endsGroup) process.kill(-child.pid!, 'SIGKILL');
              else child.kill('SIGKILL');
              subscriber.error(new AdapterError('cancelled', 'x was cancelled'));
            };
            if (signal.aborted) end();
            else signal.addEventListener('abort', end, { once: true });
          });
        }),
    };
  }

  it('returns the outcome once the tool’s group is gone', async () => {
    const marker = `testkit-marker-${randomUUID()}`;
    const outcome = await collectInvocationLeavingNoProcess(adapterFor(marker, true), request(tool, 'hi'), {
      marker,
      running: () => waitForGroup(marker),
      abort: true,
    });
    expect(outcome.error).toMatchObject({ kind: 'cancelled' });
  });

  it('fails when a process is left, and when the marker finds no process at all', async () => {
    const marker = `testkit-marker-${randomUUID()}`;
    await expect(
      collectInvocationLeavingNoProcess(adapterFor(marker, false), request(tool, 'hi'), {
        marker,
        running: () => waitForGroup(marker),
        abort: true,
        goneWithinMs: 200,
      }),
    ).rejects.toThrow(/still running/);
    await expect(
      collectInvocationLeavingNoProcess(adapterFor(marker, true), request(tool, 'hi'), {
        marker: `${marker}-never-on-a-command-line`,
        running: () => waitForGroup(marker),
      }),
    ).rejects.toThrow(/no running process had/);
  });
});

/** Resolves once a process carrying `marker` runs. */
async function waitForGroup(marker: string): Promise<void> {
  while (processGroupsMatching(marker).length === 0) await new Promise((resolve) => setTimeout(resolve, 25));
}
