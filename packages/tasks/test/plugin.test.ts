/** The plugin in a real kernel: its `tasks:` section, the TaskStoreV1 it provides, and the events that store emits. */
import { mkdtempSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createKernel } from '@llm-service/core';
import { TaskStoreToken, type LlmServiceEvent } from '@llm-service/spec';
import {
  createScriptedAdapter,
  createTestLogger,
  definePluginForTests,
  writeTestConfig,
} from '@llm-service/testkit/testing';
import tasksPlugin from '../src/index.js';

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const cleanup of cleanups.splice(0)) cleanup();
});

function kernelWith(settings: Record<string, unknown>) {
  const root = realpathSync(mkdtempSync(join(tmpdir(), 'llm-service-tasks-plugin-')));
  cleanups.push(() => rmSync(root, { recursive: true, force: true }));
  const dir = writeTestConfig(join(root, 'config'), {
    agents: { writer: { preferred_tool: 't', preferred_model: 'm' } },
    tools: { t: { adapter: 'scripted', binary: 't', models: ['m'] } },
    models: { m: { input_per_mtok: 1, output_per_mtok: 1 } },
    settings,
  });
  const kernel = createKernel({
    configDir: dir,
    cwd: dir,
    env: { HOME: root },
    logger: createTestLogger(),
    plugins: [tasksPlugin, definePluginForTests({ adapters: [createScriptedAdapter('scripted', [])] })],
  });
  return { kernel, root, dir };
}

describe('the tasks plugin', () => {
  it('provides a task store on tasks.work_dir that emits task events on the kernel bus', async () => {
    const { kernel, root } = kernelWith({ tasks: { work_dir: '../shared-tasks' } });
    try {
      const events: LlmServiceEvent[] = [];
      kernel.events.subscribe('test', (event) => void events.push(event));
      const store = (await kernel.service(TaskStoreToken))!;
      expect(store.workDir).toBe(join(root, 'shared-tasks'));
      const task = await store.create({ agent: 'writer', title: 'Hello' });
      await store.transition(task.id, { to: 'assigned' }, task.revision);
      expect(events.map((event) => event.type)).toEqual(['task.created', 'task.assigned']);
      expect((await store.list()).tasks.map((each) => each.path)).toEqual([
        `assigned/writer/${task.id}.yaml`,
      ]);
    } finally {
      await kernel.dispose();
    }
  });

  it('refuses a tasks: section with an unknown key or a template for an unknown agent, with its position', async () => {
    const { kernel } = kernelWith({ tasks: { work_dirr: 'x', templates: { writr: 'w.md' } } });
    try {
      await expect(kernel.config()).rejects.toMatchObject({ code: 'E_CONFIG' });
      const error = await kernel.config().then(
        () => new Error('no error'),
        (caught: unknown) => caught as Error,
      );
      expect(error.message).toMatch(
        /llm-service\.yaml:\d+:\d+: tasks\.work_dirr: unknown field 'work_dirr'; did you mean 'work_dir'\?/,
      );
    } finally {
      await kernel.dispose();
    }
  });
});
