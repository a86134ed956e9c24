import { createHash } from 'node:crypto';
import {
  chmodSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  symlinkSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { filter, firstValueFrom, timeout } from 'rxjs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  InvalidPriorityError,
  MalformedTaskError,
  TaskBoard,
  TaskBoardError,
  TaskConflictError,
  UnknownTaskError,
  type TaskChange,
} from './index.js';

let root: string;
let workDir: string;
const boards: TaskBoard[] = [];
const errors: unknown[] = [];

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'task-board-'));
  workDir = join(root, 'work', 'collaboration');
  errors.length = 0;
});

afterEach(async () => {
  await Promise.all(boards.splice(0).map((board) => board.close()));
  rmSync(root, { recursive: true, force: true });
  expect(errors).toEqual([]);
});

async function startBoard(dir = workDir): Promise<TaskBoard> {
  const board = new TaskBoard({ workDir: dir, pollIntervalMs: 50, onError: (error) => errors.push(error) });
  boards.push(board);
  await board.start();
  return board;
}

/** Resolves on the board's next change that matches; subscribe before causing it. */
function nextChange(board: TaskBoard, matches: (change: TaskChange) => boolean): Promise<TaskChange> {
  return firstValueFrom(board.changes.pipe(filter(matches), timeout({ first: 5000 })));
}
const updated = (key: string) => (change: TaskChange) => change.type === 'task' && change.data.key === key;
const removed = (key: string) => (change: TaskChange) =>
  change.type === 'task-removed' && change.data.key === key;

function write(key: string, text: string, dir = workDir): string {
  const path = join(dir, ...key.split('/'));
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, text);
  return path;
}
const sha256 = (text: string | Buffer) => createHash('sha256').update(text).digest('hex');

describe('TaskBoard: indexing', () => {
  it('indexes every YAML file at any depth, in board order, and nothing hidden or temporary', async () => {
    write('inbox/a.yaml', 'status: new\ntitle: A\npriority: low\n');
    write('inbox/b.yml', 'status: new\ntitle: B\npriority: critical\n');
    write('assigned/backend-dev/c.yaml', 'status: blocked\ntitle: C\n');
    write('done/backend-dev/2026/d.yaml', 'status: error\ntitle: D\nerror: boom\n');
    write('archive/e.yaml', 'status: done\ntitle: E\n');
    write('f.yaml', 'title: F\n');
    for (const hidden of [
      'inbox/.g.yaml',
      '.git/h.yaml',
      'inbox/.a.yaml.1234.tmp',
      'inbox/a.yaml~',
      'inbox/notes.md',
    ]) {
      write(hidden, 'status: new\n');
    }
    const board = await startBoard();
    expect(board.cards().map((card) => [card.key, card.column, card.flag])).toEqual([
      ['inbox/b.yml', 'inbox', null],
      ['inbox/a.yaml', 'inbox', null],
      ['f.yaml', 'inbox', null],
      ['assigned/backend-dev/c.yaml', 'blocked', null],
      ['archive/e.yaml', 'done', null],
      ['done/backend-dev/2026/d.yaml', 'error', null],
    ]);
    expect(board.card('done/backend-dev/2026/d.yaml')?.error).toBe('boom');
    expect(board.card('inbox/a.yaml')?.version).toBe(sha256('status: new\ntitle: A\npriority: low\n'));
  });

  it('shows flagged and malformed files rather than hiding them', async () => {
    write('inbox/done-already.yaml', 'status: done\n');
    write('done/a/reopened.yaml', 'status: new\n');
    write('inbox/odd.yaml', 'status: finished\n');
    write('done/a/broken.yaml', 'title: "unterminated\n');
    write('assigned/a/typed.yaml', 'title: [a]\n');
    const board = await startBoard();
    const view = (key: string) => {
      const card = board.card(key);
      return [card?.column, card?.flag, card?.parseError === null ? null : 'parse error'];
    };
    expect(view('inbox/done-already.yaml')).toEqual([
      'done',
      'status is done but the file is in inbox/',
      null,
    ]);
    expect(view('done/a/reopened.yaml')).toEqual(['inbox', 'status is new but the file is in done/', null]);
    expect(view('inbox/odd.yaml')[0]).toBe('inbox');
    expect(view('done/a/broken.yaml')).toEqual(['done', expect.any(String), 'parse error']);
    expect(board.card('done/a/broken.yaml')?.parseError).toMatch(/line 2/);
    expect(board.card('assigned/a/typed.yaml')?.parseError).toBe('line 1: title must be text, not a list');
    expect(board.card('assigned/a/typed.yaml')?.column).toBe('assigned');
  });

  it('does not follow symlinks out of the work directory', async () => {
    const outside = write('secret.yaml', 'title: secret\n', root);
    mkdirSync(join(workDir, 'inbox'), { recursive: true });
    symlinkSync(outside, join(workDir, 'inbox', 'link.yaml'));
    symlinkSync(root, join(workDir, 'linked-dir'));
    const board = await startBoard();
    expect(board.cards()).toEqual([]);
  });
});

