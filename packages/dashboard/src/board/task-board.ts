import { readdir, realpath, stat } from 'node:fs/promises';
import { isAbsolute, join } from 'node:path';
import { watch, type FSWatcher } from 'chokidar';
import { z } from '@llm-service/spec';
import { Subject, type Observable } from 'rxjs';
import type { TaskCard } from '../model.js';
import { OutsideRootError, writeFileInside } from '@llm-service/plugin-kit';
import { compareCards } from './columns.js';
import { InvalidPriorityError, MalformedTaskError, TaskConflictError, UnknownTaskError } from './errors.js';
import { malformedCard, parseTaskFile, versionOf } from './parse-task.js';
import { isIgnored, keyOf, pathOfKey } from './paths.js';
import { readTaskFile } from './read-task.js';
import { withPriority } from './rewrite-priority.js';

/** What the board tells its subscribers; the shape of the `task` and `task-removed` dashboard events. */
export type TaskChange = { type: 'task'; data: TaskCard } | { type: 'task-removed'; data: { key: string } };

export interface TaskBoardOptions {
  /** The absolute path of the work directory. It need not exist yet; the board shows it once it does. */
  workDir: string;
  /** How often to check that the work directory (still) exists and is the same directory. Default 500 ms. */
  pollIntervalMs?: number;
  /** Where failures nobody awaits go (the watcher's errors, a scan that failed). Default: console.error. */
  onError?: (error: unknown) => void;
}

export const MAX_PRIORITY_LENGTH = 40;

const priorityInput = z
  .string({ error: 'must be text' })
  .trim()
  .min(1, 'must not be empty')
  .max(MAX_PRIORITY_LENGTH, `must be at most ${MAX_PRIORITY_LENGTH} characters`)
  // eslint-disable-next-line no-control-regex -- control characters are exactly what is refused
  .refine((value) => !/[\u0000-\u001f\u007f]/.test(value), 'must be one line of printable text');
const setPriorityInput = z.object({
  key: z.string(),
  priority: priorityInput,
  expectedVersion: z.string(),
});

/** The directory being watched, identified so that a work directory deleted and created again is noticed. */
interface Attached {
  watcher: FSWatcher;
  realWorkDir: string;
  dev: number;
  ino: number;
}

/**
 * The task board: every YAML task file under the work directory as a card, kept current by a file watcher, and the
 * one change the dashboard may make to them, their priority.
 *
 * The work directory may not exist when the dashboard starts (agents create it on their first task). Rather than
 * watch its parent, which may not exist either, a timer checks every `pollIntervalMs` whether the directory exists
 * and is still the one being watched; chokidar then watches the directory itself. The same check notices the
 * directory being deleted or replaced, and the board empties and starts over; and it lists the directories to pick up
 * files whose events the watcher missed.
 */
export class TaskBoard {
  readonly changes: Observable<TaskChange>;
  private readonly workDir: string;
  private readonly pollIntervalMs: number;
  private readonly onError: (error: unknown) => void;
  private readonly subject = new Subject<TaskChange>();
  private readonly index = new Map<string, TaskCard>();
  /** One chain per key, so a slow read can never overwrite the result of a later one. */
  private readonly queues = new Map<string, Promise<unknown>>();
  private attached: Attached | undefined;
  private supervision: Promise<void> = Promise.resolve();
  private timer: NodeJS.Timeout | undefined;
  private started: Promise<void> | undefined;
  private closed = false;

  constructor(options: TaskBoardOptions) {
    if (!isAbsolute(options.workDir)) throw new TypeError(`workDir must be absolute, got ${options.workDir}`);
    this.workDir = options.workDir;
    this.pollIntervalMs = options.pollIntervalMs ?? 500;
    this.onError = options.onError ?? ((error) => console.error('task board:', error));
    this.changes = this.subject.asObservable();
  }

  /**
   * Scans the work directory (if it exists) and starts watching it; resolves when both are done. If that fails, the
   * promise rejects but the board keeps checking, so it recovers once the directory is readable.
   */
  start(): Promise<void> {
    this.started ??= this.supervise().finally(() => this.scheduleCheck());
    return this.started;
  }

  cards(): TaskCard[] {
    return [...this.index.values()].sort(compareCards);
  }

  card(key: string): TaskCard | undefined {
    return this.index.get(key);
  }

