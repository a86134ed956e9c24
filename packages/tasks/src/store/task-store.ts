import { mkdir, realpath } from 'node:fs/promises';
import { isAbsolute } from 'node:path';
import {
  taskPriorities,
  taskTransitions,
  UsageError,
  type NewTaskV1,
  type TaskChangeV1,
  type TaskEditV1,
  type TaskEvent,
  type TaskFileProblemV1,
  type TaskListingV1,
  type TaskStatus,
  type TaskStoreV1,
  type TaskV1,
} from '@llm-service/spec';
import {
  closestMatch,
  OutsideRootError,
  parseSettings,
  readFileInside,
  writeFileInside,
} from '@llm-service/plugin-kit';
import { TaskError } from '../errors.js';
import { compareIssues, formatIssue, toProblem, type TaskFileIssue } from '../file/issues.js';
import { isoSeconds, keyFor, locate, newTaskStem, type TaskLocation } from '../file/layout.js';
import { migrateDocument } from '../file/migrate.js';
import { parseTaskFile, suggestAgent, type ParsedTaskFile } from '../file/parse-task-file.js';
import { positionOf, printTaskYaml, setField } from '../file/yaml-edit.js';
import { applyChange, newTaskText } from '../file/write-task.js';
import { checkContextFile } from './context-files.js';
import { checkDependencies, resolveCopies } from './cross-checks.js';
import { makeDirectoryInside, removeFileInside } from './inside.js';
import { newTaskInput, taskChangeInput, taskEditInput } from './inputs.js';
import { withWorkDirLock } from './lock.js';
import { scanWorkDir } from './scan.js';
import { watchWorkDir } from './watch.js';

export interface TaskStoreOptions {
  /** The work directory, absolute (`resolveWorkDir` gives it). It need not exist until the first task is created. */
  workDir: string;
  /** The project, absolute: `context.files` are relative to it and must stay inside it (`resolveProjectDir`). */
  projectDir: string;
  /** The configuration's agents: tasks for others are refused by `create` and flagged by `list`. Unchecked if absent. */
  agents?: readonly string[];
  /** Where the store's task events go (the kernel's bus: `(event) => kernel.events.emit(event)`); none when absent. */
  emit?: (event: TaskEvent) => void;
  /** The clock, for tests. */
  now?: () => Date;
  /** `watch`: how often the folders are listed again for changes the file watcher missed (default 1000 ms). */
  pollIntervalMs?: number;
}

/** A task file read from disk: parsed, with the permission bits a rewrite keeps. */
interface ReadFile extends ParsedTaskFile {
  mode: number;
  /** It could not be read because a folder on its way is a link (perhaps only for a moment): never a task to fix. */
  behindLink?: boolean;
}

/** Everything a full read of the work directory found. */
export interface TaskDirectoryRead {
  /** The tasks, one per id, most urgent first, then oldest. */
  tasks: TaskV1[];
  /** Every issue of every file, in file order: fatal ones, errors and warnings. */
  issues: TaskFileIssue[];
  /** How many task files were read. */
  files: number;
}

export interface ValidationReport extends TaskDirectoryRead {
  workDir: string;
  errors: number;
  warnings: number;
}

export interface MigrationReport {
  workDir: string;
  migrated: { path: string; changes: string[] }[];
  unchanged: number;
  /** What is still wrong after the migration (fatal and error issues), for a person to fix. */
  issues: TaskFileIssue[];
}

const priorityRank = (task: TaskV1) => taskPriorities.indexOf(task.priority);
function compareTasks(a: TaskV1, b: TaskV1): number {
  return (
    priorityRank(a) - priorityRank(b) ||
    Date.parse(a.createdAt) - Date.parse(b.createdAt) ||
    (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)
  );
}

function withWarnings(task: TaskV1, issues: readonly TaskFileIssue[]): TaskV1 {
  return {
    ...task,
    warnings: issues.filter((issue) => issue.severity !== 'fatal').map((issue) => formatIssue(issue)),
  };
}

