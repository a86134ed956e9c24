import type { TaskPriority } from '@llm-service/spec';
import type { Observable } from 'rxjs';
import type { BoardInfo, InvocationRow, SpendSnapshot, TaskAnswer, TaskCard } from '../model.js';

/**
 * What the server needs of the task board and of the telemetry feeds. The board (`../board`, over the task store)
 * and the feeds (`../feed`) implement these shapes; the server depends on nothing else of theirs, so its tests use
 * small fakes.
 */
export type BoardChange = { type: 'task'; data: TaskCard } | { type: 'task-removed'; data: { key: string } };

/** A task made from the page: what the store's `create` takes, checked at the server's edge. */
export interface NewTaskFromPage {
  agent: string;
  title: string;
  priority?: TaskPriority;
  taskType?: string;
  description?: string;
  /** Write it assigned to its agent, not to the inbox. */
  assign?: boolean;
}

export interface DashboardBoard {
  readonly changes: Observable<BoardChange>;
  info(): BoardInfo;
  cards(): TaskCard[];
  create(task: NewTaskFromPage): Promise<TaskCard>;
  /** `new` or `blocked` → `assigned`, to `agent` when given (else the task's own). */
  assign(id: string, revision: string, agent?: string): Promise<TaskCard>;
  /** `error` → `assigned`, clearing the error. */
  retry(id: string, revision: string): Promise<TaskCard>;
  setPriority(id: string, priority: TaskPriority, revision: string): Promise<TaskCard>;
  answer(id: string): Promise<TaskAnswer>;
}

export interface DashboardFeeds {
  invocations: { readonly changes: Observable<InvocationRow>; recent(): InvocationRow[] };
  spend: { readonly changes: Observable<SpendSnapshot>; current(): SpendSnapshot };
}

export type RefusalStatus = 400 | 404 | 409 | 422 | 503;

/**
 * A refusal of the board (unknown task, a file changed meanwhile, a move the rules forbid, a malformed file, no board)
 * carries its HTTP status.
 */
export class BoardRefusal extends Error {
  readonly status: RefusalStatus;
  constructor(status: RefusalStatus, message: string) {
    super(message);
    this.name = 'BoardRefusal';
    this.status = status;
  }
}

export function isBoardRefusal(error: unknown): error is BoardRefusal {
  return error instanceof BoardRefusal;
}