describe('TaskBoard: live updates', () => {
  it('reports files created, edited, moved and deleted', async () => {
    mkdirSync(join(workDir, 'inbox'), { recursive: true });
    const board = await startBoard();

    let change = nextChange(board, updated('inbox/t.yaml'));
    write('inbox/t.yaml', 'status: new\ntitle: first\n');
    expect(await change).toMatchObject({ data: { column: 'inbox', title: 'first', flag: null } });

    change = nextChange(board, updated('inbox/t.yaml'));
    write('inbox/t.yaml', 'status: new\ntitle: second\n');
    expect(await change).toMatchObject({
      data: { title: 'second', version: sha256('status: new\ntitle: second\n') },
    });

    const gone = nextChange(board, removed('inbox/t.yaml'));
    const arrived = nextChange(board, updated('done/backend-dev/t.yaml'));
    mkdirSync(join(workDir, 'done', 'backend-dev'), { recursive: true });
    renameSync(join(workDir, 'inbox', 't.yaml'), join(workDir, 'done', 'backend-dev', 't.yaml'));
    await gone;
    // Moved but not yet updated by the agent: the status still says new.
    expect(await arrived).toMatchObject({
      data: { column: 'inbox', flag: 'status is new but the file is in done/' },
    });

    change = nextChange(board, updated('done/backend-dev/t.yaml'));
    write('done/backend-dev/t.yaml', 'status: done\ntitle: second\nresult: shipped\n');
    expect(await change).toMatchObject({ data: { column: 'done', flag: null, result: 'shipped' } });

    change = nextChange(board, removed('done/backend-dev/t.yaml'));
    unlinkSync(join(workDir, 'done', 'backend-dev', 't.yaml'));
    await change;
    expect(board.cards()).toEqual([]);
  });

  it('turns a file edited into invalid YAML into a flagged card, and back', async () => {
    write('assigned/a/t.yaml', 'status: assigned\ntitle: ok\n');
    const board = await startBoard();

    let change = nextChange(board, updated('assigned/a/t.yaml'));
    write('assigned/a/t.yaml', 'status: assigned\ntitle: [oops\n');
    expect(await change).toMatchObject({
      data: { column: 'assigned', title: null, parseError: expect.any(String) },
    });

    change = nextChange(board, updated('assigned/a/t.yaml'));
    write('assigned/a/t.yaml', 'status: in_progress\ntitle: fixed\n');
    expect(await change).toMatchObject({ data: { column: 'in_progress', title: 'fixed', parseError: null } });
  });

  it('reports a directory of tasks moved in and out', async () => {
    write('archive/old/t.yaml', 'status: done\n', root);
    mkdirSync(workDir, { recursive: true });
    const board = await startBoard();

    const arrived = nextChange(board, updated('done/a/t.yaml'));
    mkdirSync(join(workDir, 'done'));
    renameSync(join(root, 'archive', 'old'), join(workDir, 'done', 'a'));
    await arrived;

    const gone = nextChange(board, removed('done/a/t.yaml'));
    renameSync(join(workDir, 'done'), join(root, 'done-elsewhere'));
    await gone;
    expect(board.cards()).toEqual([]);
  });

  it('works with a work directory created after start, and one deleted and created again', async () => {
    const board = await startBoard();
    expect(board.cards()).toEqual([]);

    let change = nextChange(board, updated('inbox/t.yaml'));
    write('inbox/t.yaml', 'status: new\n');
    await change;

    change = nextChange(board, removed('inbox/t.yaml'));
    rmSync(join(root, 'work'), { recursive: true });
    await change;

    change = nextChange(board, updated('inbox/u.yaml'));
    write('inbox/u.yaml', 'status: new\n');
    await change;
    expect(board.cards().map((card) => card.key)).toEqual(['inbox/u.yaml']);
  });
});