/**
 * The task store over a work directory of YAML task files (`TaskStoreV1`, plus `find`, `validate` and `migrate` for
 * the commands). The file is the truth, read afresh on every call: nothing is cached, so several processes (the
 * runner, the CLI, the dashboard, a person with an editor) can share the directory. Writes take the work directory's
 * lock, check the revision the caller decided on, and go through the plugin kit's atomic writes inside the work
 * directory; a move writes the new file before it removes the old one.
 */
export class FileTaskStore implements TaskStoreV1 {
  readonly specificationVersion = 'v1' as const;
  readonly workDir: string;
  readonly projectDir: string;
  private readonly agents: readonly string[] | undefined;
  private readonly emit: ((event: TaskEvent) => void) | undefined;
  private readonly now: () => Date;
  private readonly pollIntervalMs: number | undefined;

  constructor(options: TaskStoreOptions) {
    if (!isAbsolute(options.workDir)) throw new TypeError(`workDir must be absolute, got ${options.workDir}`);
    if (!isAbsolute(options.projectDir))
      throw new TypeError(`projectDir must be absolute, got ${options.projectDir}`);
    this.workDir = options.workDir;
    this.projectDir = options.projectDir;
    this.agents = options.agents;
    this.emit = options.emit;
    this.now = options.now ?? (() => new Date());
    this.pollIntervalMs = options.pollIntervalMs;
  }

  async list(filter: { status?: readonly TaskStatus[]; agent?: string } = {}): Promise<TaskListingV1> {
    const read = await this.readAll({ repair: true });
    const tasks = read.tasks.filter(
      (task) =>
        (filter.status === undefined || filter.status.includes(task.status)) &&
        (filter.agent === undefined || task.agent === filter.agent),
    );
    const problems: TaskFileProblemV1[] = read.issues
      .filter((issue) => issue.severity === 'fatal')
      .map((issue) => toProblem(issue));
    return { tasks, problems };
  }

  async get(id: string): Promise<TaskV1 | undefined> {
    return (await this.find(id)).task;
  }

  /**
   * One task by id, read without the cross-file checks of `list`; when its file cannot be read as a task, the
   * problems why (and no task).
   */
  async find(id: string): Promise<{ task: TaskV1 | undefined; problems: TaskFileProblemV1[] }> {
    const realWorkDir = await this.realWorkDir();
    if (realWorkDir === undefined) return { task: undefined, problems: [] };
    const { winner, files } = await this.locateTask(realWorkDir, id);
    if (winner?.task) return { task: winner.task, problems: [] };
    const problems = files.flatMap((file) =>
      file.issues.filter((issue) => issue.severity === 'fatal').map((issue) => toProblem(issue)),
    );
    return { task: undefined, problems };
  }

  /** The ids of every task file (readable or not), from the file names alone. */
  async ids(): Promise<string[]> {
    const realWorkDir = await this.realWorkDir();
    if (realWorkDir === undefined) return [];
    const { keys } = await scanWorkDir(realWorkDir);
    return [...new Set(keys.map((key) => locate(key)!.stem))].sort();
  }

