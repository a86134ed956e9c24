import { TASK_COLUMNS, TASK_PRIORITIES, type TaskCard, type TaskColumn } from '../model.js';

/** The values a task file's `status` may hold; each names the column of the same name, except `new`. */
export const TASK_STATUSES = ['new', 'assigned', 'in_progress', 'blocked', 'done', 'error'] as const;
export type TaskStatus = (typeof TASK_STATUSES)[number];

const columnOfStatus: Record<TaskStatus, TaskColumn> = {
  new: 'inbox',
  assigned: 'assigned',
  in_progress: 'in_progress',
  blocked: 'blocked',
  done: 'done',
  error: 'error',
};

/**
 * The directories the agents' workflow moves files between, and the statuses a file in each may have. Files in any
 * other directory are indexed too, but nothing is expected of them.
 */
const workflowDirectories = {
  inbox: { column: 'inbox', agrees: ['new'] },
  assigned: { column: 'assigned', agrees: ['assigned', 'in_progress', 'blocked'] },
  done: { column: 'done', agrees: ['done', 'error'] },
} as const satisfies Record<string, { column: TaskColumn; agrees: readonly TaskStatus[] }>;
type WorkflowDirectory = keyof typeof workflowDirectories;

export function isTaskStatus(value: string): value is TaskStatus {
  return (TASK_STATUSES as readonly string[]).includes(value);
}

/** The workflow directory a key lies in (its first segment), or undefined for a file elsewhere. */
function workflowDirectoryOf(key: string): WorkflowDirectory | undefined {
  const first = key.split('/')[0];
  return first !== undefined && key.includes('/') && Object.hasOwn(workflowDirectories, first)
    ? (first as WorkflowDirectory)
    : undefined;
}

/** Where a file goes when its status cannot say: by its directory, and the inbox when that says nothing either. */
export function columnOfDirectory(key: string): TaskColumn {
  const directory = workflowDirectoryOf(key);
  return directory ? workflowDirectories[directory].column : 'inbox';
}

export interface Placement {
  column: TaskColumn;
  flag: string | null;
}

/**
 * The column of a well-formed file and why it is flagged. The status wins when it is valid, because it is what the
 * agent last wrote; the directory only breaks the tie when there is no usable status.
 */
export function placeTask(key: string, status: string | null): Placement {
  const directory = workflowDirectoryOf(key);
  if (status === null) return { column: columnOfDirectory(key), flag: null };
  if (!isTaskStatus(status)) {
    return {
      column: columnOfDirectory(key),
      flag: `status ${JSON.stringify(status)} is not one of ${TASK_STATUSES.join(', ')}; shown by its directory`,
    };
  }
  const column = columnOfStatus[status];
  if (directory && !(workflowDirectories[directory].agrees as readonly string[]).includes(status)) {
    return { column, flag: `status is ${status} but the file is in ${directory}/` };
  }
  return { column, flag: null };
}

/** Known priorities by rank; anything else (and no priority) sorts after them. */
export function priorityRank(priority: string | null): number {
  const rank = (TASK_PRIORITIES as readonly string[]).indexOf(priority?.trim().toLowerCase() ?? '');
  return rank === -1 ? TASK_PRIORITIES.length : rank;
}

/** The board's order: by column, then priority, then key (so the order is stable across reloads). */
export function compareCards(a: TaskCard, b: TaskCard): number {
  return (
    TASK_COLUMNS.indexOf(a.column) - TASK_COLUMNS.indexOf(b.column) ||
    priorityRank(a.priority) - priorityRank(b.priority) ||
    (a.key < b.key ? -1 : a.key > b.key ? 1 : 0)
  );
}
