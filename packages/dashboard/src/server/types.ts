import type { Observable } from 'rxjs';
import type { InvocationRow, SpendSnapshot, TaskCard } from '../model.js';

/**
 * What the server needs of the task board and of the telemetry feeds. The board (`../board`) and the feeds
 * (`../feed`) implement these shapes; the server depends on nothing else of theirs, so its tests use small fakes.
 */
export type BoardChange = { type: 'task'; data: TaskCard } | { type: 'task-removed'; data: { key: string } };

export interface DashboardBoard {
  readonly changes: Observable<BoardChange>;
  cards(): TaskCard[];
  setPriority(key: string, priority: string, expectedVersion: string): Promise<TaskCard>;
}

export interface DashboardFeeds {
  invocations: { readonly changes: Observable<InvocationRow>; recent(): InvocationRow[] };
  spend: { readonly changes: Observable<SpendSnapshot>; current(): SpendSnapshot };
}

/** A refusal of the board (unknown task, conflict, bad priority, malformed file) carries its HTTP status. */
export interface BoardRefusal {
  message: string;
  status: 400 | 404 | 409 | 422;
}

export function isBoardRefusal(error: unknown): error is BoardRefusal {
  if (!(error instanceof Error)) return false;
  const status = (error as { status?: unknown }).status;
  return status === 400 || status === 404 || status === 409 || status === 422;
}