  async create(input: NewTaskV1): Promise<TaskV1> {
    const task = parseSettings(newTaskInput, input, 'the new task');
    if (this.agents && !this.agents.includes(task.agent))
      throw new UsageError(`unknown agent '${task.agent}'`, { hint: suggestAgent(task.agent, this.agents) });
    for (const file of task.context?.files ?? []) {
      const problem = await checkContextFile(await realpath(this.projectDir), file);
      if (problem?.severity === 'fatal')
        throw new UsageError(`context file ${problem.message}`, { hint: problem.fix });
    }
    await mkdir(this.workDir, { recursive: true });
    const realWorkDir = await realpath(this.workDir);
    const written = await withWorkDirLock(realWorkDir, async () => {
      const { keys } = await scanWorkDir(realWorkDir);
      const ids = new Set(keys.map((key) => locate(key)?.stem));
      for (const dependency of task.dependsOn ?? []) {
        if (!ids.has(dependency)) {
          const match = closestMatch(
            dependency,
            [...ids].filter((id): id is string => id !== undefined),
          );
          throw new UsageError(`--depends-on '${dependency}' is not a task of ${this.workDir}`, {
            hint: match ? `did you mean '${match}'?` : 'name a task by its id (`llm-service tasks list`)',
          });
        }
      }
      const now = this.now();
      const base = newTaskStem(now, task.agent, task.title);
      let stem = base;
      for (let suffix = 2; ids.has(stem); suffix++) stem = `${base}-${suffix}`;
      const status = task.assign ? 'assigned' : 'new';
      const key = keyFor(status, task.agent, `${stem}.yaml`);
      const text = newTaskText({
        id: stem,
        agent: task.agent,
        status,
        title: task.title,
        priority: task.priority ?? 'normal',
        taskType: task.taskType,
        description: task.description,
        acceptanceCriteria: task.acceptanceCriteria,
        context: task.context,
        dependsOn: task.dependsOn,
        createdAt: isoSeconds(now),
      });
      await makeDirectoryInside(realWorkDir, key.slice(0, key.lastIndexOf('/'))).catch(insideError(key));
      if (await readFileInside(realWorkDir, key).catch(insideError(key)))
        throw new TaskError('E_TASK_CONFLICT', `${key} appeared while the task was being created`, {
          hint: 'run the command again',
        });
      await writeFileInside(realWorkDir, key, text).catch(insideError(key));
      return this.parse(locate(key)!, Buffer.from(text), 0o644);
    });
    const created = await this.withContextChecks(written);
    if (!created.task) throw malformed(written);
    this.emit?.({
      type: 'task.created',
      at: isoSeconds(this.now()),
      taskId: created.task.id,
      agent: created.task.agent,
      title: created.task.title,
      status: created.task.status === 'assigned' ? 'assigned' : 'new',
    });
    return created.task;
  }

  async transition(id: string, change: TaskChangeV1, expectedRevision: string): Promise<TaskV1> {
    const move = parseSettings(taskChangeInput, change, 'the task change');
    if (move.agent !== undefined && this.agents && !this.agents.includes(move.agent))
      throw new UsageError(`unknown agent '${move.agent}'`, { hint: suggestAgent(move.agent, this.agents) });
    const realWorkDir = await this.realWorkDir();
    if (realWorkDir === undefined)
      throw new TaskError('E_TASK_UNKNOWN', `no task '${id}': ${this.workDir} does not exist`, {
        taskId: id,
      });
    const { before, after } = await withWorkDirLock(realWorkDir, async () => {
      const { winner, leftovers, current, document } = await this.lockedTask(
        realWorkDir,
        id,
        expectedRevision,
      );
      const allowed =
        taskTransitions[current.status].includes(move.to) ||
        (move.retry === true && current.status === 'error' && move.to === 'assigned');
      if (!allowed) throw refusedMove(current, move.to);
      if (move.agent !== undefined && move.agent !== current.agent && move.to !== 'assigned')
        throw new TaskError(
          'E_TASK_TRANSITION',
          `task '${id}' can change agent only when it is (re)assigned`,
          {
            taskId: id,
            hint: 'move it to assigned with the new agent',
          },
        );

      applyChange(document, current, move, this.now());
      const text = printTaskYaml(document);
      const agent = move.agent ?? current.agent;
      const key = keyFor(move.to, agent, winner.location.fileName);
      if (key !== winner.location.key)
        await makeDirectoryInside(realWorkDir, key.slice(0, key.lastIndexOf('/'))).catch(insideError(key));
      // The new file first: a crash between the two steps leaves two copies, and the later one wins.
      await writeFileInside(realWorkDir, key, text, { mode: winner.mode }).catch(insideError(key));
      const written = this.parse(locate(key)!, Buffer.from(text), winner.mode);
      for (const stale of [...(key === winner.location.key ? [] : [winner]), ...leftovers]) {
        if (stale.location.key !== key)
          await removeFileInside(realWorkDir, stale.location.key).catch(insideError(stale.location.key));
      }
      return { before: current, after: written };
    });
    // Moved either way; a context file that turned into a link meanwhile is the next reader's problem to report.
    const task = (await this.withContextChecks(after)).task ?? after.task;
    if (!task) throw malformed(after);
    this.emitMove(before, task, move);
    return task;
  }

