import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  realpathSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { taskStatuses, taskTransitions, type TaskEvent, type TaskStatus } from '@llm-service/spec';
import { FileTaskStore } from './task-store.js';
import { keyFor } from '../file/layout.js';

let root: string;
let workDir: string;
let events: TaskEvent[];
let clock: Date;

function store(options: { agents?: readonly string[] } = {}): FileTaskStore {
  return new FileTaskStore({
    workDir,
    projectDir: root,
    agents: options.agents ?? ['writer', 'architect', 'reviewer'],
    emit: (event) => events.push(event),
    now: () => clock,
  });
}

function write(key: string, text: string): void {
  mkdirSync(dirname(join(workDir, key)), { recursive: true });
  writeFileSync(join(workDir, key), text);
}
const read = (key: string) => readFileSync(join(workDir, key), 'utf8');

/** A task file of `status`, where that status lives. */
function taskText(id: string, status: TaskStatus, extra = ''): string {
  return [
    `id: ${id}`,
    'agent: writer',
    `status: ${status}`,
    'title: Draft the notes',
    'created_at: 2026-12-01T09:00:00Z',
    ...(status === 'error'
      ? [
          'completed_at: 2026-12-01T09:10:00Z',
          'error: { message: boom, kind: tool-error, at: 2026-12-01T09:10:00Z }',
        ]
      : []),
    extra,
  ]
    .filter(Boolean)
    .join('\n')
    .concat('\n');
}

