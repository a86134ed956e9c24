/** The `tasks` commands through the built binary: new, assign, list, show, retry, and their --json shapes. */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { isolatedEnv, runCli, writeAt, writeProject } from './support.js';

const taskId = (name: string) => new RegExp(`^\\d{4}-\\d{2}-\\d{2}T\\d{4}-${name}$`);

describe('tasks commands through the CLI', () => {
  const env = isolatedEnv();
  const { root, configDir } = writeProject();
  const workDir = join(configDir, 'work/collaboration');
  const tasks = (...args: string[]) =>
    runCli(['tasks', ...args, '--config-dir', configDir], { cwd: root, env });
  const json = async (...args: string[]) => {
    const ran = await tasks(...args, '--json');
    expect(ran.stderr).toBe('');
    expect(ran.code).toBe(0);
    return JSON.parse(ran.stdout) as Record<string, unknown>;
  };
  let first: Record<string, unknown>;
  let second: Record<string, unknown>;

  beforeAll(async () => {
    writeFileSync(join(root, 'notes.md'), '# Notes\n\nSay what changed.\n');
    first = await json(
      'new',
      '--agent',
      'writer',
      '--title',
      'Draft the notes',
      '--description-file',
      'notes.md',
    );
    second = await json(
      'new',
      '--agent',
      'reviewer',
      '--title',
      'Review the notes',
      '--priority',
      'critical',
      '--task-type',
      'review',
      '--depends-on',
      String(first.id),
      '--assign',
    );
  });

  it('tasks new writes inbox/ (or assigned/<agent>/ with --assign) and prints the task as JSON', () => {
    expect(first).toEqual({
      id: expect.stringMatching(taskId('writer-draft-the-notes')),
      agent: 'writer',
      status: 'new',
      title: 'Draft the notes',
      priority: 'normal',
      description: '# Notes\n\nSay what changed.\n',
      acceptanceCriteria: [],
      context: { files: [] },
      dependsOn: [],
      createdAt: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/),
      path: `inbox/${String(first.id)}.yaml`,
      revision: expect.stringMatching(/^[0-9a-f]{64}$/),
      warnings: [],
    });
    expect(second).toMatchObject({
      status: 'assigned',
      priority: 'critical',
      taskType: 'review',
      dependsOn: [first.id],
      path: `assigned/reviewer/${String(second.id)}.yaml`,
      assignedAt: second.createdAt,
    });
    expect(readFileSync(join(workDir, String(first.path)), 'utf8')).toContain(
      'description: |\n  # Notes\n\n  Say what changed.\n',
    );
  });

  it('tasks list prints the tasks most urgent first, filters them, and gives { workDir, tasks, problems } with --json', async () => {
    const listing = await json('list');
    expect(listing).toEqual({ workDir, tasks: [second, first], problems: [] });
    const text = await tasks('list', '--status', 'new,done');
    expect(text.code).toBe(0);
    expect(text.stdout).toBe(
      `ID${' '.repeat(String(first.id).length - 2)}  STATUS  PRIORITY  AGENT   TITLE\n${String(first.id)}  new     normal    writer  Draft the notes\n`,
    );
    expect((await json('list', '--agent', 'reviewer')).tasks).toEqual([second]);
    const wrong = await tasks('list', '--status', 'finished');
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toContain('llm-service: error: --status finished: not a task status');
  });

  it('tasks show prints one task, and says which id was meant', async () => {
    expect(await json('show', String(first.id))).toEqual(first);
    const text = await tasks('show', String(first.id));
    expect(text.stdout).toContain(
      `id           ${String(first.id)}\ntitle        Draft the notes\nstatus       new\n`,
    );
    const near = await tasks('show', String(first.id).replace('notes', 'note'));
    expect(near.code).toBe(2);
    expect(near.stderr).toBe(
      `llm-service: error: no task '${String(first.id).replace('notes', 'note')}' in ${workDir}\n` +
        `  hint: did you mean '${String(first.id)}'?\n`,
    );
  });

  it('tasks assign moves a new task to assigned/<agent>/ (another agent with --agent)', async () => {
    const assigned = await json('assign', String(first.id), '--agent', 'architect');
    expect(assigned).toMatchObject({
      id: first.id,
      status: 'assigned',
      agent: 'architect',
      path: `assigned/architect/${String(first.id)}.yaml`,
    });
    expect(existsSync(join(workDir, String(first.path)))).toBe(false);
    const again = await tasks('assign', String(first.id), '--agent', 'architect');
    expect(again).toMatchObject({
      code: 0,
      stdout: `${String(first.id)} is already assigned to architect: assigned/architect/${String(first.id)}.yaml\n`,
    });
    const unknown = await tasks('assign', String(first.id), '--agent', 'writr');
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("hint: did you mean 'writer'?");
  });

  it('tasks retry sends a failed task back, and refuses a task that did not fail', async () => {
    writeAt(
      workDir,
      'done/writer/failed-run.yaml',
      [
        'id: failed-run',
        'agent: writer',
        'status: error',
        'title: Summarise the incident',
        'created_at: 2026-12-01T09:00:00Z',
        'completed_at: 2026-12-01T09:05:00Z',
        'error: { message: the tool timed out, kind: timeout, attempts: 2, at: 2026-12-01T09:05:00Z }',
        '',
      ].join('\n'),
    );
    const retried = await tasks('retry', 'failed-run');
    expect(retried).toMatchObject({
      code: 0,
      stdout: 'Sent back failed-run to writer: assigned/writer/failed-run.yaml\n',
    });
    const task = await json('show', 'failed-run');
    expect(task).toMatchObject({ status: 'assigned', path: 'assigned/writer/failed-run.yaml' });
    expect(task.error).toBeUndefined();
    const refused = await tasks('retry', 'failed-run');
    expect(refused.code).toBe(2);
    expect(refused.stderr).toBe(
      "llm-service: error: task 'failed-run' cannot move from assigned to assigned\n" +
        '  hint: from assigned a task may move to in_progress, blocked, error\n',
    );
  });

  it('refuses what it cannot do with one line and exit 2: an unknown agent, a missing title, an unknown dependency', async () => {
    const unknownAgent = await tasks('new', '--agent', 'writr', '--title', 'x');
    expect(unknownAgent).toMatchObject({ code: 2, stdout: '' });
    expect(unknownAgent.stderr).toBe(
      "llm-service: error: unknown agent 'writr'\n  hint: did you mean 'writer'? (known agents: writer, architect, reviewer)\n",
    );
    expect((await tasks('new', '--agent', 'writer')).stderr).toContain('tasks new needs --title TEXT');
    const dependency = await tasks('new', '--agent', 'writer', '--title', 'x', '--depends-on', 'nope');
    expect(dependency.code).toBe(2);
    expect(dependency.stderr).toContain("--depends-on 'nope' is not a task of");
  });

  it('lists every tasks command, `tasks run` among them', async () => {
    const help = await runCli(['tasks', '--help'], { cwd: root, env });
    for (const command of ['list', 'show', 'new', 'assign', 'retry', 'validate', 'migrate', 'run'])
      expect(help.stdout).toMatch(new RegExp(`^  ${command} `, 'm'));
  });
});

describe('the work directory', () => {
  it('is tasks.work_dir of llm-service.yaml, or --work-dir, each relative to the config directory', async () => {
    const env = isolatedEnv();
    const { root, configDir } = writeProject('tasks:\n  work_dir: ../team-tasks\n  max_handoffs: 3\n');
    const run = (...args: string[]) =>
      runCli(['tasks', ...args, '--config-dir', configDir], { cwd: root, env });
    const created = await run('new', '--agent', 'writer', '--title', 'Here', '--json');
    expect(created.code).toBe(0);
    expect(existsSync(join(root, 'team-tasks', (JSON.parse(created.stdout) as { path: string }).path))).toBe(
      true,
    );
    const elsewhere = await run('list', '--work-dir', 'other', '--json');
    expect(JSON.parse(elsewhere.stdout)).toEqual({
      workDir: join(configDir, 'other'),
      tasks: [],
      problems: [],
    });

    writeFileSync(join(configDir, 'llm-service.yaml'), 'version: 1\ntasks:\n  templates: { writr: t.md }\n');
    const invalid = await run('list');
    expect(invalid.code).toBe(2);
    expect(invalid.stderr).toContain("tasks.templates.writr: unknown agent 'writr'; did you mean 'writer'?");
  });
});