  async edit(id: string, edit: TaskEditV1, expectedRevision: string): Promise<TaskV1> {
    const fields = parseSettings(taskEditInput, edit, 'the task edit');
    const realWorkDir = await this.realWorkDir();
    if (realWorkDir === undefined)
      throw new TaskError('E_TASK_UNKNOWN', `no task '${id}': ${this.workDir} does not exist`, {
        taskId: id,
      });
    const after = await withWorkDirLock(realWorkDir, async () => {
      const { winner, document } = await this.lockedTask(realWorkDir, id, expectedRevision);
      if (fields.priority !== undefined) setField(document, [], 'priority', fields.priority);
      const text = printTaskYaml(document);
      const key = winner.location.key;
      await writeFileInside(realWorkDir, key, text, { mode: winner.mode }).catch(insideError(key));
      return this.parse(winner.location, Buffer.from(text), winner.mode);
    });
    const task = (await this.withContextChecks(after)).task ?? after.task;
    if (!task) throw malformed(after);
    return task;
  }

  async readAnswer(id: string): Promise<string | undefined> {
    const path = (await this.get(id))?.result?.answer;
    const realWorkDir = await this.realWorkDir();
    if (path === undefined || realWorkDir === undefined) return undefined;
    // A path the file names is checked like any other: inside the work directory, no link on the way.
    const read = await readFileInside(realWorkDir, path).catch((error: unknown) => {
      if (error instanceof OutsideRootError) return undefined;
      throw error;
    });
    return read?.bytes.toString('utf8');
  }

  atWorkDir(workDir: string): FileTaskStore {
    return new FileTaskStore({
      workDir,
      projectDir: this.projectDir,
      agents: this.agents,
      emit: this.emit,
      now: this.now,
      pollIntervalMs: this.pollIntervalMs,
    });
  }

  watch(onChange: () => void): () => void {
    return watchWorkDir(this.workDir, onChange, { pollIntervalMs: this.pollIntervalMs });
  }

  /** Every problem of every task file, never writing anything (`tasks validate`). */
  async validate(): Promise<ValidationReport> {
    const read = await this.readAll({ repair: false });
    return {
      workDir: this.workDir,
      ...read,
      errors: read.issues.filter((issue) => issue.severity !== 'warning').length,
      warnings: read.issues.filter((issue) => issue.severity === 'warning').length,
    };
  }

  /**
   * Rewrites every file of the old shape in the current one (`tasks migrate`), keeping comments and unknown keys;
   * with `dryRun`, only says what it would change.
   */
  async migrate(options: { dryRun?: boolean } = {}): Promise<MigrationReport> {
    const realWorkDir = await this.realWorkDir();
    const report: MigrationReport = { workDir: this.workDir, migrated: [], unchanged: 0, issues: [] };
    if (realWorkDir === undefined) return report;
    await withWorkDirLock(realWorkDir, async () => {
      const { keys } = await scanWorkDir(realWorkDir);
      for (const key of keys) {
        const file = await this.readFile(realWorkDir, locate(key)!);
        if (!file) continue;
        const outcome = file.document ? migrateDocument(file.document, file.location.stem) : undefined;
        if (!outcome?.text) {
          report.unchanged++;
          report.issues.push(...file.issues.filter((issue) => issue.severity !== 'warning'));
          continue;
        }
        const migrated = this.parse(file.location, Buffer.from(outcome.text), file.mode);
        const fatal = (parsed: ParsedTaskFile) =>
          parsed.issues.filter((issue) => issue.severity === 'fatal').length;
        if (fatal(migrated) > fatal(file)) {
          // Never write a file worse than it was: left for a person.
          report.unchanged++;
          report.issues.push(...file.issues.filter((issue) => issue.severity !== 'warning'));
          continue;
        }
        if (!options.dryRun)
          await writeFileInside(realWorkDir, key, outcome.text, { mode: file.mode }).catch(insideError(key));
        report.migrated.push({ path: key, changes: outcome.changes });
        report.issues.push(...migrated.issues.filter((issue) => issue.severity !== 'warning'));
      }
    });
    report.issues.sort(compareIssues);
    return report;
  }