  /**
   * Sets a task file's priority, refusing unless the file on disk is still the version the caller saw (so an agent's
   * edit in between is never lost) and only for files the board indexed, inside the work directory.
   */
  async setPriority(key: string, priority: string, expectedVersion: string): Promise<TaskCard> {
    const input = setPriorityInput.safeParse({ key, priority, expectedVersion });
    if (!input.success) {
      const issue = input.error.issues[0];
      if (issue?.path[0] === 'priority') throw new InvalidPriorityError(issue.message);
      if (issue?.path[0] === 'expectedVersion') throw new TaskConflictError(String(key));
      throw new UnknownTaskError(String(key), 'not a task key');
    }
    const value = input.data.priority;
    if (pathOfKey(this.workDir, key) === undefined || !this.index.has(key)) throw new UnknownTaskError(key);

    return this.serially(key, async () => {
      const attached = this.attached;
      const file =
        attached && this.index.has(key) ? await readTaskFile(attached.realWorkDir, key) : undefined;
      if (!attached || !file) {
        throw new UnknownTaskError(key, 'the file is no longer a regular file inside the work directory');
      }
      if (versionOf(file.bytes) !== expectedVersion) throw new TaskConflictError(key);
      const current = parseTaskFile(key, file.bytes);
      if (current.parseError !== null) throw new MalformedTaskError(key, current.parseError);
      if (current.priority === value) return this.update(key, current);

      const text = withPriority(file.bytes.toString('utf8'), value);
      if (text === undefined) {
        throw new MalformedTaskError(key, 'the priority cannot be set without changing other fields');
      }
      // Written relative to directories held open: a directory swapped for a link meanwhile cannot send it elsewhere.
      await writeFileInside(attached.realWorkDir, key, text, { mode: file.mode }).catch((error: unknown) => {
        if (error instanceof OutsideRootError) throw new UnknownTaskError(key, error.message);
        // A directory on the way moved away since the file was read: the task is not there any more.
        if ((error as NodeJS.ErrnoException).code === 'ENOENT')
          throw new UnknownTaskError(key, 'its directory was moved or removed meanwhile');
        throw error;
      });
      const written = await this.readCard(key);
      if (!written) throw new UnknownTaskError(key, 'the file was removed right after the change');
      return this.update(key, written);
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.timer);
    await this.supervision.catch(() => undefined);
    await this.attached?.watcher.close();
    this.attached = undefined;
    await Promise.allSettled(this.queues.values());
    this.subject.complete();
  }

  /** Brings the watcher in line with the work directory: attach when it appears, start over when it is replaced. */
  private supervise(): Promise<void> {
    const run = this.supervision.then(async () => {
      if (this.closed) return;
      const identity = await directoryIdentity(this.workDir);
      const attached = this.attached;
      if (attached && identity && attached.dev === identity.dev && attached.ino === identity.ino)
        return this.reconcile(attached);
      if (attached) await this.detach();
      if (identity && !this.closed) await this.attach(identity);
    });
    this.supervision = run.catch(() => undefined);
    return run;
  }

  private scheduleCheck(): void {
    if (this.closed) return;
    this.timer = setTimeout(() => {
      this.supervise()
        .catch(this.onError)
        .finally(() => this.scheduleCheck());
    }, this.pollIntervalMs);
    // The watcher keeps the process alive while the board is open; the timer alone must not.
    this.timer.unref();
  }

  private async attach(identity: { dev: number; ino: number }): Promise<void> {
    const realWorkDir = await realpath(this.workDir);
    const watcher = watch(realWorkDir, {
      ignoreInitial: true,
      followSymlinks: false,
      awaitWriteFinish: { stabilityThreshold: 50, pollInterval: 20 },
      ignored: (path, stats) => {
        const key = keyOf(realWorkDir, path);
        return key !== undefined && isIgnored(key, stats?.isFile() ?? false);
      },
    });
    const attached: Attached = { watcher, realWorkDir, ...identity };
    this.attached = attached;
    watcher.on('all', (event, path) => {
      if (this.attached === attached) this.onFileEvent(attached, event, path);
    });
    watcher.on('error', this.onError);
    await new Promise<void>((resolve) => watcher.once('ready', resolve));
    // Scanned after the watcher is ready, so nothing created in between is missed; a file both reports is read twice.
    await this.scan(attached, '');
  }

  private async detach(): Promise<void> {
    const attached = this.attached;
    this.attached = undefined;
    await attached?.watcher.close();
    await Promise.allSettled(this.queues.values());
    for (const key of [...this.index.keys()]) this.remove(key);
  }

  private onFileEvent(attached: Attached, event: string, path: string): void {
    const key = keyOf(attached.realWorkDir, path);
    if (key === undefined) {
      // The work directory itself went away: do not wait for the next check.
      if (event === 'unlinkDir') this.supervise().catch(this.onError);
      return;
    }
    if (event === 'add' || event === 'change' || event === 'unlink') {
      if (!isIgnored(key, true)) this.refresh(key).catch(this.onError);
    } else if (event === 'addDir' || event === 'unlinkDir') {
      // A directory moved in or out carries its files along; re-read everything under it.
      if (!isIgnored(key, false)) this.scan(attached, key).catch(this.onError);
    }
  }

  /** Re-reads every task file under `under` ('' for all), and forgets cards whose files are gone. */
  private async scan(attached: Attached, under: string): Promise<void> {
    const found = new Set<string>();
    await walk(attached.realWorkDir, under, found);
    const prefix = under === '' ? '' : `${under}/`;
    const stale = [...this.index.keys()].filter((key) => key.startsWith(prefix) && !found.has(key));
    await eachLimited([...found, ...stale], 16, (key) => this.refresh(key));
  }

  /**
   * Reads the files the watcher did not report: a directory swapped for a link and back within moments can hide its
   * events for good. Listing the directories is cheap; only files that came or went are read.
   */
  private async reconcile(attached: Attached): Promise<void> {
    const found = new Set<string>();
    await walk(attached.realWorkDir, '', found);
    const added = [...found].filter((key) => !this.index.has(key));
    const gone = [...this.index.keys()].filter((key) => !found.has(key));
    await eachLimited([...added, ...gone], 16, (key) => this.refresh(key));
  }

  private refresh(key: string): Promise<TaskCard | undefined> {
    return this.serially(key, async () => {
      const card = await this.readCard(key);
      if (card) return this.update(key, card);
      this.remove(key);
      return undefined;
    });
  }

  private async readCard(key: string): Promise<TaskCard | undefined> {
    const attached = this.attached;
    if (!attached) return undefined;
    try {
      const file = await readTaskFile(attached.realWorkDir, key);
      return file && parseTaskFile(key, file.bytes);
    } catch (error) {
      // Unreadable (e.g. permissions) is still a file someone put there: show it rather than hide it.
      const code = (error as NodeJS.ErrnoException).code ?? String(error);
      return malformedCard(key, '', `the file cannot be read: ${code}`);
    }
  }

  private update(key: string, card: TaskCard): TaskCard {
    if (this.attached === undefined) return card;
    const previous = this.index.get(key);
    this.index.set(key, card);
    // Watchers report touches and our own writes too; subscribers only hear about real changes.
    if (!previous || JSON.stringify(previous) !== JSON.stringify(card))
      this.subject.next({ type: 'task', data: card });
    return card;
  }

  private remove(key: string): void {
    if (this.index.delete(key)) this.subject.next({ type: 'task-removed', data: { key } });
  }

  private serially<T>(key: string, work: () => Promise<T>): Promise<T> {
    const previous = this.queues.get(key) ?? Promise.resolve();
    const result = previous.then(work);
    const settled = result.catch(() => undefined);
    this.queues.set(key, settled);
    void settled.then(() => {
      if (this.queues.get(key) === settled) this.queues.delete(key);
    });
    return result;
  }
}

async function directoryIdentity(path: string): Promise<{ dev: number; ino: number } | undefined> {
  try {
    const stats = await stat(path);
    return stats.isDirectory() ? { dev: stats.dev, ino: stats.ino } : undefined;
  } catch {
    return undefined;
  }
}

/** Collects the keys of the task files under `relativeDir`, not following symlinks (see readTaskFile). */
async function walk(root: string, relativeDir: string, found: Set<string>): Promise<void> {
  let entries;
  try {
    entries = await readdir(join(root, ...relativeDir.split('/')), { withFileTypes: true });
  } catch {
    // Gone or unreadable: its files are treated as gone; the watcher reports the directory if it comes back.
    return;
  }
  for (const entry of entries) {
    const key = relativeDir === '' ? entry.name : `${relativeDir}/${entry.name}`;
    if (entry.isDirectory() && !isIgnored(key, false)) await walk(root, key, found);
    else if (entry.isFile() && !isIgnored(key, true)) found.add(key);
  }
}

async function eachLimited<T>(
  items: readonly T[],
  limit: number,
  work: (item: T) => Promise<unknown>,
): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const item = items[next++] as T;
      await work(item);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}
