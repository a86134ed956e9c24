import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createTaskStore } from '@llm-service/tasks';
import { Subject } from 'rxjs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { taskPriorities } from '@llm-service/spec';
import { TASK_PRIORITIES, type InvocationRow, type TaskCard, type TaskSpend } from '../src/model.js';
import { startDashboardServer, type DashboardServer } from '../src/server/index.js';
import { FakeFeeds, invocationRow, send, until } from '../src/server/test-support.js';
import type { BoardChange } from '../src/server/types.js';
import { sumAttempts } from '../src/feed/task-spend.js';
import { StoreBoard } from '../src/board/store-board.js';

const TOKEN = 'board-test-token-0123456789';
const headers = { Authorization: `Bearer ${TOKEN}`, 'Content-Type': 'application/json' };

let root: string;
let workDir: string;
let board: StoreBoard;
let changes: BoardChange[];
let invocations: Subject<InvocationRow>;
let spendByTask: Map<string, TaskSpend>;
let server: DashboardServer | undefined;

function write(key: string, text: string): void {
  mkdirSync(dirname(join(workDir, key)), { recursive: true });
  writeFileSync(join(workDir, key), text);
}

function taskText(id: string, status: string, extra = ''): string {
  return `id: ${id}\nagent: writer\nstatus: ${status}\ntitle: Task ${id}\ncreated_at: 2026-12-01T09:00:00Z\n${extra}`;
}

const card = (key: string) => board.cards().find((each) => each.key === key);
const lastSent = (key: string) =>
  changes.findLast(
    (change): change is { type: 'task'; data: TaskCard } => change.type === 'task' && change.data.key === key,
  )?.data;

beforeEach(async () => {
  root = mkdtempSync(join(tmpdir(), 'dashboard-board-'));
  workDir = join(root, 'work');
  changes = [];
  invocations = new Subject();
  spendByTask = new Map();
  board = new StoreBoard({
    store: createTaskStore({ workDir, projectDir: root, agents: ['writer', 'architect'] }),
    agents: ['writer', 'architect'],
    readSpend: async (taskId) => spendByTask.get(taskId) ?? null,
    invocations,
    onError: (error) => {
      throw error;
    },
  });
  board.changes.subscribe((change) => changes.push(change));
});

afterEach(async () => {
  await server?.close();
  server = undefined;
  await board.close();
});

async function serve(): Promise<number> {
  server = await startDashboardServer({
    board,
    sources: new FakeFeeds(),
    host: '127.0.0.1',
    port: 0,
    token: TOKEN,
  });
  return server.port;
}

describe('the board over the task store', () => {
  it("offers the spec's priorities, in its order", () => {
    expect(TASK_PRIORITIES).toEqual(taskPriorities);
  });

  it("shows each task in its status's column, a file it cannot read in its folder's, and follows the files", async () => {
    write('inbox/a.yaml', taskText('a', 'new', 'description: "**bold** <script>x</script>"\n'));
    write('assigned/writer/b.yaml', taskText('b', 'in_progress', 'started_at: 2026-12-01T09:01:00Z\n'));
    write('done/writer/broken.yaml', 'id: [unclosed\n');
    await board.start();
    expect(board.cards().map((each) => [each.key, each.column])).toEqual([
      ['a', 'inbox'],
      ['b', 'in_progress'],
      ['file:done/writer/broken.yaml', 'done'],
    ]);
    expect(card('a')?.descriptionHtml).toBe('<p><strong>bold</strong> &lt;script&gt;x&lt;/script&gt;</p>\n');
    expect(card('file:done/writer/broken.yaml')?.problem).toMatch(/^done\/writer\/broken\.yaml:\d+:\d+: /);

    // Another process finishes b: the card keeps its key and moves to Done with the result's figures.
    const done = taskText(
      'b',
      'done',
      [
        'started_at: 2026-12-01T09:01:00Z',
        'completed_at: 2026-12-01T09:02:00Z',
        'result: { summary: Did it, tool: stand-in, model: m, attempts: 2, cost_usd: 0.25,',
        '  tokens: { input: 10, output: 5, cache_read: 0, cache_write: 0 }, answer: runs/b/answer.md }',
        '',
      ].join('\n'),
    );
    write('done/writer/b.yaml', done);
    await until(() => (card('b')?.column === 'done' ? true : undefined));
    expect(card('b')?.spend).toMatchObject({
      source: 'result',
      costUsd: 0.25,
      attempts: 2,
      tool: 'stand-in',
    });
    expect(changes.filter((change) => change.type === 'task-removed')).toEqual([]);

    write('runs/b/answer.md', '# Answer\n\n<img src=x onerror=alert(1)>\n');
    expect((await board.answer('b')).html).toBe(
      '<h1>Answer</h1>\n<p>&lt;img src=x onerror=alert(1)&gt;</p>\n',
    );
    expect(await board.answer('a')).toEqual({ id: 'a', html: null });
    await expect(board.answer('nope')).rejects.toMatchObject({ status: 404 });
  });

  it("shows a task's spend from telemetry while it runs, read again when one of its attempts changes", async () => {
    write('assigned/writer/r.yaml', taskText('r', 'in_progress', 'started_at: 2026-12-01T09:01:00Z\n'));
    const attempt = invocationRow({ taskId: 'r', status: 'running', tool: 'stand-in', model: 'small' });
    spendByTask.set('r', sumAttempts([attempt]));
    await board.start();
    expect(card('r')?.spend).toMatchObject({ source: 'telemetry', attempts: 1, running: 1, costUsd: 0 });

    const finished = {
      ...attempt,
      status: 'success',
      inputTokens: 100,
      outputTokens: 20,
      costUsd: 0.01,
      costSource: 'computed' as const,
    };
    const second = invocationRow({
      key: 'inv-1#2',
      attempt: 2,
      taskId: 'r',
      status: 'running',
      model: 'large',
      startedAt: '2026-12-01T10:01:00.000Z',
    });
    spendByTask.set('r', sumAttempts([finished, second]));
    invocations.next(second);
    const live = await until(() => (lastSent('r')?.spend?.attempts === 2 ? lastSent('r') : undefined));
    expect(live.spend).toMatchObject({
      running: 1,
      inputTokens: 100,
      outputTokens: 20,
      costUsd: 0.01,
      model: 'large',
    });
    // An attempt of a task not on the board reads nothing.
    const before = changes.length;
    invocations.next(invocationRow({ taskId: 'elsewhere' }));
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(changes.length).toBe(before);
  });
});