  /** Reads every task file, runs every check, and (with `repair`) removes the copies interrupted moves left. */
  async readAll(options: { repair: boolean }): Promise<TaskDirectoryRead> {
    const realWorkDir = await this.realWorkDir();
    if (realWorkDir === undefined) return { tasks: [], issues: [], files: 0 };
    const scan = await scanWorkDir(realWorkDir);
    const files: ParsedTaskFile[] = [];
    for (const key of scan.keys) {
      const file = await this.readFile(realWorkDir, locate(key)!);
      if (file) files.push(await this.withContextChecks(file));
    }
    const copies = resolveCopies(files);
    const knownIds = new Set(files.map((file) => file.location.stem));
    const dependencyIssues = checkDependencies(copies.winners, knownIds);
    if (options.repair && copies.leftovers.length > 0)
      await this.removeLeftovers(realWorkDir, copies.leftovers);

    const issuesByPath = new Map<string, TaskFileIssue[]>();
    for (const issue of [...dependencyIssues]) {
      const list = issuesByPath.get(issue.path) ?? [];
      list.push(issue);
      issuesByPath.set(issue.path, list);
    }
    const tasks = copies.winners
      .map((file) =>
        withWarnings(
          file.task!,
          [...file.issues, ...(issuesByPath.get(file.location.key) ?? [])].sort(compareIssues),
        ),
      )
      .sort(compareTasks);
    const leftoverIssues = options.repair ? [] : copies.issues.filter((issue) => issue.severity !== 'fatal');
    const issues = [
      ...scan.issues,
      ...files.flatMap((file) => file.issues),
      ...copies.issues.filter((issue) => issue.severity === 'fatal'),
      ...leftoverIssues,
      ...dependencyIssues,
    ].sort(compareIssues);
    return { tasks, issues, files: scan.keys.length };
  }

  /** Under the lock: the task's file as it is now, refused unless it is still at the revision the caller saw. */
  private async lockedTask(realWorkDir: string, id: string, expectedRevision: string) {
    const { winner, leftovers, ids } = await this.locateTask(realWorkDir, id);
    if (!winner) throw unknownTask(id, ids, this.workDir);
    const current = winner.task;
    if (winner.behindLink)
      throw new TaskError(
        'E_TASK_OUTSIDE',
        `cannot read ${winner.location.key}: a folder on its way is a link`,
        {
          taskId: id,
          hint: 'a folder of the work directory is a link; replace it with a real folder',
        },
      );
    if (!current || !winner.document) throw malformed(winner);
    if (current.revision !== expectedRevision)
      throw new TaskError(
        'E_TASK_CONFLICT',
        `task '${id}' changed since it was read (${winner.location.key})`,
        {
          taskId: id,
          hint: 'read it again and decide again',
        },
      );
    return { winner, leftovers, current, document: winner.document };
  }

