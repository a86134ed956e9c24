import { LlmServiceError, type TaskPriority, type TaskStoreV1, type TaskV1 } from '@llm-service/spec';
import { EMPTY, Subject, type Observable, type Subscription } from 'rxjs';
import type { BoardInfo, InvocationRow, TaskAnswer, TaskCard, TaskSpend } from '../model.js';
import {
  BoardRefusal,
  type BoardChange,
  type DashboardBoard,
  type NewTaskFromPage,
  type RefusalStatus,
} from '../server/types.js';
import { renderMarkdown } from './markdown.js';
import { needsTelemetrySpend, problemCard, taskCard } from './task-card.js';

export interface StoreBoardOptions {
  store: TaskStoreV1;
  /** The configuration's agents: the page offers them when creating and assigning. */
  agents: readonly string[];
  /** A task's spend so far, from telemetry; absent, cards show only what the runner wrote in `result`. */
  readSpend?: (taskId: string) => Promise<TaskSpend | null>;
  /** Attempts as they start and end (the invocation feed): a task's spend is read again when one of its changes. */
  invocations?: Observable<InvocationRow>;
  /** Where failures nobody awaits go (a listing or a spend read that failed). Default: console.error. */
  onError?: (error: unknown) => void;
}

/** How the store's refusals reach the page: its error codes, as HTTP statuses. */
const statusOfCode: Record<string, RefusalStatus> = {
  E_TASK_UNKNOWN: 404,
  E_TASK_CONFLICT: 409,
  E_TASK_TRANSITION: 409,
  E_TASK_LOCKED: 503,
  E_TASK_MALFORMED: 422,
  E_TASK_OUTSIDE: 422,
  E_USAGE: 400,
  E_CONFIG: 400,
};

function refusalOf(error: unknown): unknown {
  if (!LlmServiceError.isInstance(error)) return error;
  const status = statusOfCode[error.code];
  if (status === undefined) return error;
  const message =
    error.code === 'E_TASK_CONFLICT' ? `${error.message}; the board shows it as it is now` : error.message;
  return new BoardRefusal(status, error.hint ? `${message} (${error.hint})` : message);
}

/**
 * The task board over a task store (`TaskStoreV1`): a card per task, kept current by the store's `watch` and by the
 * attempts telemetry records, and the changes the page may make, each made through the store with the revision the
 * page saw. The dashboard reads no task file itself: the store owns the format, the folders and the transition rules.
 */
export class StoreBoard implements DashboardBoard {
  readonly #store: TaskStoreV1;
  readonly #agents: string[];
  readonly #readSpend: ((taskId: string) => Promise<TaskSpend | null>) | undefined;
  readonly #onError: (error: unknown) => void;
  readonly #changes = new Subject<BoardChange>();
  /** The cards sent, by key, with the JSON they were sent as (a card is sent again only when it changed). */
  readonly #cards = new Map<string, { card: TaskCard; sent: string }>();
  /** The tasks of the last listing, by id: a spend change rebuilds the card from it. */
  readonly #tasks = new Map<string, TaskV1>();
  readonly #spend = new Map<string, TaskSpend | null>();
  readonly #spendDue = new Set<string>();
  #subscription: Subscription | undefined;
  #stopWatching: (() => void) | undefined;
  #listing: Promise<void> | undefined;
  #listAgain = false;
  #spendTimer: NodeJS.Timeout | undefined;
  #closed = false;