describe('TaskBoard: setPriority', () => {
  const source = [
    '# Task for the backend',
    'id: T-001   # stable id',
    'status: assigned',
    'title: Add the budget endpoint',
    'priority: low  # set by the architect',
    'tags: [api, budget]',
    'description: |',
    '  Implement **GET /budget**.',
    '',
  ].join('\n');

  it('rewrites only the priority, atomically, keeping the mode, and reports the new card', async () => {
    const path = write('assigned/backend-dev/t.yaml', source);
    chmodSync(path, 0o640);
    const board = await startBoard();
    const before = board.card('assigned/backend-dev/t.yaml');
    if (!before) throw new Error('not indexed');

    const change = nextChange(board, updated('assigned/backend-dev/t.yaml'));
    const card = await board.setPriority(before.key, 'critical', before.version);

    const expected = source.replace('priority: low ', 'priority: critical ');
    expect(readFileSync(path, 'utf8')).toBe(expected);
    expect(statSync(path).mode & 0o777).toBe(0o640);
    expect(card).toEqual({ ...before, priority: 'critical', version: sha256(expected) });
    expect((await change).data).toEqual(card);
    expect(board.card(before.key)).toEqual(card);
    expect(readdirSync(dirname(path))).toEqual(['t.yaml']);
  });

  it('adds a priority to a file without one, keeping comments and key order', async () => {
    const path = write('inbox/t.yaml', '# new task\nid: T-2 # id\nstatus: new\n\ntitle: x\n');
    const board = await startBoard();
    const version = board.card('inbox/t.yaml')?.version ?? '';
    const card = await board.setPriority('inbox/t.yaml', 'high', version);
    expect(readFileSync(path, 'utf8')).toBe(
      '# new task\nid: T-2 # id\nstatus: new\n\ntitle: x\npriority: high\n',
    );
    expect(card.priority).toBe('high');
  });

  it('refuses when the file changed on disk since the page loaded, and leaves it alone', async () => {
    const path = write('inbox/t.yaml', source);
    const board = await startBoard();
    const loaded = board.card('inbox/t.yaml')?.version ?? '';
    const edited = source.replace('title: Add', 'title: Really add');
    const change = nextChange(board, updated('inbox/t.yaml'));
    writeFileSync(path, edited);

    // Refused whether or not the watcher has caught up: the bytes on disk decide.
    const refusal = board.setPriority('inbox/t.yaml', 'high', loaded);
    await expect(refusal).rejects.toBeInstanceOf(TaskConflictError);
    await expect(refusal).rejects.toMatchObject({
      status: 409,
      message: expect.stringMatching(/changed on disk.*reload/),
    });
    expect(readFileSync(path, 'utf8')).toBe(edited);
    await change;
    await expect(board.setPriority('inbox/t.yaml', 'high', 'not-a-version')).rejects.toBeInstanceOf(
      TaskConflictError,
    );
    expect(readFileSync(path, 'utf8')).toBe(edited);
  });

  it('refuses keys it did not index, and keys outside the work directory', async () => {
    write('inbox/t.yaml', source);
    const outside = write('x.yaml', 'priority: low\n', join(root, 'work'));
    const secret = write('secret.yaml', source, root);
    symlinkSync(secret, join(workDir, 'inbox', 'link.yaml'));
    const board = await startBoard();
    const version = sha256(source);

    for (const key of [
      'inbox/missing.yaml',
      '../x.yaml',
      outside,
      'inbox/../../x.yaml',
      'inbox/link.yaml',
      '',
    ]) {
      const refusal = board.setPriority(key, 'high', version);
      await expect(refusal, key).rejects.toBeInstanceOf(UnknownTaskError);
      await expect(refusal, key).rejects.toMatchObject({ status: 404 });
    }
    expect(readFileSync(outside, 'utf8')).toBe('priority: low\n');
    expect(readFileSync(secret, 'utf8')).toBe(source);
  });

  it('refuses an indexed file that became a symlink to a file outside', async () => {
    write('inbox/t.yaml', source);
    const secret = write('secret.yaml', source, root);
    const board = await startBoard();
    const version = board.card('inbox/t.yaml')?.version ?? '';
    // Same bytes, so only the path check can refuse it.
    symlinkSync(secret, join(workDir, 'inbox', '.swap'));
    renameSync(join(workDir, 'inbox', '.swap'), join(workDir, 'inbox', 't.yaml'));

    await expect(board.setPriority('inbox/t.yaml', 'high', version)).rejects.toBeInstanceOf(UnknownTaskError);
    expect(readFileSync(secret, 'utf8')).toBe(source);
  });

  it.each(['', '   ', 'x'.repeat(41), 'a\nb', 'tab\there'])('refuses the priority %j', async (priority) => {
    const path = write('inbox/t.yaml', source);
    const board = await startBoard();
    const refusal = board.setPriority('inbox/t.yaml', priority, sha256(source));
    await expect(refusal).rejects.toBeInstanceOf(InvalidPriorityError);
    await expect(refusal).rejects.toMatchObject({ status: 400 });
    expect(readFileSync(path, 'utf8')).toBe(source);
  });

  it('accepts any short priority, trimmed', async () => {
    const path = write('inbox/t.yaml', 'priority: low\n');
    const board = await startBoard();
    const card = await board.setPriority('inbox/t.yaml', ` ${'p'.repeat(40)} `, sha256('priority: low\n'));
    expect(card.priority).toBe('p'.repeat(40));
    expect(readFileSync(path, 'utf8')).toBe(`priority: ${'p'.repeat(40)}\n`);
  });

  it('does not rewrite a file that already has the priority', async () => {
    const path = write('inbox/t.yaml', source);
    const board = await startBoard();
    const before = board.card('inbox/t.yaml');
    const mtime = statSync(path).mtimeMs;
    expect(await board.setPriority('inbox/t.yaml', 'low', sha256(source))).toEqual(before);
    expect(statSync(path).mtimeMs).toBe(mtime);
  });

  it('refuses to change a malformed file', async () => {
    const broken = 'title: "unterminated\npriority: low\n';
    const path = write('inbox/t.yaml', broken);
    const board = await startBoard();
    const refusal = board.setPriority('inbox/t.yaml', 'high', sha256(broken));
    await expect(refusal).rejects.toBeInstanceOf(MalformedTaskError);
    await expect(refusal).rejects.toMatchObject({ status: 422 });
    expect(readFileSync(path, 'utf8')).toBe(broken);
  });

  it('never shows its temp files, and serialises concurrent changes', async () => {
    write('inbox/t.yaml', source);
    const board = await startBoard();
    const seen: string[] = [];
    board.changes.subscribe((change) => seen.push(change.data.key));
    const version = board.card('inbox/t.yaml')?.version ?? '';

    const results = await Promise.allSettled([
      board.setPriority('inbox/t.yaml', 'high', version),
      board.setPriority('inbox/t.yaml', 'medium', version),
    ]);
    expect(results[0].status).toBe('fulfilled');
    expect(results[1]).toMatchObject({ status: 'rejected', reason: expect.any(TaskConflictError) });

    // The watcher reports in order, so once the sentinel arrives any temp file would have been seen too.
    const sentinel = nextChange(board, updated('inbox/zz-sentinel.yaml'));
    write('inbox/zz-sentinel.yaml', 'status: new\n');
    await sentinel;
    expect(seen.filter((key) => key !== 'inbox/t.yaml' && key !== 'inbox/zz-sentinel.yaml')).toEqual([]);
    expect(
      board
        .cards()
        .map((card) => card.key)
        .sort(),
    ).toEqual(['inbox/t.yaml', 'inbox/zz-sentinel.yaml']);
    expect(readdirSync(join(workDir, 'inbox')).sort()).toEqual(['t.yaml', 'zz-sentinel.yaml']);
  });

  it('gives every refusal a TaskBoardError with a stable code', () => {
    const errors = [
      new UnknownTaskError('k'),
      new TaskConflictError('k'),
      new InvalidPriorityError('x'),
      new MalformedTaskError('k', 'bad'),
    ];
    expect(errors.map((error) => [error instanceof TaskBoardError, error.status, error.code])).toEqual([
      [true, 404, 'E_TASK_UNKNOWN'],
      [true, 409, 'E_TASK_CONFLICT'],
      [true, 400, 'E_TASK_PRIORITY'],
      [true, 422, 'E_TASK_MALFORMED'],
    ]);
  });
});