  private async realWorkDir(): Promise<string | undefined> {
    try {
      return await realpath(this.workDir);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
  }

  private parse(location: TaskLocation, bytes: Buffer, mode: number): ReadFile {
    return { ...parseTaskFile(location, bytes, { agents: this.agents }), mode };
  }

  private async readFile(realWorkDir: string, location: TaskLocation): Promise<ReadFile | undefined> {
    try {
      const read = await readFileInside(realWorkDir, location.key);
      return read && this.parse(location, read.bytes, read.mode);
    } catch (error) {
      const code =
        error instanceof OutsideRootError
          ? 'a folder on its way is a link'
          : String((error as NodeJS.ErrnoException).code ?? error);
      const issue: TaskFileIssue = {
        path: location.key,
        line: 1,
        column: 1,
        field: 'file',
        message: `cannot be read (${code})`,
        fix: 'check its permissions, and that no folder on its way is a link',
        severity: 'fatal',
      };
      return {
        location,
        bytes: Buffer.alloc(0),
        revision: '',
        document: undefined,
        lineCounter: undefined,
        task: undefined,
        issues: [issue],
        oldShape: [],
        mode: 0o644,
        behindLink: error instanceof OutsideRootError,
      };
    }
  }

  /** Adds the checks of `context.files` against the project on disk; a path out of the project is fatal. */
  private async withContextChecks<F extends ParsedTaskFile>(file: F): Promise<F> {
    const files = file.task?.context.files ?? [];
    if (files.length === 0 || !file.task) return file;
    const realProjectDir = await realpath(this.projectDir).catch(() => this.projectDir);
    const issues = [...file.issues];
    for (const [index, path] of files.entries()) {
      const problem = await checkContextFile(realProjectDir, path);
      if (!problem) continue;
      const position =
        file.document && file.lineCounter
          ? positionOf(file.document, file.lineCounter, ['context', 'files', index])
          : { line: 1, column: 1 };
      issues.push({
        path: file.location.key,
        ...position,
        field: `context.files[${index}]`,
        message: problem.message,
        fix: problem.fix,
        severity: problem.severity,
      });
    }
    issues.sort(compareIssues);
    const fatal = issues.some((issue) => issue.severity === 'fatal');
    return { ...file, issues, task: fatal ? undefined : withWarnings(file.task, issues) };
  }

  /** Finds the files of one id (every folder), the later copy among them, and the leftovers of interrupted moves. */
  private async locateTask(
    realWorkDir: string,
    id: string,
  ): Promise<{ winner: ReadFile | undefined; leftovers: ReadFile[]; files: ReadFile[]; ids: string[] }> {
    const { keys } = await scanWorkDir(realWorkDir);
    const locations = keys.map((key) => locate(key)!);
    const files: ReadFile[] = [];
    for (const location of locations.filter((candidate) => candidate.stem === id)) {
      const file = await this.readFile(realWorkDir, location);
      if (file) files.push(await this.withContextChecks(file));
    }
    const ids = [...new Set(locations.map((location) => location.stem))];
    const readable = files.filter((file) => file.task !== undefined);
    if (readable.length === 0) return { winner: files[0], leftovers: [], files, ids };
    const copies = resolveCopies(readable);
    const winner = copies.winners[0] as ReadFile;
    return { winner, leftovers: copies.leftovers.map((leftover) => leftover.file as ReadFile), files, ids };
  }

  private async removeLeftovers(
    realWorkDir: string,
    leftovers: readonly { file: ParsedTaskFile; winner: ParsedTaskFile }[],
  ): Promise<void> {
    await withWorkDirLock(realWorkDir, async () => {
      for (const { file } of leftovers) {
        // Removed only if it is still the copy that was judged: a file changed since is someone's new edit.
        const now = await readFileInside(realWorkDir, file.location.key).catch(() => undefined);
        // Best effort: a copy that cannot be removed now stays, and `tasks validate` keeps naming it.
        if (now && this.parse(file.location, now.bytes, now.mode).revision === file.revision)
          await removeFileInside(realWorkDir, file.location.key).catch(() => undefined);
      }
    });
  }

  private emitMove(before: TaskV1, after: TaskV1, change: TaskChangeV1): void {
    if (!this.emit) return;
    const base = {
      at: isoSeconds(this.now()),
      taskId: after.id,
      agent: after.agent,
      ...(after.result?.chainId === undefined ? {} : { chainId: after.result.chainId }),
    };
    switch (after.status) {
      case 'assigned': {
        const note = change.retry
          ? 'retry'
          : before.agent !== after.agent
            ? `reassigned from ${before.agent}`
            : before.status === 'in_progress'
              ? 'put back after an interrupted run'
              : before.status === 'blocked'
                ? 'unblocked'
                : undefined;
        this.emit({ type: 'task.assigned', ...base, ...(note ? { note } : {}) });
        return;
      }
      case 'in_progress':
        this.emit({ type: 'task.started', ...base });
        return;
      case 'done':
        this.emit({
          type: 'task.completed',
          ...base,
          costUsd: after.result?.costUsd ?? 0,
          attempts: after.result?.attempts ?? 0,
          answer: after.result?.answer ?? '',
          ...(after.result?.nextAgent ? { nextAgent: after.result.nextAgent } : {}),
        });
        return;
      case 'error':
        this.emit({
          type: 'task.failed',
          ...base,
          kind: after.error?.kind ?? 'unknown',
          message: after.error?.message ?? '',
        });
        return;
      case 'blocked':
        this.emit({
          type: 'task.blocked',
          ...base,
          message: change.error?.message ?? after.error?.message ?? 'blocked',
        });
        return;
      default:
        return;
    }
  }
}

function insideError(key: string): (error: unknown) => never {
  return (error: unknown) => {
    if (error instanceof OutsideRootError)
      throw new TaskError('E_TASK_OUTSIDE', `cannot write ${key}: ${error.message}`, {
        hint: 'a folder of the work directory is a link; replace it with a real folder',
      });
    // A folder on the way was removed or renamed between the read and the write: someone else moved things.
    const code = (error as NodeJS.ErrnoException | undefined)?.code;
    if (code === 'ENOENT' || code === 'ENOTDIR')
      throw new TaskError(
        'E_TASK_CONFLICT',
        `cannot write ${key}: a folder on its way disappeared meanwhile`,
        {
          hint: 'read it again and decide again',
          cause: error,
        },
      );
    throw error;
  };
}

function malformed(file: ParsedTaskFile): TaskError {
  const first = file.issues.find((issue) => issue.severity === 'fatal');
  return new TaskError(
    'E_TASK_MALFORMED',
    `task file ${first ? formatIssue(first) : `${file.location.key} cannot be read as a task`}`,
    {
      taskId: file.location.stem,
      hint: 'fix the file by hand (`llm-service tasks validate` lists every problem)',
    },
  );
}

function unknownTask(id: string, ids: readonly string[], workDir: string): TaskError {
  // Listed, then gone (or unreadable) when read: the file moved meanwhile, which reading again sorts out.
  if (ids.includes(id))
    return new TaskError('E_TASK_CONFLICT', `task '${id}' moved while it was being read`, {
      taskId: id,
      hint: 'read it again and decide again',
    });
  const match = closestMatch(id, ids);
  return new TaskError('E_TASK_UNKNOWN', `no task '${id}' in ${workDir}`, {
    taskId: id,
    hint: match ? `did you mean '${match}'?` : 'list the tasks with `llm-service tasks list`',
  });
}

function refusedMove(task: TaskV1, to: TaskStatus): TaskError {
  const allowed = taskTransitions[task.status];
  const hint =
    task.status === 'error' && to === 'assigned'
      ? 'a failed task goes back with `llm-service tasks retry`'
      : allowed.length > 0
        ? `from ${task.status} a task may move to ${allowed.join(', ')}`
        : `${task.status} is final`;
  return new TaskError('E_TASK_TRANSITION', `task '${task.id}' cannot move from ${task.status} to ${to}`, {
    taskId: task.id,
    hint,
  });
}