describe('changes from the page, through the server and the store', () => {
  async function call(port: number, method: string, path: string, body: unknown) {
    const response = await send(port, { method, path, headers, body: JSON.stringify(body) });
    return { status: response.status, body: JSON.parse(response.body) as TaskCard & { error?: string } };
  }

  it('creates a task in the inbox, assigns it, changes its priority, and refuses stale revisions', async () => {
    await board.start();
    const port = await serve();
    const created = await call(port, 'POST', '/api/tasks', {
      agent: 'writer',
      title: 'Write the notes',
      priority: 'high',
      description: 'Say **what** changed.',
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ column: 'inbox', status: 'new', agent: 'writer', priority: 'high' });
    const id = created.body.key;
    expect(id).toMatch(/^\d{4}-\d\d-\d\dT\d{4}-writer-write-the-notes$/);
    expect(readFileSync(join(workDir, `inbox/${id}.yaml`), 'utf8')).toContain('title: Write the notes');

    const assigned = await call(port, 'POST', `/api/tasks/${id}/assign`, {
      revision: created.body.revision,
      agent: 'architect',
    });
    expect(assigned.status).toBe(200);
    expect(assigned.body).toMatchObject({
      column: 'assigned',
      agent: 'architect',
      path: `assigned/architect/${id}.yaml`,
    });

    const stale = await call(port, 'PATCH', `/api/tasks/${id}`, {
      priority: 'low',
      revision: created.body.revision,
    });
    expect(stale.status).toBe(409);
    expect(stale.body.error).toContain('changed since it was read');
    const again = await call(port, 'POST', `/api/tasks/${id}/assign`, { revision: assigned.body.revision });
    expect(again.status).toBe(409);
    expect(again.body.error).toContain('assigned');

    const lowered = await call(port, 'PATCH', `/api/tasks/${id}`, {
      priority: 'low',
      revision: assigned.body.revision,
    });
    expect(lowered.status).toBe(200);
    expect(lowered.body).toMatchObject({ priority: 'low', column: 'assigned' });
    expect(readFileSync(join(workDir, `assigned/architect/${id}.yaml`), 'utf8')).toMatch(/^priority: low$/m);
    expect(card(id)?.priority).toBe('low');
  });

  it('retries an errored task, and refuses bad input with the reason', async () => {
    write(
      'done/writer/e.yaml',
      taskText(
        'e',
        'error',
        'completed_at: 2026-12-01T09:10:00Z\nerror: { message: boom, kind: tool-error, at: 2026-12-01T09:10:00Z }\n',
      ),
    );
    await board.start();
    const port = await serve();
    const revision = card('e')!.revision;
    const retried = await call(port, 'POST', '/api/tasks/e/retry', { revision });
    expect(retried.status).toBe(200);
    expect(retried.body).toMatchObject({ column: 'assigned', error: null });

    const bad: [string, string, unknown, number, string][] = [
      ['POST', '/api/tasks', { agent: 'nobody', title: 'x' }, 400, "unknown agent 'nobody'"],
      ['POST', '/api/tasks', { agent: 'writer', title: 'two\nlines' }, 400, 'one line'],
      ['POST', '/api/tasks', { agent: 'writer', title: 'x', status: 'done' }, 400, 'status'],
      ['PATCH', '/api/tasks/e', { priority: 'urgent', revision: 'x' }, 400, 'priority'],
      ['POST', '/api/tasks/nope/retry', { revision: 'x' }, 404, "no task 'nope'"],
      ['POST', '/api/tasks/..%2Fx/retry', { revision: 'x' }, 404, 'no such task'],
    ];
    for (const [method, path, body, status, message] of bad) {
      const response = await call(port, method, path, body);
      expect([response.status, response.body.error], path).toEqual([
        status,
        expect.stringContaining(message),
      ]);
    }
    const text = await send(port, {
      method: 'POST',
      path: '/api/tasks',
      headers: { ...headers, 'Content-Type': 'text/plain' },
      body: '{}',
    });
    expect(text.status).toBe(415);
  });
});
