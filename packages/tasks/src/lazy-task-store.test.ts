import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { TaskEvent } from '@llm-service/spec';
import { LazyTaskStore } from './lazy-task-store.js';
import { FileTaskStore } from './store/task-store.js';

let root: string;
let events: TaskEvent[];
const clock = new Date('2026-12-01T09:00:00Z');

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'llm-service-lazy-store-'));
  events = [];
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

const options = (workDir: string) => ({
  workDir,
  projectDir: root,
  agents: ['writer'],
  emit: (event: TaskEvent) => void events.push(event),
  now: () => clock,
});

describe('the task store the plugin provides', () => {
  it('answers as a FileTaskStore on the same directory, events included', async () => {
    const lazy = new LazyTaskStore(options(join(root, 'work')));
    const task = await lazy.create({ agent: 'writer', title: 'Draft the notes', assign: true });
    const moved = await lazy.transition(task.id, { to: 'in_progress' }, task.revision);
    expect(events.map((event) => event.type)).toEqual(['task.created', 'task.started']);

    const eager = new FileTaskStore(options(join(root, 'work')));
    expect(await lazy.list()).toEqual(await eager.list());
    expect(await lazy.get(task.id)).toEqual(moved);
    expect(await lazy.ids()).toEqual(await eager.ids());
    expect(await lazy.validate()).toEqual(await eager.validate());
  });

  it('refuses a relative directory at once, as the store it stands for', () => {
    expect(() => new LazyTaskStore(options('work'))).toThrow('workDir must be absolute, got work');
    expect(() => new LazyTaskStore({ ...options(join(root, 'work')), projectDir: '.' })).toThrow(
      'projectDir must be absolute, got .',
    );
  });

  it('moves to another work directory keeping agents, clock and events', async () => {
    const other = new LazyTaskStore(options(join(root, 'work'))).atWorkDir(join(root, 'other'));
    expect(other).toBeInstanceOf(LazyTaskStore);
    expect(other.workDir).toBe(join(root, 'other'));
    const task = await other.create({ agent: 'writer', title: 'Elsewhere' });
    expect(task.createdAt).toBe('2026-12-01T09:00:00Z');
    expect(events.map((event) => event.type)).toEqual(['task.created']);
  });

  it('watches once loaded, and not at all when stopped before it has loaded', async () => {
    const watched = new LazyTaskStore({ ...options(join(root, 'work')), pollIntervalMs: 20 });
    const stopped = new LazyTaskStore({ ...options(join(root, 'work')), pollIntervalMs: 20 });
    let changes = 0;
    let changesAfterStop = 0;
    const stopWatching = watched.watch(() => void changes++);
    stopped.watch(() => void changesAfterStop++)();
    await watched.list();
    await watched.create({ agent: 'writer', title: 'Seen' });
    for (const deadline = Date.now() + 10_000; changes === 0 && Date.now() < deadline;)
      await new Promise((resolve) => setTimeout(resolve, 20));
    stopWatching();
    expect(changes).toBeGreaterThan(0);
    // Both stores' polls (20 ms) have run many times by now: the one stopped before loading never called back.
    expect(changesAfterStop).toBe(0);
  });
});
