export { TaskBoard, MAX_PRIORITY_LENGTH, type TaskBoardOptions, type TaskChange } from './task-board.js';
export {
  InvalidPriorityError,
  MalformedTaskError,
  TaskBoardError,
  TaskConflictError,
  UnknownTaskError,
} from './errors.js';
export { TASK_STATUSES, type TaskStatus } from './columns.js';