  constructor(options: StoreBoardOptions) {
    this.#store = options.store;
    this.#agents = [...options.agents];
    this.#readSpend = options.readSpend;
    this.#onError = options.onError ?? ((error) => console.error('task board:', error));
    this.#subscription = options.invocations?.subscribe((row) => {
      if (row.taskId !== null && this.#tasks.has(row.taskId)) this.#spendChanged(row.taskId);
    });
  }

  get changes(): Observable<BoardChange> {
    return this.#changes.asObservable();
  }

  /** Lists the tasks once, then follows the store's changes. */
  async start(): Promise<void> {
    await this.#list();
    this.#stopWatching = this.#store.watch(() => void this.#list().catch(this.#onError));
  }

  info(): BoardInfo {
    return { available: true, workDir: this.#store.workDir, agents: [...this.#agents] };
  }

  cards(): TaskCard[] {
    return [...this.#cards.values()].map(({ card }) => card);
  }

  create(task: NewTaskFromPage): Promise<TaskCard> {
    return this.#change(() => this.#store.create(task));
  }

  assign(id: string, revision: string, agent?: string): Promise<TaskCard> {
    return this.#change(() => this.#store.transition(id, { to: 'assigned', agent }, revision));
  }

  retry(id: string, revision: string): Promise<TaskCard> {
    return this.#change(() => this.#store.transition(id, { to: 'assigned', retry: true }, revision));
  }

  async setPriority(id: string, priority: TaskPriority, revision: string): Promise<TaskCard> {
    const edit = this.#store.edit?.bind(this.#store);
    if (!edit)
      throw new BoardRefusal(409, 'this task store cannot change a priority (it predates plugin API 1.6)');
    return this.#change(() => edit(id, { priority }, revision));
  }

  async answer(id: string): Promise<TaskAnswer> {
    if (!this.#tasks.has(id)) throw new BoardRefusal(404, `no task '${id}' is on the board`);
    const text = await this.#store.readAnswer?.(id).catch((error: unknown) => {
      throw refusalOf(error);
    });
    return { id, html: text === undefined ? null : renderMarkdown(text) };
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#stopWatching?.();
    this.#subscription?.unsubscribe();
    clearTimeout(this.#spendTimer);
    this.#changes.complete();
    await this.#listing?.catch(() => undefined);
  }

  /** Makes a change through the store, then shows its result at once rather than when the watcher notices. */
  async #change(write: () => Promise<TaskV1>): Promise<TaskCard> {
    let task: TaskV1;
    try {
      task = await write();
    } catch (error) {
      throw refusalOf(error);
    }
    this.#tasks.set(task.id, task);
    if (needsTelemetrySpend(task) && !this.#spend.has(task.id)) this.#spend.set(task.id, null);
    const card = this.#send(taskCard(task, this.#spend.get(task.id) ?? null));
    void this.#list().catch(this.#onError);
    return card;
  }

  /** Lists the store again; one listing at a time, and one more if changes came in meanwhile. */
  #list(): Promise<void> {
    if (this.#listing) {
      this.#listAgain = true;
      return this.#listing;
    }
    this.#listing = (async () => {
      try {
        do {
          this.#listAgain = false;
          await this.#listOnce();
        } while (this.#listAgain && !this.#closed);
      } finally {
        this.#listing = undefined;
      }
    })();
    return this.#listing;
  }

  async #listOnce(): Promise<void> {
    const { tasks, problems } = await this.#store.list();
    if (this.#closed) return;
    const reads = tasks
      .filter((task) => needsTelemetrySpend(task) && !this.#spend.has(task.id))
      .map(async (task) => this.#spend.set(task.id, await this.#spendOf(task.id)));
    await Promise.all(reads);
    if (this.#closed) return;
    const seen = new Set<string>();
    this.#tasks.clear();
    for (const task of tasks) {
      this.#tasks.set(task.id, task);
      seen.add(this.#send(taskCard(task, this.#spend.get(task.id) ?? null)).key);
    }
    for (const problem of problems) seen.add(this.#send(problemCard(problem)).key);
    for (const key of [...this.#cards.keys()]) {
      if (seen.has(key)) continue;
      this.#cards.delete(key);
      this.#spend.delete(key);
      this.#changes.next({ type: 'task-removed', data: { key } });
    }
  }

  /** Keeps the card and sends it, unless it is what was sent last. */
  #send(card: TaskCard): TaskCard {
    const sent = JSON.stringify(card);
    if (this.#cards.get(card.key)?.sent !== sent) {
      this.#cards.set(card.key, { card, sent });
      this.#changes.next({ type: 'task', data: card });
    }
    return card;
  }

  async #spendOf(taskId: string): Promise<TaskSpend | null> {
    if (!this.#readSpend) return null;
    try {
      return await this.#readSpend(taskId);
    } catch (error) {
      this.#onError(error);
      return null;
    }
  }

  /** An attempt of the task started or ended: its spend is read again (the attempts of a burst in one read). */
  #spendChanged(taskId: string): void {
    this.#spendDue.add(taskId);
    if (this.#spendTimer || this.#closed) return;
    this.#spendTimer = setTimeout(() => {
      this.#spendTimer = undefined;
      const due = [...this.#spendDue];
      this.#spendDue.clear();
      void Promise.all(
        due.map(async (id) => {
          const spend = await this.#spendOf(id);
          const task = this.#tasks.get(id);
          if (this.#closed || !task) return;
          this.#spend.set(id, spend);
          this.#send(taskCard(task, spend));
        }),
      ).catch(this.#onError);
    }, 100);
  }
}

/**
 * The board when no loaded plugin provides a task store: no cards, and every change refused with the reason, which
 * the page shows where the board would be.
 */
export class MissingBoard implements DashboardBoard {
  readonly changes: Observable<BoardChange> = EMPTY;
  readonly #reason: string;
  constructor(reason: string) {
    this.#reason = reason;
  }
  info(): BoardInfo {
    return { available: false, reason: this.#reason };
  }
  cards(): TaskCard[] {
    return [];
  }
  #refuse(): never {
    throw new BoardRefusal(404, this.#reason);
  }
  async create(): Promise<TaskCard> {
    this.#refuse();
  }
  async assign(): Promise<TaskCard> {
    this.#refuse();
  }
  async retry(): Promise<TaskCard> {
    this.#refuse();
  }
  async setPriority(): Promise<TaskCard> {
    this.#refuse();
  }
  async answer(): Promise<TaskAnswer> {
    this.#refuse();
  }
}