beforeEach(() => {
  root = realpathSync(mkdtempSync(join(tmpdir(), 'llm-service-tasks-')));
  workDir = join(root, 'work');
  events = [];
  clock = new Date('2026-12-01T09:30:00Z');
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

describe('create', () => {
  it('writes a new task to inbox/ named after the UTC time, agent and title, and emits task.created', async () => {
    const task = await store().create({
      agent: 'writer',
      title: 'Draft the release notes!',
      priority: 'high',
    });
    expect(task).toMatchObject({
      id: '2026-12-01T0930-writer-draft-the-release-notes',
      status: 'new',
      priority: 'high',
      path: 'inbox/2026-12-01T0930-writer-draft-the-release-notes.yaml',
      createdAt: '2026-12-01T09:30:00Z',
      warnings: [],
    });
    expect(read(task.path)).toBe(
      [
        'id: 2026-12-01T0930-writer-draft-the-release-notes',
        'agent: writer',
        'status: new',
        'title: Draft the release notes!',
        'priority: high',
        'created_at: 2026-12-01T09:30:00Z',
        '',
      ].join('\n'),
    );
    expect(events).toEqual([
      {
        type: 'task.created',
        at: '2026-12-01T09:30:00Z',
        taskId: task.id,
        agent: 'writer',
        title: 'Draft the release notes!',
        status: 'new',
      },
    ]);
  });

  it('adds -2, -3 to an id already taken, and writes an assigned task to assigned/<agent>/', async () => {
    const first = await store().create({ agent: 'writer', title: 'Notes' });
    const second = await store().create({ agent: 'writer', title: 'Notes' });
    const third = await store().create({
      agent: 'writer',
      title: 'Notes',
      assign: true,
      description: 'line one\nline two\n',
      acceptanceCriteria: ['listed'],
      context: { notes: 'n', files: ['README.md'] },
      dependsOn: [first.id],
    });
    expect([first.id, second.id, third.id]).toEqual([
      '2026-12-01T0930-writer-notes',
      '2026-12-01T0930-writer-notes-2',
      '2026-12-01T0930-writer-notes-3',
    ]);
    expect(third).toMatchObject({
      status: 'assigned',
      path: `assigned/writer/${third.id}.yaml`,
      assignedAt: '2026-12-01T09:30:00Z',
    });
    expect(read(third.path)).toContain('description: |\n  line one\n  line two\n');
    expect(third.warnings).toEqual([
      `assigned/writer/${third.id}.yaml:14:7: warning: context.files[0]: 'README.md' does not exist in the project; create it before the task runs, or correct the path`,
    ]);
  });

  it('refuses an unknown agent, an unknown dependency and a context file outside the project', async () => {
    await expect(store().create({ agent: 'writr', title: 'x' })).rejects.toMatchObject({
      code: 'E_USAGE',
      message: "unknown agent 'writr'",
      hint: "did you mean 'writer'? (known agents: writer, architect, reviewer)",
    });
    await expect(store().create({ agent: 'writer', title: 'x', dependsOn: ['nope'] })).rejects.toMatchObject({
      code: 'E_USAGE',
    });
    await expect(
      store().create({ agent: 'writer', title: 'x', context: { files: ['/etc/passwd'] } }),
    ).rejects.toMatchObject({ code: 'E_USAGE', message: "context file '/etc/passwd' is absolute" });
    await expect(store().create({ agent: 'writer', title: 'two\nlines' })).rejects.toMatchObject({
      code: 'E_USAGE',
    });
  });
});

describe('transition', () => {
  const pairs = taskStatuses.flatMap((from) => taskStatuses.map((to) => [from, to] as const));

  it.each(pairs)('%s → %s is allowed exactly when taskTransitions says so', async (from, to) => {
    const key = keyFor(from, 'writer', 't.yaml');
    write(key, taskText('t', from));
    const tasks = store();
    const task = (await tasks.get('t'))!;
    const move = tasks.transition('t', { to }, task.revision);
    if (!taskTransitions[from].includes(to)) {
      await expect(move).rejects.toMatchObject({ code: 'E_TASK_TRANSITION', exitCode: 2 });
      expect(read(key)).toBe(taskText('t', from));
      return;
    }
    const moved = await move;
    expect(moved).toMatchObject({ id: 't', status: to, path: keyFor(to, 'writer', 't.yaml') });
    expect(existsSync(join(workDir, key))).toBe(key === moved.path);
    const stamp = {
      assigned: 'assignedAt',
      in_progress: 'startedAt',
      done: 'completedAt',
      error: 'completedAt',
    }[to as string];
    if (stamp) expect(moved).toHaveProperty(stamp, '2026-12-01T09:30:00Z');
  });

  it('sends a failed task back only with retry, clearing its error and completion', async () => {
    write('done/writer/t.yaml', taskText('t', 'error'));
    const tasks = store();
    const failed = (await tasks.get('t'))!;
    await expect(tasks.transition('t', { to: 'assigned' }, failed.revision)).rejects.toMatchObject({
      code: 'E_TASK_TRANSITION',
      hint: 'a failed task goes back with `llm-service tasks retry`',
    });
    const retried = await tasks.transition('t', { to: 'assigned', retry: true }, failed.revision);
    expect(retried).toMatchObject({
      status: 'assigned',
      path: 'assigned/writer/t.yaml',
      assignedAt: '2026-12-01T09:30:00Z',
    });
    expect(retried.error).toBeUndefined();
    expect(retried.completedAt).toBeUndefined();
    expect(existsSync(join(workDir, 'done/writer/t.yaml'))).toBe(false);
    expect(events.at(-1)).toMatchObject({ type: 'task.assigned', taskId: 't', note: 'retry' });
  });

  it('drops the note of a put-back once the task runs again', async () => {
    write('assigned/writer/t.yaml', taskText('t', 'in_progress'));
    const tasks = store();
    const running = (await tasks.get('t'))!;
    const note = { message: 'the runner stopped (SIGINT)', kind: 'interrupted', at: '2026-12-01T09:00:00Z' };
    const putBack = await tasks.transition('t', { to: 'assigned', error: note }, running.revision);
    expect(putBack.error).toMatchObject({ kind: 'interrupted' });
    const again = await tasks.transition('t', { to: 'in_progress' }, putBack.revision);
    expect(again.error).toBeUndefined();
  });

  it('refuses with E_TASK_CONFLICT when the file changed since the revision, and leaves it alone', async () => {
    write('inbox/t.yaml', taskText('t', 'new'));
    const tasks = store();
    const task = (await tasks.get('t'))!;
    write('inbox/t.yaml', taskText('t', 'new', 'priority: high'));
    await expect(tasks.transition('t', { to: 'assigned' }, task.revision)).rejects.toMatchObject({
      code: 'E_TASK_CONFLICT',
      exitCode: 1,
    });
    expect(read('inbox/t.yaml')).toBe(taskText('t', 'new', 'priority: high'));
    await expect(tasks.transition('nope', { to: 'assigned' }, 'x')).rejects.toMatchObject({
      code: 'E_TASK_UNKNOWN',
    });
  });

  it('keeps comments, order, quoting and unknown keys, and writes the result and error it carries', async () => {
    const text = [
      '# The header comment.',
      'id: t',
      'agent: writer # who does it',
      'status: assigned',
      '# Before the title.',
      'title: "Draft the notes"',
      'created_at: 2026-12-01T09:00:00Z',
      'assigned_at: 2026-12-01T09:05:00Z',
      'team_owner: alice # ours',
      'x_links: [a, b]',
      '',
    ].join('\n');
    write('assigned/writer/t.yaml', text);
    const tasks = store();
    const started = await tasks.transition('t', { to: 'in_progress' }, (await tasks.get('t'))!.revision);
    const done = await tasks.transition(
      't',
      {
        to: 'done',
        result: {
          summary: 'drafted',
          attempts: 1,
          tokens: { input: 10, output: 5, cacheRead: 0, cacheWrite: 0 },
          costUsd: 0.5,
          chainId: 'c1',
          answer: 'answers/t.md',
        },
      },
      started.revision,
    );
    expect(read(done.path)).toBe(
      [
        '# The header comment.',
        'id: t',
        'agent: writer # who does it',
        'status: done',
        '# Before the title.',
        'title: "Draft the notes"',
        'created_at: 2026-12-01T09:00:00Z',
        'assigned_at: 2026-12-01T09:05:00Z',
        'started_at: 2026-12-01T09:30:00Z',
        'completed_at: 2026-12-01T09:30:00Z',
        'result:',
        '  summary: drafted',
        '  attempts: 1',
        '  tokens:',
        '    input: 10',
        '    output: 5',
        '    cache_read: 0',
        '    cache_write: 0',
        '  cost_usd: 0.5',
        '  chain_id: c1',
        '  answer: answers/t.md',
        'team_owner: alice # ours',
        'x_links: [a, b]',
        '',
      ].join('\n'),
    );
    expect(events.map((event) => event.type)).toEqual(['task.started', 'task.completed']);
    expect(events[1]).toMatchObject({ costUsd: 0.5, attempts: 1, answer: 'answers/t.md', chainId: 'c1' });
  });

  it('hands a task to another agent only when assigning it, and refuses a malformed file', async () => {
    write('inbox/t.yaml', taskText('t', 'new'));
    const tasks = store();
    const task = (await tasks.get('t'))!;
    const moved = await tasks.transition('t', { to: 'assigned', agent: 'architect' }, task.revision);
    expect(moved).toMatchObject({ agent: 'architect', path: 'assigned/architect/t.yaml' });
    expect(events.at(-1)).toMatchObject({ type: 'task.assigned', note: 'reassigned from writer' });
    await expect(
      tasks.transition('t', { to: 'in_progress', agent: 'writer' }, moved.revision),
    ).rejects.toMatchObject({ code: 'E_TASK_TRANSITION' });

    write('inbox/bad.yaml', 'id: bad\nstatus: [\n');
    await expect(tasks.transition('bad', { to: 'assigned' }, 'x')).rejects.toMatchObject({
      code: 'E_TASK_MALFORMED',
      exitCode: 2,
    });
    expect(read('inbox/bad.yaml')).toBe('id: bad\nstatus: [\n');
  });
});

describe('edit, readAnswer, atWorkDir (plugin API 1.6)', () => {
  it('sets a priority in place, keeping the comments, and refuses a stale revision or an unknown priority', async () => {
    write('assigned/writer/t.yaml', `# keep me\n${taskText('t', 'assigned', 'priority: low # was low')}`);
    const tasks = store();
    const before = (await tasks.get('t'))!;
    const after = await tasks.edit('t', { priority: 'critical' }, before.revision);
    expect(after).toMatchObject({ priority: 'critical', status: 'assigned', path: 'assigned/writer/t.yaml' });
    expect(read('assigned/writer/t.yaml')).toMatch(/^# keep me\n/);
    expect(read('assigned/writer/t.yaml')).toMatch(/^priority: critical # was low$/m);
    await expect(tasks.edit('t', { priority: 'high' }, before.revision)).rejects.toMatchObject({
      code: 'E_TASK_CONFLICT',
    });
    await expect(tasks.edit('t', { priority: 'urgent' as never }, after.revision)).rejects.toMatchObject({
      exitCode: 2,
    });
    expect((await tasks.get('t'))!.priority).toBe('critical');
    expect(events).toEqual([]);
  });

  it("reads the answer a task's result names, only inside the work directory", async () => {
    write('runs/t/answer.md', '# Done\n');
    write(
      'done/writer/t.yaml',
      taskText('t', 'done', 'completed_at: 2026-12-01T09:10:00Z\nresult: { answer: runs/t/answer.md }'),
    );
    write(
      'done/writer/u.yaml',
      taskText('u', 'done', 'completed_at: 2026-12-01T09:10:00Z\nresult: { answer: ../../secret.md }'),
    );
    writeFileSync(join(root, 'secret.md'), 'secret');
    write('assigned/writer/v.yaml', taskText('v', 'assigned'));
    const tasks = store();
    expect(await tasks.readAnswer('t')).toBe('# Done\n');
    expect(await tasks.readAnswer('u')).toBeUndefined();
    expect(await tasks.readAnswer('v')).toBeUndefined();
    expect(await tasks.readAnswer('nope')).toBeUndefined();
  });

  it('opens the same store on another work directory', async () => {
    const other = join(root, 'elsewhere');
    mkdirSync(join(other, 'inbox'), { recursive: true });
    writeFileSync(join(other, 'inbox/o.yaml'), taskText('o', 'new'));
    const moved = store().atWorkDir(other);
    expect(moved.workDir).toBe(other);
    expect((await moved.list()).tasks.map((task) => task.id)).toEqual(['o']);
    await expect(moved.create({ agent: 'nobody', title: 'x' })).rejects.toThrow("unknown agent 'nobody'");
    await moved.create({ agent: 'writer', title: 'Second' });
    expect(events.map((event) => event.type)).toEqual(['task.created']);
  });
});

describe('concurrent writers', () => {
  it('lets exactly one of two moves decided on the same revision through; the other gets E_TASK_CONFLICT', async () => {
    write('assigned/writer/t.yaml', taskText('t', 'assigned'));
    const one = store();
    const two = store();
    const revision = (await one.get('t'))!.revision;
    const results = await Promise.allSettled([
      one.transition('t', { to: 'in_progress' }, revision),
      two.transition(
        't',
        { to: 'blocked', error: { message: 'waiting', kind: 'blocked', at: '2026-12-01T09:30:00Z' } },
        revision,
      ),
    ]);
    expect(results.map((result) => result.status).sort()).toEqual(['fulfilled', 'rejected']);
    const rejected = results.find((result) => result.status === 'rejected') as PromiseRejectedResult;
    expect(rejected.reason).toMatchObject({ code: 'E_TASK_CONFLICT' });
    expect(existsSync(join(workDir, '.tasks.lock'))).toBe(false);
  });

  it('emits task.failed and task.blocked with what the change says', async () => {
    write('assigned/writer/t.yaml', taskText('t', 'assigned'));
    const tasks = store();
    const blocked = await tasks.transition(
      't',
      { to: 'blocked', error: { message: 'budget spent', kind: 'policy', at: '2026-12-01T09:30:00Z' } },
      (await tasks.get('t'))!.revision,
    );
    const failed = await tasks.transition(
      't',
      {
        to: 'error',
        error: { message: 'gave up', kind: 'timeout', attempts: 3, at: '2026-12-01T09:31:00Z' },
      },
      blocked.revision,
    );
    expect(failed).toMatchObject({
      path: 'done/writer/t.yaml',
      error: { message: 'gave up', kind: 'timeout', attempts: 3 },
    });
    expect(events).toEqual([
      {
        type: 'task.blocked',
        at: '2026-12-01T09:30:00Z',
        taskId: 't',
        agent: 'writer',
        message: 'budget spent',
      },
      {
        type: 'task.failed',
        at: '2026-12-01T09:30:00Z',
        taskId: 't',
        agent: 'writer',
        kind: 'timeout',
        message: 'gave up',
      },
    ]);
    await expect(
      tasks.transition('t', { to: 'done', result: { costUsd: -1 } }, failed.revision),
    ).rejects.toMatchObject({ code: 'E_USAGE' });
  });
});

describe('links', () => {
  it('never writes through an agent folder that is a link, and reports it', async () => {
    const outside = mkdtempSync(join(tmpdir(), 'llm-service-outside-'));
    try {
      write('inbox/t.yaml', taskText('t', 'new'));
      mkdirSync(join(workDir, 'assigned'), { recursive: true });
      symlinkSync(outside, join(workDir, 'assigned/writer'));
      const tasks = store();
      await expect(
        tasks.transition('t', { to: 'assigned' }, (await tasks.get('t'))!.revision),
      ).rejects.toMatchObject({
        code: 'E_TASK_OUTSIDE',
        exitCode: 2,
      });
      await expect(tasks.create({ agent: 'writer', title: 'x', assign: true })).rejects.toMatchObject({
        code: 'E_TASK_OUTSIDE',
      });
      expect(readdirSync(outside)).toEqual([]);
      expect(read('inbox/t.yaml')).toBe(taskText('t', 'new'));
      expect((await tasks.list()).problems.map((problem) => problem.message)).toEqual([
        'assigned/writer:1:1: file: is a link; agent folders and task files must not be links; replace it with a folder',
      ]);
    } finally {
      rmSync(outside, { recursive: true, force: true });
    }
  });
});

describe('crash leftovers', () => {
  it('keeps the later copy of a task whose move was interrupted and removes the other on the next list', async () => {
    write('inbox/t.yaml', taskText('t', 'new'));
    write('assigned/writer/t.yaml', taskText('t', 'assigned', 'assigned_at: 2026-12-01T09:20:00Z'));
    const tasks = store();
    const report = await tasks.validate();
    expect(report.issues.map((issue) => `${issue.path}: ${issue.severity}: ${issue.message}`)).toEqual([
      "inbox/t.yaml: error: duplicate id 't': a copy left by an interrupted move; assigned/writer/t.yaml (assigned) is later",
    ]);
    expect(existsSync(join(workDir, 'inbox/t.yaml'))).toBe(true);
    const listing = await tasks.list();
    expect(listing.tasks.map((task) => [task.id, task.status, task.path])).toEqual([
      ['t', 'assigned', 'assigned/writer/t.yaml'],
    ]);
    expect(existsSync(join(workDir, 'inbox/t.yaml'))).toBe(false);
  });

  it('prefers the status further along when the times are equal, and a transition removes the leftover too', async () => {
    write('assigned/writer/t.yaml', taskText('t', 'in_progress', 'started_at: 2026-12-01T09:20:00Z'));
    write('done/writer/t.yaml', taskText('t', 'done', 'started_at: 2026-12-01T09:20:00Z'));
    const tasks = store();
    expect((await tasks.get('t'))?.status).toBe('done');
    write('assigned/writer/u.yaml', taskText('u', 'assigned', 'assigned_at: 2026-12-01T09:20:00Z'));
    write('done/writer/u.yaml', taskText('u', 'error', 'assigned_at: 2026-12-01T09:00:00Z'));
    // u's error copy completed at 09:10, its assigned copy was assigned at 09:20: the assigned one is later.
    const u = (await tasks.get('u'))!;
    expect(u.path).toBe('assigned/writer/u.yaml');
    await tasks.transition('u', { to: 'in_progress' }, u.revision);
    expect(existsSync(join(workDir, 'done/writer/u.yaml'))).toBe(false);
  });

  it('reports copies it cannot tell apart, reads the first, and removes neither', async () => {
    write('assigned/writer/t.yaml', taskText('t', 'assigned'));
    write(
      'assigned/architect/t.yaml',
      taskText('t', 'assigned').replace('agent: writer', 'agent: architect'),
    );
    const listing = await store().list();
    expect(listing.tasks.map((task) => task.path)).toEqual(['assigned/architect/t.yaml']);
    expect(listing.problems.map((problem) => problem.message)).toEqual([
      "assigned/writer/t.yaml:1:1: id: duplicate id 't': assigned/architect/t.yaml has the same id and is read instead; remove one of the two files, or rename one (its id with it)",
    ]);
    expect(existsSync(join(workDir, 'assigned/writer/t.yaml'))).toBe(true);
  });
});

describe('list', () => {
  it('sorts by priority then age, filters by status and agent, and skips malformed files without touching them', async () => {
    write('inbox/a.yaml', taskText('a', 'new', 'priority: low'));
    write('inbox/b.yaml', taskText('b', 'new', 'priority: critical'));
    write('assigned/writer/c.yaml', taskText('c', 'assigned'));
    write('inbox/bad.yaml', 'title: [unclosed\n');
    const tasks = store();
    const listing = await tasks.list();
    expect(listing.tasks.map((task) => task.id)).toEqual(['b', 'c', 'a']);
    expect(listing.problems).toEqual([
      {
        path: 'inbox/bad.yaml',
        line: 2,
        column: 1,
        message: expect.stringMatching(/^inbox\/bad\.yaml:2:1: yaml: /),
      },
    ]);
    expect(read('inbox/bad.yaml')).toBe('title: [unclosed\n');
    expect((await tasks.list({ status: ['assigned'] })).tasks.map((task) => task.id)).toEqual(['c']);
    expect((await tasks.list({ agent: 'architect' })).tasks).toEqual([]);
    expect(await new FileTaskStore({ workDir: join(root, 'none'), projectDir: root }).list()).toEqual({
      tasks: [],
      problems: [],
    });
  });

  it('warns about unknown dependencies and dependency cycles', async () => {
    write('inbox/a.yaml', taskText('a', 'new', 'depends_on: [b]'));
    write('inbox/b.yaml', taskText('b', 'new', 'depends_on: [c, a]'));
    write('inbox/c.yaml', taskText('c', 'new', 'depends_on: [zz]'));
    const report = await store().validate();
    expect(
      report.issues.map(
        (issue) => `${issue.path}:${issue.line}:${issue.column}: ${issue.field}: ${issue.message}`,
      ),
    ).toEqual([
      'inbox/a.yaml:6:14: depends_on[0]: dependency cycle: a → b → a',
      'inbox/b.yaml:6:17: depends_on[1]: dependency cycle: b → a → b',
      "inbox/c.yaml:6:14: depends_on[0]: 'zz' is not a task of this work directory",
    ]);
    expect(report.errors).toBe(3);
  });
});

describe('validate', () => {
  it('passes with warnings only: a did-you-mean is not an error', async () => {
    write('inbox/t.yaml', taskText('t', 'new', 'descripton: typo'));
    const report = await store().validate();
    expect(report).toMatchObject({ errors: 0, warnings: 1, files: 1 });
    expect(report.tasks[0]?.warnings).toEqual([
      "inbox/t.yaml:6:1: warning: descripton: 'descripton' is not a task field (kept as it is); did you mean 'description'? Rename it if so",
    ]);
  });
});

describe('watch', () => {
  it('calls back when a task file appears, and stops when told', async () => {
    mkdirSync(join(workDir, 'inbox'), { recursive: true });
    let calls = 0;
    const stop = new FileTaskStore({ workDir, projectDir: root, pollIntervalMs: 100 }).watch(() => calls++);
    try {
      await new Promise((resolve) => setTimeout(resolve, 150));
      write('inbox/t.yaml', taskText('t', 'new'));
      const deadline = Date.now() + 5000;
      while (calls === 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
      expect(calls).toBeGreaterThan(0);
    } finally {
      stop();
    }
  });
});
